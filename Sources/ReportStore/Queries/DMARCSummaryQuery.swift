import GRDB
import ReportModel

extension ReportStore {
    /// DMARC totals per policy domain (brief §4), whole or over a period of UTC days.
    ///
    /// Without a period every report counts whole. With one, each record's count is spread over
    /// the days its report covers and only the days inside the period count; a report counts in
    /// `reports` when its range overlaps the period.
    /// - Parameter domains: policy domains to include; empty for all.
    public func dmarcTotals(domains: [String] = [], period: DayPeriod? = nil) throws(StoreError) -> [String: DMARCTotals] {
        try read("summarising DMARC") { db in
            var filter = ""
            var arguments = StatementArguments()
            if !domains.isEmpty {
                filter += " AND r.policy_domain IN (\(databaseQuestionMarks(count: domains.count)))"
                arguments += StatementArguments(domains)
            }
            if let period {
                filter += " AND r.end > ? AND r.begin < ?"
                arguments += [period.start, period.end]
            }
            var totals: [String: DMARCTotals] = [:]
            let reportRows = try Row.fetchCursor(
                db, sql: "SELECT r.policy_domain, COUNT(*) FROM dmarc_report r WHERE 1 = 1\(filter) GROUP BY r.policy_domain",
                arguments: arguments)
            while let row = try reportRows.next() {
                totals[row[0], default: DMARCTotals()].reports = row[1]
            }
            let records = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.policy_domain, r.begin, r.end, d.count, d.dkim, d.spf, d.disposition
                    FROM dmarc_report r JOIN dmarc_record d ON d.report_id = r.id
                    WHERE 1 = 1\(filter)
                    """,
                arguments: arguments)
            while let row = try records.next() {
                let domain: String = row[0]
                let fullCount: Int64 = row[3]
                let count =
                    if let period {
                        DaySpread.share(
                            of: fullCount, over: DateRange(begin: row[1], end: row[2]),
                            fromDay: period.firstDay, toDay: period.lastDay)
                    } else { fullCount }
                let dkimPass = (row[4] as String?) == AlignedVerdict.pass.rawValue
                let spfPass = (row[5] as String?) == AlignedVerdict.pass.rawValue
                let disposition: String = row[6] ?? "unknown"
                totals[domain, default: DMARCTotals()].add(
                    count: count, dkimPass: dkimPass, spfPass: spfPass, disposition: disposition)
            }
            return totals
        }
    }
}

extension DMARCTotals {
    /// Adds `count` messages with the given verdicts. Sums saturate instead of overflowing.
    mutating func add(count: Int64, dkimPass: Bool, spfPass: Bool, disposition: String) {
        messages = messages.saturatingAdd(count)
        if dkimPass || spfPass { dmarcPass = dmarcPass.saturatingAdd(count) }
        if dkimPass { dkimAlignedPass = dkimAlignedPass.saturatingAdd(count) }
        if spfPass { spfAlignedPass = spfAlignedPass.saturatingAdd(count) }
        self.disposition[disposition, default: 0] = self.disposition[disposition, default: 0].saturatingAdd(count)
    }
}

extension Int64 {
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
