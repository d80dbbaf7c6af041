import GRDB
import GRDBSQLite

/// A value for ``FastInsert``: bound straight with the SQLite C API, no boxing.
enum RawValue {
    case integer(Int64?)
    case text(String?)
    /// Text given as UTF-8 bytes; nil binds NULL.
    case utf8([UInt8]?)
    case blob([UInt8])
}

/// A cached statement run on the hot path of ingest (several per record), bound with
/// `sqlite3_bind_*` directly: GRDB's argument arrays allocate per call, and these statements run
/// hundreds of thousands of times per import.
struct FastInsert {
    let statement: Statement

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
    }

    /// Binds `values` in order and steps once.
    /// - Throws: `DatabaseError` with SQLite's message when the step fails (a constraint, a full disk).
    func run(_ values: RawValue...) throws {
        try run(values, returning: false)
    }

    /// Binds `values`, steps an `INSERT` once and returns the row id of the row it inserted, or
    /// nil when it inserted none (`ON CONFLICT DO NOTHING`). Cheaper than `RETURNING`, which
    /// makes SQLite open a temporary table for the returned rows on every run.
    func runInsertingRowID(_ values: RawValue...) throws -> Int64? {
        try run(values, returning: true)
    }

    @discardableResult
    private func run(_ values: [RawValue], returning: Bool) throws -> Int64? {
        let handle = statement.sqliteStatement
        // Every text and blob is copied once into one buffer, bound in place (SQLITE_STATIC)
        // and stepped while the buffer lives: SQLite would otherwise allocate and copy each.
        var length = 0
        for value in values {
            switch value {
            case .text(let text?): length += text.utf8.count
            case .utf8(let bytes?), .blob(let bytes): length += bytes.count
            default: break
            }
        }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(length)
        for value in values {
            switch value {
            case .text(let text?): scratch.append(contentsOf: text.utf8)
            case .utf8(let bytes?), .blob(let bytes): scratch.append(contentsOf: bytes)
            default: break
            }
        }
        return try scratch.withUnsafeBufferPointer { buffer throws -> Int64? in
            var offset = 0
            func bytes(_ count: Int) -> UnsafePointer<UInt8> {
                defer { offset += count }
                // A zero-length value still needs an address: a null pointer binds NULL.
                guard count > 0, let base = buffer.baseAddress else { return Self.empty }
                return base + offset
            }
            for (position, value) in values.enumerated() {
                let index = Int32(position + 1)
                switch value {
                case .integer(let number?):
                    sqlite3_bind_int64(handle, index, number)
                case .text(let text?):
                    let count = text.utf8.count
                    sqlite3_bind_text(
                        handle, index, UnsafeRawPointer(bytes(count)).assumingMemoryBound(to: CChar.self), Int32(count),
                        nil)
                case .utf8(let utf8?):
                    sqlite3_bind_text(
                        handle, index, UnsafeRawPointer(bytes(utf8.count)).assumingMemoryBound(to: CChar.self),
                        Int32(utf8.count), nil)
                case .blob(let blob):
                    sqlite3_bind_blob(handle, index, bytes(blob.count), Int32(blob.count), nil)
                case .integer(nil), .text(nil), .utf8(nil):
                    sqlite3_bind_null(handle, index)
                }
            }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                let message =
                    sqlite3_db_handle(handle).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
                    ?? "error \(code)"
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
            // No pointer into the buffer outlives the step.
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            guard returning, let connection = sqlite3_db_handle(handle), sqlite3_changes(connection) > 0 else {
                return nil
            }
            return sqlite3_last_insert_rowid(connection)
        }
    }

    /// An address for zero-length values bound in place.
    private static var empty: UnsafePointer<UInt8> { StaticString("").utf8Start }

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the call returns.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// Steps a prepared statement and hands each row to a closure that reads columns with the
/// SQLite C API: for queries that return tens of thousands of narrow rows.
struct RawRows {
    struct Columns {
        let handle: OpaquePointer
        /// A text column's value; empty for NULL.
        func text(_ index: Int32) -> String { String(decoding: bytes(index), as: UTF8.self) }
        func integer(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
        /// A text column's bytes, valid until the next row; empty for NULL.
        func bytes(_ index: Int32) -> UnsafeBufferPointer<UInt8> {
            guard let text = sqlite3_column_text(handle, index) else {
                return UnsafeBufferPointer(start: nil, count: 0)
            }
            return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, index)))
        }
    }

    let statement: Statement

    init(_ statement: Statement) {
        self.statement = statement
    }

    func forEach(_ body: (Columns) throws -> Void) throws {
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                let message =
                    sqlite3_db_handle(handle).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
                    ?? "error \(code)"
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
            try body(Columns(handle: handle))
        }
    }
}

/// A savepoint through cached statements: what `Database.inSavepoint` does, without parsing its
/// SQL again for every input and report of a batch.
enum FastSavepoint {
    /// Runs `body` inside `SAVEPOINT name`; when it throws, everything it wrote is rolled back
    /// and the error rethrown.
    static func run(_ name: StaticString, in db: Database, _ body: () throws -> Void) throws {
        let statements = try Statements(name, db)
        try statements.begin.run()
        do {
            try body()
        } catch {
            try statements.rollback.run()
            try statements.release.run()
            throw error
        }
        try statements.release.run()
    }

    private struct Statements {
        let begin, release, rollback: FastInsert

        init(_ name: StaticString, _ db: Database) throws {
            begin = try FastInsert(db, sql: "SAVEPOINT \(name)")
            release = try FastInsert(db, sql: "RELEASE SAVEPOINT \(name)")
            rollback = try FastInsert(db, sql: "ROLLBACK TO SAVEPOINT \(name)")
        }
    }
}
