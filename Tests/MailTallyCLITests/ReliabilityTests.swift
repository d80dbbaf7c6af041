import Foundation
import ReportStore
import SQLiteStore
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

    /// What a database says, for comparing two: the summary and the row counts.
    static func state(of db: String) throws -> String {
        let summary = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"]).output
        let counts = try SQLiteReportStore(path: db).tableCounts().filter { $0.key != "ingest_log" }.sorted {
            $0.key < $1.key
        }
        return summary + counts.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    @Test func killedImportsLeaveNothingHalfDone() throws {
        let db = folder.appendingPathComponent("crash.sqlite").path
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
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
            }
        }
        #expect(kills >= 1, "no import was still running when killed")
        let final = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", files.path])
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try SQLiteReportStore(path: db).integrityCheck() == "ok")
        #expect(try Self.state(of: db) == reference, "after \(kills) kills")
        let errors = try TestSupport.run(TestSupport.mailtally, ["errors", "--db", db, "--format", "json"])
        #expect(
            ((try JSONSerialization.jsonObject(with: errors.stdout) as? [String: Any])?["errors"] as? [Any])?.isEmpty
                == true)
    }

    @Test func overlappingImportsAtOnceCountEverythingOnce() throws {
        let all = try FileManager.default.contentsOfDirectory(atPath: files.path).sorted().map {
            files.appendingPathComponent($0).path
        }
        let halves = [Array(all.prefix(400)), Array(all.suffix(400))]  // 200 inputs in both
        // Several rounds, each on a new file: both processes also race to create the schema.
        for round in 0..<4 {
            let db = folder.appendingPathComponent("concurrent-\(round).sqlite").path
            let group = DispatchGroup()
            let lock = NSLock()
            nonisolated(unsafe) var results: [TestSupport.ProcessResult] = []
            for half in halves {
                group.enter()
                DispatchQueue.global().async {
                    if let result = try? TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db] + half) {
                        lock.lock()
                        results.append(result)
                        lock.unlock()
                    }
                    group.leave()
                }
            }
            group.wait()
            #expect(
                results.count == 2 && results.allSatisfy { $0.status == 0 }, "round \(round): \(results.map(\.stderr))")
            #expect(results.allSatisfy { !$0.stderr.localizedCaseInsensitiveContains("locked") })
            let state = try Self.state(of: db)
            #expect(
                state == reference,
                "round \(round): counts \(state.suffix(160)) against \(reference.suffix(160)); \(results.map(\.stderr))"
            )
        }
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
