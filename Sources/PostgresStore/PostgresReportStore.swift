import Foundation
import NIOCore
import PostgresNIO
import ReportModel
import ReportStore

/// The PostgreSQL backend of the store (``MailTallyStore``), for many ingest workers on one
/// or many hosts writing one database, and everyone querying it (docs/postgresql.md).
///
/// Two connections: one writes, in short transactions that PostgreSQL may ask to retry (a
/// deadlock or serialization failure between concurrent writers is retried, never shown), and
/// one reads, each question in one read-only snapshot. Duplicates are settled by the unique
/// keys (`ON CONFLICT DO NOTHING`), rollups by additive upserts in the same transaction as
/// their report, and bulk rows go through `COPY`.
public final class PostgresReportStore: MailTallyStore, StoreInspection {
    /// The writing connection, opened when first needed: a command that only asks questions
    /// makes one connection, not two.
    private let writerSession: LazySession
    let reader: PostgresSession
    /// The connection that holds the run lock while a nightly run goes on, opened when taken.
    let connector: PostgresConnector
    /// For the reporter of the duplicate key (organisational domains), read when first needed.
    let publicSuffixes: LazyPublicSuffixList
    /// The store as `--db` named it, the password masked.
    public let location: String
    /// Where raw inputs are kept as files, when not in the database (`--raw-dir`).
    let rawFolder: RawInputFolder?

