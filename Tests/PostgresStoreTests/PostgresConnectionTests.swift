import Foundation
import PostgresNIO
import ReportStore
import TestSupport
import Testing

@testable import PostgresStore

/// What `--db postgres://…` means: the URL, where the password comes from, and one clear
/// sentence for each way a connection fails, against a real server started for the suite.
@Suite struct PostgresLocationTests {
    @Test func aFullURLAndItsDefaults() throws {
        let full = try PostgresLocation(
            parsing:
                "postgres://report%20er:p%40ss@db.example:6543/mail%2Dtally?sslmode=verify-full&sslrootcert=/ca.pem")
        #expect(full.user == "report er" && full.password == "p@ss")
        #expect(full.host == "db.example" && full.port == 6543 && full.database == "mail-tally")
        #expect(full.tls == .verifyFull && full.rootCertificates == "/ca.pem")
        let plain = try PostgresLocation(parsing: "postgresql://alice@[::1]/reports")
        #expect(plain.host == "::1" && plain.port == 5432 && plain.password == nil)
        #expect(plain.tls == .require, "TLS unless asked otherwise")
        #expect(plain.description == "postgres://alice@[::1]:5432/reports?sslmode=require")
    }

    @Test func thePasswordIsNeverShown() throws {
        let location = try PostgresLocation(parsing: "postgres://alice:hunter2@db/reports?sslmode=disable")
        #expect(location.description == "postgres://alice@db:5432/reports?sslmode=disable")
        #expect(!"\(location)".contains("hunter2"))
        do {
            _ = try PostgresLocation(parsing: "postgres://alice:hunter2@db/reports?sslmode=sometimes")
            Issue.record("an unknown sslmode was accepted")
        } catch {
            #expect(!error.description.contains("hunter2"), "\(error)")
            #expect(error.description.contains("postgres://alice:***@db/reports"), "\(error)")
            #expect(error.description.contains("sslmode must be one of disable, require, verify-full"), "\(error)")
        }
    }

    @Test(arguments: [
        ("postgres://db/reports", "no user"),
        ("postgres://alice@db", "no database name"),
        ("postgres://alice@db/", "no database name"),
        ("postgres://alice@db:99999/reports", "port 99999 is out of range"),
        ("postgres://alice@db/reports?timeout=3", "unknown parameter timeout"),
        ("postgres://alice@db/reports?sslrootcert=", "sslrootcert names no file"),
    ])
    func badURLsSayWhatIsWrong(url: String, reason: String) {
        #expect(throws: StoreError.self) { try PostgresLocation(parsing: url) }
        do {
            _ = try PostgresLocation(parsing: url)
        } catch {
            #expect(error.description.contains(reason), "\(url): \(error)")
        }
    }

    @Test func passwordFilesMatchAsLibpqDoes() {
        let file = PasswordFile(
            text: """
                # a comment
                db.example:5432:reports:alice:first
                *:*:reports:alice:second
                db.example:*:*:bob:with\\:colon\\\\and backslash
                """)
        #expect(file.password(host: "db.example", port: 5432, database: "reports", user: "alice") == "first")
        #expect(file.password(host: "other", port: 6000, database: "reports", user: "alice") == "second")
        #expect(file.password(host: "db.example", port: 1, database: "x", user: "bob") == "with:colon\\and backslash")
        #expect(file.password(host: "db.example", port: 5432, database: "other", user: "alice") == nil)
    }

    @Test func theURLThenPGPASSWORDThenTheFile() throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("pgpass").path
        try "*:*:*:alice:from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        let bare = try PostgresLocation(parsing: "postgres://alice@db/reports")
        let given = try PostgresLocation(parsing: "postgres://alice:from-url@db/reports")
        #expect(
            PostgresPassword.find(for: given, environment: ["PGPASSWORD": "env", "PGPASSFILE": path]) == "from-url")
        #expect(PostgresPassword.find(for: bare, environment: ["PGPASSWORD": "env", "PGPASSFILE": path]) == "env")
        #expect(PostgresPassword.find(for: bare, environment: ["PGPASSFILE": path]) == "from-file")
        // A file others can read holds no secret: libpq ignores it, and so do we.
        chmod(path, 0o644)
        #expect(PostgresPassword.find(for: bare, environment: ["PGPASSFILE": path]) == nil)
    }
}

