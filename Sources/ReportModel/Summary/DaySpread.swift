/// Spreads a count over the UTC days a period overlaps (docs/counting.md).
///
/// Each day gets a share proportional to the seconds of overlap; shares are rounded down and the
/// remainder goes, one by one, to the days with the largest fractional parts (ties to the earlier
/// day), so the day totals add up exactly to the count. A period with no length counts on the day
/// of its begin.
public enum DaySpread {
    /// Unix time has no leap seconds: every UTC day is exactly this long.
    public static let secondsPerDay: Int64 = 86_400

    /// The day number (days since 1970-01-01 UTC) that contains a timestamp.
    public static func day(of timestamp: Int64) -> Int64 {
        timestamp >= 0 ? timestamp / secondsPerDay : -((-timestamp + secondsPerDay - 1) / secondsPerDay)
    }

    /// The share of `count` that falls on each overlapped day, in day order.
    /// - Returns: pairs of (day number, count), with every overlapped day present.
    public static func spread(count: Int64, over range: DateRange) -> [(day: Int64, count: Int64)] {
        let firstDay = day(of: range.begin)
        guard range.end > range.begin else { return [(firstDay, count)] }
        let lastDay = day(of: range.end - 1)
        if firstDay == lastDay { return [(firstDay, count)] }
        let total = range.end - range.begin
        var parts: [(day: Int64, count: Int64, remainder: Int64)] = []
        parts.reserveCapacity(Int(min(lastDay - firstDay + 1, 4096)))
        var assigned: Int64 = 0
        var day = firstDay
        while day <= lastDay {
            let start = max(range.begin, day * secondsPerDay)
            let stop = min(range.end, (day + 1) * secondsPerDay)
            let (share, remainder) = Self.mulDiv(count, stop - start, total)
            parts.append((day, share, remainder))
            assigned += share
            day += 1
        }
        var left = count - assigned
        if left > 0 {
            let order = parts.indices.sorted { a, b in
                parts[a].remainder != parts[b].remainder ? parts[a].remainder > parts[b].remainder : a < b
            }
            for index in order where left > 0 {
                parts[index].count += 1
                left -= 1
            }
        }
        return parts.map { ($0.day, $0.count) }
    }

    /// The part of `count` that falls within the days `[firstDay, lastDay]`.
    public static func share(of count: Int64, over range: DateRange, fromDay firstDay: Int64, toDay lastDay: Int64)
        -> Int64
    {
        let begin = day(of: range.begin)
        let end = range.end > range.begin ? day(of: range.end - 1) : begin
        if begin >= firstDay && end <= lastDay { return count }
        if end < firstDay || begin > lastDay { return 0 }
        return spread(count: count, over: range).reduce(0) { sum, part in
            part.day >= firstDay && part.day <= lastDay ? sum + part.count : sum
        }
    }

    /// `a * b / c` and its remainder without overflow, for non-negative operands and `b <= c`.
    static func mulDiv(_ a: Int64, _ b: Int64, _ c: Int64) -> (quotient: Int64, remainder: Int64) {
        let product = a.multipliedFullWidth(by: b)
        let (quotient, remainder) = c.dividingFullWidth(product)
        return (quotient, remainder)
    }
}