    /// Opens the store at `location`, applying pending migrations.
    /// - Parameters:
    ///   - mustExist: a database without a MailTally schema is an error of kind `.missing`
    ///     (for commands that only read what `ingest` made) instead of being set up.
    ///   - rawFolder: keep new raw inputs as files there (``RawInputFolder``); the store remembers
    ///     it, and a store that keeps them elsewhere refuses another.
    ///   - environment: where `PGPASSWORD` and `PGPASSFILE` are looked up.
    public init(
        _ location: PostgresLocation, mustExist: Bool = false, publicSuffixes: LazyPublicSuffixList = .system(),
        rawFolder: RawInputFolder? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(StoreError) {
        self.location = location.description
        self.publicSuffixes = publicSuffixes
        connector = PostgresConnector(location, environment: environment)
        writerSession = LazySession(connector)
        reader = try PostgresSession(connector)
        let name = location.description
        let applied = try reader.run("opening \(name)") { db in try PostgresSchema.appliedVersions(db) }
        if mustExist && applied == nil {
            throw StoreError(
                message: "no MailTally store in \(name): run `mailtally ingest` first, or pass --db",
                while: "opening \(name)", kind: .missing)
        }
        // Migrated only when a version is missing: a store that is up to date is only read.
        if try !PostgresSchema.isCurrent(applied ?? [], location: name) {
            _ = try writerSession.session().run("setting up \(name)") { db in
                try PostgresSchema.migrate(db, location: name)
            }
        }
        let writer = writerSession
        self.rawFolder = try RawFolderSetting.settle(
            rawFolder, store: name,
            stored: try reader.run("opening \(name)") { db in
                try db.value("SELECT value FROM store_meta WHERE key = 'raw_dir'", as: String.self)
            },
            remember: { folder in
                try writer.session().run("recording the raw input folder") { db in
                    _ = try db.query(
                        "INSERT INTO store_meta(key, value) VALUES ('raw_dir', \(folder)) ON CONFLICT (key) DO NOTHING")
                }
            })
    }

    /// Runs `body` in one read-only snapshot: a question asked in several statements sees one
    /// state of the store, whatever writers commit meanwhile.
    @discardableResult
    func read<T>(_ what: String, _ body: (ServerConnection) throws -> T) throws(StoreError) -> T {
        try reader.transaction(what, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", readOnly: true, body)
    }

    /// Runs `body` in one write transaction, retried when PostgreSQL asks.
    @discardableResult
    func write<T>(_ what: String, _ body: (ServerConnection) throws -> T) throws(StoreError) -> T {
        try writerSession.session().transaction(what, body)
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    // MARK: - Runs

    /// Starts an ingest run and returns its id.
    public func startRun(command: String) throws(StoreError) -> Int64 {
        try write("starting a run") { db in
            try db.value(
                "INSERT INTO ingest_run(started, command) VALUES (\(Self.now()), \(command)) RETURNING id",
                as: Int64.self) ?? 0
        }
    }

    /// Marks a run finished.
    public func finishRun(_ id: Int64) throws(StoreError) {
        try write("finishing a run") { db in
            try db.query("UPDATE ingest_run SET finished = \(Self.now()) WHERE id = \(id)")
        }
    }

    // MARK: - Inputs known before

    /// The known states of many inputs at once, by SHA-256.
    public func knownInputs(_ digests: [[UInt8]]) throws(StoreError) -> [[UInt8]: KnownInputState] {
        guard !digests.isEmpty else { return [:] }
        return try read("looking up inputs") { db in
            var states: [[UInt8]: KnownInputState] = [:]
            for chunk in digests.chunks(of: 1000) {
                let keys = chunk.map { ByteBuffer(bytes: $0) }
                for row in try db.query("SELECT sha256, state FROM raw_input WHERE sha256 = ANY(\(keys))") {
                    let (sha256, state) = try row.decode((ByteBuffer, String).self)
                    states[Array(sha256.readableBytesView)] = KnownInputState(rawValue: state)
                }
            }
            return states
        }
    }

    /// The state of one input, by SHA-256.
    package func knownInput(sha256: [UInt8]) throws(StoreError) -> KnownInputState? {
        try knownInputs([sha256])[sha256]
    }

    /// The stamps of every file read whole before.
    public func fileStamps() throws(StoreError) -> FileStampIndex {
        try read("reading input file stamps") { db in
            var index = FileStampIndex()
            for row in try db.query("SELECT path, size, mtime_ns, inode FROM input_file") {
                let (path, size, modified, inode) = try row.decode((String, Int64, Int64, Int64).self)
                index.insert(FileStamp(path: path, size: size, modifiedNanoseconds: modified, inode: inode))
            }
            return index
        }
    }

    /// The stamps of every file read whole before, each whole.
    public func fileStampList() throws(StoreError) -> [FileStamp] {
        try read("reading input file stamps") { db in
            try db.query("SELECT path, size, mtime_ns, inode FROM input_file ORDER BY path COLLATE \"C\"").map { row in
                let (path, size, modified, inode) = try row.decode((String, Int64, Int64, Int64).self)
                return FileStamp(path: path, size: size, modifiedNanoseconds: modified, inode: inode)
            }
        }
    }

    /// Records files read whole with no failure, in one transaction.
    public func saveFileStamps(_ stamps: [FileStamp]) throws(StoreError) {
        guard !stamps.isEmpty else { return }
        try write("recording input file stamps") { db in try Self.saveFileStamps(stamps, in: db) }
    }

    /// Upserts file stamps in one statement, in path order (the last stamp of a path wins).
    static func saveFileStamps(_ stamps: [FileStamp], in db: ServerConnection) throws {
        var latest: [String: FileStamp] = [:]
        for stamp in stamps { latest[PostgresText.storable(stamp.path) ?? ""] = stamp }
        let paths = latest.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let ordered = paths.compactMap { latest[$0] }
        try db.query(
            """
            INSERT INTO input_file (path, size, mtime_ns, inode)
            SELECT * FROM unnest(\(paths)::text[], \(ordered.map(\.size))::bigint[],
                \(ordered.map(\.modifiedNanoseconds))::bigint[], \(ordered.map(\.inode))::bigint[])
            ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode
            """)
    }

    /// The records of one recipient set, newest period first.
    public func digestRecords(recipients: String, through lastDay: Int64, limit: Int) throws(StoreError)
        -> [DigestRecord]
    {
        try read("reading the digest ledger") { db in
            try db.query(
                """
                SELECT recipients, period_end, kind, sent, at, findings, message_id, error FROM digest_ledger
                WHERE recipients = \(PostgresText.storable(recipients) ?? "") AND period_end <= \(lastDay)
                ORDER BY period_end DESC, kind LIMIT \(limit)
                """
            ).map { row in
                let (who, end, kind, sent, at, findings, messageID, error) = try row.decode(
                    (String, Int64, String, Bool, Int64, String, String?, String?).self)
                return DigestRecord(
                    recipients: who, periodEnd: end, kind: DigestKind(rawValue: kind) ?? .daily, sent: sent, at: at,
                    findings: Self.strings(findings), messageID: messageID, error: error)
            }
        }
    }

    /// Records a digest, replacing the record of the same recipients, period and kind.
    public func recordDigest(_ record: DigestRecord) throws(StoreError) {
        try write("recording a digest") { db in
            try db.query(
                """
                INSERT INTO digest_ledger (recipients, period_end, kind, sent, at, findings, message_id, error)
                VALUES (\(PostgresText.storable(record.recipients) ?? ""), \(record.periodEnd), \(record.kind.rawValue),
                    \(record.sent), \(record.at), \(Self.json(record.findings)), \(PostgresText.storable(record.messageID)),
                    \(PostgresText.storable(record.error)))
                ON CONFLICT (recipients, period_end, kind) DO UPDATE SET sent = excluded.sent, at = excluded.at,
                    findings = excluded.findings, message_id = excluded.message_id, error = excluded.error
                """)
        }
    }

    /// How far every IMAP mailbox has been read.
    public func mailboxCheckpoints() throws(StoreError) -> [MailboxCheckpoint] {
        try read("reading mailbox checkpoints") { db in
            try db.query(
                "SELECT account, mailbox, uid_validity, last_uid FROM mailbox_checkpoint ORDER BY account, mailbox"
            ).map { row in
                let (account, mailbox, validity, last) = try row.decode((String, String, Int64, Int64).self)
                return MailboxCheckpoint(account: account, mailbox: mailbox, uidValidity: validity, lastUID: last)
            }
        }
    }

    /// Within ingest's transaction: each checkpoint moves forward, or starts again under a new
    /// UIDVALIDITY.
    static func saveCheckpoints(_ checkpoints: [MailboxCheckpoint], in db: ServerConnection) throws {
        let now = Int64(Date().timeIntervalSince1970)
        for checkpoint in checkpoints {
            try db.query(
                """
                INSERT INTO mailbox_checkpoint (account, mailbox, uid_validity, last_uid, updated_at)
                VALUES (\(checkpoint.account), \(checkpoint.mailbox), \(checkpoint.uidValidity), \(checkpoint.lastUID), \(now))
                ON CONFLICT (account, mailbox) DO UPDATE SET
                    last_uid = CASE WHEN mailbox_checkpoint.uid_validity = excluded.uid_validity
                        THEN GREATEST(mailbox_checkpoint.last_uid, excluded.last_uid) ELSE excluded.last_uid END,
                    uid_validity = excluded.uid_validity, updated_at = excluded.updated_at
                """)
        }
    }

    // MARK: - Reverse DNS

    /// Every distinct sender address the reports name with no entry valid at `now`, in text
    /// (byte) order, at most `limit`.
    public func addressesNeedingReverseDNS(now: Int64, limit: Int? = nil) throws(StoreError) -> [String] {
        try read("listing addresses to look up") { db in
            try db.query(
                """
                SELECT ip FROM (
                    SELECT DISTINCT source_ip AS ip FROM dmarc_daily
                    UNION SELECT DISTINCT sending_mta_ip FROM tls_failure WHERE sending_mta_ip IS NOT NULL
                ) a WHERE ip <> '' AND ip NOT IN (SELECT ip FROM reverse_dns WHERE expires_at > \(now))
                ORDER BY ip COLLATE "C" LIMIT \(Int64(limit ?? Int(Int64.max)))
                """
            ).map { try $0.decode(String.self) }
        }
    }

    /// Stores lookups, replacing older entries for the same addresses, in one transaction.
    public func saveReverseDNS(_ entries: [ReverseDNSEntry]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        var latest: [String: ReverseDNSEntry] = [:]
        for entry in entries { latest[entry.ip] = entry }
        let rows = latest.values.sorted { $0.ip.utf8.lexicographicallyPrecedes($1.ip.utf8) }
        // One parameter for all rows, as JSON (an array parameter cannot hold NULLs).
        struct Row: Encodable {
            var ip, status, names: String
            var confirmed_name: String?
            var ttl: Int64?
            var resolved_at, expires_at: Int64
            var detail: String?
        }
        let json: String
        do {
            json = String(
                decoding: try JSONEncoder().encode(
                    rows.map {
                        Row(
                            ip: PostgresText.storable($0.ip) ?? "", status: $0.status.rawValue,
                            names: Self.json($0.names),
                            confirmed_name: PostgresText.storable($0.confirmedName), ttl: $0.ttl,
                            resolved_at: $0.resolvedAt, expires_at: $0.expiresAt,
                            detail: PostgresText.storable($0.detail))
                    }), as: UTF8.self)
        } catch {
            throw StoreError(message: "\(error)", while: "saving reverse DNS")
        }
        try write("saving reverse DNS") { db in
            try db.query(
                """
                INSERT INTO reverse_dns (ip, status, names, confirmed_name, ttl, resolved_at, expires_at, detail)
                SELECT ip, status, names, confirmed_name, ttl, resolved_at, expires_at, detail
                FROM jsonb_to_recordset(\(json)::jsonb) AS x(ip text, status text, names text, confirmed_name text,
                    ttl bigint, resolved_at bigint, expires_at bigint, detail text)
                ON CONFLICT (ip) DO UPDATE SET status = excluded.status, names = excluded.names,
                    confirmed_name = excluded.confirmed_name, ttl = excluded.ttl, resolved_at = excluded.resolved_at,
                    expires_at = excluded.expires_at, detail = excluded.detail
                """)
        }
        try bumpContentGeneration()
    }

    /// The cached entries by address, expired ones too.
    public func reverseDNS() throws(StoreError) -> [String: ReverseDNSEntry] {
        try read("reading reverse DNS") { db in
            var entries: [String: ReverseDNSEntry] = [:]
            for row in try db.query(
                "SELECT ip, status, names, confirmed_name, ttl, resolved_at, expires_at, detail FROM reverse_dns")
            {
                let (ip, status, names, confirmed, ttl, resolved, expires, detail) = try row.decode(
                    (String, String, String, String?, Int64?, Int64, Int64, String?).self)
                entries[ip] = ReverseDNSEntry(
                    ip: ip, status: ReverseDNSEntry.Status(rawValue: status) ?? .failed, names: Self.strings(names),
                    confirmedName: confirmed, ttl: ttl, resolvedAt: resolved, expiresAt: expires, detail: detail)
            }
            return entries
        }
    }

    static func strings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }

    static func json(_ strings: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(strings)) ?? Data("[]".utf8), as: UTF8.self)
    }

