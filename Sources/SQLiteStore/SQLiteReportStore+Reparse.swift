import Foundation
import GRDB
import ReportModel
import ReportStore

// Parsing stored inputs again: their reports are replaced, rollups included.
extension SQLiteReportStore {
    /// Builds the indexes only a reparse needs: the reports of an input and the log rows that
    /// point at a report (their `ON DELETE SET NULL`). Ingest does without them, four index
    /// entries fewer per report it writes; without them, replacing each input's reports would
    /// scan four tables per input.
    public func prepareForReparse() throws(StoreError) {
        try write("indexing for reparse") { db in
            for (name, table, column) in Self.reparseIndexes {
                try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(name) ON \(table)(\(column))")
            }
        }
    }

    /// Drops the indexes of ``prepareForReparse()``.
    public func finishReparse() throws(StoreError) {
        try write("dropping the reparse indexes") { db in
            for (name, _, _) in Self.reparseIndexes { try db.execute(sql: "DROP INDEX IF EXISTS \(name)") }
        }
    }

    private static let reparseIndexes = [
        ("reparse_dmarc_report_raw_input", "dmarc_report", "raw_input_id"),
        ("reparse_tls_report_raw_input", "tls_report", "raw_input_id"),
        ("reparse_ingest_log_dmarc_report", "ingest_log", "dmarc_report_id"),
        ("reparse_ingest_log_tls_report", "ingest_log", "tls_report_id"),
    ]

    /// Parses a stored input again: its reports are replaced by `outcomes`, all in one
    /// transaction (rollups included), so a failure leaves the old reports in place.
    package func replaceReports(of input: StoredInput, outcomes: [PartOutcome], runID: Int64?) throws(StoreError)
        -> [LoggedOutcome]
    {
        try write("parsing \(input.input) again") { db in
            try Self.removeReports(of: input, in: db)
            return try Self.record(
                input, outcomes: outcomes, runID: runID, suffixes: publicSuffixes.list, folder: rawFolder, in: db)
        }
    }

    /// Removes the reports a stored input gave, with their part of the rollups, before it is
    /// recorded again.
    static func removeReports(of input: StoredInput, in db: Database) throws {
        guard
            let rawID = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM raw_input WHERE sha256 = ?"), arguments: [Data(input.sha256)])
        else { return }
        let records = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT r.policy_domain, r.counted_begin, r.counted_end, r.org_name, r.email, d.source_ip, d.count, d.disposition,
                        d.dkim, d.spf, d.relayed
                    FROM dmarc_report r JOIN dmarc_record d ON d.report_id = r.id WHERE r.raw_input_id = ?
                    """),
            arguments: [rawID])
        while let row = try records.next() {
            try Self.addToDailyRollup(
                domain: row[0], range: DateRange(begin: row[1], end: row[2]), orgName: row[3], email: row[4],
                sourceIP: row[5], count: row[6], disposition: row[7], dkim: row[8], spf: row[9], relayed: row[10],
                removing: true, in: db)
        }
        // No foreign key ties the source lists to their reports: deleted by key.
        try db.cachedStatement(
            sql: """
                DELETE FROM dmarc_report_ips WHERE (policy_domain, end, report_id) IN
                    (SELECT policy_domain, counted_end, id FROM dmarc_report WHERE raw_input_id = ?)
                """
        ).execute(arguments: [rawID])
        try db.cachedStatement(sql: "DELETE FROM dmarc_report WHERE raw_input_id = ?").execute(arguments: [rawID])
        try db.cachedStatement(sql: "DELETE FROM tls_report WHERE raw_input_id = ?").execute(arguments: [rawID])
    }
}
