import PostgresNIO
import ReportModel

/// A statement put together in parts, with its parameters numbered as they are added.
struct PostgresQueryText {
    private(set) var sql: String
    private var binds = PostgresBindings()

    init(_ sql: String) { self.sql = sql }

    /// Adds text to the statement.
    mutating func append(_ text: String) { sql += text }

    /// Adds a parameter and returns its placeholder (`$1`, `$2`, …).
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Adds the terms that scope a query to some policy domains and a period (docs/counting.md,
    /// "Periods"): a report counts when its counted span overlaps the period, a rollup row when
    /// its day is in it. No domains means every domain, no period all time.
    mutating func scope(_ scope: QueryScope) {
        if !scope.domains.isEmpty {
            switch scope.domain {
            case .column(let column): append(" AND \(column) = ANY(\(bind(scope.domains))::text[])")
            case .tlsReportPolicies:
                append(
                    " AND (r.report_domain, r.id) IN (SELECT report_domain, report_id FROM tls_policy WHERE policy_domain = ANY(\(bind(scope.domains))::text[]))"
                )
            }
        }
        if let period = scope.period {
            switch scope.when {
            case .span(let begin, let end):
                append(" AND \(end) > \(bind(period.start)) AND \(begin) < \(bind(period.end))")
            case .day(let column):
                append(" AND \(column) BETWEEN \(bind(period.firstDay)) AND \(bind(period.lastDay))")
            }
        }
    }

    /// The statement, ready to run.
    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

/// Which domains and period a query covers, and how its tables say so.
struct QueryScope {
    /// How a table says which domain a row is about.
    enum DomainMatch {
        /// A column holding the policy domain.
        case column(String)
        /// A TLS report (`r`) with a policy for the domain.
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
    var domain: DomainMatch
    var when: PeriodMatch

    /// Reports of `column`'s domains, scoped by their counted span (`r.counted_begin`, `r.counted_end`).
    static func reports(_ domains: [String], _ period: DayPeriod?, domainColumn: String = "r.policy_domain") -> Self {
        Self(
            domains: domains, period: period, domain: .column(domainColumn),
            when: .span(begin: "r.counted_begin", end: "r.counted_end"))
    }

    /// Rollup rows of the domains whose day is in the period.
    static func days(_ domains: [String], _ period: DayPeriod?) -> Self {
        Self(domains: domains, period: period, domain: .column("policy_domain"), when: .day("day"))
    }
}
