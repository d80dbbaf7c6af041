import Foundation
import ReportStore
import StoreBackends
import TestSupport
import Testing

/// The run lock of a PostgreSQL store is an advisory lock on the server: nightly runs on any
/// host take turns, and one that gives up says which client holds it.
@Suite struct PostgresRunLockTests {
    static let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path

    @Test(.enabled(if: PostgresServer.available, "PostgreSQL's server programs are not installed"))
    func nightlyRunsTakeTurnsAndOneThatGivesUpNamesTheHolder() throws {
        let db = try TestBackend.postgres.newStore()
        let out = try TestSupport.temporaryDirectory().appendingPathComponent("packs").path
        let arguments = [
            "nightly", "--db", db, "--inbox", Self.samples, "--out", out, "--date", "2026-11-28", "--offline",
        ]
        let group = DispatchGroup()
        let lock = NSLock()
        nonisolated(unsafe) var results: [TestSupport.ProcessResult] = []
        for _ in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                if let result = try? TestSupport.run(TestSupport.mailtally, arguments) {
                    lock.lock()
                    results.append(result)
                    lock.unlock()
                }
                group.leave()
            }
        }
        group.wait()
        // The broken sample fails in the first run; the second, after it, knows that failure.
        #expect(results.map(\.status).sorted() == [0, 1], "\(results.map(\.stderr))")
        for name in ["day", "7d", "30d"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/2026-11-28/\(name)/index.md"))
        }

        // Held by this process (as by another host): a run that may not wait gives up, exit 4.
        let held = try StoreOpener.open(db).lockRuns(waiting: 0)
        let probe = try TestSupport.run(TestSupport.mailtally, arguments + ["--wait", "1"])
        #expect(probe.status == 4, "\(probe.stderr)")
        #expect(probe.stderr.contains("mailtally pid \(getpid()) on "), "\(probe.stderr)")
        #expect(probe.stderr.contains("holds the store's run lock"), "\(probe.stderr)")
        let enrich = try TestSupport.run(TestSupport.mailtally, ["enrich", "--db", db, "--wait", "0"])
        #expect(enrich.status == 4, "\(enrich.stderr)")
        withExtendedLifetime(held) {}
    }
}
