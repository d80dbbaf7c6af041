import GRDB
import ReportModel
import ReportStore

/// The per-day DMARC rollup (`dmarc_daily`): each record's messages spread over the UTC days its
/// report covers (docs/counting.md), so that period queries sum days instead of scanning records.
struct DailyRollup {
    private let upsert: FastInsert
    private let relayedColumn: Bool

    /// - Parameter relayedColumn: false for migrations that run before v15 added `relayed`.
    init(_ db: Database, relayedColumn: Bool = true) throws {
        let relayed: (column: String, value: String, update: String) =
            relayedColumn
            ? (", relayed", ", ?", ",\n relayed = min(relayed + excluded.relayed, \(Int64.max))") : ("", "", "")
        self.relayedColumn = relayedColumn
        upsert = try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO dmarc_daily(policy_domain, day, source_ip, reporter_org, reporter_email, disposition,
                    messages, dmarc_pass, spf_pass, dkim_pass\(relayed.column)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?\(relayed.value))
                ON CONFLICT (policy_domain, day, source_ip, reporter_org, reporter_email, disposition) DO UPDATE SET
                    messages = min(messages + excluded.messages, \(Int64.max)),
                    dmarc_pass = min(dmarc_pass + excluded.dmarc_pass, \(Int64.max)),
                    spf_pass = min(spf_pass + excluded.spf_pass, \(Int64.max)),
                    dkim_pass = min(dkim_pass + excluded.dkim_pass, \(Int64.max))\(relayed.update)
                """)
    }

    /// Adds one record's messages, a row per day as ``DailyRollupRule`` spreads them; `removing`
    /// adds the negated shares, the exact inverse (short of a sum held at 2^63-1: SQLite turns an
    /// integer sum past it into a real, which `min` brings back to the largest integer, see
    /// ``ReportCounts``).
    func add(
        domain: String, range: DateRange, reporterOrg: String, email: String?, sourceIP: String, count: Int64,
        disposition: String?, dkim: AlignedVerdict?, spf: AlignedVerdict?, relayed: Bool, removing: Bool = false
    ) throws {
        let disposition = disposition ?? DailyRollupRule.unknownDisposition
        try DailyRollupRule.forEachShare(
            count: count, over: range, dkim: dkim, spf: spf, relayed: relayed, removing: removing
        ) { share in
            if relayedColumn {
                try upsert.run(
                    .text(domain), .integer(share.day), .text(sourceIP), .text(reporterOrg), .text(email ?? ""),
                    .text(disposition), .integer(share.messages), .integer(share.dmarcPass), .integer(share.spfPass),
                    .integer(share.dkimPass), .integer(share.relayed))
            } else {
                try upsert.run(
                    .text(domain), .integer(share.day), .text(sourceIP), .text(reporterOrg), .text(email ?? ""),
                    .text(disposition), .integer(share.messages), .integer(share.dmarcPass), .integer(share.spfPass),
                    .integer(share.dkimPass))
            }
        }
    }
}
