import Foundation
import PostgresNIO
import ReportModel
import ReportStore

/// Text compared and sorted byte by byte, as SQLite does, whatever the database's locale: the
/// same inputs give the same outputs on either backend.
private let bytewise = "COLLATE \"C\""

/// SQLite's `lower()`: ASCII letters only, whatever the database's locale.
private func asciiLower(_ expression: String) -> String {
    "translate(\(expression), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
}

/// A sum held within a 64-bit integer (PostgreSQL sums `bigint` as `numeric`, which never
/// overflows; docs/counting.md holds counts at 2^63 - 1).
private func held(_ sum: String) -> String {
    "LEAST(\(sum), 9223372036854775807)::bigint"
}

extension PostgresReportStore {
    /// The policy domains with any DMARC or TLS report, sorted.
    public func domains() throws(StoreError) -> [String] {
        try read("listing domains") { db in
            try db.query(
                """
                SELECT d FROM (SELECT policy_domain AS d FROM dmarc_report UNION SELECT policy_domain FROM tls_policy) a
                ORDER BY d COLLATE "C"
                """
            ).map { try $0.decode(String.self) }
        }
    }

    /// The first and last UTC day any report covers, or `nil` for an empty store.
    public func coveredDays() throws(StoreError) -> DayPeriod? {
        try read("finding the covered days") { db in
            guard
                let row = try db.query(
                    """
                    SELECT MIN(b), MAX(e) FROM (SELECT counted_begin AS b, counted_end AS e FROM dmarc_report
                    UNION ALL SELECT counted_begin, counted_end FROM tls_report) a
                    """
                ).first
            else { return nil }
            let (begin, end) = try row.decode((Int64?, Int64?).self)
            guard let begin, let end else { return nil }
            return DayPeriod(firstDay: DaySpread.day(of: begin), lastDay: DaySpread.day(of: max(begin, end - 1)))
        }
    }

