import Foundation
import GRDB
import ReportModel
import ReportStore

extension SQLiteReportStore {
    /// DMARC totals per policy domain (docs/counting.md), whole or over a period of UTC days.
    ///
    /// Message counts come from the per-day rollup, where each record's count was spread over
    /// the days its report covers when it was stored: a period sums its days, all time sums all
    /// days, and both are exact. A report counts in `reports` when its range overlaps the period.
    /// - Parameter domains: policy domains to include; empty for all.
    public func dmarcTotals(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [String:
        DMARCTotals]
    {
        try read("summarising DMARC") { db in
            var totals: [String: DMARCTotals] = [:]
            let (reportFilter, reportArguments) = try QueryScope(domains: domains, period: period).build(
                .column("r.policy_domain"), QueryScope.countedReports, in: db)
            let reportRows = try Row.fetchCursor(
                db,
                sql:
                    "SELECT r.policy_domain, COUNT(*) FROM dmarc_report r WHERE 1 = 1\(reportFilter) GROUP BY r.policy_domain",
                arguments: reportArguments)
            while let row = try reportRows.next() {
                totals[row[0], default: DMARCTotals()].reports = row[1]
            }
            let (filter, arguments) = try QueryScope(domains: domains, period: period).build(
                .column("policy_domain"), .day("day"), in: db)
            let statement = try db.cachedStatement(
                sql: """
                    SELECT policy_domain, disposition, messages, dmarc_pass, spf_pass, dkim_pass, relayed FROM dmarc_daily
                    WHERE 1 = 1\(filter)
                    """)
            try statement.setArguments(arguments)
            // Rows come in domain order, with a handful of dispositions: each domain is summed
            // on its own and stored when the next one starts.
            var domainNames = RecentTexts()
            var dispositions = RecentTexts()
            var domain: String?
            var current = DMARCTotals()
            try RawRows(statement).forEach { row in
                let name = domainNames.text(row.bytes(0))
                if name != domain {
                    if let domain { totals[domain, default: DMARCTotals()].merge(current) }
                    domain = name
                    current = DMARCTotals()
                }
                current.add(
                    messages: row.integer(2), dmarcPass: row.integer(3), spfPass: row.integer(4),
                    dkimPass: row.integer(5),
                    relayed: row.integer(6), disposition: Disposition(rawValue: dispositions.text(row.bytes(1))))
            }
            if let domain { totals[domain, default: DMARCTotals()].merge(current) }
            return totals
        }
    }

    /// DMARC aggregates per (policy domain, source IP, reporter) for the correlation, summed
    /// in SQL from the per-day rollup. Their report sets stay empty: ``dmarcReportCounts`` and
    /// ``dmarcReportsByReporter`` count distinct reports once sources are resolved.
    public func dmarcSourceAggregates(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError)
        -> [DMARCSourceAggregate]
    {
        try read("aggregating DMARC by source") { db in
            // Summed here rather than with GROUP BY: SQLite would sort every day's row by five
            // text columns first, which cost more than the whole rest of a `correlate`. Rows are
            // read straight from SQLite (tens of thousands of them).
            var slots = ByteKeyIndex()
            var dispositions = RecentTexts()
            var result: [DMARCSourceAggregate] = []
            let (filter, arguments) = try QueryScope(domains: domains, period: period).build(
                .column("policy_domain"), .day("day"), in: db)
            let statement = try db.cachedStatement(
                sql: """
                    SELECT policy_domain, source_ip, reporter_org, reporter_email, disposition, messages, dmarc_pass,
                        spf_pass, dkim_pass, relayed FROM dmarc_daily WHERE 1 = 1\(filter)
                    """)
            try statement.setArguments(arguments)
            try RawRows(statement).forEach { row in
                let (slot, isNew) = slots.slot(of: row, columns: 0...3)
                if isNew {
                    let email = row.text(3)
                    result.append(
                        DMARCSourceAggregate(
                            domain: row.text(0), sourceIP: row.text(1), reporterOrgName: row.text(2),
                            reporterEmail: email.isEmpty ? nil : email, reports: [], totals: DMARCTotals()))
                }
                result[slot].totals.add(
                    messages: row.integer(5), dmarcPass: row.integer(6), spfPass: row.integer(7),
                    dkimPass: row.integer(8),
                    relayed: row.integer(9), disposition: Disposition(rawValue: dispositions.text(row.bytes(4))))
            }
            return result
        }
    }

    /// Distinct DMARC reports per (policy domain, key), where `keyOfIP` names the key of each
    /// source IP (its resolved source); IPs missing from the map count under their own text.
    /// Reads one row per report, with its source IPs, from the table clustered by domain and end.
    public func dmarcReportCounts(
        domains: [String] = [], period: DayPeriod? = nil, keyOfIP: [String: String]
    ) throws(StoreError) -> [String: [String: Int64]] {
        try read("counting reports by source") { db in
            let (filter, arguments) = try QueryScope(domains: domains, period: period).build(
                .column("r.policy_domain"), .span(begin: "r.begin", end: "r.end"), in: db)
            var reports: [String: [String: Int64]] = [:]
            // Rows come in domain order: each domain is counted on its own (and, were a domain's
            // rows ever split, its parts add up: every report is one row).
            var domain: String?
            var counter = ReportsPerKey()
            let statement = try db.cachedStatement(
                sql: "SELECT r.policy_domain, r.source_ips, r.report_id FROM dmarc_report_ips r WHERE 1 = 1\(filter)")
            try statement.setArguments(arguments)
            try RawRows(statement).forEach { row in
                let rowDomain = row.text(0)
                if rowDomain != domain {
                    if let domain { reports[domain, default: [:]].merge(counter.counted, uniquingKeysWith: +) }
                    domain = rowDomain
                    counter = ReportsPerKey()
                }
                let report = row.integer(2)
                SourceIPList.forEachAddress(in: row.bytes(1)) {
                    counter.count(address: $0, report: report, keyOfIP: keyOfIP)
                }
            }
            if let domain { reports[domain, default: [:]].merge(counter.counted, uniquingKeysWith: +) }
            return reports
        }
    }

    /// DMARC reports per (policy domain, organisation name, address) in the period.
    public func dmarcReportsByReporter(
        domains: [String] = [], period: DayPeriod? = nil
    ) throws(StoreError) -> [(domain: String, orgName: String, email: String?, reports: Int64)] {
        try read("counting reports by reporter") { db in
            let (filter, arguments) = try QueryScope(domains: domains, period: period).build(
                .column("r.policy_domain"), QueryScope.countedReports, in: db)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT r.policy_domain, LOWER(TRIM(r.org_name)), r.email, COUNT(*) FROM dmarc_report r
                    WHERE 1 = 1\(filter) GROUP BY 1, 2, 3
                    """,
                arguments: arguments
            ).map { ($0[0], $0[1], $0[2], $0[3]) }
        }
    }
}
