import Foundation
import NIOCore
import PostgresNIO
import ReportModel
import ReportStore

extension PostgresReportStore {
    /// Stores batches as `next` hands them over, each in one transaction (committed before the
    /// next is taken, so a retried transaction replays one batch, and concurrent workers hold
    /// their locks for a fraction of a second). Each report is all in or all out, and a duplicate, stored by this
    /// worker or by another at the same moment, changes nothing (docs/counting.md).
    /// - Returns: the log rows of every batch, in order, once they are committed.
    public func recordBatches(runID: Int64?, replacing: Bool, next: () -> StoreBatch?) throws(StoreError)
        -> [LoggedOutcome]
    {
        let suffixes = publicSuffixes.list
        var logged: [LoggedOutcome] = []
        while let batch = next() {
            let (rows, changed) = try write("storing inputs") { db in
                var writer = PostgresBatchWriter(
                    runID: runID, suffixes: suffixes, folder: self.rawFolder, now: Self.now())
                let rows = try writer.store(batch, replacing: replacing, in: db)
                return (rows, writer.changed)
            }
            logged += rows
            if changed { try bumpContentGeneration() }
        }
        return logged
    }

    /// Stores one input in a transaction of its own.
    package func record(_ input: StoredInput, outcomes: [PartOutcome], runID: Int64?) throws(StoreError)
        -> [LoggedOutcome]
    {
        try recordBatches(
            runID: runID, replacing: false, next: Self.once(StoreBatch(inputs: [.parsed(input, outcomes)])))
    }

    /// Parses a stored input again in a transaction of its own: its reports are replaced.
    package func replaceReports(of input: StoredInput, outcomes: [PartOutcome], runID: Int64?) throws(StoreError)
        -> [LoggedOutcome]
    {
        try recordBatches(
            runID: runID, replacing: true, next: Self.once(StoreBatch(inputs: [.parsed(input, outcomes)])))
    }

    /// A `next` that hands over `batch`, then nothing.
    private static func once(_ batch: StoreBatch) -> () -> StoreBatch? {
        var pending: StoreBatch? = batch
        return {
            defer { pending = nil }
            return pending
        }
    }

    /// Builds the indexes only a reparse needs: the log rows that point at a report (ingest
    /// does without them, two index entries fewer per report).
    public func prepareForReparse() throws(StoreError) {
        try write("indexing for reparse") { db in
            try db.execute("CREATE INDEX IF NOT EXISTS reparse_ingest_log_dmarc_report ON ingest_log(dmarc_report_id)")
            try db.execute("CREATE INDEX IF NOT EXISTS reparse_ingest_log_tls_report ON ingest_log(tls_report_id)")
        }
    }

    /// Drops the indexes of ``prepareForReparse()``.
    public func finishReparse() throws(StoreError) {
        try write("dropping the reparse indexes") { db in
            try db.execute("DROP INDEX IF EXISTS reparse_ingest_log_dmarc_report")
            try db.execute("DROP INDEX IF EXISTS reparse_ingest_log_tls_report")
        }
    }
}

/// One batch's writing, inside its transaction: inputs, reports and their keys one statement
/// each (their ids and whether they were new are needed at once), and everything bulk (records,
/// rollup shares, TLS policies and failures, log rows) collected and sent by `COPY` at
/// the end, the rollup through a staging table and one additive upsert.
struct PostgresBatchWriter {
    let runID: Int64?
    let suffixes: PublicSuffixList
    /// Where raw inputs are kept as files, when not in the database.
    let folder: RawInputFolder?
    let now: Int64
    /// Whether a report was stored or removed.
    private(set) var changed = false

    private var records = CopyRows()
    private var sourceLists = CopyRows()
    private var daily = CopyRows()
    private var tlsPolicies = CopyRows()
    private var tlsFailures = CopyRows()
    private var log = CopyRows()
    /// The failures logged in this batch, not yet in the table, for ``known(_:in:)``.
    private var failuresLogged: Set<[String?]> = []

    init(runID: Int64?, suffixes: PublicSuffixList, folder: RawInputFolder?, now: Int64) {
        self.runID = runID
        self.suffixes = suffixes
        self.folder = folder
        self.now = now
    }