    // MARK: - Generation, notices, maintenance

    /// Moves the content generation on after a committed change (the triggers moved it inside
    /// the transaction), so that a reader that read the number while the change was under way
    /// sees another one now.
    func bumpContentGeneration() throws(StoreError) {
        try writerSession.session().run("marking the store changed") { db in
            try db.execute("SELECT nextval('content_generation')")
        }
    }

    /// A number that changes whenever a report is stored or removed or a name looked up.
    public func contentGeneration() throws(StoreError) -> Int64 {
        try read("reading the content generation") { db in
            try db.value("SELECT last_value FROM content_generation", as: Int64.self) ?? 0
        }
    }

    /// What the store has to tell since it was last asked; each notice is told once.
    public func takeNotices() throws(StoreError) -> [String] {
        // Asked by every command: read first, so that a command that only asks questions writes nothing.
        let any = try read("reading the store's notices") { db in
            try db.value("SELECT EXISTS (SELECT 1 FROM store_notice)", as: Bool.self) ?? false
        }
        guard any else { return [] }
        return try write("reading the store's notices") { db in
            try db.query("DELETE FROM store_notice RETURNING id, text").map { try $0.decode((Int64, String).self) }
                .sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Nothing to do: PostgreSQL's commits are durable in the server's own files.
    public func checkpoint() {}

    /// A PostgreSQL store is backed up by the server's tools, which copy a consistent snapshot
    /// while writers go on.
    public func backup(to destination: String) throws(StoreError) -> (check: String, bytes: Int64) {
        throw StoreError(
            message: "a PostgreSQL store is backed up with the server's tools: "
                + "`pg_dump --format=custom --file=FILE DBNAME` (docs/postgresql.md, \"Backups\")",
            while: "backing up to \(destination)")
    }

    /// Takes the store's run lock, an advisory lock on the server, so that overlapping nightly
    /// runs on any host take turns; one that waits too long says which host and process hold it.
    public func lockRuns(waiting timeout: TimeInterval) throws(StoreError) -> any StoreRunLock {
        try PostgresRunLock(connector: connector, key: AdvisoryLock.runs, waiting: timeout)
    }

    // MARK: - Inspection

    /// "ok" when every reference holds: PostgreSQL checks the foreign keys as rows are written;
    /// the log's report ids, which are not foreign keys, are checked here.
    package func integrityCheck() throws(StoreError) -> String {
        try read("checking integrity") { db in
            let dangling =
                try db.value(
                    """
                    SELECT count(*) FROM ingest_log l
                    WHERE (l.dmarc_report_id IS NOT NULL
                            AND NOT EXISTS (SELECT 1 FROM dmarc_report r WHERE r.id = l.dmarc_report_id))
                        OR (l.tls_report_id IS NOT NULL
                            AND NOT EXISTS (SELECT 1 FROM tls_report r WHERE r.id = l.tls_report_id))
                    """, as: Int64.self) ?? 0
            return dangling == 0 ? "ok" : "\(dangling) log rows refer to a missing report"
        }
    }

    /// Row counts of the main tables.
    package func tableCounts() throws(StoreError) -> [String: Int] {
        try read("counting rows") { db in
            var counts: [String: Int] = [:]
            for table in ["raw_input", "dmarc_report", "dmarc_record", "dmarc_daily", "ingest_log", "tls_report"] {
                counts[table] = Int(
                    try db.value(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), as: Int64.self) ?? 0)
            }
            return counts
        }
    }

    /// A raw input's stored bytes and their encoding.
    package func rawInput(sha256: [UInt8]) throws(StoreError) -> (encoding: StoredEncoding, bytes: [UInt8])? {
        try read("reading a raw input") { db in
            try db.query("SELECT encoding, data, in_folder FROM raw_input WHERE sha256 = \(ByteBuffer(bytes: sha256))")
                .first.map { row in
                    let (encoding, data, inFolder) = try row.decode((String, ByteBuffer, Bool).self)
                    return (
                        StoredEncoding(stored: encoding),
                        inFolder ? try rawFile(sha256) : Array(data.readableBytesView)
                    )
                }
        }
    }

    /// A raw input kept as a file (or one chunk of it).
    func rawFile(_ sha256: [UInt8], chunk: Int? = nil) throws(StoreError) -> [UInt8] {
        try RawInputFolder.read(in: rawFolder, of: location, sha256: sha256, chunk: chunk)
    }
}

/// A connection opened when first asked for, then kept.
final class LazySession: @unchecked Sendable {
    private let connector: PostgresConnector
    private let lock = NSLock()
    private var opened: PostgresSession?

