/// A reporting period in seconds since the Unix epoch, UTC: `[begin, end)`.
public struct DateRange: Hashable, Sendable {
    /// The first second covered (DMARC `begin`, TLS-RPT `start-datetime`).
    public var begin: Int64
    /// The first second after the period; with ``begin``, part of a report's duplicate key.
    public var end: Int64

    /// Makes a range from parsed values (no checks: parsers refuse an end before the begin).
    public init(begin: Int64, end: Int64) {
        self.begin = begin
        self.end = end
    }

    /// The largest timestamp accepted anywhere: 9999-12-31T23:59:59Z.
    public static let latestTimestamp: Int64 = 253_402_300_799
}

/// Why a report's date range is not believed as it stands (docs/counting.md, "Date ranges").
public struct RangeFlags: OptionSet, Hashable, Sendable {
    /// The flags as bits, for `OptionSet`; the store keeps ``names`` instead.
    public let rawValue: Int
    /// Makes flags from their bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// It begins before 2012, when DMARC reports began.
    public static let beginsBefore2012 = RangeFlags(rawValue: 1)
    /// It ends after the day the report arrived.
    public static let endsInTheFuture = RangeFlags(rawValue: 2)
    /// It covers more than ``DateRange/longestPlausible``.
    public static let tooLong = RangeFlags(rawValue: 4)

    /// `begins-before-2012,longer-than-31-days`: the form kept in the store and shown to people.
    public var names: String {
        [
            (Self.beginsBefore2012, "begins-before-2012"), (.endsInTheFuture, "ends-in-the-future"),
            (.tooLong, "longer-than-31-days"),
        ]
        .filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }
}

extension DateRange {
    /// 2012-01-01T00:00:00Z: no DMARC report covers an earlier time.
    public static let earliestPlausible: Int64 = 1_325_376_000
    /// The longest range counted as it stands: reporters send a day, some a week or a few
    /// (Trustwave SEG); a month is the most anyone has been seen to cover.
    public static let longestPlausible: Int64 = 31 * 86_400

    /// The span a report's counts are spread over, and why it differs from the range.
    ///
    /// A plausible range (from 2012, ending by the end of the UTC day the report arrived, at
    /// most 31 days long) is counted as it stands. Dates that cannot be right (before 2012, in
    /// the future) leave only the end as evidence: the counts go on the last day of the range,
    /// its end first brought within 2012 and the day of arrival. A range only too long is
    /// counted over its last 31 days. Either way a report touches at most 31 days of the
    /// rollup, whatever its dates say (a range from 1970 to 9999 once made millions of rows).
    /// - Parameter arrival: when the report arrived (seconds since the epoch).
    public func countedSpan(arrival: Int64) -> (span: DateRange, flags: RangeFlags) {
        let day = DaySpread.secondsPerDay
        let arrivalDayEnd = (DaySpread.day(of: arrival) + 1) * day
        var flags: RangeFlags = []
        if begin < Self.earliestPlausible { flags.insert(.beginsBefore2012) }
        if end > arrivalDayEnd { flags.insert(.endsInTheFuture) }
        if end - begin > Self.longestPlausible { flags.insert(.tooLong) }
        if flags.isEmpty { return (self, []) }
        if flags.contains(.beginsBefore2012) || flags.contains(.endsInTheFuture) {
            let lastEnd = Swift.min(
                Swift.max(end, Self.earliestPlausible + day), Swift.max(arrivalDayEnd, Self.earliestPlausible + day))
            return (DateRange(begin: lastEnd - day, end: lastEnd), flags)
        }
        return (DateRange(begin: end - Self.longestPlausible, end: end), flags)
    }
}
