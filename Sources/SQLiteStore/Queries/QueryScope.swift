import GRDB
import ReportModel
import ReportStore

/// The one builder of the terms that scope a query to some policy domains and a period, in
/// GRDB's SQL interpolation (``QueryScope`` says what they mean). Each term starts with `AND`,
/// to follow a `WHERE 1 = 1`.
extension QueryScope {
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
}