    init(_ connector: PostgresConnector) { self.connector = connector }

    /// The connection, opened now if it was not yet.
    func session() throws(StoreError) -> PostgresSession {
        lock.lock()
        defer { lock.unlock() }
        if let opened { return opened }
        let session = try PostgresSession(connector)
        opened = session
        return session
    }
}

/// The run lock of a PostgreSQL store: a session advisory lock held by a connection of its own,
/// released when the lock is released or the process ends (the server drops it with the
/// connection).
final class PostgresRunLock: StoreRunLock, @unchecked Sendable {
    private let session: PostgresSession

    init(connector: PostgresConnector, key: Int64, waiting timeout: TimeInterval) throws(StoreError) {
        session = try PostgresSession(connector)
        let label = "mailtally pid \(getpid()) on \(ProcessInfo.processInfo.hostName)"
        try session.run("naming this run") { db in
            try db.query("SELECT set_config('application_name', \(label), false)")
        }
        let started = Date()
        while true {
            let taken = try session.run("taking the run lock") { db in
                try db.value("SELECT pg_try_advisory_lock(\(key))", as: Bool.self) ?? false
            }
            if taken { return }
            if Date().timeIntervalSince(started) >= timeout {
                let holder = try session.run("finding who holds the run lock") { db in
                    try db.query(
                        """
                        SELECT a.application_name, COALESCE(host(a.client_addr), 'a local socket'),
                            to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')
                        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                        WHERE l.locktype = 'advisory' AND l.granted AND l.objid::bigint = \(key & 0xFFFF_FFFF)
                            AND l.classid::bigint = \(key >> 32)
                        """
                    ).first.map { try $0.decode((String, String, String).self) }
                }
                let who =
                    holder.map { "\($0.0.isEmpty ? "a client" : $0.0) (connected from \($0.1) since \($0.2))" }
                    ?? "another run"
                throw StoreError(
                    message: "\(who) holds the store's run lock; waited \(Int(timeout)) s",
                    while: "taking the run lock", kind: .locked)
            }
            usleep(200_000)
        }
    }
}

extension PostgresReportStore {
    /// Stores checks, replacing one of the same domain and second.
    public func recordTransportChecks(_ checks: [TransportCheck]) throws(StoreError) {
        guard !checks.isEmpty else { return }
        try write("recording transport checks") { db in
            for check in checks {
                let result = try TransportCheckCoding.encode(check)
                try db.query(
                    """
                    INSERT INTO transport_check (domain, checked_at, result)
                    VALUES (\(PostgresText.storable(check.domain) ?? ""), \(check.checkedAt),
                        \(PostgresText.storable(result) ?? ""))
                    ON CONFLICT (domain, checked_at) DO UPDATE SET result = excluded.result
                    """)
            }
        }
    }

    /// The checks of `domains` made at `through` or before, newest first, at most `limit` per domain.
    public func transportChecks(domains: [String], through: Int64, limit: Int) throws(StoreError)
        -> [TransportCheck]
    {
        try read("reading transport checks") { db in
            var checks: [TransportCheck] = []
            for domain in domains {
                checks += try db.query(
                    """
                    SELECT result FROM transport_check
                    WHERE domain = \(PostgresText.storable(domain) ?? "") AND checked_at <= \(through)
                    ORDER BY checked_at DESC LIMIT \(limit)
                    """
                ).compactMap { row in TransportCheckCoding.decode(try row.decode(String.self)) }
            }
            return checks
        }
    }
}