@Suite(
    .serialized, .enabled(if: PostgresServer.available, "PostgreSQL's server (Debian's postgresql) is not installed"))
final class PostgresConnectionTests {
    let server: PostgresServer

    init() throws { server = try PostgresServer() }

    func connect(_ url: String, environment: [String: String] = [:]) async throws(StoreError) -> PostgresConnection {
        try await PostgresConnector(try PostgresLocation(parsing: url), environment: environment).connect()
    }

    func failure(_ url: String, environment: [String: String] = [:]) async -> String {
        do {
            let connection = try await connect(url, environment: environment)
            try? await connection.close()
            return "connected"
        } catch {
            return error.description
        }
    }

    @Test func connectsWithThePasswordFromAnySource() async throws {
        let connection = try await connect(server.url())
        let rows = try await connection.query("SELECT current_user", logger: .init(label: "test"))
        var users: [String] = []
        for try await user in rows.decode(String.self) { users.append(user) }
        #expect(users == [server.user])
        try await connection.close()
        let fromEnvironment = try await connect(
            server.url(password: ""), environment: ["PGPASSWORD": server.password, "PGPASSFILE": "/nonexistent"])
        try await fromEnvironment.close()
    }

    @Test func eachFailureIsOneClearSentence() async throws {
        let wrong = await failure(server.url(password: "not-it"))
        #expect(wrong.contains("refused the password for \(server.user)"), "\(wrong)")
        #expect(!wrong.contains("not-it"))
        let none = await failure(server.url(password: ""), environment: ["PGPASSFILE": "/nonexistent"])
        #expect(none.contains("asks a password for \(server.user), and none was given"), "\(none)")
        let database = await failure(server.url(database: "elsewhere"))
        #expect(database.contains("has no database elsewhere"), "\(database)")
        let closed = try PostgresServer.freePort()
        let unreachable = await failure("postgres://\(server.user):x@127.0.0.1:\(closed)/db?sslmode=disable")
        #expect(
            unreachable.contains("cannot reach the PostgreSQL server at 127.0.0.1:\(closed): connection refused"),
            "\(unreachable)")
        let tls = await failure(server.url(sslmode: "require"))
        #expect(tls.contains("does not offer TLS, and sslmode=require requires it"), "\(tls)")
        for sentence in [wrong, none, database, unreachable, tls] {
            #expect(sentence.hasPrefix("database error while connecting to postgres://"), "\(sentence)")
            #expect(!sentence.contains(server.password))
        }
    }
}

@Suite(
    .serialized, .enabled(if: PostgresServer.available, "PostgreSQL's server (Debian's postgresql) is not installed"))
final class PostgresTLSTests {
    let server: PostgresServer

    init() throws { server = try PostgresServer(tls: true) }

    @Test func verifyFullChecksTheChainAndRequireEncrypts() async throws {
        let authority = try #require(server.certificateAuthority)
        let trusted = try PostgresLocation(
            parsing: server.url(sslmode: "verify-full") + "&sslrootcert=\(authority.path)")
        let connection = try await PostgresConnector(trusted).connect()
        try await connection.close()
        // The system's roots do not know the test authority: the chain is refused.
        let untrusted = try PostgresLocation(parsing: server.url(sslmode: "verify-full"))
        do {
            let connection = try await PostgresConnector(untrusted).connect()
            try? await connection.close()
            Issue.record("a certificate no trusted authority signed was accepted")
        } catch {
            #expect(
                error.description.contains("TLS with the PostgreSQL server at 127.0.0.1:\(server.port) failed"),
                "\(error)")
        }
        // require encrypts without checking, as libpq's sslmode=require does.
        let encrypted = try await PostgresConnector(try PostgresLocation(parsing: server.url(sslmode: "require")))
            .connect()
        try await encrypted.close()
        let missing = try PostgresLocation(
            parsing: server.url(sslmode: "verify-full") + "&sslrootcert=/nonexistent.pem")
        do {
            _ = try await PostgresConnector(missing).connect()
            Issue.record("an unreadable sslrootcert was accepted")
        } catch {
            #expect(error.description.contains("sslrootcert /nonexistent.pem cannot be read"), "\(error)")
        }
    }
}
