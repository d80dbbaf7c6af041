import GRDB
import ReportModel

/// The per-day DMARC rollup (`dmarc_daily`): each record's messages spread over the UTC days its
/// report covers (brief §4), so that period queries sum days instead of scanning records.
struct DailyRollup {
    private let upsert: FastInsert

    init(_ db: Database) throws {
        upsert = try FastInsert(
            db,
            sql: """
                INSERT INTO dmarc_daily(policy_domain, day, source_ip, reporter_org, reporter_email, disposition,
                    messages, dmarc_pass, spf_pass, dkim_pass) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (policy_domain, day, source_ip, reporter_org, reporter_email, disposition) DO UPDATE SET
                    messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
                    spf_pass = spf_pass + excluded.spf_pass, dkim_pass = dkim_pass + excluded.dkim_pass
                """)
    }

    /// Adds rows made by ``rows(domain:range:reporterOrg:email:sourceIP:count:disposition:dkim:spf:removing:)``.
    func add(_ rows: [[RawValue]]) throws {
        for row in rows { try upsert.run(values: row) }
    }

    /// Adds one record's messages; `removing` adds the negated shares, the exact inverse.
    func add(
        domain: String, range: DateRange, reporterOrg: String, email: String?, sourceIP: String, count: Int64,
        disposition: String?, dkim: String?, spf: String?, removing: Bool = false
    ) throws {
        try add(Self.rows(
            domain: domain, range: range, reporterOrg: reporterOrg, email: email, sourceIP: sourceIP, count: count,
            disposition: disposition, dkim: dkim, spf: spf, removing: removing))
    }

    /// The upserts of one record: its count spread over the days of its report.
    static func rows(
        domain: String, range: DateRange, reporterOrg: String, email: String?, sourceIP: String, count: Int64,
        disposition: String?, dkim: String?, spf: String?, removing: Bool = false
    ) -> [[RawValue]] {
        let dkimPass = dkim == AlignedVerdict.pass.rawValue
        let spfPass = spf == AlignedVerdict.pass.rawValue
        return DaySpread.spread(count: count, over: range).compactMap { part in
            guard part.count > 0 || count == 0 else { return nil }
            let share = removing ? -part.count : part.count
            return [
                .text(domain), .integer(part.day), .text(sourceIP), .text(reporterOrg), .text(email ?? ""),
                .text(disposition ?? "unknown"), .integer(share), .integer(dkimPass || spfPass ? share : 0),
                .integer(spfPass ? share : 0), .integer(dkimPass ? share : 0),
            ]
        }
    }
}
