import Foundation

/// Mail servers as `mailtally check` meets them, on loopback, for a test:
/// Tests/Support/transport_fixture.py (aiosmtpd and Python's HTTPS server, run by Debian's
/// python3) serving SMTP on port 25 and the MTA-STS policy on port 443 of loopback addresses of
/// their own, with certificates from a test authority (``caFile``). Binding ports 25 and 443
/// needs root: ``canBind`` says whether this process can.
public final class TransportServers: @unchecked Sendable {
    /// One server as the fixture made it.
    public struct Server: Sendable {
        /// The MX host or policy host it serves.
        public var name: String
        /// Its mode (`good`, `expired`, ... or `https`).
        public var mode: String
        /// SHA-256 of its DER certificate and of its SubjectPublicKeyInfo, in hex (nil when down).
        public var certificateSHA256: String?
        public var publicKeySHA256: String?
    }

    /// An SMTP command the servers received.
    public struct Command: Sendable {
        public var server: String
        public var command: String
        public var tls: Bool
    }

    /// The folder of the certificates and logs.
    public let folder: URL
    /// The test authority's certificate (PEM), for `--ca-file`.
    public let caFile: String
    /// The servers by address.
    public let servers: [String: Server]
    private let process: Process
    private let input: Pipe
    private var stopped = false

    /// Whether ports 25 and 443 can be bound here (root), and the Python with aiosmtpd is there.
    public static var canBind: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: SMTPServer.python.path)
    }

    /// A random block of loopback addresses, `127.B.C.x`, so tests running at once never share one.
    public static func addressBlock() -> String {
        "127.\(Int.random(in: 20...250)).\(Int.random(in: 1...250))"
    }

    /// Starts the servers: SMTP as (address, mode, name), HTTPS as (address, name, policy text;
    /// `redirect` or `404` as the fixture reads them).
    public init(
        smtp: [(address: String, mode: String, name: String)],
        https: [(address: String, name: String, policy: String)] = []
    ) throws {
        folder = try TestSupport.temporaryDirectory()
        var arguments = [
            TestSupport.packageRoot.appendingPathComponent("Tests/Support/transport_fixture.py").path, "--dir",
            folder.path,
        ]
        for server in smtp { arguments += ["--smtp", "\(server.address)=\(server.mode):\(server.name)"] }
        for (index, server) in https.enumerated() {
            var policy = server.policy
            if policy != "redirect" && policy != "404" {
                let file = folder.appendingPathComponent("policy-\(index).txt")
                try server.policy.write(to: file, atomically: true, encoding: .utf8)
                policy = file.path
            }
            arguments += ["--https", "\(server.address)=\(server.name):\(policy)"]
        }
        process = Process()
        process.executableURL = SMTPServer.python
        process.arguments = arguments
        input = Pipe()
        let output = Pipe()
        let errors = folder.appendingPathComponent("fixture.log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let line = TestSupport.readyLine(from: output.fileHandleForReading, of: process)
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let ca = object["ca"] as? String, let list = object["servers"] as? [String: [String: Any]]
        else {
            process.terminate()
            let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw TestCertificates.Failure(description: "the transport fixture did not start: \(log.suffix(2000))")
        }
        caFile = ca
        servers = list.mapValues { entry in
            Server(
                name: entry["name"] as? String ?? "", mode: entry["mode"] as? String ?? "",
                certificateSHA256: entry["cert_sha256"] as? String, publicKeySHA256: entry["spki_sha256"] as? String)
        }
    }

    /// Changes the policy the HTTPS server at index `index` serves (read at each request).
    public func replacePolicy(_ index: Int, with text: String) throws {
        try text.write(to: folder.appendingPathComponent("policy-\(index).txt"), atomically: true, encoding: .utf8)
    }

    /// Every SMTP command received so far.
    public func commands() -> [Command] {
        let text = (try? String(contentsOf: folder.appendingPathComponent("commands.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return Command(
                server: object["server"] as? String ?? "", command: object["command"] as? String ?? "",
                tls: object["tls"] as? Bool ?? false)
        }
    }

    /// Stops the servers (idempotent).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { stop() }
}