    /// Stores the batch and the stamps of its files that had no failure.
    mutating func store(_ batch: StoreBatch, replacing: Bool, in db: ServerConnection) throws -> [LoggedOutcome] {
        var logged: [LoggedOutcome] = []
        for pending in batch.inputs {
            switch pending {
            case .parsed(let input, let outcomes):
                if replacing { try removeReports(of: input, in: db) }
                logged += try record(input, outcomes: outcomes, in: db)
            case .seen(let input, let part, let sha256):
                let rawID = try db.value(
                    "SELECT id FROM raw_input WHERE sha256 = \(ByteBuffer(bytes: sha256))", as: Int64.self)
                let outcome = LoggedOutcome.seenBefore(input: input, part: part)
                write(outcome, from: InputOrigin(input: input, rawInputID: rawID, runID: runID))
                logged.append(outcome)
            case .unreadable(var outcome):
                outcome.known = try known(outcome, in: db)
                write(outcome, from: InputOrigin(input: outcome.input, runID: runID))
                logged.append(outcome)
            }
        }
        try flush(in: db)
        let stamps = batch.stampsToRecord(after: logged)
        if !stamps.isEmpty { try PostgresReportStore.saveFileStamps(stamps, in: db) }
        if !batch.checkpoints.isEmpty { try PostgresReportStore.saveCheckpoints(batch.checkpoints, in: db) }
        return logged
    }

    /// Whether the same failure of an unreadable input was logged before.
    private func known(_ outcome: LoggedOutcome, in db: ServerConnection) throws -> Bool {
        let input = PostgresText.storable(outcome.input) ?? ""
        let part = PostgresText.storable(outcome.part) ?? ""
        let code = PostgresText.storable(outcome.code)
        let reason = PostgresText.storable(outcome.reason)
        if failuresLogged.contains([input, part, code, reason]) { return true }
        return try db.value(
            """
            SELECT EXISTS (SELECT 1 FROM ingest_log WHERE input = \(input) AND part = \(part) AND status = 'failed'
                AND code IS NOT DISTINCT FROM \(code) AND reason IS NOT DISTINCT FROM \(reason))
            """, as: Bool.self) ?? false
    }

