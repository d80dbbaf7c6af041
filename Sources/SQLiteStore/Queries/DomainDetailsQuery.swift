import GRDB
import ReportModel
import ReportStore

extension SQLiteReportStore {
    /// The policy domains with any DMARC or TLS report, sorted.
    public func domains() throws(StoreError) -> [String] {
        try read("listing domains") { db in
            try String.fetchAll(
                db, sql: "SELECT policy_domain FROM dmarc_report UNION SELECT policy_domain FROM tls_policy ORDER BY 1")
        }
    }

    /// A number that changes whenever a report is stored or removed or a reverse DNS answer
    /// changes (kept by triggers): equal numbers mean the same reports and names.
    public func contentGeneration() throws(StoreError) -> Int64 {
        try read("reading the content generation") { db in
            try Int64.fetchOne(db, sql: "SELECT value FROM content_generation") ?? 0
        }
    }

    /// The first and last UTC day any report covers, or `nil` for an empty database.
    public func coveredDays() throws(StoreError) -> DayPeriod? {
        try read("finding the covered days") { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT MIN(b), MAX(e) FROM (SELECT counted_begin AS b, counted_end AS e FROM dmarc_report
                    UNION ALL SELECT counted_begin, counted_end FROM tls_report)
                    """)
            guard let row, let begin = row[0] as Int64?, let end = row[1] as Int64? else { return nil }
            return DayPeriod(firstDay: DaySpread.day(of: begin), lastDay: DaySpread.day(of: max(begin, end - 1)))
        }
    }

    /// One domain's figures per UTC day of the period (days without data are left out).
    public func dailyFigures(domain: String, period: DayPeriod) throws(StoreError) -> [DailyFigures] {
        try read("reading the daily series") { db in
            var days = DailyFiguresBuilder(period: period)
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT day, disposition, saturating_sum(messages), saturating_sum(dmarc_pass), saturating_sum(spf_pass),
                        saturating_sum(dkim_pass), saturating_sum(relayed) FROM dmarc_daily
                    WHERE policy_domain = ? AND day BETWEEN ? AND ? GROUP BY day, disposition
                    """,
                arguments: [domain, period.firstDay, period.lastDay])
            // The columns in SELECT order.
            enum Column: Int { case day, disposition, messages, dmarcPass, spfPass, dkimPass, relayed }
            while let row = try rows.next() {
                days.addRollup(
                    day: row[Column.day.rawValue], disposition: row[Column.disposition.rawValue],
                    messages: row[Column.messages.rawValue], dmarcPass: row[Column.dmarcPass.rawValue],
                    spfPass: row[Column.spfPass.rawValue], dkimPass: row[Column.dkimPass.rawValue],
                    relayed: row[Column.relayed.rawValue])
            }
            let policies = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.id, r.counted_begin, r.counted_end, p.successful_sessions, p.failed_sessions FROM tls_report r
                    JOIN tls_policy p ON p.report_id = r.id WHERE p.policy_domain = ? AND r.counted_end > ? AND r.counted_begin < ?
                    """,
                arguments: [domain, period.start, period.end])
            while let row = try policies.next() {
                days.addTLSPolicy(span: DateRange(begin: row[1], end: row[2]), successful: row[3], failed: row[4])
            }
            let failures = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.counted_begin, r.counted_end, f.result_type, f.failed_session_count FROM tls_report r
                    JOIN tls_policy p ON p.report_id = r.id JOIN tls_failure f ON f.policy_id = p.id
                    WHERE p.policy_domain = ? AND r.counted_end > ? AND r.counted_begin < ?
                    """,
                arguments: [domain, period.start, period.end])
            while let row = try failures.next() {
                days.addTLSFailure(span: DateRange(begin: row[0], end: row[1]), resultType: row[2], failed: row[3])
            }
            return days.figures
        }
    }

    /// The distinct policies reporters saw for a domain in the period, oldest first.
    public func policyObservations(domain: String, period: DayPeriod?) throws(StoreError) -> [PolicyObservation] {
        try read("reading published policies") { db in
            let (filter, arguments) = try QueryScope(domains: [domain], period: period).build(
                .column("r.policy_domain"), QueryScope.countedReports, in: db)
            var observations = PolicyObservations()
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.begin, p.domain, p.adkim, p.aspf, p.p, p.sp, p.np, p.pct, p.testing
                    FROM dmarc_report r JOIN dmarc_policy p ON p.report_id = r.id WHERE 1 = 1\(filter)
                    ORDER BY r.begin
                    """,
                arguments: arguments)
            // The columns in SELECT order.
            enum Column: Int { case begin, domain, adkim, aspf, p, sp, np, pct, testing }
            while let row = try rows.next() {
                func text(_ column: Column) -> String? { row[column.rawValue] }
                observations.add(
                    begin: row[Column.begin.rawValue], domain: row[Column.domain.rawValue], adkim: text(.adkim),
                    aspf: text(.aspf), p: text(.p), sp: text(.sp), np: text(.np), pct: text(.pct),
                    testing: text(.testing))
            }
            return observations.sorted
        }
    }

    /// DKIM signing domains and selectors, SPF domains and override reasons of a domain's mail
    /// in the period, counted in messages (spread over days like every period query).
    /// - Parameter overridesOnly: only the override reasons (what the findings need): records
    ///   without one are not read.
    public func authenticationBreakdown(domain: String, period: DayPeriod?, overridesOnly: Bool = false)
        throws(StoreError) -> AuthenticationBreakdown
    {
        try read("reading DKIM, SPF and overrides") { db in
            let (filter, arguments) = try QueryScope(domains: [domain], period: period).build(
                .column("r.policy_domain"), QueryScope.countedReports, in: db)
            var breakdown = AuthenticationBreakdown()
            // One pass over the records, their result columns read here (json_each with `->>`
            // parsed each object once per field, and was most of a pack's time).
            let statement = try db.cachedStatement(
                sql: """
                    SELECT r.counted_begin, r.counted_end, d.count, d.dkim_results, d.spf_results, d.reasons FROM dmarc_report r
                    JOIN dmarc_record d ON d.report_id = r.id
                    WHERE 1 = 1\(filter)
                        AND \(overridesOnly ? "d.reasons IS NOT NULL" : "(d.dkim_results IS NOT NULL OR d.spf_results IS NOT NULL OR d.reasons IS NOT NULL)")
                    """)
            try statement.setArguments(arguments)
            try RawRows(statement).forEach { row in
                let count = row.integer(2)
                let messages =
                    period.map {
                        DaySpread.share(
                            of: count, over: DateRange(begin: row.integer(0), end: row.integer(1)),
                            fromDay: $0.firstDay, toDay: $0.lastDay)
                    } ?? count
                // Each column read straight from SQLite's bytes.
                func column(_ index: Int32, _ wanted: Bool) -> UnsafeBufferPointer<UInt8>? {
                    guard wanted else { return nil }
                    let bytes = row.bytes(index)
                    return bytes.isEmpty ? nil : bytes
                }
                try breakdown.add(
                    messages: messages, dkimResults: column(3, !overridesOnly), spfResults: column(4, !overridesOnly),
                    reasons: column(5, true))
            }
            return breakdown
        }
    }
}

extension SQLiteReportStore {
    /// Reports whose date range is flagged (docs/counting.md, "Date ranges"), for `domains`
    /// (all when empty), counted in `period` (any time when nil), newest first.
    public func flaggedReports(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [FlaggedReport] {
        try read("listing flagged date ranges") { db in
            let scope = QueryScope(domains: domains, period: period)
            let (dmarcFilter, dmarcArguments) = try scope.build(
                .column("r.policy_domain"), QueryScope.countedReports, in: db)
            let (tlsFilter, tlsArguments) = try scope.build(.tlsReportPolicies, QueryScope.countedReports, in: db)
            var flagged: [FlaggedReport] = []
            let dmarc = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.policy_domain, r.org_name, r.report_id, r.begin, r.end, r.counted_begin, r.counted_end, r.range_flags, r.input,
                        r.imported_at
                    FROM dmarc_report r WHERE r.range_flags IS NOT NULL\(dmarcFilter)
                    """,
                arguments: dmarcArguments)
            // The columns of both statements, in SELECT order.
            enum Column: Int {
                case domain, reporter, reportID, begin, end, countedBegin, countedEnd, flags, input, importedAt
            }
            func report(_ row: Row, kind: FlaggedReport.Kind) -> FlaggedReport {
                func value<Value: DatabaseValueConvertible>(_ column: Column) -> Value { row[column.rawValue] }
                var report = FlaggedReport(
                    kind: kind, domain: (value(.domain) as String?) ?? "", reporter: value(.reporter),
                    reportID: value(.reportID), range: DateRange(begin: value(.begin), end: value(.end)),
                    counted: DateRange(begin: value(.countedBegin), end: value(.countedEnd)),
                    flags: RangeFlags(names: value(.flags)), input: value(.input))
                report.importedAt = value(.importedAt)
                return report
            }
            while let row = try dmarc.next() { flagged.append(report(row, kind: .dmarc)) }
            let tls = try Row.fetchCursor(
                db,
                sql: """
                    SELECT (SELECT MIN(policy_domain) FROM tls_policy p WHERE p.report_id = r.id), r.organization, r.report_id, r.begin,
                        r.end, r.counted_begin, r.counted_end, r.range_flags, r.input, r.imported_at
                    FROM tls_report r WHERE r.range_flags IS NOT NULL\(tlsFilter)
                    """,
                arguments: tlsArguments)
            while let row = try tls.next() { flagged.append(report(row, kind: .tlsrpt)) }
            return flagged.sorted {
                ($0.counted.end, $0.reportID, $0.kind.rawValue, $0.reporter) > (
                    $1.counted.end, $1.reportID, $1.kind.rawValue, $1.reporter
                )
            }
        }
    }

    /// For each reporter of `domain` (its organisation name, lowercased) with a report
    /// counted in `period`, the UTC days of the period its reports cover: which reporters
    /// have been heard from for which days.
    public func reporterDays(domain: String, period: DayPeriod) throws(StoreError) -> [String: Set<Int64>] {
        try read("listing reporters by day") { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT LOWER(TRIM(org_name)), counted_begin, counted_end FROM dmarc_report
                    WHERE policy_domain = ? AND counted_end > ? AND counted_begin < ?
                    UNION ALL
                    SELECT LOWER(TRIM(r.organization)), r.counted_begin, r.counted_end FROM tls_report r
                    WHERE r.id IN (SELECT report_id FROM tls_policy WHERE policy_domain = ?) AND r.counted_end > ? AND r.counted_begin < ?
                    """,
                arguments: [domain, period.start, period.end, domain, period.start, period.end])
            var days: [String: Set<Int64>] = [:]
            while let row = try rows.next() {
                let begin: Int64 = max(row[1], period.start)
                let end: Int64 = min(row[2], period.end)
                guard end > begin else { continue }
                let first = DaySpread.day(of: begin)
                let last = DaySpread.day(of: end - 1)
                let name: String = row[0]
                for day in first...last { days[name, default: []].insert(day) }
            }
            return days
        }
    }
}

extension SQLiteReportStore {
    /// The DMARC records of `domain` in reports counted in `period`, grouped by everything they
    /// say but their IP: header From, envelope From, raw DKIM and SPF results, aligned verdicts,
    /// disposition and override reasons. One pass over the domain's records in the period for
    /// every source at once: `sourceOfIP` names the source of each address wanted (others are
    /// skipped).
    /// - Returns: each source's groups, biggest first, at most `limit` each.
    public func recordGroups(
        domain: String, sourceOfIP: [String: String], period: DayPeriod?, limit: Int = 1000
    ) throws(StoreError) -> [String: [RecordGroup]] {
        guard !sourceOfIP.isEmpty else { return [:] }
        return try read("reading the records of sources") { db in
            var groups = RecordGroupCollector()
            let (periodFilter, arguments) = try QueryScope(domains: [domain], period: period).build(
                .column("r.policy_domain"), QueryScope.countedReports, in: db)
            // The source IP is checked here, not in SQL: one pass over the domain's reports in
            // the period, whatever the number of addresses.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT d.source_ip, d.header_from, d.envelope_from, d.dkim_results, d.spf_results, d.dkim, d.spf, d.disposition,
                        d.reasons, d.count, r.id
                    FROM dmarc_report r JOIN dmarc_record d ON d.report_id = r.id
                    WHERE 1 = 1\(periodFilter)
                    """,
                arguments: arguments)
            // The columns in SELECT order; those from `headerFrom` to `reasons` make the group's key.
            enum Column: Int {
                case sourceIP, headerFrom, envelopeFrom, dkimResults, spfResults, dkim, spf, disposition, reasons, count
                case reportID
            }
            while let row = try rows.next() {
                func text(_ column: Column) -> String? { row[column.rawValue] }
                let ip: String = row[Column.sourceIP.rawValue]
                guard let source = sourceOfIP[ip] else { continue }
                groups.add(
                    source: source, ip: ip,
                    fields: RecordGroupCollector.Fields(
                        headerFrom: text(.headerFrom), envelopeFrom: text(.envelopeFrom),
                        dkimResults: text(.dkimResults), spfResults: text(.spfResults), dkim: text(.dkim),
                        spf: text(.spf), disposition: text(.disposition), reasons: text(.reasons)),
                    count: row[Column.count.rawValue], report: row[Column.reportID.rawValue])
            }
            return groups.groups(limit: limit)
        }
    }
}
