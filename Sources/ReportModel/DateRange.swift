/// A reporting period in seconds since the Unix epoch, UTC: `[begin, end)`.
public struct DateRange: Hashable, Sendable {
    public var begin: Int64
    public var end: Int64

    public init(begin: Int64, end: Int64) {
        self.begin = begin
        self.end = end
    }

    /// The largest timestamp accepted anywhere: 9999-12-31T23:59:59Z.
    public static let latestTimestamp: Int64 = 253_402_300_799
}
