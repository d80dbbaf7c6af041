import Foundation
import GRDB
import ReportModel
import ReportStore

/// The SQLite backend of the store (``MailTallyStore``): the embedded default, and the only
/// code that speaks SQLite's SQL.
///
/// One file in WAL mode, with foreign keys on and versioned migrations. A pool of connections:
/// one writer, and readers that see the last committed state while a write is under way.
/// Writers take the write lock at the start of a transaction and wait for another process's
/// transaction to end (up to ``busyTimeout``), so concurrent runs queue instead of failing.
public final class SQLiteReportStore: MailTallyStore, StoreInspection {
    let queue: DatabasePool
    /// Writers of this database, in this process and others, take turns (``WriterTurns``).
    let turns: WriterTurns?
    /// For the reporter of the duplicate key (organisational domains), read when first needed.
    let publicSuffixes: LazyPublicSuffixList
    /// The database file.
    public let path: String
    /// Where raw inputs are kept as files, when not in the database (`--raw-dir`).
    let rawFolder: RawInputFolder?
    /// The database file, for messages.
    public var location: String { path }

    /// How long a write waits for another process's transaction.
    public static let busyTimeout: TimeInterval = 60

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// - Throws: ``StoreError`` when the file cannot be opened or migrated.
    /// - Parameters:
    ///   - publicSuffixes: the Public Suffix List of the duplicate key (the system's, or
    ///     `$MAILTALLY_PSL`, by default).
    ///   - rawFolder: keep new raw inputs as files there (``RawInputFolder``); the store remembers
    ///     it, and a store that keeps them elsewhere refuses another.
    public init(
        path: String, readOnly: Bool = false, publicSuffixes: LazyPublicSuffixList = .system(),
        rawFolder: RawInputFolder? = nil
    ) throws(StoreError) {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.readonly = readOnly
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // The WAL is cut back to 64 MB after a checkpoint: writers commit every second, so
            // it never needs more, and a long import must not leave a file the size of its run.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            db.add(function: SaturatingSum.function)
        }
        self.path = path
        turns = readOnly ? nil : WriterTurns(databasePath: path)
        self.publicSuffixes = publicSuffixes
        do {
            let (pool, migrated) = try Self.openPool(
                path: path, configuration: configuration, migrating: !readOnly, suffixes: publicSuffixes)
            queue = pool
            self.rawFolder = try RawFolderSetting.settle(
                rawFolder, store: path,
                stored: try pool.read { db in
                    try db.tableExists("store_meta")
                        ? String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'raw_dir'") : nil
                },
                remember: readOnly
                    ? nil
                    : { folder in
                        try pool.write { db in
                            try db.execute(
                                sql: "INSERT INTO store_meta(key, value) VALUES ('raw_dir', ?)", arguments: [folder])
                        }
                    })
            // A migration may rewrite much of the file: it ends in the file, not in the -wal.
            if migrated { checkpoint() }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(error, while: "opening \(path)")
        }
    }

    /// Opens the pool and migrates. Two processes setting up a new file at once can meet
    /// SQLITE_BUSY where SQLite does not wait (switching the new file to WAL, or a read
    /// that must become a write): that is retried for up to the busy timeout.
    /// - Returns: the pool, and whether migrations were applied.
    private static func openPool(
        path: String, configuration: Configuration, migrating: Bool, suffixes: LazyPublicSuffixList
    ) throws -> (DatabasePool, Bool) {
        let started = Date()
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                if migrating { return (pool, try migrate(pool, path: path, suffixes: suffixes)) }
                try pool.read { db in try refuseNewerSchema(db, migrator: migrator(suffixes: suffixes), path: path) }
                return (pool, false)
            } catch let error as DatabaseError
                where error.resultCode == .SQLITE_BUSY && Date().timeIntervalSince(started) < busyTimeout
            {
                usleep(50_000)
            }
        }
    }

    /// Applies pending migrations. GRDB reads the applied migrations outside each migration's
    /// transaction, so two processes opening a new file at once could both run one: an
    /// exclusive `flock` on a lock file beside the database (`mailtally.sqlite.migrate.lock`)
    /// makes them take turns. Never a second descriptor on the database file itself: closing
    /// it would drop SQLite's own POSIX locks on the file, and with them the safety of WAL.
    /// - Returns: whether migrations were applied.
    @discardableResult
    static func migrate(_ pool: DatabasePool, path: String, suffixes: LazyPublicSuffixList) throws -> Bool {
        let migrator = Self.migrator(suffixes: suffixes)
        try pool.read { db in try refuseNewerSchema(db, migrator: migrator, path: path) }
        if try pool.read({ db in try migrator.hasCompletedMigrations(db) }) { return false }
        let lock = FileLock.waiting(at: path + ".migrate.lock")
        defer { withExtendedLifetime(lock) {} }
        try migrateJournalingOnDisk(pool, migrator)
        return true
    }

    /// Runs the migrations with statement journals on disk, not in memory: a migration that
    /// rewrites or drops a large table journals every page it touches (a gigabyte for a
    /// 7-million-row table). The writer's first use comes here, under the migration lock: two
    /// processes setting up a new file at once would otherwise find it locked.
    private static func migrateJournalingOnDisk(_ pool: DatabasePool, _ migrator: DatabaseMigrator) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = FILE") }
        defer { try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = MEMORY") } }
        try migrator.migrate(pool)
        try pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO store_meta(key, value) VALUES ('schema_written_by', ?)",
                arguments: [MailTallyVersion.current])
        }
    }

    /// A store whose schema has a migration this build does not know was made by a newer
    /// mailtally: reading it could misread what it holds and writing it could break it.
    static func refuseNewerSchema(_ db: Database, migrator: DatabaseMigrator, path: String) throws {
        guard try migrator.hasBeenSuperseded(db) else { return }
        let known = Set(migrator.migrations)
        let unknown = try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
        var madeBy: String?
        if try db.tableExists("store_meta") {
            madeBy = try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'schema_written_by'")
        }
        throw StoreError(
            message:
                "\(path) was made by \(madeBy.map { "mailtally \($0)" } ?? "a newer mailtally") (schema \(unknown.joined(separator: ", "))), "
                + "newer than this mailtally \(MailTallyVersion.current): use that version or a later one",
            while: "opening \(path)")
    }

    /// Runs `body` in one write transaction, in this process's turn among the writers.
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try inTurn { try queue.write(body) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(error, while: what)
        }
    }

    /// Runs `body` in this process's turn among the writers of the database.
    func inTurn<T>(_ body: () throws -> T) rethrows -> T {
        guard let turns else { return try body() }
        return try turns.inTurn(timeout: Self.busyTimeout, body)
    }

    /// Runs `body` with a read-only view of the database.
    func read<T>(_ what: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(error, while: what)
        }
    }

    /// What the store has to tell since it was last asked (a migration that merged reports),
    /// oldest first; each notice is told once.
    public func takeNotices() throws(StoreError) -> [String] {
        try write("reading the store's notices") { db in
            let notices = try String.fetchAll(db, sql: "SELECT text FROM store_notice ORDER BY id")
            if !notices.isEmpty { try db.execute(sql: "DELETE FROM store_notice") }
            return notices
        }
    }

    /// `PRAGMA integrity_check` and `PRAGMA foreign_key_check`: "ok" for a sound file in which
    /// every reference finds its row (ingest writes with the checks off, see `recordBatches`).
    package func integrityCheck() throws(StoreError) -> String {
        try read("checking integrity") { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n")
            let orphans = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                "\(row[0] as String? ?? "?") row \(row[1] as Int64? ?? 0) refers to a missing \(row[2] as String? ?? "?") row"
            }
            guard !orphans.isEmpty else { return integrity }
            return ((integrity == "ok" ? [] : [integrity]) + orphans).joined(separator: "\n")
        }
    }
}

