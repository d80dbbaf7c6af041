import Foundation

/// The store backends the store tests run against, one parameterised suite for both: SQLite
/// always, PostgreSQL when Debian's server programs are installed (scripts/setup installs them
/// for the tests; without them the PostgreSQL cases are left out, and
/// `postgresBackendIsCovered` reports itself skipped).
public enum TestBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    /// The backends that can run here.
    public static var available: [TestBackend] { PostgresServer.available ? [.sqlite, .postgres] : [.sqlite] }

    public var description: String { rawValue }

    /// Where a new, empty store is, as `--db` takes it: a file in a new folder, or a new
    /// database on the tests' shared PostgreSQL server.
    public func newStore() throws -> String {
        switch self {
        case .sqlite: return try TestSupport.temporaryDirectory().appendingPathComponent("store.sqlite").path
        case .postgres: return try PostgresServer.shared().newDatabase()
        }
    }
}

extension PostgresServer {
    private static let sharedServer: Result<PostgresServer, any Error> = {
        let result = Result { try PostgresServer() }
        // Stopped when the test process ends (statics are never deinitialised).
        atexit { if case .success(let server) = PostgresServer.sharedServer { server.stop() } }
        return result
    }()

    /// One server for the tests of this process that need a database of their own, started
    /// when first asked for and stopped when the process ends.
    public static func shared() throws -> PostgresServer { try sharedServer.get() }

    /// A new empty database owned by the tests' role, and its URL.
    public func newDatabase() throws -> String {
        let name = "t_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try superuser("CREATE DATABASE \(name) OWNER \(user)")
        return url(database: name)
    }
}
