/// An inclusive range of UTC days (`--since 2026-11-01 --until 2026-11-28`).
public struct DayPeriod: Hashable, Sendable {
    /// Day numbers: days since 1970-01-01.
    public var firstDay: Int64
    /// The last day included (not the day after).
    public var lastDay: Int64

    /// Makes the period of the days `firstDay` through `lastDay`.
    public init(firstDay: Int64, lastDay: Int64) {
        self.firstDay = firstDay
        self.lastDay = lastDay
    }

    /// The first second of the period.
    public var start: Int64 { firstDay * DaySpread.secondsPerDay }
    /// The first second after the period.
    public var end: Int64 { (lastDay + 1) * DaySpread.secondsPerDay }

    /// Parses `YYYY-MM-DD` as a day number.
    public static func day(fromISODate text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD` for a day number.
    public static func isoDate(ofDay dayNumber: Int64) -> String {
        let (y, m, d) = civil(fromDays: dayNumber)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Days in a month of the Gregorian calendar, leap years included; checks dates (``day(fromISODate:)``).
    public static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil algorithm.
    /// The day number of a calendar date, for any year (no validation: see ``day(fromISODate:)``).
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The (year, month, day) of a day number: the inverse of ``daysFromCivil(year:month:day:)``.
    public static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}

extension DayPeriod {
    /// The number of days in the period.
    public var length: Int64 { lastDay - firstDay + 1 }
}
