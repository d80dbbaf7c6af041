import PostgresNIO
import ReportModel
import ReportStore

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

    /// Adds the terms that scope a query to `scope` (docs/counting.md, "Periods"), for a table
    /// that says which domain a row is about and when it counts as `domain` and `when` do.
    mutating func scope(_ scope: QueryScope, _ domain: QueryScope.DomainMatch, _ when: QueryScope.PeriodMatch) {
        if !scope.domains.isEmpty {
            switch domain {
            case .column(let column): append(" AND \(column) = ANY(\(bind(scope.domains))::text[])")
            case .tlsReportPolicies:
                append(
                    " AND (r.report_domain, r.id) IN (SELECT report_domain, report_id FROM tls_policy WHERE policy_domain = ANY(\(bind(scope.domains))::text[]))"
                )
            }
        }
        if let period = scope.period {
            switch when {
            case .span(let begin, let end):
                append(" AND \(end) > \(bind(period.start)) AND \(begin) < \(bind(period.end))")
            case .day(let column):
                append(" AND \(column) BETWEEN \(bind(period.firstDay)) AND \(bind(period.lastDay))")
            }
        }
    }

    /// Scopes reports (`r`) of the domains in `domainColumn` by their counted span.
    mutating func scopeReports(_ domains: [String], _ period: DayPeriod?, domainColumn: String = "r.policy_domain") {
        scope(QueryScope(domains: domains, period: period), .column(domainColumn), QueryScope.countedReports)
    }

    /// Scopes rollup rows by their domain and day.
    mutating func scopeDays(_ domains: [String], _ period: DayPeriod?) {
        scope(QueryScope(domains: domains, period: period), .column("policy_domain"), .day("day"))
    }

    /// The statement, ready to run.
    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