/// `saturating_sum(x)`: SQLite's `SUM` fails with "integer overflow" past 2^63; report counts
/// saturate instead (``ReportCounts``), so no stored combination of counts can fail a query.
struct SaturatingSum: DatabaseAggregate {
    static let function = DatabaseFunction("saturating_sum", argumentCount: 1, pure: true, aggregate: Self.self)
    private var sum: Int64 = 0

    init() {}

    mutating func step(_ values: [DatabaseValue]) {
        if let value = Int64.fromDatabaseValue(values[0]) { sum.add(saturating: value) }
    }

    func finalize() -> (any DatabaseValueConvertible)? { sum }
}

extension StoreError {
    /// A failure of SQLite (its message) or of any other step, met while doing `operation`.
    init(_ error: any Error, while operation: String) {
        if let error = error as? DatabaseError {
            self.init(message: error.message ?? "\(error.resultCode)", while: operation)
        } else if let error = error as? StoreError {
            self = error
        } else {
            self.init(message: "\(error)", while: operation)
        }
    }
}

extension SQLiteReportStore {
    /// Moves everything in the write-ahead log into the database file and empties the log
    /// (`wal_checkpoint(TRUNCATE)`), so that the file alone holds every row: a writing command
    /// ends with it, and a copy of `mailtally.sqlite` made afterwards is whole. Best effort: a
    /// reader of another process holding an old snapshot makes SQLite stop short, and the next
    /// writing command checkpoints again.
    public func checkpoint() {
        guard turns != nil else { return }
        try? inTurn {
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
    }

    /// Writes a consistent copy of the database to `destination` (`VACUUM INTO`) while other
    /// commands may go on reading and writing: the copy is one snapshot, compact, and needs no
    /// `-wal` file. The destination must not exist.
    /// - Returns: the copy's page check (`PRAGMA quick_check`, "ok" when sound) and its size.
    public func backup(to destination: String) throws(StoreError) -> (check: String, bytes: Int64) {
        if FileManager.default.fileExists(atPath: destination) {
            throw StoreError(
                message: "\(destination) exists: a backup never overwrites a file",
                while: "backing up to \(destination)")
        }
        // VACUUM runs outside a transaction; it reads one snapshot, and writers go on.
        do {
            try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [destination]) }
        } catch {
            throw StoreError(error, while: "backing up to \(destination)")
        }
        do {
            let copy = try DatabaseQueue(
                path: destination,
                configuration: {
                    var c = Configuration()
                    c.readonly = true
                    return c
                }())
            let check = try copy.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check").joined(separator: "\n")
            }
            let size =
                (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? NSNumber)?.int64Value ?? 0
            return (check, size)
        } catch {
            throw StoreError(error, while: "checking the backup \(destination)")
        }
    }

    /// Takes `mailtally.sqlite.lock` beside the database (see ``FileLock``): overlapping nightly
    /// runs take turns, and one that waits too long says which process holds it.
    public func lockRuns(waiting timeout: TimeInterval) throws(StoreError) -> any StoreRunLock {
        try FileLock.waiting(at: path + ".lock", timeout: timeout)
    }
}
