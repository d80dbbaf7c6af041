import Foundation
import GRDB
import ReportModel
import ReportStore

// Runs and what the store knows of inputs before it reads them.
extension SQLiteReportStore {
    /// Starts an ingest run and returns its id.
    public func startRun(command: String) throws(StoreError) -> Int64 {
        try write("starting a run") { db in
            try db.execute(
                sql: "INSERT INTO ingest_run(started, command) VALUES (?, ?)",
                arguments: [Self.now(), command])
            return db.lastInsertedRowID
        }
    }

    /// Marks a run finished: records in `ingest_run` when it ended.
    public func finishRun(_ id: Int64) throws(StoreError) {
        try write("finishing a run") { db in
            try db.execute(sql: "UPDATE ingest_run SET finished = ? WHERE id = ?", arguments: [Self.now(), id])
        }
    }

    /// Whether an input with this SHA-256 was ingested before, and how it went.
    package func knownInput(sha256: [UInt8]) throws(StoreError) -> KnownInputState? {
        try read("looking up an input") { db in
            try String.fetchOne(db, sql: "SELECT state FROM raw_input WHERE sha256 = ?", arguments: [Data(sha256)])
                .flatMap(KnownInputState.init(rawValue:))
        }
    }

    /// The known states of many inputs at once, by SHA-256.
    public func knownInputs(_ digests: [[UInt8]]) throws(StoreError) -> [[UInt8]: KnownInputState] {
        guard !digests.isEmpty else { return [:] }
        return try read("looking up inputs") { db in
            var states: [[UInt8]: KnownInputState] = [:]
            for chunk in digests.chunks(of: 500) {
                let rows = try Row.fetchCursor(
                    db,
                    sql:
                        "SELECT sha256, state FROM raw_input WHERE sha256 IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk.map { Data($0) }))
                while let row = try rows.next() {
                    states[[UInt8](row[0] as Data)] = KnownInputState(rawValue: row[1])
                }
            }
            return states
        }
    }
}
