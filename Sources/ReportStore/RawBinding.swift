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

/// A cached statement run on the hot path of ingest (one per record and result), bound with
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

    /// Binds `values`, steps once and returns the first column of the row a `RETURNING` clause
    /// gave, or nil when there was no row.
    func runReturningInteger(_ values: RawValue...) throws -> Int64? {
        try run(values, returning: true)
    }

    @discardableResult
    private func run(_ values: [RawValue], returning: Bool) throws -> Int64? {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .integer(let number?):
                sqlite3_bind_int64(handle, index, number)
            case .integer(nil):
                sqlite3_bind_null(handle, index)
            case .blob(let bytes):
                bytes.withUnsafeBytes { buffer in
                    // A null pointer would bind NULL: no bytes bind a zero-length blob.
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        _ = sqlite3_bind_zeroblob(handle, index, 0)
                        return
                    }
                    _ = sqlite3_bind_blob(handle, index, base, Int32(buffer.count), Self.transient)
                }
            case .text(let text?):
                var text = text
                text.withUTF8 { buffer in
                    // An empty buffer may have no address, and a null pointer would bind NULL.
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                        return
                    }
                    _ = sqlite3_bind_text(
                        handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buffer.count), Self.transient)
                }
            case .utf8(let bytes?):
                bytes.withUnsafeBufferPointer { buffer in
                    guard let base = buffer.baseAddress, buffer.count > 0 else {
                        _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                        return
                    }
                    _ = sqlite3_bind_text(
                        handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buffer.count), Self.transient)
                }
            case .text(nil), .utf8(nil):
                sqlite3_bind_null(handle, index)
            }
        }
        let code = sqlite3_step(handle)
        let value = returning && code == SQLITE_ROW ? sqlite3_column_int64(handle, 0) : nil
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            let message = sqlite3_db_handle(handle).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "error \(code)"
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        // A RETURNING statement finishes its work on the first step; reset ends it.
        sqlite3_reset(handle)
        return value
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the call returns.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// Steps a prepared statement and hands each row to a closure that reads columns with the
/// SQLite C API: for queries that return tens of thousands of narrow rows.
struct RawRows {
    struct Columns {
        let handle: OpaquePointer
        func text(_ index: Int32) -> String {
            guard let text = sqlite3_column_text(handle, index) else { return "" }
            return String(cString: text)
        }
        func integer(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
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
                let message = sqlite3_db_handle(handle).flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "error \(code)"
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