    /// Stores an input, every report found in it and its log rows.
    private mutating func record(_ input: StoredInput, outcomes: [PartOutcome], in db: ServerConnection) throws
        -> [LoggedOutcome]
    {
        let state = KnownInputState(parsed: outcomes)
        var rawID: Int64
        var wasFailed = false
        // When the input first arrived: a report's dates are judged against it (countedSpan),
        // the same on every reparse.
        var arrival = input.firstSeen ?? now
        if let id = try db.value(
            """
            INSERT INTO raw_input(sha256, size, encoding, data, state, first_seen, in_folder)
            VALUES (\(ByteBuffer(bytes: input.sha256)), \(Int64(input.size)), \(input.encoding.rawValue),
                \(ByteBuffer(bytes: folder == nil ? input.bytes : [])), \(state.rawValue), \(arrival), \(folder != nil))
            ON CONFLICT (sha256) DO NOTHING RETURNING id
            """, as: Int64.self)
        {
            rawID = id
            if let chunks = input.chunks {
                try storeChunks(chunks, of: rawID, sha256: input.sha256, in: db)
            } else if let folder {
                // Written (and synced) before the transaction commits: no committed row names a
                // file that is not there.
                try input.bytes.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws -> Void in
                    try folder.write(bytes, sha256: input.sha256)
                }
            }
        } else {
            // Stored before (it failed then, or it is parsed again): its state is this run's.
            guard
                let row = try db.query(
                    "SELECT id, first_seen, state FROM raw_input WHERE sha256 = \(ByteBuffer(bytes: input.sha256)) FOR UPDATE"
                ).first
            else { throw StoreError(message: "raw input vanished", while: "storing \(input.input)") }
            let (id, firstSeen, oldState) = try row.decode((Int64, Int64, String).self)
            rawID = id
            arrival = firstSeen
            wasFailed = oldState == KnownInputState.failed.rawValue
            try db.query("UPDATE raw_input SET state = \(state.rawValue) WHERE id = \(rawID)")
        }
        var messageID: Int64?
        if let message = input.message {
            messageID = try db.value(
                """
                INSERT INTO mail_message(raw_input_id, input, number, message_id, date, sender, subject,
                    tls_report_domain, tls_report_submitter)
                VALUES (\(rawID), \(Self.text(input.input)), \(message.number.map(Int64.init)), \(Self.text(message.messageID)),
                    \(Self.text(message.date)), \(Self.text(message.from)), \(Self.text(message.subject)),
                    \(Self.text(message.tlsReportDomain)), \(Self.text(message.tlsReportSubmitter)))
                RETURNING id
                """, as: Int64.self)
        }
        let origin = InputOrigin(input: input.input, rawInputID: rawID, messageID: messageID, runID: runID)
        var logged: [LoggedOutcome] = []
        for outcome in outcomes {
            switch outcome {
            case .dmarc(let report, let part):
                var reportID: Int64?
                var inserted = false
                let refusal = StorableReport.refusal(of: report)
                if refusal == nil {
                    (reportID, inserted) = try insert(report, from: origin, part: part, arrival: arrival, in: db)
                }
                let row = LoggedOutcome.stored(
                    input: input.input, part: part, kind: .dmarc, inserted: inserted, failure: refusal)
                write(row, from: origin, dmarcReportID: reportID)
                logged.append(row)
            case .tls(let report, let part):
                let (reportID, inserted) = try insert(report, from: origin, part: part, arrival: arrival, in: db)
                let row = LoggedOutcome.stored(
                    input: input.input, part: part, kind: .tlsrpt, inserted: inserted, failure: nil)
                write(row, from: origin, tlsReportID: reportID)
                logged.append(row)
            case .skipped(let part, let kind, let reason):
                let row = LoggedOutcome(
                    input: input.input, part: part, status: .skipped, kind: kind, code: nil, reason: reason)
                write(row, from: origin)
                logged.append(row)
            case .failed(let part, let code, let reason):
                var row = LoggedOutcome(
                    input: input.input, part: part, status: .failed, kind: nil, code: code, reason: reason)
                row.known = wasFailed
                write(row, from: origin)
                logged.append(row)
            }
        }
        if KnownInputState(after: logged) == .failed && state != .failed {
            try db.query("UPDATE raw_input SET state = 'failed' WHERE id = \(rawID)")
        }
        return logged
    }

    /// Stores a large input's bytes a chunk per row (or per file in the folder), one chunk in
    /// memory at a time.
    private func storeChunks(_ chunks: any RawInputChunks, of rawID: Int64, sha256: [UInt8], in db: ServerConnection)
        throws
    {
        var sequence: Int64 = 0
        try chunks.forEachChunk { chunk in
            if let folder {
                try folder.write(chunk, sha256: sha256, chunk: Int(sequence))
            } else {
                try db.query(
                    "INSERT INTO raw_input_chunk(raw_input_id, seq, data) VALUES (\(rawID), \(sequence), \(ByteBuffer(bytes: chunk)))"
                )
            }
            sequence += 1
        }
        try db.query("UPDATE raw_input SET chunks = \(sequence) WHERE id = \(rawID)")
    }

    // MARK: - DMARC

    /// Inserts a DMARC report with its published policy; its records and rollup shares go to the
    /// batch's streams.
    /// - Returns: its id (the stored one for a duplicate) and whether it was new.
    private mutating func insert(
        _ report: AggregateReport, from origin: InputOrigin, part: String, arrival: Int64, in db: ServerConnection
    ) throws -> (Int64?, Bool) {
        let meta = report.metadata
        let policy = report.policy
        let key = DMARCReportKey(report, suffixes: suffixes)
        let domain = Self.text(key.policyDomain) ?? ""
        let reporter = Self.text(key.reporter) ?? ""
        let reportKey = Self.text(key.reportID) ?? ""
        let (counted, flags) = meta.dateRange.countedSpan(arrival: arrival)
        let errors = meta.errors.isEmpty ? nil : String(decoding: try JSONEncoder().encode(meta.errors), as: UTF8.self)
        let inserted = try db.value(
            """
            INSERT INTO dmarc_report(policy_domain, reporter, org_name, email, extra_contact_info, report_id,
                "begin", "end", counted_begin, counted_end, range_flags, version, namespace, generator, errors, schema,
                record_count, message_count, raw_input_id, input, part, imported_at, mail_message_id,
                domain, adkim, aspf, p, sp, np, pct, fo, testing, discovery_method)
            VALUES (\(domain), \(reporter), \(Self.text(meta.orgName) ?? ""), \(Self.text(meta.email)),
                \(Self.text(meta.extraContactInfo)), \(reportKey), \(key.begin), \(key.end), \(counted.begin),
                \(counted.end), \(flags.isEmpty ? nil : flags.names), \(Self.text(report.version)),
                \(Self.text(report.namespace)), \(Self.text(meta.generator)), \(Self.text(errors)),
                \(report.isRFC9990 ? "rfc9990" : "rfc7489"), \(Int64(report.recordCount)), \(report.messageCount),
                \(origin.rawInputID), \(Self.text(origin.input) ?? ""), \(Self.text(part) ?? ""), \(now), \(origin.messageID),
                \(Self.text(policy.domain) ?? ""), \(policy.adkim?.rawValue), \(policy.aspf?.rawValue), \(policy.p?.rawValue),
                \(policy.sp?.rawValue), \(policy.np?.rawValue), \(Self.text(policy.pct)), \(Self.text(policy.fo)),
                \(policy.testing?.rawValue), \(policy.discoveryMethod?.rawValue))
            ON CONFLICT (policy_domain, reporter, report_id, "begin", "end") DO NOTHING RETURNING id
            """, as: Int64.self)
        guard let reportID = inserted else {
            let existing = try db.value(
                """
                SELECT id FROM dmarc_report WHERE policy_domain = \(domain) AND reporter = \(reporter)
                    AND report_id = \(reportKey) AND "begin" = \(key.begin) AND "end" = \(key.end)
                """, as: Int64.self)
            return (existing, false)
        }
        changed = true
        let reporterOrg = DailyRollupRule.reporterOrg(meta.orgName)
        let email = meta.email ?? ""
        var sequence: Int64 = 0
        // The report's distinct source IPs, a row per part of `ipsPerPart` records, so that a
        // report of millions of records never holds them all (a repeat across parts is
        // harmless: a report counts once per source).
        var sources: [String] = []
        var sourcesSeen: Set<String> = []
        var part: Int64 = 0
        func writeSources() {
            guard !sources.isEmpty else { return }
            sourceLists.add(domain)
            sourceLists.add(reportID)
            sourceLists.add(part)
            sourceLists.add(counted.begin)
            sourceLists.add(counted.end)
            sourceLists.add(array: sources)
            sourceLists.endRow()
            part += 1
            sources.removeAll(keepingCapacity: true)
            sourcesSeen.removeAll(keepingCapacity: true)
        }
        try report.forEachRecord { record in
            if sourcesSeen.insert(record.sourceIP).inserted { sources.append(record.sourceIP) }
            let relayed = RelayEvidence.shows(record, policyDomain: report.policy.domain, suffixes: suffixes)
            records.add(domain)
            records.add(reportID)
            records.add(sequence)
            records.add(record.sourceIP)
            records.add(record.count)
            for value in [
                record.disposition?.rawValue, record.dkim?.rawValue, record.spf?.rawValue, record.headerFrom,
                record.envelopeFrom, record.envelopeTo,
            ] {
                records.add(value)
            }
            for json in [
                RecordResultsColumns.dkim(record.dkimResults), RecordResultsColumns.spf(record.spfResults),
                RecordResultsColumns.reasons(record.reasons),
            ] {
                records.add(json.map { String(decoding: $0, as: UTF8.self) })
            }
            records.add(relayed)
            records.endRow()
            sequence += 1
            let disposition = record.disposition?.rawValue ?? DailyRollupRule.unknownDisposition
            DailyRollupRule.forEachShare(
                count: record.count, over: counted, dkim: record.dkim, spf: record.spf, relayed: relayed
            ) { share in
                addShare(
                    share, domain: domain, sourceIP: record.sourceIP, reporterOrg: reporterOrg, email: email,
                    disposition: disposition)
            }
            if sequence % Self.ipsPerPart == 0 { writeSources() }
            // A report of millions of records is sent as it is read: memory stays bounded.
            if records.byteCount + daily.byteCount > Self.flushBytes { try flush(in: db) }
        }
        writeSources()
        return (reportID, true)
    }

    /// Records per row of `dmarc_report_ips`: a real report fits in one.
    static let ipsPerPart: Int64 = 50_000
    /// The size of the batch's streams at which they are sent before the batch ends.
    static let flushBytes = 32 << 20

    /// Adds one day's share of a record to the rollup's stream.
    private mutating func addShare(
        _ share: DailyShare, domain: String, sourceIP: String, reporterOrg: String, email: String, disposition: String
    ) {
        daily.add(domain)
        daily.add(share.day)
        daily.add(sourceIP)
        daily.add(reporterOrg)
        daily.add(email)
        daily.add(disposition)
        for value in [share.messages, share.dmarcPass, share.spfPass, share.dkimPass, share.relayed] {
            daily.add(value)
        }
        daily.endRow()
    }

    // MARK: - TLS-RPT

    /// Inserts a TLS report; its policies and failure details go to the batch's streams.
    /// - Returns: its id (the stored one for a duplicate) and whether it was new.
    private mutating func insert(
        _ report: TLSReport, from origin: InputOrigin, part: String, arrival: Int64, in db: ServerConnection
    ) throws -> (Int64?, Bool) {
        let key = TLSReportKey(report)
        // A policy without a domain (Postfix's no-policy-found) belongs to the report's domain,
        // the domain of its first policy that names one: the report's place when distributed.
        let reportDomain = Self.text(report.policies.lazy.compactMap(\.policy.domain).first) ?? ""
        let organization = Self.text(key.organization) ?? ""
        let reportKey = Self.text(key.reportID) ?? ""
        let (counted, flags) = report.dateRange.countedSpan(arrival: arrival)
        // The duplicate key (TLSReportKey) does not name a domain, and the table's unique key
        // leads with one (to distribute by it): the key is checked across domains, under a
        // lock on its hash that holds to the end of the transaction, so that two workers
        // storing one report at once store it once.
        let keyText = [organization, reportKey, String(key.begin), String(key.end)].joined(separator: "\u{1}")
        try db.query("SELECT pg_advisory_xact_lock(hashtextextended(\(keyText), \(AdvisoryLock.tlsReportKeys)))")
        if let existing = try db.value(
            """
            SELECT id FROM tls_report WHERE organization_key = \(organization) AND report_id = \(reportKey)
                AND "begin" = \(key.begin) AND "end" = \(key.end) ORDER BY id LIMIT 1
            """, as: Int64.self)
        {
            return (existing, false)
        }
        guard
            let reportID = try db.value(
                """
                INSERT INTO tls_report(report_domain, organization, organization_key, contact_info, report_id, "begin", "end",
                    counted_begin, counted_end, range_flags, raw_input_id, input, part, imported_at, mail_message_id)
                VALUES (\(reportDomain), \(Self.text(report.organizationName) ?? ""), \(organization),
                    \(Self.text(report.contactInfo)), \(reportKey), \(key.begin), \(key.end), \(counted.begin), \(counted.end),
                    \(flags.isEmpty ? nil : flags.names), \(origin.rawInputID), \(Self.text(origin.input) ?? ""),
                    \(Self.text(part) ?? ""), \(now), \(origin.messageID))
                RETURNING id
                """, as: Int64.self)
        else {
            throw StoreError(
                message: "the server returned no id for a new TLS report", while: "storing \(origin.input)")
        }
        changed = true
        for (position, result) in report.policies.enumerated() {
            let policy = result.policy
            tlsPolicies.add(reportDomain)
            tlsPolicies.add(reportID)
            tlsPolicies.add(Int64(position))
            tlsPolicies.add(policy.type.rawValue)
            tlsPolicies.add(policy.type.category.rawValue)
            tlsPolicies.add(policy.domain ?? reportDomain)
            tlsPolicies.add(policy.domain != nil)
            tlsPolicies.add(PostgresReportStore.json(policy.strings))
            tlsPolicies.add(policy.stsMode?.rawValue)
            tlsPolicies.add(policy.stsMaxAge)
            tlsPolicies.add(PostgresReportStore.json(policy.mxHosts))
            tlsPolicies.add(result.successfulSessions)
            tlsPolicies.add(result.failedSessions)
            tlsPolicies.endRow()
            for (sequence, detail) in result.failureDetails.enumerated() {
                tlsFailures.add(reportDomain)
                tlsFailures.add(reportID)
                tlsFailures.add(Int64(position))
                tlsFailures.add(Int64(sequence))
                for value in [
                    detail.resultType.rawValue, detail.resultType.category.rawValue, detail.sendingMTAIP,
                    detail.receivingMXHostname, detail.receivingMXHelo, detail.receivingIP,
                ] {
                    tlsFailures.add(value)
                }
                tlsFailures.add(detail.failedSessionCount)
                tlsFailures.add(detail.additionalInformation)
                tlsFailures.add(detail.failureReasonCode)
                tlsFailures.endRow()
            }
        }
        return (reportID, true)
    }

    // MARK: - Log and streams

    /// Adds one row of the ingest log to the batch's stream; a row about a stored report points at it.
    private mutating func write(
        _ outcome: LoggedOutcome, from origin: InputOrigin, dmarcReportID: Int64? = nil, tlsReportID: Int64? = nil
    ) {
        if outcome.status == .failed {
            failuresLogged.insert([
                PostgresText.storable(outcome.input), PostgresText.storable(outcome.part),
                PostgresText.storable(outcome.code), PostgresText.storable(outcome.reason),
            ])
        }
        log.add(origin.runID)
        log.add(now)
        log.add(outcome.input)
        log.add(outcome.part)
        log.add(origin.rawInputID)
        log.add(outcome.status.rawValue)
        log.add(outcome.kind?.rawValue)
        log.add(outcome.code)
        log.add(outcome.reason)
        log.add(dmarcReportID)
        log.add(tlsReportID)
        log.add(origin.messageID)
        log.endRow()
    }

    /// Sends the batch's streams: rows that cannot collide go straight into their tables; the
    /// rollup shares go into a staging table, summed per key and added to the rollup in one
    /// upsert, in key order (concurrent workers then lock rollup rows in one order, and
    /// rarely deadlock; when they do, the transaction is retried).
    private mutating func flush(in db: ServerConnection) throws {
        try db.copy(
            into: "dmarc_report_ips",
            columns: ["policy_domain", "report_id", "part", "counted_begin", "counted_end", "source_ips"],
            rows: sourceLists)
        try db.copy(
            into: "dmarc_record",
            columns: [
                "policy_domain", "report_id", "seq", "source_ip", "count", "disposition", "dkim", "spf", "header_from",
                "envelope_from", "envelope_to", "dkim_results", "spf_results", "reasons", "relayed",
            ], rows: records)
        if daily.count > 0 {
            try db.execute(
                """
                CREATE TEMP TABLE IF NOT EXISTS dmarc_daily_staging (
                    policy_domain text, day bigint, source_ip text, reporter_org text, reporter_email text,
                    disposition text, messages bigint, dmarc_pass bigint, spf_pass bigint, dkim_pass bigint,
                    relayed bigint) ON COMMIT DELETE ROWS
                """)
            try db.copy(
                into: "dmarc_daily_staging",
                columns: [
                    "policy_domain", "day", "source_ip", "reporter_org", "reporter_email", "disposition", "messages",
                    "dmarc_pass", "spf_pass", "dkim_pass", "relayed",
                ], rows: daily)
            try db.execute(Self.rollupUpsert)
            try db.execute("TRUNCATE dmarc_daily_staging")
        }
        try db.copy(
            into: "tls_policy",
            columns: [
                "report_domain", "report_id", "position", "policy_type", "category", "policy_domain", "domain_given",
                "policy_strings", "sts_mode", "sts_max_age", "mx_hosts", "successful_sessions", "failed_sessions",
            ], rows: tlsPolicies)
        try db.copy(
            into: "tls_failure",
            columns: [
                "report_domain", "report_id", "position", "seq", "result_type", "category", "sending_mta_ip",
                "receiving_mx_hostname", "receiving_mx_helo", "receiving_ip", "failed_session_count",
                "additional_information", "failure_reason_code",
            ], rows: tlsFailures)
        try db.copy(
            into: "ingest_log",
            columns: [
                "run_id", "at", "input", "part", "raw_input_id", "status", "kind", "code", "reason", "dmarc_report_id",
                "tls_report_id", "mail_message_id",
            ], rows: log)
        records = CopyRows()
        sourceLists = CopyRows()
        daily = CopyRows()
        tlsPolicies = CopyRows()
        tlsFailures = CopyRows()
        log = CopyRows()
    }

    /// The additive upsert of the staged rollup shares. Sums are held within a 64-bit integer,
    /// as SQLite's are (docs/counting.md).
    static let rollupUpsert: String = {
        let limit = "9223372036854775807"
        func held(_ sum: String) -> String { "GREATEST(LEAST(\(sum), \(limit)), -\(limit))::bigint" }
        let columns = ["messages", "dmarc_pass", "spf_pass", "dkim_pass", "relayed"]
        return """
            INSERT INTO dmarc_daily AS d (policy_domain, day, source_ip, reporter_org, reporter_email, disposition,
                \(columns.joined(separator: ", ")))
            SELECT policy_domain, day, source_ip, reporter_org, reporter_email, disposition,
                \(columns.map { held("sum(\($0))") }.joined(separator: ", "))
            FROM dmarc_daily_staging
            GROUP BY policy_domain, day, source_ip, reporter_org, reporter_email, disposition
            ORDER BY policy_domain, day, source_ip, reporter_org, reporter_email, disposition
            ON CONFLICT (policy_domain, day, source_ip, reporter_org, reporter_email, disposition) DO UPDATE SET
                \(columns.map { "\($0) = \(held("d.\($0)::numeric + excluded.\($0)"))" }.joined(separator: ",\n    "))
            """
    }()

    // MARK: - Reparse

    /// Removes the reports a stored input gave, with their part of the rollup (the negated
    /// shares, added like any others), before it is recorded again.
    private mutating func removeReports(of input: StoredInput, in db: ServerConnection) throws {
        guard
            let rawID = try db.value(
                "SELECT id FROM raw_input WHERE sha256 = \(ByteBuffer(bytes: input.sha256))", as: Int64.self)
        else { return }
        let rows = try db.query(
            """
            SELECT r.policy_domain, r.counted_begin, r.counted_end, r.org_name, r.email, d.source_ip, d.count,
                d.disposition, d.dkim, d.spf, d.relayed
            FROM dmarc_report r JOIN dmarc_record d ON d.policy_domain = r.policy_domain AND d.report_id = r.id
            WHERE r.raw_input_id = \(rawID)
            """)
        for row in rows {
            let (domain, begin, end, orgName, email, sourceIP, count, disposition, dkim, spf, relayed) = try row.decode(
                (String, Int64, Int64, String, String?, String, Int64, String?, String?, String?, Bool).self)
            DailyRollupRule.forEachShare(
                count: count, over: DateRange(begin: begin, end: end), dkim: dkim.map(AlignedVerdict.init(rawValue:)),
                spf: spf.map(AlignedVerdict.init(rawValue:)), relayed: relayed, removing: true
            ) { share in
                addShare(
                    share, domain: domain, sourceIP: sourceIP, reporterOrg: DailyRollupRule.reporterOrg(orgName),
                    email: email ?? "", disposition: disposition ?? DailyRollupRule.unknownDisposition)
            }
        }
        try flush(in: db)
        let dmarc = try db.query("DELETE FROM dmarc_report WHERE raw_input_id = \(rawID) RETURNING id")
        let tls = try db.query("DELETE FROM tls_report WHERE raw_input_id = \(rawID) RETURNING id")
        if !dmarc.isEmpty || !tls.isEmpty { changed = true }
        let dmarcIDs = try dmarc.map { try $0.decode(Int64.self) }
        let tlsIDs = try tls.map { try $0.decode(Int64.self) }
        if !dmarcIDs.isEmpty {
            try db.query("UPDATE ingest_log SET dmarc_report_id = NULL WHERE dmarc_report_id = ANY(\(dmarcIDs))")
        }
        if !tlsIDs.isEmpty {
            try db.query("UPDATE ingest_log SET tls_report_id = NULL WHERE tls_report_id = ANY(\(tlsIDs))")
        }
    }

    /// Text a stranger wrote, as PostgreSQL can keep it.
    static func text(_ value: String?) -> String? { PostgresText.storable(value) }
}
