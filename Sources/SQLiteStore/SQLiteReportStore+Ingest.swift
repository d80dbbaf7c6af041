import Foundation
import GRDB
import ReportModel
import ReportStore

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
            for chunk in stride(from: 0, to: digests.count, by: 500).map({
                Array(digests[$0..<min($0 + 500, digests.count)])
            }) {
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
                                batch, runID: runID, replacing: replacing, suffixes: suffixes, in: db)
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
        _ batch: StoreBatch, runID: Int64?, replacing: Bool = false, suffixes: PublicSuffixList, in db: Database
    ) throws -> [LoggedOutcome] {
        var logged: [LoggedOutcome] = []
        for pending in batch.inputs {
            switch pending {
            case .parsed(let input, let outcomes):
                if replacing { try Self.removeReports(of: input, in: db) }
                // No savepoint of its own: only a report can fail on its content, and each has
                // one; any other failure (a full disk) ends the whole transaction.
                logged += try Self.record(input, outcomes: outcomes, runID: runID, suffixes: suffixes, in: db)
            case .seen(let input, let part, let sha256):
                let rawID = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM raw_input WHERE sha256 = ?"), arguments: [Data(sha256)])
                let outcome = LoggedOutcome.seenBefore(input: input, part: part)
                try Self.log(outcome, rawInputID: rawID, reportID: nil, runID: runID, in: db)
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
                try Self.log(outcome, rawInputID: nil, reportID: nil, runID: runID, in: db)
                logged.append(outcome)
            }
        }
        let stamps = batch.stampsToRecord(after: logged)
        if !stamps.isEmpty { try saveFileStamps(stamps, in: db) }
        return logged
    }

    /// Stores an input, every report found in it and the ingest log, in one transaction; each
    /// report is all in or all out (a savepoint each), and a duplicate changes nothing.
    /// - Returns: one log row per part, in order.
    package func record(_ input: StoredInput, outcomes: [PartOutcome], runID: Int64?) throws(StoreError)
        -> [LoggedOutcome]
    {
        try write("storing \(input.input)") { db in
            try Self.record(input, outcomes: outcomes, runID: runID, suffixes: publicSuffixes.list, in: db)
        }
    }

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
            return try Self.record(input, outcomes: outcomes, runID: runID, suffixes: publicSuffixes.list, in: db)
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
                    SELECT r.id, r.sha256, r.encoding, r.data, r.chunks, r.size,
                        (SELECT input FROM ingest_log l WHERE l.raw_input_id = r.id ORDER BY l.id DESC LIMIT 1),
                        (SELECT number FROM mail_message m WHERE m.raw_input_id = r.id ORDER BY m.id DESC LIMIT 1)
                    FROM raw_input r WHERE r.id > ? ORDER BY r.id LIMIT ?
                    """,
                arguments: [after, limit])
            var inputs: [StoredRawInput] = []
            var bytes = 0
            while bytes < maxBytes, let row = try rows.next() {
                let data = [UInt8](row[3] as Data)
                let chunks: Int = row[4]
                // A chunked input is written back whole to a temporary file: it counts at its size.
                bytes += chunks > 0 ? (row[5] as Int) : data.count
                inputs.append(
                    StoredRawInput(
                        id: row[0], sha256: [UInt8](row[1] as Data), encoding: StoredEncoding(stored: row[2]),
                        bytes: data, chunks: chunks,
                        input: (row[6] as String?) ?? "", messageNumber: row[7]))
            }
            return inputs
        }
    }

    static func record(
        _ input: StoredInput, outcomes: [PartOutcome], runID: Int64?, suffixes: PublicSuffixList, in db: Database
    ) throws -> [LoggedOutcome] {
        let state = KnownInputState(parsed: outcomes)
        let insertRaw = try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO raw_input(sha256, size, encoding, data, state, first_seen) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(sha256) DO NOTHING
                """)
        let rawID: Int64
        // The same bytes failed before: their failures now are known ones.
        var wasFailed = false
        // When the input first arrived: a report's dates are judged against it (countedSpan),
        // the same on every reparse.
        var arrival = Self.now()
        if let inserted = try insertRaw.runInsertingRowID(
            .blob(input.sha256), .integer(Int64(input.size)), .text(input.encoding.rawValue), .blob(input.bytes),
            .text(state.rawValue),
            .integer(arrival))
        {
            rawID = inserted
            if let chunks = input.chunks { try storeChunks(chunks, of: rawID, in: db) }
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

        var logged: [LoggedOutcome] = []
        for outcome in outcomes {
            switch outcome {
            case .dmarc(let report, let part):
                // The one constraint a DMARC report's content can break is checked first: the
                // report needs no savepoint.
                let row = try Self.storeReport(
                    kind: .dmarc, input: input.input, part: part, rawInputID: rawID, messageID: messageID,
                    runID: runID, in: db,
                    problem: StorableReport.refusal(of: report), savepoint: false
                ) {
                    try Self.insert(
                        report, rawInputID: rawID, messageID: messageID, input: input.input, part: part,
                        arrival: arrival,
                        suffixes: suffixes, in: db)
                }
                logged.append(row)
            case .tls(let report, let part):
                let row = try Self.storeReport(
                    kind: .tlsrpt, input: input.input, part: part, rawInputID: rawID, messageID: messageID,
                    runID: runID, in: db
                ) {
                    try Self.insert(
                        report, rawInputID: rawID, messageID: messageID, input: input.input, part: part,
                        arrival: arrival, in: db)
                }
                logged.append(row)
            case .skipped(let part, let kind, let reason):
                let row = LoggedOutcome(
                    input: input.input, part: part, status: .skipped, kind: kind, code: nil, reason: reason)
                try Self.log(row, rawInputID: rawID, messageID: messageID, reportID: nil, runID: runID, in: db)
                logged.append(row)
            case .failed(let part, let code, let reason):
                var row = LoggedOutcome(
                    input: input.input, part: part, status: .failed, kind: nil, code: code, reason: reason)
                row.known = wasFailed
                try Self.log(row, rawInputID: rawID, messageID: messageID, reportID: nil, runID: runID, in: db)
                logged.append(row)
            }
        }
        if KnownInputState(after: logged) == .failed && state != .failed {
            try db.execute(sql: "UPDATE raw_input SET state = 'failed' WHERE id = ?", arguments: [rawID])
        }
        return logged
    }

    /// Stores a large input's bytes a chunk per row (one value may not exceed SQLite's 1 GB,
    /// and binding it would need it whole in memory).
    static func storeChunks(_ chunks: any RawInputChunks, of rawID: Int64, in db: Database) throws {
        let insert = try FastInsert(
            db, sql: "INSERT OR FAIL INTO raw_input_chunk(raw_input_id, seq, data) VALUES (?, ?, ?)")
        var sequence: Int64 = 0
        try chunks.forEachChunk { chunk in
            try insert.run(.integer(rawID), .integer(sequence), .blob(Array(chunk)))
            sequence += 1
        }
        try db.execute(sql: "UPDATE raw_input SET chunks = ? WHERE id = ?", arguments: [sequence, rawID])
    }

    /// Calls `body` with each stored chunk of a large input, in order, in its stored encoding.
    public func rawInputChunks(of id: Int64, _ body: ([UInt8]) throws -> Void) throws(StoreError) {
        try read("reading a stored input") { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT data FROM raw_input_chunk WHERE raw_input_id = ? ORDER BY seq", arguments: [id])
            while let row = try rows.next() { try body([UInt8](row[0] as Data)) }
        }
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
        kind: OutcomeKind, input: String, part: String, rawInputID: Int64, messageID: Int64?, runID: Int64?,
        in db: Database,
        problem: String? = nil, savepoint: Bool = true, insert: () throws -> (Int64, Bool)
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
            input: input, part: part, kind: kind, inserted: status == .imported, failure: failure)
        try log(
            row, rawInputID: rawInputID, messageID: messageID, reportID: kind == .dmarc ? reportRowID : nil,
            tlsReportID: kind == .tlsrpt ? reportRowID : nil, runID: runID, in: db)
        return row
    }

    static func log(
        _ outcome: LoggedOutcome, rawInputID: Int64?, messageID: Int64? = nil, reportID: Int64?,
        tlsReportID: Int64? = nil,
        runID: Int64?, in db: Database
    ) throws {
        try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO ingest_log(run_id, at, input, part, raw_input_id, status, kind, code, reason, dmarc_report_id,
                    tls_report_id, mail_message_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).run(
            .integer(runID), .integer(now()), .text(outcome.input), .text(outcome.part), .integer(rawInputID),
            .text(outcome.status.rawValue), .text(outcome.kind?.rawValue), .text(outcome.code), .text(outcome.reason),
            .integer(reportID),
            .integer(tlsReportID), .integer(messageID))
    }

    /// Inserts a report and its children. Returns its row id and whether it was new.
    static func insert(
        _ report: AggregateReport, rawInputID: Int64, messageID: Int64?, input: String, part: String, arrival: Int64,
        suffixes: PublicSuffixList, in db: Database
    ) throws -> (Int64, Bool) {
        let meta = report.metadata
        let reporter = meta.reporterKey(suffixes)
        let (counted, flags) = meta.dateRange.countedSpan(arrival: arrival)
        let errors = meta.errors.isEmpty ? nil : String(decoding: try JSONEncoder().encode(meta.errors), as: UTF8.self)
        let insertReport = try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO dmarc_report(reporter, org_name, email, extra_contact_info, report_id, policy_domain,
                    begin, end, version, namespace, generator, errors, schema, record_count, message_count,
                    raw_input_id, input, part, imported_at, mail_message_id, counted_begin, counted_end, range_flags)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (reporter, report_id, policy_domain, begin, end) DO NOTHING
                """)
        guard
            let reportID = try insertReport.runInsertingRowID(
                .text(reporter), .text(meta.orgName), .text(meta.email), .text(meta.extraContactInfo),
                .text(meta.reportID),
                .text(report.policy.domain), .integer(meta.dateRange.begin), .integer(meta.dateRange.end),
                .text(report.version),
                .text(report.namespace), .text(meta.generator), .text(errors),
                .text(report.isRFC9990 ? "rfc9990" : "rfc7489"),
                .integer(Int64(report.recordCount)), .integer(report.messageCount), .integer(rawInputID), .text(input),
                .text(part),
                .integer(now()), .integer(messageID), .integer(counted.begin), .integer(counted.end),
                .text(flags.isEmpty ? nil : flags.names))
        else {
            let existing = try Int64.fetchOne(
                db,
                sql: """
                    SELECT id FROM dmarc_report
                    WHERE reporter = ? AND report_id = ? AND policy_domain = ? AND begin = ? AND end = ?
                    """,
                arguments: [reporter, meta.reportID, report.policy.domain, meta.dateRange.begin, meta.dateRange.end])
            return (existing ?? 0, false)
        }
        let policy = report.policy
        try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO dmarc_policy(report_id, domain, adkim, aspf, p, sp, np, pct, fo, testing, discovery_method)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).run(
            .integer(reportID), .text(policy.domain), .text(policy.adkim?.rawValue), .text(policy.aspf?.rawValue),
            .text(policy.p?.rawValue), .text(policy.sp?.rawValue), .text(policy.np?.rawValue), .text(policy.pct),
            .text(policy.fo),
            .text(policy.testing?.rawValue), .text(policy.discoveryMethod?.rawValue))
        let insertRecord = try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO dmarc_record(report_id, source_ip, count, disposition, dkim, spf, header_from,
                    envelope_from, envelope_to, dkim_results, spf_results, reasons, relayed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let rollup = try DailyRollup(db)
        let reporterOrg = DailyRollupRule.reporterOrg(meta.orgName)
        let domain = report.policy.domain
        // A report's distinct source IPs, one row per part of at most `ipsPerPart` records, so
        // that a report of millions of records never holds them all (a repeat across parts is
        // harmless: the correlation counts a report once per source).
        var sourcesSeen: Set<String> = []
        var sources = SourceIPList()
        var part = 0
        let insertIPs = try FastInsert(
            db,
            sql:
                "INSERT OR FAIL INTO dmarc_report_ips(policy_domain, end, report_id, part, begin, source_ips) VALUES (?, ?, ?, ?, ?, ?)"
        )
        func writeSources() throws {
            guard sources.count > 0 else { return }
            try insertIPs.run(
                .text(domain), .integer(counted.end), .integer(reportID), .integer(Int64(part)),
                .integer(counted.begin), .utf8(sources.packed))
            part += 1
            sources = SourceIPList()
            sourcesSeen.removeAll(keepingCapacity: true)
        }
        var inPart = 0
        try report.forEachRecord { record in
            if sourcesSeen.insert(record.sourceIP).inserted { sources.append(record.sourceIP) }
            let relayed = RelayEvidence.shows(record, policyDomain: domain, suffixes: suffixes)
            try rollup.add(
                domain: domain, range: counted, reporterOrg: reporterOrg, email: meta.email, sourceIP: record.sourceIP,
                count: record.count, disposition: record.disposition?.rawValue, dkim: record.dkim, spf: record.spf,
                relayed: relayed)
            try insertRecord.run(
                .integer(reportID), .text(record.sourceIP), .integer(record.count), .text(record.disposition?.rawValue),
                .text(record.dkim?.rawValue), .text(record.spf?.rawValue), .text(record.headerFrom),
                .text(record.envelopeFrom),
                .text(record.envelopeTo), .utf8(RecordResultsColumns.dkim(record.dkimResults)),
                .utf8(RecordResultsColumns.spf(record.spfResults)), .utf8(RecordResultsColumns.reasons(record.reasons)),
                .integer(relayed ? 1 : 0))
            inPart += 1
            if inPart == Self.ipsPerPart {
                try writeSources()
                inPart = 0
            }
        }
        try writeSources()
        return (reportID, true)
    }

    /// Records per row of `dmarc_report_ips`: a real report fits in one.
    static let ipsPerPart = 50_000

    /// Adds (or, when `removing`, takes away) one record's messages in the per-day rollup.
    static func addToDailyRollup(
        domain: String, range: DateRange, orgName: String, email: String?, sourceIP: String, count: Int64,
        disposition: String?, dkim: String?, spf: String?, relayed: Bool, removing: Bool = false,
        relayedColumn: Bool = true,
        in db: Database
    ) throws {
        try DailyRollup(db, relayedColumn: relayedColumn).add(
            domain: domain, range: range, reporterOrg: DailyRollupRule.reporterOrg(orgName), email: email,
            sourceIP: sourceIP, count: count, disposition: disposition, dkim: dkim.map(AlignedVerdict.init(rawValue:)),
            spf: spf.map(AlignedVerdict.init(rawValue:)), relayed: relayed, removing: removing)
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
