import Foundation

/// Helpers shared by the test targets: real tools (gzip, Python's zipfile) make the fixtures.
public enum TestSupport {
    /// The package's root folder.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The real-report corpus, when `MAILTALLY_CORPUS` is set.
    public static var corpus: URL? {
        guard let path = ProcessInfo.processInfo.environment["MAILTALLY_CORPUS"], !path.isEmpty else { return nil }
        return URL(fileURLWithPath: path)
    }

    /// The `mailtally` executable that `swift build` produced next to the tests.
    public static var mailtally: URL {
        let candidates = [".build/debug/mailtally", ".build/release/mailtally"]
        for candidate in candidates {
            let url = packageRoot.appendingPathComponent(candidate)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return packageRoot.appendingPathComponent(candidates[0])
    }

    public struct ProcessResult: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var output: String { String(decoding: stdout, as: UTF8.self) }

        /// A result as a process left it.
        public init(status: Int32, stdout: Data, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs a program to completion and collects its output.
    @discardableResult
    public static func run(
        _ executable: URL, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "MAILTALLY_DB")
        // No test asks the machine's DNS: nightly skips enrich unless a test names a resolver.
        env["MAILTALLY_OFFLINE"] = "1"
        // Nor the machine's configuration file: an empty one, unless a test names its own.
        env["MAILTALLY_CONFIG"] = "/dev/null"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return ProcessResult(
            status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a command found on PATH (`python3`, `gzip`).
    @discardableResult
    public static func shell(_ command: String, _ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
        try run(URL(fileURLWithPath: "/usr/bin/env"), [command] + arguments, stdin: stdin)
    }

    /// `bytes` compressed by the gzip program.
    public static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        [UInt8](try shell("gzip", ["-c", "-n"], stdin: Data(bytes)).stdout)
    }

    /// `bytes` compressed as a zlib stream by Python's zlib module.
    public static func zlib(_ bytes: [UInt8]) throws -> [UInt8] {
        let script = "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))"
        return [UInt8](try shell("python3", ["-c", script], stdin: Data(bytes)).stdout)
    }

    /// A zip archive made by Python's zipfile module. A name ending in `/` is a directory.
    public static func zip(_ entries: [(name: String, bytes: [UInt8])]) throws -> [UInt8] {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var names: [String] = []
        for (index, entry) in entries.enumerated() {
            let file = directory.appendingPathComponent("entry\(index)")
            try Data(entry.bytes).write(to: file)
            names.append(entry.name)
        }
        let script = """
            import io, sys, zipfile
            folder, names = sys.argv[1], sys.argv[2:]
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for index, name in enumerate(names):
                    if name.endswith("/"):
                        archive.writestr(zipfile.ZipInfo(name), b"")
                    else:
                        archive.writestr(name, open(f"{folder}/entry{index}", "rb").read())
            sys.stdout.buffer.write(buffer.getvalue())
            """
        return [UInt8](try shell("python3", ["-c", script, directory.path] + names).stdout)
    }

    /// The first line a fixture prints once it is ready (up to its newline), waiting at most
    /// `timeout` seconds: a fixture that hangs is ended and gives what it printed, often nothing.
    public static func readyLine(from handle: FileHandle, of process: Process, timeout: Double = 30) -> Data {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var line = Data()
        DispatchQueue.global().async {
            while !line.contains(0x0A) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            done.signal()
        }
        if done.wait(timeout: .now() + timeout) == .success { return line }
        process.terminate()
        // The reader ends with the process's output; the semaphore orders its writes before this read.
        return done.wait(timeout: .now() + 5) == .success ? line : Data()
    }

    /// Whether a program is on PATH, for tests that need it (`.enabled(if:)`).
    public static func hasProgram(_ name: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }

    /// A new, empty temporary folder.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mailtally-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of a string.
    public init(utf8 text: String) { self = Array(text.utf8) }
}

/// A real DNS server on loopback (dnsmasq, started by Tests/Support/dns_fixture.py) for the
/// reverse DNS and transport tests: records as in that script, a slow zone behind a relay, a
/// dead zone, zones answered NXDOMAIN for names not listed (`localZones`), and with
/// `authenticated` a relay that sets the AD bit as a validating resolver does.
public final class DNSFixture: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let input: Pipe
    private var stopped = false

    public var address: String { "127.0.0.1:\(port)" }

    public init(
        records: String, slowRecords: String? = nil, slowZones: [String] = [], delay: Double = 0.3,
        deadZones: [String] = [],
        stats: URL? = nil, authenticated: Bool = false, localZones: [String] = []
    ) throws {
        let folder = try TestSupport.temporaryDirectory()
        let recordsFile = folder.appendingPathComponent("records.txt")
        try records.write(to: recordsFile, atomically: true, encoding: .utf8)
        var arguments = [
            TestSupport.packageRoot.appendingPathComponent("Tests/Support/dns_fixture.py").path, "--records",
            recordsFile.path,
            "--delay", "\(delay)",
        ]
        if let slowRecords {
            let file = folder.appendingPathComponent("slow.txt")
            try slowRecords.write(to: file, atomically: true, encoding: .utf8)
            arguments += ["--slow-records", file.path]
        }
        arguments += slowZones.flatMap { ["--slow-zone", $0] } + deadZones.flatMap { ["--dead-zone", $0] }
        if let stats { arguments += ["--stats", stats.path] }
        if authenticated { arguments.append("--authenticated") }
        arguments += localZones.flatMap { ["--local-zone", $0] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = TestSupport.readyLine(from: output.fileHandleForReading, of: process)
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("port "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw DNSFixtureError(
                description: "the DNS fixture did not start (printed '\(text)'); is dnsmasq-base installed?")
        }
        self.port = port
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { stop() }
}

public struct DNSFixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

extension TestSupport {
    /// A socket of `type` (`SOCK_STREAM`, `SOCK_DGRAM`) bound to 127.0.0.1 on a port the system
    /// chose, with that port; the caller closes the descriptor.
    public static func loopbackSocket(_ type: Int32) throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { throw DNSFixtureError(description: "cannot open a socket (errno \(errno))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(descriptor)
            throw DNSFixtureError(description: "cannot bind a socket on 127.0.0.1 (errno \(errno))")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// Certificates for the servers the tests start, made by the openssl program.
public enum TestCertificates {
    /// A command of the openssl program failed, with what it said.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A new authority (`ca.pem`, `ca.key`) and a server certificate it signs for 127.0.0.1
    /// and localhost (`server.pem`, `server.key`, mode 600), in `folder`; with `extra`, more
    /// shell commands run after them there (`$F` is the folder).
    public static func make(in folder: URL, extra: [String] = []) throws {
        let path = folder.path
        let commands =
            [
                "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=MailTally-test-CA -keyout \(path)/ca.key -out \(path)/ca.pem",
                "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout \(path)/server.key -out \(path)/server.csr",
                "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > \(path)/san.ext",
                "openssl x509 -req -in \(path)/server.csr -CA \(path)/ca.pem -CAkey \(path)/ca.key -CAcreateserial -days 2 -extfile \(path)/san.ext -out \(path)/server.pem",
                "chmod 600 \(path)/server.key \(path)/ca.key",
            ] + extra.map { $0.replacingOccurrences(of: "$F", with: path) }
        for command in commands {
            let result = try TestSupport.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command])
            guard result.status == 0 else {
                throw Failure(description: "\(command): exit \(result.status): \(result.stderr)")
            }
        }
    }
}
