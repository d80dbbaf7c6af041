import Foundation
import GRDB
import ReportModel
import ReportStore

extension SQLiteReportStore {
    /// Stores batches in one transaction, as `next` hands them over, until it returns nil: a
    /// commit writes every page the transaction touched into the WAL, and with keys spread over
    /// the b-trees a batch touches most of their pages, so fewer commits write far less.
    /// - Returns: the log rows of every batch, in order, once they are committed.
    /// - Parameter replacing: the inputs were stored before and are parsed again (`reparse`):
    ///   the reports each gave are removed, with their part of the rollups, before it is
    ///   recorded again (with foreign keys on, for the cascades).
    public func recordBatches(runID: Int64?, replacing: Bool, next: () -> StoreBatch?) throws(StoreError)
        -> [LoggedOutcome]
    {
        do {
            return try inTurn {
                try queue.writeWithoutTransaction { db in
                    // Every row written here refers to rows written just before, by the ids SQLite
                    // returned: checking each reference costs a lookup per row and proves nothing.
                    // (`PRAGMA foreign_key_check` finds no orphan after ingest; the tests check.)
                    if !replacing { try db.execute(sql: "PRAGMA foreign_keys = OFF") }
                    defer { if !replacing { try? db.execute(sql: "PRAGMA foreign_keys = ON") } }
                    var logged: [LoggedOutcome] = []
                    let suffixes = publicSuffixes.list
                    try db.inTransaction(.immediate) {
                        while let batch = next() {
                            logged += try Self.record(
                                batch, runID: runID, replacing: replacing, suffixes: suffixes, folder: rawFolder,
                                in: db)
                        }
                        return .commit
                    }
                    return logged
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(error, while: "storing inputs")
        }
    }

    /// Stores one batch inside the caller's transaction, then the stamps of its files that had
    /// no failure.
    static func record(
        _ batch: StoreBatch, runID: Int64?, replacing: Bool = false, suffixes: PublicSuffixList,
        folder: RawInputFolder?, in db: Database
    ) throws -> [LoggedOutcome] {
        var logged: [LoggedOutcome] = []
        for pending in batch.inputs {
            switch pending {
            case .parsed(let input, let outcomes):
                if replacing { try Self.removeReports(of: input, in: db) }
                // No savepoint of its own: only a report can fail on its content, and each has
                // one; any other failure (a full disk) ends the whole transaction.
                logged += try Self.record(
                    input, outcomes: outcomes, runID: runID, suffixes: suffixes, folder: folder, in: db)
            case .seen(let input, let part, let sha256):
                let rawID = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM raw_input WHERE sha256 = ?"), arguments: [Data(sha256)])
                let outcome = LoggedOutcome.seenBefore(input: input, part: part)
                try Self.log(outcome, from: InputOrigin(input: input, rawInputID: rawID, runID: runID), in: db)
                logged.append(outcome)
            case .unreadable(var outcome):
                outcome.known =
                    try Bool.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT EXISTS (SELECT 1 FROM ingest_log WHERE input = ? AND part = ? AND status = 'failed'
                                    AND code IS ? AND reason IS ?)
                                """),
                        arguments: [outcome.input, outcome.part, outcome.code, outcome.reason]) ?? false
                try Self.log(outcome, from: InputOrigin(input: outcome.input, runID: runID), in: db)
                logged.append(outcome)
            }
        }
        let stamps = batch.stampsToRecord(after: logged)
        if !stamps.isEmpty { try saveFileStamps(stamps, in: db) }
        if !batch.checkpoints.isEmpty { try saveCheckpoints(batch.checkpoints, in: db) }
        return logged
    }

    /// Stores an input, every report found in it and the ingest log, in one transaction; each
    /// report is all in or all out (a savepoint each), and a duplicate changes nothing.
    /// - Returns: one log row per part, in order.
    package func record(_ input: StoredInput, outcomes: [PartOutcome], runID: Int64?) throws(StoreError)
        -> [LoggedOutcome]
    {
        try write("storing \(input.input)") { db in
            try Self.record(
                input, outcomes: outcomes, runID: runID, suffixes: publicSuffixes.list, folder: rawFolder, in: db)
        }
    }

    /// - Parameter folder: where raw inputs are kept as files, when not in the database.
    static func record(
        _ input: StoredInput, outcomes: [PartOutcome], runID: Int64?, suffixes: PublicSuffixList,
        folder: RawInputFolder?, in db: Database
    ) throws -> [LoggedOutcome] {
        let state = KnownInputState(parsed: outcomes)
        let insertRaw = try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO raw_input(sha256, size, encoding, data, state, first_seen, in_folder)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(sha256) DO NOTHING
                """)

        let rawID: Int64
        // The same bytes failed before: their failures now are known ones.
        var wasFailed = false
        // When the input first arrived: a report's dates are judged against it (countedSpan),
        // the same on every reparse.
        var arrival = input.firstSeen ?? Self.now()
        if let inserted = try insertRaw.runInsertingRowID(
            .blob(input.sha256), .integer(Int64(input.size)), .text(input.encoding.rawValue),
            .blob(folder == nil ? input.bytes : []), .text(state.rawValue), .integer(arrival),
            .integer(folder == nil ? 0 : 1))
        {
            rawID = inserted
            if let chunks = input.chunks {
                try storeChunks(chunks, of: rawID, sha256: input.sha256, folder: folder, in: db)
            } else if let folder {
                // Written (and synced) before the transaction commits: no committed row names a
                // file that is not there.
                try input.bytes.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws -> Void in
                    try folder.write(bytes, sha256: input.sha256)
                }
            }
        } else {
            wasFailed =
                try String.fetchOne(
                    db.cachedStatement(sql: "SELECT state FROM raw_input WHERE sha256 = ?"),
                    arguments: [Data(input.sha256)])
                == KnownInputState.failed.rawValue
            // Stored before (it failed then, or it is parsed again): its state is this run's.
            guard
                let existing = try Row.fetchOne(
                    db, sql: "UPDATE raw_input SET state = ? WHERE sha256 = ? RETURNING id, first_seen",
                    arguments: [state.rawValue, Data(input.sha256)])
            else { throw StoreError(DatabaseError(message: "raw input vanished"), while: "storing \(input.input)") }
            rawID = existing[0]
            arrival = existing[1]
        }
        var messageID: Int64?
        if let message = input.message {
            try db.cachedStatement(
                sql: """
                    INSERT OR FAIL INTO mail_message(raw_input_id, input, number, message_id, date, sender, subject,
                        tls_report_domain, tls_report_submitter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    rawID, input.input, message.number, message.messageID, message.date, message.from, message.subject,
                    message.tlsReportDomain, message.tlsReportSubmitter,
                ])
            messageID = db.lastInsertedRowID
        }

        let origin = InputOrigin(input: input.input, rawInputID: rawID, messageID: messageID, runID: runID)
        var logged: [LoggedOutcome] = []
        for outcome in outcomes {
            switch outcome {
            case .dmarc(let report, let part):
                // The one constraint a DMARC report's content can break is checked first: the
                // report needs no savepoint.
                let row = try Self.storeReport(
                    kind: .dmarc, part: part, from: origin, in: db, problem: StorableReport.refusal(of: report),
                    savepoint: false
                ) {
                    try Self.insert(report, from: origin, part: part, arrival: arrival, suffixes: suffixes, in: db)
                }
                logged.append(row)
            case .tls(let report, let part):
                let row = try Self.storeReport(kind: .tlsrpt, part: part, from: origin, in: db) {
                    try Self.insert(report, from: origin, part: part, arrival: arrival, in: db)
                }
                logged.append(row)
            case .skipped(let part, let kind, let reason):
                let row = LoggedOutcome(
                    input: input.input, part: part, status: .skipped, kind: kind, code: nil, reason: reason)
                try Self.log(row, from: origin, in: db)
                logged.append(row)
            case .failed(let part, let code, let reason):
                var row = LoggedOutcome(
                    input: input.input, part: part, status: .failed, kind: nil, code: code, reason: reason)
                row.known = wasFailed
                try Self.log(row, from: origin, in: db)
                logged.append(row)
            }
        }
        if KnownInputState(after: logged) == .failed && state != .failed {
            try db.execute(sql: "UPDATE raw_input SET state = 'failed' WHERE id = ?", arguments: [rawID])
        }
        return logged
    }

    /// Stores a large input's bytes a chunk per row (one value may not exceed SQLite's 1 GB,
    /// and binding it would need it whole in memory), or a chunk per file in `folder`.
    static func storeChunks(
        _ chunks: any RawInputChunks, of rawID: Int64, sha256: [UInt8], folder: RawInputFolder?, in db: Database
    ) throws {
        let insert = try FastInsert(
            db, sql: "INSERT OR FAIL INTO raw_input_chunk(raw_input_id, seq, data) VALUES (?, ?, ?)")
        var sequence: Int64 = 0
        try chunks.forEachChunk { chunk in
            if let folder {
                try folder.write(chunk, sha256: sha256, chunk: Int(sequence))
            } else {
                try insert.run(.integer(rawID), .integer(sequence), .blob(Array(chunk)))
            }
            sequence += 1
        }
        try db.execute(sql: "UPDATE raw_input SET chunks = ? WHERE id = ?", arguments: [sequence, rawID])
    }

    // MARK: - Rows

    /// Inserts one report and logs the outcome: imported, duplicate, or failed with nothing of it
    /// left behind.
    /// - Parameters:
    ///   - problem: why the schema would refuse the report, found before writing anything: such a
    ///     report fails without being written.
    ///   - savepoint: write inside a savepoint, so that a refusal the check did not foresee rolls
    ///     back the report alone. Without it, such a failure ends the whole transaction (nothing
    ///     is half-written either way); a savepoint copies every page the report touches.
    static func storeReport(
        kind: OutcomeKind, part: String, from origin: InputOrigin, in db: Database, problem: String? = nil,
        savepoint: Bool = true, insert: () throws -> (Int64, Bool)
    ) throws -> LoggedOutcome {
        var reportRowID: Int64?
        var status = IngestStatus.duplicate
        var failure: String?
        if let problem {
            status = .failed
            failure = problem
        } else if !savepoint {
            let (id, inserted) = try insert()
            reportRowID = id
            status = inserted ? .imported : .duplicate
        } else {
            do {
                try FastSavepoint.run("report", in: db) {
                    let (id, inserted) = try insert()
                    reportRowID = id
                    status = inserted ? .imported : .duplicate
                }
            } catch {
                status = .failed
                failure = "\(error)"
            }
        }
        let row = LoggedOutcome.stored(
            input: origin.input, part: part, kind: kind, inserted: status == .imported, failure: failure)
        try log(
            row, from: origin, dmarcReportID: kind == .dmarc ? reportRowID : nil,
            tlsReportID: kind == .tlsrpt ? reportRowID : nil, in: db)
        return row
    }

    /// Writes one row of the ingest log; a row about a stored report points at it.
    static func log(
        _ outcome: LoggedOutcome, from origin: InputOrigin, dmarcReportID: Int64? = nil, tlsReportID: Int64? = nil,
        in db: Database
    ) throws {
        try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO ingest_log(run_id, at, input, part, raw_input_id, status, kind, code, reason, dmarc_report_id,
                    tls_report_id, mail_message_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).run(
            .integer(origin.runID), .integer(now()), .text(outcome.input), .text(outcome.part),
            .integer(origin.rawInputID), .text(outcome.status.rawValue), .text(outcome.kind?.rawValue),
            .text(outcome.code), .text(outcome.reason), .integer(dmarcReportID), .integer(tlsReportID),
            .integer(origin.messageID))
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
