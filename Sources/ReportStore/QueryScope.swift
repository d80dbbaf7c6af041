import ReportModel

/// Which policy domains and period a question covers, and how a table says which domain a row
/// is about and when it counts: a report counts in a period when its counted span overlaps it, a
/// rollup row when its day is in it (docs/counting.md, "Periods"). No domains means every
/// domain, no period all time. Each backend writes the terms in its own SQL.
package struct QueryScope {
    /// How a table says which domain a row is about.
    package enum DomainMatch {
        /// A column holding the policy domain.
        case column(String)
        /// A TLS report (`r`) with a policy for the domain.
        case tlsReportPolicies
    }

    /// How a table says when a row counts.
    package enum PeriodMatch {
        /// The columns of a counted span (`begin` inclusive, `end` exclusive, in seconds).
        case span(begin: String, end: String)
        /// A column holding a UTC day number.
        case day(String)
    }

    package var domains: [String]
    package var period: DayPeriod?

    package init(domains: [String], period: DayPeriod?) {
        self.domains = domains
        self.period = period
    }

    /// Reports scoped by their counted span (`r.counted_begin`, `r.counted_end`).
    package static let countedReports = PeriodMatch.span(begin: "r.counted_begin", end: "r.counted_end")
}
