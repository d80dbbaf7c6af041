import Foundation
import ReportStore
import SQLiteStore
import StoreBackends
import TestSupport
import Testing

/// Crash safety, concurrent runs and a full disk, with the real executable on a generated corpus.
@Suite(.serialized) struct ReliabilityTests {
    let folder: URL
    let files: URL
    let reference: String
    /// How long one uninterrupted import of the corpus takes, in microseconds.
    let importDuration: UInt32

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        let generator = TestSupport.packageRoot.appendingPathComponent("scripts/bench-support/make_corpus.py").path
        try TestSupport.shell(
            "python3",
            [generator, folder.appendingPathComponent("corpus").path, "--reports", "600", "--no-mbox", "--seed", "7"])
        files = folder.appendingPathComponent("corpus/files")
        let db = folder.appendingPathComponent("reference.sqlite").path
        let started = Date()
        let result = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, files.path])
        importDuration = UInt32(min(Date().timeIntervalSince(started), 60) * 1_000_000)
        #expect(result.status == 0, "\(result.stderr)")
        reference = try Self.state(of: db)
    }

    /// What a store says, for comparing two of either backend: the summary and the row
    /// counts of the tables both keep.
    static func state(of db: String) throws -> String {
        let summary = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"]).output
        let counts = try inspect(db).tableCounts().filter {
            ["raw_input", "dmarc_report", "dmarc_record", "dmarc_daily"].contains($0.key)
        }.sorted { $0.key < $1.key }
        return summary + counts.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// The store at `db`, for its integrity check and row counts.
    static func inspect(_ db: String) throws -> any StoreInspection {
        try #require(try StoreOpener.open(db) as? any StoreInspection)
    }

    @Test(arguments: TestBackend.available) func killedImportsLeaveNothingHalfDone(backend: TestBackend) throws {
        var db = try backend.newStore()
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        // Somewhere between the start and the end of a whole import. The reference import
        // timed it, maybe on a busier machine: an import that ends before its kill halves the
        // window, and its complete database is set aside so that the next kill again lands in
        // an import with work to do.
        var window = max(importDuration * 4 / 5, 2_000)
        for _ in 0..<16 where kills < 5 {
            let process = Process()
            process.executableURL = TestSupport.mailtally
            process.arguments = ["ingest", "--db", db, files.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: window / 16...window, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
                process.waitUntilExit()
            } else {
                process.waitUntilExit()
                window = max(window / 2, 2_000)
                db = try backend.newStore()
            }
        }
        #expect(kills >= 1, "no import was still running when killed")
        let final = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", files.path])
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try Self.inspect(db).integrityCheck() == "ok")
        #expect(try Self.state(of: db) == reference, "after \(kills) kills")
        let errors = try TestSupport.run(TestSupport.mailtally, ["errors", "--db", db, "--format", "json"])
        #expect(
            ((try JSONSerialization.jsonObject(with: errors.stdout) as? [String: Any])?["errors"] as? [Any])?.isEmpty
                == true)
    }

    /// Three workers on overlapping thirds of the corpus (each input in two of them), several
    /// rounds, each on a new store: the workers also race to create the schema.
    @Test(arguments: TestBackend.available) func overlappingImportsAtOnceCountEverythingOnce(backend: TestBackend)
        throws
    {
        let all = try FileManager.default.contentsOfDirectory(atPath: files.path).sorted().map {
            files.appendingPathComponent($0).path
        }
        let third = all.count / 3
        let slices = [
            Array(all[0..<(2 * third)]), Array(all[third...]), Array(all[0..<third] + all[(2 * third)...]),
        ]
        for round in 0..<3 {
            let db = try backend.newStore()
            let group = DispatchGroup()
            let lock = NSLock()
            nonisolated(unsafe) var results: [TestSupport.ProcessResult] = []
            for slice in slices {
                group.enter()
                DispatchQueue.global().async {
                    if let result = try? TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db] + slice) {
                        lock.lock()
                        results.append(result)
                        lock.unlock()
                    }
                    group.leave()
                }
            }
            group.wait()
            #expect(
                results.count == 3 && results.allSatisfy { $0.status == 0 }, "round \(round): \(results.map(\.stderr))")
            #expect(results.allSatisfy { !$0.stderr.localizedCaseInsensitiveContains("locked") })
            let state = try Self.state(of: db)
            #expect(
                state == reference,
                "round \(round): counts \(state.suffix(160)) against \(reference.suffix(160)); \(results.map(\.stderr))"
            )
        }
    }

    /// The PostgreSQL server restarting under an import: the run stops with one clear sentence
    /// and exit 3, nothing half-stored, and the next run completes it.
    @Test(.enabled(if: PostgresServer.available, "PostgreSQL's server programs are not installed"))
    func aServerRestartMidRunIsAClearErrorAndTheNextRunCompletes() throws {
        let server = try PostgresServer()
        var window = max(importDuration / 2, 20_000)
        var interrupted: TestSupport.ProcessResult?
        var db = ""
        for _ in 0..<8 where interrupted == nil {
            db = try server.newDatabase()
            let process = Process()
            process.executableURL = TestSupport.mailtally
            process.arguments = ["ingest", "--db", db, files.path]
            let stderr = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = stderr
            try process.run()
            usleep(UInt32.random(in: window / 4...window))
            guard process.isRunning else {
                process.waitUntilExit()
                window = max(window / 2, 5_000)
                continue
            }
            try server.restart()
            let said = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus == 0 { continue }  // it finished as the server went down
            interrupted = TestSupport.ProcessResult(
                status: process.terminationStatus, stdout: Data(), stderr: said)
        }
        let failed = try #require(interrupted, "no import was still running when the server restarted")
        #expect(failed.status == 3, "\(failed.stderr)")
        #expect(failed.stderr.contains("database error while"), "\(failed.stderr)")
        #expect(failed.stderr.contains("PostgreSQL server at 127.0.0.1"), "\(failed.stderr)")
        #expect(!failed.stderr.contains(server.password))
        let again = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, files.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.inspect(db).integrityCheck() == "ok")
        #expect(try Self.state(of: db) == reference)
    }

    @Test func aFullDiskIsAClearErrorAndTheNextRunRecovers() throws {
        let db = folder.appendingPathComponent("full.sqlite").path
        // A file-size limit stands in for a full disk: writes past it fail with EFBIG.
        let limited = try TestSupport.run(
            URL(fileURLWithPath: "/bin/bash"),
            [
                "-c", "trap '' XFSZ; ulimit -f 1024; exec \"$0\" ingest --db \"$1\" \"$2\"", TestSupport.mailtally.path,
                db, files.path,
            ])
        #expect(limited.status == 3, "\(limited.status): \(limited.stderr)")
        #expect(limited.stderr.contains("database error"), "\(limited.stderr)")
        #expect(try SQLiteReportStore(path: db).integrityCheck() == "ok")
        let again = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, files.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.state(of: db) == reference)
    }

    /// Root may write anything: run as nobody, against a database file nobody may write.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") && getuid() == 0,
            "needs root and setpriv"))
    func aReadOnlyDatabaseIsAClearErrorAndTheNextRunRecovers() throws {
        let dir = folder.appendingPathComponent("readonly")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = dir.appendingPathComponent("ro.sqlite").path
        let all = try FileManager.default.contentsOfDirectory(atPath: files.path).sorted().map {
            files.appendingPathComponent($0).path
        }
        #expect(
            try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db] + Array(all.prefix(100))).status == 0)
        let before = try Self.state(of: db)
        for path in [folder.path, dir.path] { chmod(path, 0o755) }
        chmod(db, 0o444)
        let denied = try TestSupport.run(
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=65534", "--regid=65534", "--clear-groups", TestSupport.mailtally.path, "ingest", "--db", db] + all
        )
        #expect(denied.status == 3, "\(denied.status): \(denied.stderr)")
        #expect(denied.stderr.contains("database"), "\(denied.stderr)")
        chmod(db, 0o644)
        #expect(try SQLiteReportStore(path: db).integrityCheck() == "ok")
        #expect(try Self.state(of: db) == before)
        #expect(try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, files.path]).status == 0)
        #expect(try Self.state(of: db) == reference)
    }
}
