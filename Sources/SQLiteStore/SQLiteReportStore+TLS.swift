import Foundation
import GRDB
import ReportModel
import ReportStore

extension SQLiteReportStore {
    /// Inserts a TLS report and its policies and failure details. Returns its row id and whether
    /// it was new; a duplicate (same organisation, report id and range) changes nothing.
    static func insert(
        _ report: TLSReport, from origin: InputOrigin, part: String, arrival: Int64, in db: Database
    ) throws -> (Int64, Bool) {
        let (counted, flags) = report.dateRange.countedSpan(arrival: arrival)
        try db.cachedStatement(
            sql: """
                INSERT OR FAIL INTO tls_report(organization, organization_key, contact_info, report_id, begin, end, raw_input_id,
                    input, part, imported_at, mail_message_id, counted_begin, counted_end, range_flags)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (organization_key, report_id, begin, end) DO NOTHING
                """
        ).execute(arguments: [
            report.organizationName, report.organizationKey, report.contactInfo, report.reportID,
            report.dateRange.begin, report.dateRange.end, origin.rawInputID, origin.input, part, now(),
            origin.messageID,
            counted.begin, counted.end, flags.isEmpty ? nil : flags.names,
        ])
        guard db.changesCount > 0 else {
            let existing = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM tls_report WHERE organization_key = ? AND report_id = ? AND begin = ? AND end = ?",
                arguments: [report.organizationKey, report.reportID, report.dateRange.begin, report.dateRange.end])
            return (existing ?? 0, false)
        }
        let reportID = db.lastInsertedRowID
        // A policy without a domain (Postfix's no-policy-found) belongs to the report's domain.
        let fallbackDomain = report.policies.lazy.compactMap(\.policy.domain).first ?? ""
        let insertPolicy = try db.cachedStatement(
            sql: """
                INSERT OR FAIL INTO tls_policy(report_id, position, policy_type, category, policy_domain, domain_given, policy_strings,
                    sts_mode, sts_max_age, mx_hosts, successful_sessions, failed_sessions)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let insertFailure = try db.cachedStatement(
            sql: """
                INSERT OR FAIL INTO tls_failure(policy_id, result_type, category, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo,
                    receiving_ip, failed_session_count, additional_information, failure_reason_code)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (position, result) in report.policies.enumerated() {
            let policy = result.policy
            try insertPolicy.execute(arguments: [
                reportID, position, policy.type.rawValue, policy.type.category.rawValue,
                policy.domain ?? fallbackDomain,
                policy.domain != nil, try Self.json(policy.strings), policy.stsMode?.rawValue, policy.stsMaxAge,
                try Self.json(policy.mxHosts), result.successfulSessions, result.failedSessions,
            ])
            let policyID = db.lastInsertedRowID
            for detail in result.failureDetails {
                try insertFailure.execute(arguments: [
                    policyID, detail.resultType.rawValue, detail.resultType.category.rawValue, detail.sendingMTAIP,
                    detail.receivingMXHostname, detail.receivingMXHelo, detail.receivingIP, detail.failedSessionCount,
                    detail.additionalInformation, detail.failureReasonCode,
                ])
            }
        }
        return (reportID, true)
    }

    /// The part of `count` that falls in `period`, for a row with `begin` and `end` columns.
    static func share(of count: Int64, in row: Row, period: DayPeriod?) -> Int64 {
        guard let period else { return count }
        return DaySpread.share(
            of: count, over: DateRange(begin: row["begin"], end: row["end"]), fromDay: period.firstDay,
            toDay: period.lastDay)
    }

