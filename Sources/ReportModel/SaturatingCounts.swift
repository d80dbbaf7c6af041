/// One policy for numbers that come from reports (docs/counting.md, "Counts"): a count is
/// refused at parse above ``ReportCounts/maximum``, and every sum or product of counts after that
/// saturates at `Int64.max` instead of trapping or wrapping, so that no stored combination of
/// counts can crash a query.
public enum ReportCounts {
    /// The largest count a report may carry, per record or session total, and per report in all:
    /// 2^53, far beyond any real mail flow (and exact in a Double, so JSON readers keep it whole).
    public static let maximum: Int64 = 1 << 53

    /// Sums counts, saturating.
    public static func sum(_ counts: some Sequence<Int64>) -> Int64 {
        counts.reduce(0) { $0.saturatingAdd($1) }
    }
}

extension Int64 {
    /// The sum, held at `Int64.max` (or `.min`) instead of overflowing.
    public func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// The product, held at `Int64.max` (or `.min`) instead of overflowing.
    public func saturatingMultiply(_ other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }

    /// Adds `other` in place, saturating.
    public mutating func add(saturating other: Int64) {
        self = saturatingAdd(other)
    }
}
