import Foundation
import ReportStore
import SQLiteStore
import TestSupport
import Testing

/// A long import commits as it goes, lets another writer in between its transactions, and
/// stops cleanly on SIGTERM, keeping what it stored.
@Suite struct LongImportTests {
    let folder: URL
    let files: URL

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        let script = TestSupport.packageRoot.appendingPathComponent("scripts/bench-support/make_corpus.py").path
        try TestSupport.shell("python3", [script, folder.path, "--reports", "5000", "--no-mbox"])
        files = folder.appendingPathComponent("files")
    }

    /// The import as a child process, with its output kept in files.
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = TestSupport.mailtally
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let log = folder.appendingPathComponent("big-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        return process
    }

    func storedInputs(_ db: String) -> Int {
        (try? SQLiteReportStore(path: db, readOnly: true).rawInputCount()) ?? 0
    }

    /// Waits (at most `seconds`) for a condition; returns whether it came true.
    func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test func aLongImportCommitsAsItGoesAndAnotherWriterGetsIn() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("long.sqlite").path
        let big = try start(["ingest", "--db", db, files.path])
        // Its reports are there to read while it runs: it commits every second, not at its end.
        let committed = waitFor(seconds: 60) { storedInputs(db) > 0 || !big.isRunning }
        #expect(committed && big.isRunning, "nothing committed while the import ran")
        // A small ingest beside it gets a turn between its transactions and finishes first.
        let small = folder.appendingPathComponent("small.xml")
        try FileManager.default.copyItem(
            at: TestSupport.packageRoot.appendingPathComponent(
                "SampleReports/gmx.net!example.net!1795824000!1795910399.xml"), to: small)
        let beside = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", small.path])
        let stillRunning = big.isRunning
        #expect(beside.status == 0, "\(beside.stderr)")
        #expect(stillRunning, "the small ingest waited for the whole import")
        big.waitUntilExit()
        #expect(big.terminationStatus == 0)
        #expect(storedInputs(db) == 5001)
        // The WAL is checkpointed and cut back as the import goes, not left the size of the run.
        let wal = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
        #expect(wal <= 64 << 20, "WAL of \(wal) bytes")
    }

    @Test func sigtermStopsCleanlyAndARerunCompletesTheImport() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = folder.appendingPathComponent("reference.sqlite").path
        #expect(try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", reference, files.path]).status == 0)
        let expected = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", reference, "--format", "json"])
            .output

        let db = folder.appendingPathComponent("stopped.sqlite").path
        let big = try start(["ingest", "--db", db, "--json", files.path])
        #expect(waitFor(seconds: 60) { storedInputs(db) > 0 || !big.isRunning })
        kill(big.processIdentifier, SIGTERM)
        big.waitUntilExit()
        if big.terminationStatus == 0 {
            // The import ended before the signal: nothing to check but the totals.
            Issue.record("the import finished before SIGTERM; the machine was faster than this test assumes")
        } else {
            #expect(big.terminationStatus == 143, "exit status \(big.terminationStatus)")
            #expect(big.terminationReason == .exit, "killed instead of stopping")
        }
        #expect(try SQLiteReportStore(path: db).integrityCheck() == "ok")
        let stored = storedInputs(db)
        #expect(stored > 0 && stored < 5000, "\(stored) inputs stored before SIGTERM")
        let rerun = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, files.path])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(
            try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"]).output == expected)
    }
}
