import Foundation

/// A real PostgreSQL server of its own for a test: `initdb` in a new folder, started on a free
/// loopback port with SCRAM authentication, a role with a password and a database of its own.
/// Run as root, the server runs as the `postgres` user, as PostgreSQL requires.
public final class PostgresServer: @unchecked Sendable {
    /// The folder of Debian's server programs (`initdb`, `pg_ctl`, `postgres`), when installed.
    public static let binaries: URL? = {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = URL(fileURLWithPath: "\(root)/\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        return nil
    }()

    /// Whether a server can be started here.
    public static var available: Bool { binaries != nil }

    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// The role the tests log in as, and its password.
    public let user = "mailtally"
    /// The role's password.
    public let password = "secret-\(UUID().uuidString.prefix(8))"
    /// The role's database.
    public let database = "mailtally"
    let folder: URL
    let superPassword = "super-\(UUID().uuidString.prefix(8))"
    let runAsPostgres = getuid() == 0

    /// The certificate authority that signed the server's certificate, when it offers TLS.
    public var certificateAuthority: URL? { tls ? folder.appendingPathComponent("ca.pem") : nil }
    let tls: Bool

    /// Starts a server; with `tls`, it offers TLS with a certificate for 127.0.0.1 signed by a
    /// new authority (``certificateAuthority``). Throws with the server's log when it does not
    /// start.
    public init(tls: Bool = false) throws {
        self.tls = tls
        guard let bin = Self.binaries else { throw Failure(message: "PostgreSQL's server programs are not installed") }
        // Not under $TMPDIR: the tests' scratch folder is private to root, and the server runs
        // as postgres.
        folder = URL(fileURLWithPath: "/tmp/mailtally-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try superPassword.write(to: folder.appendingPathComponent("pw"), atomically: true, encoding: .utf8)
        if runAsPostgres {
            try Self.check(TestSupport.run(URL(fileURLWithPath: "/bin/chown"), ["-R", "postgres", folder.path]))
        }
        port = try Self.freePort()
        let data = folder.appendingPathComponent("data").path
        try Self.check(
            run(
                bin.appendingPathComponent("initdb"),
                [
                    "-D", data, "-U", "postgres", "--auth=scram-sha-256", "--pwfile=\(folder.path)/pw", "-E", "UTF8",
                    "--no-instructions",
                ]))
        var options =
            "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories=\(folder.path) -c fsync=off"
        if tls {
            try makeCertificates()
            options += " -c ssl=on -c ssl_cert_file=\(folder.path)/server.pem -c ssl_key_file=\(folder.path)/server.key"
        }
        try start(
            bin.appendingPathComponent("pg_ctl"),
            ["-D", data, "-l", "\(folder.path)/log", "-w", "-t", "60", "-o", options, "start"])
        try superuser("CREATE ROLE \(user) LOGIN PASSWORD '\(password)'")
        try superuser("CREATE DATABASE \(database) OWNER \(user)")
    }

    deinit { stop() }

    /// A new authority and a server certificate for 127.0.0.1 (IP and DNS names) it signs, made
    /// by the openssl program; the server's files belong to postgres when it runs as postgres.
    func makeCertificates() throws {
        try TestCertificates.make(
            in: folder, extra: runAsPostgres ? ["chown postgres $F/server.key $F/server.pem"] : [])
    }

    /// Restarts the server (a fast shutdown: open connections are told and closed), and waits
    /// until it accepts connections again.
    public func restart() throws {
        guard let bin = Self.binaries else { throw Failure(message: "PostgreSQL's server programs are not installed") }
        try start(
            bin.appendingPathComponent("pg_ctl"),
            [
                "-D", folder.appendingPathComponent("data").path, "-l", folder.appendingPathComponent("log").path,
                "-m", "fast", "-w", "-t", "60", "restart",
            ])
    }

    /// Stops the server at once and removes its folder.
    public func stop() {
        guard FileManager.default.fileExists(atPath: folder.path), let bin = Self.binaries else { return }
        _ = try? run(
            bin.appendingPathComponent("pg_ctl"),
            ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }

    /// `postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE?sslmode=disable`, with what is given
    /// instead.
    public func url(user: String? = nil, password: String? = nil, database: String? = nil, sslmode: String = "disable")
        -> String
    {
        let secret = password ?? self.password
        return "postgres://\(user ?? self.user)\(secret.isEmpty ? "" : ":\(secret)")@127.0.0.1:\(port)/"
            + "\(database ?? self.database)?sslmode=\(sslmode)"
    }

    /// Runs one statement as the superuser, through `psql`.
    public func superuser(_ sql: String) throws {
        let result = try TestSupport.run(
            URL(fileURLWithPath: "/usr/bin/psql"),
            [
                "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                "-c", sql,
            ],
            environment: ["PGPASSWORD": superPassword])
        try Self.check(result)
    }

    func run(_ program: URL, _ arguments: [String]) throws -> TestSupport.ProcessResult {
        guard runAsPostgres else { return try TestSupport.run(program, arguments) }
        return try TestSupport.run(
            URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", "postgres", "--", program.path] + arguments)
    }

    /// Runs `pg_ctl start` through Python's `subprocess`, which closes every other descriptor:
    /// the server pg_ctl leaves running inherits what pg_ctl had, and Foundation's `Process`
    /// waits for the end of pipes (and a socket of its own) that the server would hold open.
    func start(_ program: URL, _ arguments: [String]) throws {
        let command = runAsPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", program.path] : [program.path]
        let script = """
            import subprocess, sys
            with open(sys.argv[1], "wb") as out:
                sys.exit(subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=out).returncode)
            """
        let output = folder.appendingPathComponent("pg_ctl.out").path
        let result = try TestSupport.shell("python3", ["-c", script, output] + command + arguments)
        guard result.status == 0 else {
            let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            let log = (try? String(contentsOf: folder.appendingPathComponent("log"), encoding: .utf8)) ?? ""
            throw Failure(message: "pg_ctl start: exit \(result.status): \(result.stderr)\(said)\(log)")
        }
    }

    static func check(_ result: TestSupport.ProcessResult, log: URL? = nil) throws {
        guard result.status != 0 else { return }
        let logText = log.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        throw Failure(message: "exit \(result.status): \(result.stderr)\(result.output)\(logText)")
    }

    /// A TCP port nobody listens on now, on 127.0.0.1.
    public static func freePort() throws -> Int {
        let (descriptor, port) = try TestSupport.loopbackSocket(Int32(SOCK_STREAM.rawValue))
        close(descriptor)
        return port
    }

    /// A server that would not start or a statement that failed, with what it said.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
