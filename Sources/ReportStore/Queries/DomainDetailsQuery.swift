import GRDB
import ReportModel

extension ReportStore {
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
            var days: [Int64: DailyFigures] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT day, disposition, saturating_sum(messages), saturating_sum(dmarc_pass), saturating_sum(spf_pass),
                        saturating_sum(dkim_pass) FROM dmarc_daily
                    WHERE policy_domain = ? AND day BETWEEN ? AND ? GROUP BY day, disposition
                    """,
                arguments: [domain, period.firstDay, period.lastDay])
            while let row = try rows.next() {
                let day: Int64 = row[0]
                days[day, default: DailyFigures(day: day)].dmarc.add(
                    messages: row[2], dmarcPass: row[3], spfPass: row[4], dkimPass: row[5], disposition: row[1])
            }
            let policies = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.id, r.counted_begin, r.counted_end, p.successful_sessions, p.failed_sessions FROM tls_report r
                    JOIN tls_policy p ON p.report_id = r.id WHERE p.policy_domain = ? AND r.counted_end > ? AND r.counted_begin < ?
                    """,
                arguments: [domain, period.start, period.end])
            while let row = try policies.next() {
                let range = DateRange(begin: row[1], end: row[2])
                for (day, count) in DaySpread.spread(count: row[3], over: range) where day >= period.firstDay && day <= period.lastDay {
                    days[day, default: DailyFigures(day: day)].tls.successfulSessions.add(saturating: count)
                }
                for (day, count) in DaySpread.spread(count: row[4], over: range) where day >= period.firstDay && day <= period.lastDay {
                    days[day, default: DailyFigures(day: day)].tls.failedSessions.add(saturating: count)
                }
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
                let range = DateRange(begin: row[0], end: row[1])
                let type: String = row[2]
                for (day, count) in DaySpread.spread(count: row[3], over: range) where day >= period.firstDay && day <= period.lastDay && count > 0 {
                    days[day, default: DailyFigures(day: day)].tls.failuresByResultType[type, default: 0].add(saturating: count)
                }
            }
            return days.values.sorted { $0.day < $1.day }
        }
    }

    /// The distinct policies reporters saw for a domain in the period, oldest first.
    public func policyObservations(domain: String, period: DayPeriod?) throws(StoreError) -> [PolicyObservation] {
        try read("reading published policies") { db in
            var filter = ""
            var arguments: StatementArguments = [domain]
            if let period {
                filter = " AND r.counted_end > ? AND r.counted_begin < ?"
                arguments += [period.start, period.end]
            }
            var observations: [PublishedPolicy: PolicyObservation] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.begin, p.domain, p.adkim, p.aspf, p.p, p.sp, p.np, p.pct, p.fo, p.testing, p.discovery_method
                    FROM dmarc_report r JOIN dmarc_policy p ON p.report_id = r.id WHERE r.policy_domain = ?\(filter)
                    ORDER BY r.begin
                    """,
                arguments: arguments)
            while let row = try rows.next() {
                // Reporters leave out tags that have defaults (sp, pct, adkim, aspf): compare the
                // effective policy, so that only a real change shows as one.
                let p = (row[4] as String?).map(Disposition.init(rawValue:))
                let policy = PublishedPolicy(
                    domain: row[1], adkim: AlignmentMode(rawValue: (row[2] as String?) ?? "r"),
                    aspf: AlignmentMode(rawValue: (row[3] as String?) ?? "r"), p: p,
                    sp: (row[5] as String?).map(Disposition.init(rawValue:)) ?? p, np: nil,
                    pct: (row[7] as String?) ?? "100", fo: nil, testing: (row[9] as String?).map(TestingFlag.init(rawValue:)),
                    discoveryMethod: nil)
                let begin: Int64 = row[0]
                var observation = observations[policy] ?? PolicyObservation(policy: policy, firstSeen: begin, lastSeen: begin, reports: 0)
                observation.firstSeen = min(observation.firstSeen, begin)
                observation.lastSeen = max(observation.lastSeen, begin)
                observation.reports += 1
                observations[policy] = observation
            }
            return observations.values.sorted { ($0.firstSeen, $0.lastSeen) < ($1.firstSeen, $1.lastSeen) }
        }
    }

    /// DKIM signing domains and selectors, SPF domains and override reasons of a domain's mail
    /// in the period, counted in messages (spread over days like every period query).
    public func authenticationBreakdown(domain: String, period: DayPeriod?) throws(StoreError) -> AuthenticationBreakdown {
        try read("reading DKIM, SPF and overrides") { db in
            var filter = ""
            var arguments: StatementArguments = [domain]
            if let period {
                filter = " AND r.counted_end > ? AND r.counted_begin < ?"
                arguments += [period.start, period.end]
            }
            var breakdown = AuthenticationBreakdown()
            // One pass over the records, their result columns read here (json_each with `->>`
            // parsed each object once per field, and was most of a pack's time).
            let statement = try db.cachedStatement(
                sql: """
                    SELECT r.counted_begin, r.counted_end, d.count, d.dkim_results, d.spf_results, d.reasons FROM dmarc_report r
                    JOIN dmarc_record d ON d.report_id = r.id
                    WHERE r.policy_domain = ?\(filter)
                        AND (d.dkim_results IS NOT NULL OR d.spf_results IS NOT NULL OR d.reasons IS NOT NULL)
                    """)
            try statement.setArguments(arguments)
            try RawRows(statement).forEach { row in
                let count = row.integer(2)
                let messages = period.map {
                    DaySpread.share(of: count, over: DateRange(begin: row.integer(0), end: row.integer(1)), fromDay: $0.firstDay, toDay: $0.lastDay)
                } ?? count
                // Each column read from SQLite's bytes; a value of another shape goes through the
                // general decoder.
                func each(_ column: Int32, _ names: [String], _ body: ([String?]) -> Void) throws {
                    let bytes = row.bytes(column)
                    guard !bytes.isEmpty, !RecordResultsColumns.forEachObject(in: bytes, names: names, body) else { return }
                    for object in try RecordResultsColumns.decode(String(decoding: bytes, as: UTF8.self)) {
                        body(names.map { object[$0] })
                    }
                }
                try each(3, ["domain", "selector", "result"]) { values in
                    let key = AuthenticationBreakdown.Key(domain: values[0] ?? "", selector: values[1] ?? "")
                    breakdown.dkim[key, default: .init()].messages.add(saturating: messages)
                    if values[2] == "pass" { breakdown.dkim[key, default: .init()].passed.add(saturating: messages) }
                }
                try each(4, ["domain", "result"]) { values in
                    let key = AuthenticationBreakdown.Key(domain: values[0] ?? "")
                    breakdown.spf[key, default: .init()].messages.add(saturating: messages)
                    if values[1] == "pass" { breakdown.spf[key, default: .init()].passed.add(saturating: messages) }
                }
                try each(5, ["type"]) { values in
                    breakdown.overrideReasons[values[0] ?? "unspecified", default: 0].add(saturating: messages)
                }
            }
            return breakdown
        }
    }
}
