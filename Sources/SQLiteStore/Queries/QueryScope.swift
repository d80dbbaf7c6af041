import GRDB
import ReportModel

/// The one builder of the terms that scope a query to some policy domains and a period, in
/// GRDB's SQL interpolation. A report counts in a period when its counted span overlaps it; a
/// rollup row when its day is in it (docs/counting.md, "Periods"). Each term starts with `AND`,
/// to follow a `WHERE 1 = 1`; no domains means every domain, no period all time.
struct QueryScope {
    /// How a table says which domain a row is about.
    enum DomainMatch {
        /// A column holding the policy domain.
        case column(String)
        /// A TLS report (`r.id`) with a policy for the domain.
        case tlsReportPolicies
    }

    /// How a table says when a row counts.
    enum PeriodMatch {
        /// The columns of a counted span (`begin` inclusive, `end` exclusive, in seconds).
        case span(begin: String, end: String)
        /// A column holding a UTC day number.
        case day(String)
    }

    var domains: [String]
    var period: DayPeriod?

    /// The terms for a table that matches domains and periods as given.
    func terms(_ domain: DomainMatch, _ when: PeriodMatch) -> SQL {
        var terms: SQL = ""
        if !domains.isEmpty {
            switch domain {
            case .column(let column): terms += " AND \(sql: column) IN \(domains)"
            case .tlsReportPolicies:
                terms += " AND r.id IN (SELECT report_id FROM tls_policy WHERE policy_domain IN \(domains))"
            }
        }
        if let period {
            switch when {
            case .span(let begin, let end):
                terms += " AND \(sql: end) > \(period.start) AND \(sql: begin) < \(period.end)"
            case .day(let column): terms += " AND \(sql: column) BETWEEN \(period.firstDay) AND \(period.lastDay)"
            }
        }
        return terms
    }

    /// The terms as text and arguments, for a statement that binds arguments of its own too.
    func build(_ domain: DomainMatch, _ when: PeriodMatch, in db: Database) throws -> (String, StatementArguments) {
        let (sql, arguments) = try terms(domain, when).build(db)
        return (sql, arguments)
    }

    /// Reports scoped by their counted span (`r.counted_begin`, `r.counted_end`).
    static let countedReports = PeriodMatch.span(begin: "r.counted_begin", end: "r.counted_end")
}