    static func json(_ strings: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(strings), as: UTF8.self)
    }

    /// TLS session totals per policy domain (docs/counting.md), whole or over a period of UTC days,
    /// with the same day-spread rule as DMARC.
    public func tlsTotals(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [String: TLSTotals] {
        try read("summarising TLS-RPT") { db in
            let (filter, arguments) = try QueryScope(domains: domains, period: period).build(
                .column("p.policy_domain"), QueryScope.countedReports, in: db)
            func share(_ count: Int64, _ row: Row) -> Int64 { Self.share(of: count, in: row, period: period) }
            var totals: [String: TLSTotals] = [:]
            let reports = try Row.fetchCursor(
                db,
                sql:
                    "SELECT p.policy_domain, COUNT(DISTINCT r.id) FROM tls_report r JOIN tls_policy p ON p.report_id = r.id WHERE 1 = 1\(filter) GROUP BY p.policy_domain",
                arguments: arguments)
            while let row = try reports.next() { totals[row[0], default: TLSTotals()].reports = row[1] }
            let policies = try Row.fetchCursor(
                db,
                sql:
                    "SELECT p.policy_domain, r.counted_begin AS begin, r.counted_end AS end, p.successful_sessions, p.failed_sessions FROM tls_report r JOIN tls_policy p ON p.report_id = r.id WHERE 1 = 1\(filter)",
                arguments: arguments)
            while let row = try policies.next() {
                let domain: String = row[0]
                totals[domain, default: TLSTotals()].successfulSessions = totals[domain, default: TLSTotals()]
                    .successfulSessions.saturatingAdd(share(row[3], row))
                totals[domain, default: TLSTotals()].failedSessions = totals[domain, default: TLSTotals()]
                    .failedSessions.saturatingAdd(share(row[4], row))
            }
            let failures = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.policy_domain, r.counted_begin AS begin, r.counted_end AS end, f.result_type, f.failed_session_count
                    FROM tls_report r JOIN tls_policy p ON p.report_id = r.id JOIN tls_failure f ON f.policy_id = p.id
                    WHERE 1 = 1\(filter)
                    """,
                arguments: arguments)
            while let row = try failures.next() {
                let domain: String = row[0]
                let type: String = row[3]
                let current = totals[domain, default: TLSTotals()].failuresByResultType[type, default: 0]
                totals[domain, default: TLSTotals()].failuresByResultType[type] = current.saturatingAdd(
                    share(row[4], row))
            }
            return totals
        }
    }
}

extension SQLiteReportStore {
    /// TLS breakdowns per policy domain: by policy type, receiving MX and reporter, and the
    /// MTA-STS mode in force. Counts follow the same day-spread rule as ``tlsTotals(domains:period:)``.
    public func tlsBreakdowns(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [String:
        TLSBreakdown]
    {
        try read("breaking down TLS-RPT") { db in
            let (filter, arguments) = try QueryScope(domains: domains, period: period).build(
                .column("p.policy_domain"), QueryScope.countedReports, in: db)
            func share(_ count: Int64, _ row: Row) -> Int64 { Self.share(of: count, in: row, period: period) }
            var builder = TLSBreakdownBuilder()
            let policies = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.policy_domain, r.id, r.organization, r.counted_begin AS begin, r.counted_end AS end, p.policy_type, p.sts_mode, p.sts_max_age,
                        p.successful_sessions, p.failed_sessions
                    FROM tls_report r JOIN tls_policy p ON p.report_id = r.id WHERE 1 = 1\(filter)
                    ORDER BY r.begin, r.id, p.position
                    """,
                arguments: arguments)
            while let row = try policies.next() {
                builder.addPolicy(
                    domain: row["policy_domain"], report: row["id"], reporter: row["organization"],
                    type: row["policy_type"], stsMode: row["sts_mode"], stsMaxAge: row["sts_max_age"],
                    successful: share(row["successful_sessions"], row), failed: share(row["failed_sessions"], row))
            }
            let failures = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.policy_domain, r.counted_begin AS begin, r.counted_end AS end, f.receiving_mx_hostname, f.failed_session_count
                    FROM tls_report r JOIN tls_policy p ON p.report_id = r.id JOIN tls_failure f ON f.policy_id = p.id
                    WHERE 1 = 1\(filter)
                    """,
                arguments: arguments)
            while let row = try failures.next() {
                builder.addFailure(domain: row[0], receivingMX: row[3], count: share(row[4], row))
            }
            return builder.breakdowns
        }
    }

    /// TLS failure details of one domain, summed per (sending MTA, result type, receiving MX,
    /// reporter) with the day-spread rule, most failed sessions first.
    public func tlsFailureDetails(domain: String, period: DayPeriod?) throws(StoreError) -> [TLSFailureGroup] {
        try read("listing TLS failure details") { db in
            let (filter, arguments) = try QueryScope(domains: [domain], period: period).build(
                .column("p.policy_domain"), QueryScope.countedReports, in: db)
            var groups = TLSFailureGroupCollector()
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.counted_begin AS begin, r.counted_end AS end, f.sending_mta_ip, f.result_type, f.receiving_mx_hostname, r.organization, f.failed_session_count
                    FROM tls_report r JOIN tls_policy p ON p.report_id = r.id JOIN tls_failure f ON f.policy_id = p.id
                    WHERE 1 = 1\(filter)
                    """,
                arguments: arguments)
            while let row = try rows.next() {
                groups.add(
                    sendingMTAIP: row[2], resultType: row[3], receivingMX: row[4], reporter: row[5],
                    failedSessions: Self.share(of: row[6], in: row, period: period))
            }
            return groups.sorted
        }
    }

    /// The stored TLS reports that have a policy for `domain`, in start order.
    package func tlsReports(domain: String) throws(StoreError) -> [TLSReport] {
        try read("reading TLS reports") { db in
            let reports = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT r.* FROM tls_report r JOIN tls_policy p ON p.report_id = r.id
                    WHERE p.policy_domain = ? ORDER BY r.begin, r.id
                    """,
                arguments: [domain])
            return try reports.map { report in
                let policies = try Row.fetchAll(
                    db, sql: "SELECT * FROM tls_policy WHERE report_id = ? ORDER BY position",
                    arguments: [report["id"] as Int64]
                ).map { row in
                    let failures = try Row.fetchAll(
                        db, sql: "SELECT * FROM tls_failure WHERE policy_id = ? ORDER BY rowid",
                        arguments: [row["id"] as Int64]
                    ).map { f in
                        TLSFailureDetail(
                            resultType: TLSResultType(rawValue: f["result_type"]), sendingMTAIP: f["sending_mta_ip"],
                            receivingMXHostname: f["receiving_mx_hostname"], receivingMXHelo: f["receiving_mx_helo"],
                            receivingIP: f["receiving_ip"], failedSessionCount: f["failed_session_count"],
                            additionalInformation: f["additional_information"],
                            failureReasonCode: f["failure_reason_code"])
                    }
                    let given: Bool = row["domain_given"]
                    return TLSPolicyResult(
                        policy: TLSPolicy(
                            type: TLSPolicyType(rawValue: row["policy_type"]),
                            strings: Self.strings(row["policy_strings"]),
                            domain: given ? row["policy_domain"] : nil, mxHosts: Self.strings(row["mx_hosts"])),
                        successfulSessions: row["successful_sessions"], failedSessions: row["failed_sessions"],
                        failureDetails: failures)
                }
                return TLSReport(
                    organizationName: report["organization"],
                    dateRange: DateRange(begin: report["begin"], end: report["end"]),
                    contactInfo: report["contact_info"], reportID: report["report_id"], policies: policies)
            }
        }
    }

    static func strings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }
}

extension SQLiteReportStore {
    /// TLS sessions per (policy domain, reporting organisation) for the correlation, spread over
    /// days like every other period query.
    public func tlsReporterAggregates(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError)
        -> [TLSReporterAggregate]
    {
        try read("aggregating TLS-RPT by reporter") { db in
            var builder = TLSReporterAggregateBuilder<Int64>()
            let (filter, arguments) = try QueryScope(domains: domains, period: period).build(
                .column("p.policy_domain"), QueryScope.countedReports, in: db)
            func share(_ count: Int64, _ row: Row) -> Int64 { Self.share(of: count, in: row, period: period) }
            let policies = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.id AS policy_id, r.id, p.policy_domain, r.organization, IFNULL(r.contact_info, '') AS contact, r.counted_begin AS begin, r.counted_end AS end,
                        p.successful_sessions, p.failed_sessions
                    FROM tls_report r JOIN tls_policy p ON p.report_id = r.id WHERE 1 = 1\(filter)
                    """,
                arguments: arguments)
            while let row = try policies.next() {
                builder.addPolicy(
                    policy: row["policy_id"], report: row["id"], domain: row["policy_domain"],
                    organization: row["organization"], contact: row["contact"],
                    successful: share(row["successful_sessions"], row), failed: share(row["failed_sessions"], row))
            }
            let failures = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.id, r.counted_begin AS begin, r.counted_end AS end, f.result_type, f.failed_session_count
                    FROM tls_report r JOIN tls_policy p ON p.report_id = r.id JOIN tls_failure f ON f.policy_id = p.id
                    WHERE 1 = 1\(filter)
                    """,
                arguments: arguments)
            while let row = try failures.next() {
                builder.addFailure(policy: row[0], resultType: row[3], count: share(row[4], row))
            }
            return builder.aggregates
        }
    }
}
