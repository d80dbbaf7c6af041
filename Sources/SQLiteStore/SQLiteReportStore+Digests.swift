import Foundation
import GRDB
import ReportStore

extension SQLiteReportStore {
    /// The records of one recipient set, newest period first.
    public func digestRecords(recipients: String, through lastDay: Int64, limit: Int) throws(StoreError)
        -> [DigestRecord]
    {
        try read("reading the digest ledger") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT recipients, period_end, kind, sent, at, findings, message_id, error FROM digest_ledger
                    WHERE recipients = ? AND period_end <= ? ORDER BY period_end DESC, kind LIMIT ?
                    """, arguments: [recipients, lastDay, limit]
            ).map { row in
                DigestRecord(
                    recipients: row[0], periodEnd: row[1], kind: DigestKind(rawValue: row[2]) ?? .daily, sent: row[3],
                    at: row[4], findings: Self.strings(row[5]), messageID: row[6], error: row[7])
            }
        }
    }

    /// Records a digest, replacing the record of the same recipients, period and kind.
    public func recordDigest(_ record: DigestRecord) throws(StoreError) {
        try write("recording a digest") { db in
            try db.execute(
                sql: """
                    INSERT INTO digest_ledger (recipients, period_end, kind, sent, at, findings, message_id, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(recipients, period_end, kind) DO UPDATE SET sent = excluded.sent, at = excluded.at,
                        findings = excluded.findings, message_id = excluded.message_id, error = excluded.error
                    """,
                arguments: [
                    record.recipients, record.periodEnd, record.kind.rawValue, record.sent, record.at,
                    try Self.json(record.findings), record.messageID, record.error,
                ])
        }
    }
}