    /// DMARC totals per policy domain (docs/counting.md): reports whose counted span overlaps
    /// the period, and messages summed from the per-day rollup.
    public func dmarcTotals(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [String:
        DMARCTotals]
    {
        try read("summarising DMARC") { db in
            var totals: [String: DMARCTotals] = [:]
            var reports = PostgresQueryText("SELECT r.policy_domain, count(*) FROM dmarc_report r WHERE true")
            reports.scopeReports(domains, period)
            reports.append(" GROUP BY r.policy_domain")
            for row in try db.query(reports.query) {
                let (domain, count) = try row.decode((String, Int64).self)
                totals[domain, default: DMARCTotals()].reports = count
            }
            var messages = PostgresQueryText(
                """
                SELECT policy_domain, disposition, \(held("sum(messages)")), \(held("sum(dmarc_pass)")),
                    \(held("sum(spf_pass)")), \(held("sum(dkim_pass)")), \(held("sum(relayed)"))
                FROM dmarc_daily WHERE true
                """)
            messages.scopeDays(domains, period)
            messages.append(" GROUP BY policy_domain, disposition")
            for row in try db.query(messages.query) {
                let (domain, disposition, count, dmarcPass, spfPass, dkimPass, relayed) = try row.decode(
                    (String, String, Int64, Int64, Int64, Int64, Int64).self)
                totals[domain, default: DMARCTotals()].add(
                    messages: count, dmarcPass: dmarcPass, spfPass: spfPass, dkimPass: dkimPass, relayed: relayed,
                    disposition: Disposition(rawValue: disposition))
            }
            return totals
        }
    }

    /// DMARC aggregates per (policy domain, source IP, reporter) for the correlation, summed in
    /// SQL from the per-day rollup; their report sets stay empty (see ``dmarcReportCounts``).
    public func dmarcSourceAggregates(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError)
        -> [DMARCSourceAggregate]
    {
        try read("aggregating DMARC by source") { db in
            var query = PostgresQueryText(
                """
                SELECT policy_domain, source_ip, reporter_org, reporter_email, disposition, \(held("sum(messages)")),
                    \(held("sum(dmarc_pass)")), \(held("sum(spf_pass)")), \(held("sum(dkim_pass)")), \(held("sum(relayed)"))
                FROM dmarc_daily WHERE true
                """)
            query.scopeDays(domains, period)
            query.append(
                """
                 GROUP BY policy_domain, source_ip, reporter_org, reporter_email, disposition
                ORDER BY policy_domain \(bytewise), source_ip \(bytewise), reporter_org \(bytewise),
                    reporter_email \(bytewise), disposition \(bytewise)
                """)
            var result: [DMARCSourceAggregate] = []
            var slotOfKey: [[String]: Int] = [:]
            for row in try db.query(query.query) {
                let (domain, ip, org, email, disposition, messages, dmarcPass, spfPass, dkimPass, relayed) =
                    try row.decode((String, String, String, String, String, Int64, Int64, Int64, Int64, Int64).self)
                let key = [domain, ip, org, email]
                let slot: Int
                if let known = slotOfKey[key] {
                    slot = known
                } else {
                    slot = result.count
                    slotOfKey[key] = slot
                    result.append(
                        DMARCSourceAggregate(
                            domain: domain, sourceIP: ip, reporterOrgName: org,
                            reporterEmail: email.isEmpty ? nil : email, reports: [], totals: DMARCTotals()))
                }
                result[slot].totals.add(
                    messages: messages, dmarcPass: dmarcPass, spfPass: spfPass, dkimPass: dkimPass, relayed: relayed,
                    disposition: Disposition(rawValue: disposition))
            }
            return result
        }
    }

    /// Distinct DMARC reports per (policy domain, key), where `keyOfIP` names the key of each
    /// source IP (its resolved source); IPs missing from the map count under their own text.
    public func dmarcReportCounts(
        domains: [String] = [], period: DayPeriod? = nil, keyOfIP: [String: String]
    ) throws(StoreError) -> [String: [String: Int64]] {
        try read("counting reports by source") { db in
            // One row per report (and part) with its distinct source IPs.
            var query = PostgresQueryText(
                "SELECT r.policy_domain, r.report_id, r.source_ips FROM dmarc_report_ips r WHERE true")
            query.scopeReports(domains, period)
            struct Counted: Hashable {
                var domain: String
                var key: String
                var report: Int64
            }
            var seen: Set<Counted> = []
            var reports: [String: [String: Int64]] = [:]
            for row in try db.query(query.query) {
                let (domain, report, addresses) = try row.decode((String, Int64, [String]).self)
                for ip in addresses {
                    let key = keyOfIP[ip] ?? ip
                    if seen.insert(Counted(domain: domain, key: key, report: report)).inserted {
                        reports[domain, default: [:]][key, default: 0] += 1
                    }
                }
            }
            return reports
        }
    }

    /// DMARC reports per (policy domain, organisation name, address) in the period.
    public func dmarcReportsByReporter(
        domains: [String] = [], period: DayPeriod? = nil
    ) throws(StoreError) -> [(domain: String, orgName: String, email: String?, reports: Int64)] {
        let rows = try read("counting reports by reporter") { db in
            var query = PostgresQueryText(
                "SELECT r.policy_domain, \(asciiLower("btrim(r.org_name)")), r.email, count(*) FROM dmarc_report r WHERE true"
            )
            query.scopeReports(domains, period)
            query.append(" GROUP BY 1, 2, 3")
            return try db.query(query.query).map { try $0.decode((String, String, String?, Int64).self) }
        }
        return rows.map { (domain: $0.0, orgName: $0.1, email: $0.2, reports: $0.3) }
    }

    /// One domain's figures per UTC day of the period (days without data are left out).
    public func dailyFigures(domain: String, period: DayPeriod) throws(StoreError) -> [DailyFigures] {
        try read("reading the daily series") { db in
            var days = DailyFiguresBuilder(period: period)
            var rollup = PostgresQueryText(
                """
                SELECT day, disposition, \(held("sum(messages)")), \(held("sum(dmarc_pass)")), \(held("sum(spf_pass)")),
                    \(held("sum(dkim_pass)")), \(held("sum(relayed)")) FROM dmarc_daily WHERE true
                """)
            rollup.scopeDays([domain], period)
            rollup.append(" GROUP BY day, disposition")
            for row in try db.query(rollup.query) {
                let (day, disposition, messages, dmarcPass, spfPass, dkimPass, relayed) = try row.decode(
                    (Int64, String, Int64, Int64, Int64, Int64, Int64).self)
                days.addRollup(
                    day: day, disposition: disposition, messages: messages, dmarcPass: dmarcPass, spfPass: spfPass,
                    dkimPass: dkimPass, relayed: relayed)
            }
            for row in try db.query(
                """
                SELECT r.counted_begin, r.counted_end, p.successful_sessions, p.failed_sessions FROM tls_report r
                JOIN tls_policy p ON p.report_domain = r.report_domain AND p.report_id = r.id
                WHERE p.policy_domain = \(domain) AND r.counted_end > \(period.start) AND r.counted_begin < \(period.end)
                """)
            {
                let (begin, end, successful, failed) = try row.decode((Int64, Int64, Int64, Int64).self)
                days.addTLSPolicy(span: DateRange(begin: begin, end: end), successful: successful, failed: failed)
            }
            for row in try db.query(
                """
                SELECT r.counted_begin, r.counted_end, f.result_type, f.failed_session_count FROM tls_report r
                JOIN tls_failure f ON f.report_domain = r.report_domain AND f.report_id = r.id
                JOIN tls_policy p ON p.report_domain = f.report_domain AND p.report_id = f.report_id AND p.position = f.position
                WHERE p.policy_domain = \(domain) AND r.counted_end > \(period.start) AND r.counted_begin < \(period.end)
                """)
            {
                let (begin, end, type, failed) = try row.decode((Int64, Int64, String, Int64).self)
                days.addTLSFailure(span: DateRange(begin: begin, end: end), resultType: type, failed: failed)
            }
            return days.figures
        }
    }

    /// The distinct policies reporters saw for a domain in the period, oldest first.
    public func policyObservations(domain: String, period: DayPeriod?) throws(StoreError) -> [PolicyObservation] {
        try read("reading published policies") { db in
            var query = PostgresQueryText(
                """
                SELECT r."begin", r.domain, r.adkim, r.aspf, r.p, r.sp, r.np, r.pct, r.testing
                FROM dmarc_report r WHERE true
                """)
            query.scopeReports([domain], period)
            query.append(#" ORDER BY r."begin", r.id"#)
            var observations = PolicyObservations()
            for row in try db.query(query.query) {
                let (begin, policyDomain, adkim, aspf, p, sp, np, pct, testing) = try row.decode(
                    (Int64, String, String?, String?, String?, String?, String?, String?, String?).self)
                observations.add(
                    begin: begin, domain: policyDomain, adkim: adkim, aspf: aspf, p: p, sp: sp, np: np, pct: pct,
                    testing: testing)
            }
            return observations.sorted
        }
    }

    /// DKIM signing domains and selectors, SPF domains and override reasons of a domain's mail
    /// in the period, counted in messages (spread over days like every period query).
    public func authenticationBreakdown(domain: String, period: DayPeriod?, overridesOnly: Bool = false)
        throws(StoreError) -> AuthenticationBreakdown
    {
        try read("reading DKIM, SPF and overrides") { db in
            var query = PostgresQueryText(
                """
                SELECT r.counted_begin, r.counted_end, d.count, d.dkim_results, d.spf_results, d.reasons FROM dmarc_report r
                JOIN dmarc_record d ON d.policy_domain = r.policy_domain AND d.report_id = r.id WHERE
                """)
            query.append(
                overridesOnly
                    ? " d.reasons IS NOT NULL"
                    : " (d.dkim_results IS NOT NULL OR d.spf_results IS NOT NULL OR d.reasons IS NOT NULL)")
            query.scopeReports([domain], period)
            var breakdown = AuthenticationBreakdown()
            for row in try db.query(query.query) {
                let (begin, end, count, dkim, spf, reasons) = try row.decode(
                    (Int64, Int64, Int64, String?, String?, String?).self)
                let messages =
                    period.map {
                        DaySpread.share(
                            of: count, over: DateRange(begin: begin, end: end), fromDay: $0.firstDay, toDay: $0.lastDay)
                    } ?? count
                try breakdown.add(
                    messages: messages, dkimResults: overridesOnly ? nil : dkim, spfResults: overridesOnly ? nil : spf,
                    reasons: reasons)
            }
            return breakdown
        }
    }

    /// Reports whose date range is flagged (docs/counting.md, "Date ranges"), newest first.
    public func flaggedReports(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [FlaggedReport] {
        try read("listing flagged date ranges") { db in
            var dmarc = PostgresQueryText(
                """
                SELECT r.policy_domain, r.org_name, r.report_id, r."begin", r."end", r.counted_begin, r.counted_end,
                    r.range_flags, r.input, r.imported_at
                FROM dmarc_report r WHERE r.range_flags IS NOT NULL
                """)
            dmarc.scopeReports(domains, period)
            var tls = PostgresQueryText(
                """
                SELECT (SELECT MIN(policy_domain \(bytewise)) FROM tls_policy p
                        WHERE p.report_domain = r.report_domain AND p.report_id = r.id),
                    r.organization, r.report_id, r."begin", r."end", r.counted_begin, r.counted_end, r.range_flags,
                    r.input, r.imported_at
                FROM tls_report r WHERE r.range_flags IS NOT NULL
                """)
            tls.scope(QueryScope(domains: domains, period: period), .tlsReportPolicies, QueryScope.countedReports)
            var flagged: [FlaggedReport] = []
            for (query, kind) in [(dmarc, FlaggedReport.Kind.dmarc), (tls, .tlsrpt)] {
                for row in try db.query(query.query) {
                    let (domain, reporter, reportID, begin, end, countedBegin, countedEnd, flags, input, importedAt) =
                        try row.decode(
                            (String?, String, String, Int64, Int64, Int64, Int64, String, String, Int64).self)
                    var report = FlaggedReport(
                        kind: kind, domain: domain ?? "", reporter: reporter, reportID: reportID,
                        range: DateRange(begin: begin, end: end),
                        counted: DateRange(begin: countedBegin, end: countedEnd), flags: RangeFlags(names: flags),
                        input: input)
                    report.importedAt = importedAt
                    flagged.append(report)
                }
            }
            return flagged.sorted {
                ($0.counted.end, $0.reportID, $0.kind.rawValue, $0.reporter) > (
                    $1.counted.end, $1.reportID, $1.kind.rawValue, $1.reporter
                )
            }
        }
    }

    /// For each reporter of `domain` (its organisation name, lowercased) with a report counted
    /// in `period`, the UTC days of the period its reports cover.
    public func reporterDays(domain: String, period: DayPeriod) throws(StoreError) -> [String: Set<Int64>] {
        try read("listing reporters by day") { db in
            var days: [String: Set<Int64>] = [:]
            var query = PostgresQueryText("")
            let domainValue = query.bind(domain)
            let start = query.bind(period.start)
            let end = query.bind(period.end)
            query.append(
                """
                SELECT \(asciiLower("btrim(org_name)")), counted_begin, counted_end FROM dmarc_report
                WHERE policy_domain = \(domainValue) AND counted_end > \(start) AND counted_begin < \(end)
                UNION ALL
                SELECT \(asciiLower("btrim(r.organization)")), r.counted_begin, r.counted_end FROM tls_report r
                WHERE (r.report_domain, r.id) IN (SELECT report_domain, report_id FROM tls_policy WHERE policy_domain = \(domainValue))
                    AND r.counted_end > \(start) AND r.counted_begin < \(end)
                """)
            for row in try db.query(query.query) {
                let (name, countedBegin, countedEnd) = try row.decode((String, Int64, Int64).self)
                let begin = max(countedBegin, period.start)
                let end = min(countedEnd, period.end)
                guard end > begin else { continue }
                for day in DaySpread.day(of: begin)...DaySpread.day(of: end - 1) { days[name, default: []].insert(day) }
            }
            return days
        }
    }

    /// The DMARC records of `domain` in reports counted in `period`, grouped by everything they
    /// say but their IP, for the sources `sourceOfIP` names; at most `limit` groups each.
    public func recordGroups(
        domain: String, sourceOfIP: [String: String], period: DayPeriod?, limit: Int = 1000
    ) throws(StoreError) -> [String: [RecordGroup]] {
        guard !sourceOfIP.isEmpty else { return [:] }
        return try read("reading the records of sources") { db in
            var query = PostgresQueryText(
                """
                SELECT d.source_ip, d.header_from, d.envelope_from, d.dkim_results, d.spf_results, d.dkim, d.spf,
                    d.disposition, d.reasons, d.count, r.id
                FROM dmarc_report r JOIN dmarc_record d ON d.policy_domain = r.policy_domain AND d.report_id = r.id
                WHERE true
                """)
            query.scopeReports([domain], period)
            var groups = RecordGroupCollector()
            for row in try db.query(query.query) {
                let (
                    ip, headerFrom, envelopeFrom, dkimResults, spfResults, dkim, spf, disposition, reasons, count,
                    report
                ) =
                    try row.decode(
                        (String, String?, String?, String?, String?, String?, String?, String?, String?, Int64, Int64)
                            .self)
                guard let source = sourceOfIP[ip] else { continue }
                groups.add(
                    source: source, ip: ip,
                    fields: RecordGroupCollector.Fields(
                        headerFrom: headerFrom, envelopeFrom: envelopeFrom, dkimResults: dkimResults,
                        spfResults: spfResults, dkim: dkim, spf: spf, disposition: disposition, reasons: reasons),
                    count: count, report: report)
            }
            return groups.groups(limit: limit)
        }
    }
}

// MARK: - TLS-RPT

extension PostgresReportStore {
    /// The joins from a TLS report to its policies and their failure details.
    private static let tlsPolicies =
        "tls_report r JOIN tls_policy p ON p.report_domain = r.report_domain AND p.report_id = r.id"
    private static let tlsFailures =
        tlsPolicies
        + " JOIN tls_failure f ON f.report_domain = p.report_domain AND f.report_id = p.report_id AND f.position = p.position"

    /// The part of `count` that falls in `period`.
    static func share(of count: Int64, begin: Int64, end: Int64, period: DayPeriod?) -> Int64 {
        guard let period else { return count }
        return DaySpread.share(
            of: count, over: DateRange(begin: begin, end: end), fromDay: period.firstDay, toDay: period.lastDay)
    }

    /// TLS session totals per policy domain (docs/counting.md), with the day-spread rule.
    public func tlsTotals(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [String: TLSTotals] {
        try read("summarising TLS-RPT") { db in
            var totals: [String: TLSTotals] = [:]
            var reports = PostgresQueryText(
                "SELECT p.policy_domain, count(DISTINCT (r.report_domain, r.id)) FROM \(Self.tlsPolicies) WHERE true")
            reports.scopeReports(domains, period, domainColumn: "p.policy_domain")
            reports.append(" GROUP BY p.policy_domain")
            for row in try db.query(reports.query) {
                let (domain, count) = try row.decode((String, Int64).self)
                totals[domain, default: TLSTotals()].reports = count
            }
            var policies = PostgresQueryText(
                """
                SELECT p.policy_domain, r.counted_begin, r.counted_end, p.successful_sessions, p.failed_sessions
                FROM \(Self.tlsPolicies) WHERE true
                """)
            policies.scopeReports(domains, period, domainColumn: "p.policy_domain")
            for row in try db.query(policies.query) {
                let (domain, begin, end, successful, failed) = try row.decode((String, Int64, Int64, Int64, Int64).self)
                totals[domain, default: TLSTotals()].successfulSessions.add(
                    saturating: Self.share(of: successful, begin: begin, end: end, period: period))
                totals[domain, default: TLSTotals()].failedSessions.add(
                    saturating: Self.share(of: failed, begin: begin, end: end, period: period))
            }
            var failures = PostgresQueryText(
                """
                SELECT p.policy_domain, r.counted_begin, r.counted_end, f.result_type, f.failed_session_count
                FROM \(Self.tlsFailures) WHERE true
                """)
            failures.scopeReports(domains, period, domainColumn: "p.policy_domain")
            for row in try db.query(failures.query) {
                let (domain, begin, end, type, count) = try row.decode((String, Int64, Int64, String, Int64).self)
                totals[domain, default: TLSTotals()].failuresByResultType[type, default: 0].add(
                    saturating: Self.share(of: count, begin: begin, end: end, period: period))
            }
            return totals
        }
    }

    /// TLS breakdowns per policy domain: by policy type, receiving MX and reporter, and the
    /// MTA-STS mode in force.
    public func tlsBreakdowns(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [String:
        TLSBreakdown]
    {
        try read("breaking down TLS-RPT") { db in
            var builder = TLSBreakdownBuilder()
            var policies = PostgresQueryText(
                """
                SELECT p.policy_domain, r.id, r.organization, r.counted_begin, r.counted_end, p.policy_type, p.sts_mode,
                    p.sts_max_age, p.successful_sessions, p.failed_sessions
                FROM \(Self.tlsPolicies) WHERE true
                """)
            policies.scopeReports(domains, period, domainColumn: "p.policy_domain")
            policies.append(#" ORDER BY r."begin", r.id, p.position"#)
            for row in try db.query(policies.query) {
                let (domain, report, reporter, begin, end, type, mode, maxAge, successful, failed) = try row.decode(
                    (String, Int64, String, Int64, Int64, String, String?, Int64?, Int64, Int64).self)
                builder.addPolicy(
                    domain: domain, report: report, reporter: reporter, type: type, stsMode: mode, stsMaxAge: maxAge,
                    successful: Self.share(of: successful, begin: begin, end: end, period: period),
                    failed: Self.share(of: failed, begin: begin, end: end, period: period))
            }
            var failures = PostgresQueryText(
                """
                SELECT p.policy_domain, r.counted_begin, r.counted_end, f.receiving_mx_hostname, f.failed_session_count
                FROM \(Self.tlsFailures) WHERE true
                """)
            failures.scopeReports(domains, period, domainColumn: "p.policy_domain")
            for row in try db.query(failures.query) {
                let (domain, begin, end, mx, count) = try row.decode((String, Int64, Int64, String?, Int64).self)
                builder.addFailure(
                    domain: domain, receivingMX: mx,
                    count: Self.share(of: count, begin: begin, end: end, period: period))
            }
            return builder.breakdowns
        }
    }

    /// TLS failure details of one domain, summed per (sending MTA, result type, receiving MX,
    /// reporter) with the day-spread rule, most failed sessions first.
    public func tlsFailureDetails(domain: String, period: DayPeriod?) throws(StoreError) -> [TLSFailureGroup] {
        try read("listing TLS failure details") { db in
            var query = PostgresQueryText(
                """
                SELECT r.counted_begin, r.counted_end, f.sending_mta_ip, f.result_type, f.receiving_mx_hostname,
                    r.organization, f.failed_session_count
                FROM \(Self.tlsFailures) WHERE true
                """)
            query.scopeReports([domain], period, domainColumn: "p.policy_domain")
            var groups = TLSFailureGroupCollector()
            for row in try db.query(query.query) {
                let (begin, end, ip, type, mx, reporter, count) = try row.decode(
                    (Int64, Int64, String?, String, String?, String, Int64).self)
                groups.add(
                    sendingMTAIP: ip, resultType: type, receivingMX: mx, reporter: reporter,
                    failedSessions: Self.share(of: count, begin: begin, end: end, period: period))
            }
            return groups.sorted
        }
    }

    /// TLS sessions per (policy domain, reporting organisation) for the correlation.
    public func tlsReporterAggregates(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError)
        -> [TLSReporterAggregate]
    {
        try read("aggregating TLS-RPT by reporter") { db in
            var builder = TLSReporterAggregateBuilder<String>()
            var policies = PostgresQueryText(
                """
                SELECT p.report_domain, p.report_id, p.position, p.policy_domain, r.organization,
                    COALESCE(r.contact_info, ''), r.counted_begin, r.counted_end, p.successful_sessions, p.failed_sessions
                FROM \(Self.tlsPolicies) WHERE true
                """)
            policies.scopeReports(domains, period, domainColumn: "p.policy_domain")
            for row in try db.query(policies.query) {
                let (reportDomain, report, position, domain, organization, contact, begin, end, successful, failed) =
                    try row.decode((String, Int64, Int32, String, String, String, Int64, Int64, Int64, Int64).self)
                builder.addPolicy(
                    policy: "\(reportDomain)\u{0}\(report)\u{0}\(position)", report: report, domain: domain,
                    organization: organization, contact: contact,
                    successful: Self.share(of: successful, begin: begin, end: end, period: period),
                    failed: Self.share(of: failed, begin: begin, end: end, period: period))
            }
            var failures = PostgresQueryText(
                """
                SELECT p.report_domain, p.report_id, p.position, r.counted_begin, r.counted_end, f.result_type,
                    f.failed_session_count
                FROM \(Self.tlsFailures) WHERE true
                """)
            failures.scopeReports(domains, period, domainColumn: "p.policy_domain")
            for row in try db.query(failures.query) {
                let (reportDomain, report, position, begin, end, type, count) = try row.decode(
                    (String, Int64, Int32, Int64, Int64, String, Int64).self)
                builder.addFailure(
                    policy: "\(reportDomain)\u{0}\(report)\u{0}\(position)", resultType: type,
                    count: Self.share(of: count, begin: begin, end: end, period: period))
            }
            return builder.aggregates
        }
    }
}
