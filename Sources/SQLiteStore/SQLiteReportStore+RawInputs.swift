import Foundation
import GRDB
import ReportModel
import ReportStore

// Reading back what was stored: raw inputs and the inputs that failed.
extension SQLiteReportStore {
    /// The number of stored raw inputs.
    public func rawInputCount() throws(StoreError) -> Int {
        try read("counting raw inputs") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM raw_input") ?? 0 }
    }

    /// Stored raw inputs in id order, after the one with id `after`: at most `limit` of them,
    /// and no more once their stored bytes reach `maxBytes`. Each comes with the input path last
    /// logged for it and, for a message of an mbox, its number.
    public func rawInputs(after: Int64, limit: Int, maxBytes: Int) throws(StoreError) -> [StoredRawInput] {
        try read("reading raw inputs") { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.id, r.sha256, r.encoding, r.data, r.chunks, r.size, r.first_seen, r.in_folder,
                        (SELECT input FROM ingest_log l WHERE l.raw_input_id = r.id ORDER BY l.id DESC LIMIT 1),
                        (SELECT number FROM mail_message m WHERE m.raw_input_id = r.id ORDER BY m.id DESC LIMIT 1)
                    FROM raw_input r WHERE r.id > ? ORDER BY r.id LIMIT ?
                    """,
                arguments: [after, limit])
            var inputs: [StoredRawInput] = []
            var bytes = 0
            while bytes < maxBytes, let row = try rows.next() {
                let sha256 = [UInt8](row[1] as Data)
                let chunks: Int = row[4]
                let inFolder: Bool = row[7]
                let data = inFolder && chunks == 0 ? try rawFile(sha256) : [UInt8](row[3] as Data)
                // A chunked input is written back whole to a temporary file: it counts at its size.
                bytes += chunks > 0 ? (row[5] as Int) : data.count
                inputs.append(
                    StoredRawInput(
                        id: row[0], sha256: sha256, encoding: StoredEncoding(stored: row[2]), bytes: data,
                        chunks: chunks, input: (row[8] as String?) ?? "", messageNumber: row[9], firstSeen: row[6]))
            }
            return inputs
        }
    }

    /// Calls `body` with each stored chunk of a large input, in order, in its stored encoding.
    public func rawInputChunks(of id: Int64, _ body: ([UInt8]) throws -> Void) throws(StoreError) {
        try read("reading a stored input") { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT sha256, chunks FROM raw_input WHERE id = ? AND in_folder", arguments: [id])
            {
                for chunk in 0..<(row[1] as Int) { try body(try rawFile([UInt8](row[0] as Data), chunk: chunk)) }
                return
            }
            let rows = try Row.fetchCursor(
                db, sql: "SELECT data FROM raw_input_chunk WHERE raw_input_id = ? ORDER BY seq", arguments: [id])
            while let row = try rows.next() { try body([UInt8](row[0] as Data)) }
        }
    }

    /// A raw input kept as a file (or one chunk of it).
    func rawFile(_ sha256: [UInt8], chunk: Int? = nil) throws(StoreError) -> [UInt8] {
        try RawInputFolder.read(in: rawFolder, of: path, sha256: sha256, chunk: chunk)
    }

    /// Inputs whose last attempt failed, oldest first.
    public func failedInputs() throws(StoreError) -> [FailedInput] {
        try read("listing failed inputs") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.at, l.input, l.part, l.code, l.reason FROM ingest_log l
                    LEFT JOIN raw_input r ON r.id = l.raw_input_id
                    WHERE l.status = 'failed' AND (r.id IS NULL OR r.state = 'failed')
                      AND l.id = (SELECT MAX(l2.id) FROM ingest_log l2
                                  WHERE l2.input = l.input AND (l2.part = l.part OR l2.part = ''))
                    ORDER BY l.id
                    """
            ).map { row in
                FailedInput(at: row[0], input: row[1], part: row[2], code: row[3] ?? "", reason: row[4] ?? "")
            }
        }
    }
}
