import Foundation
import ReportStore
import Testing
import TestSupport

/// Hostile inputs of the second round: each case reproduces a way a stranger's bytes once
/// crashed a run (on every rerun), stalled it, or took its memory.
@Suite struct HostileInputTests {
    /// The JSON outcome of `ingest --json`.
    static func outcome(_ result: TestSupport.ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stderr)")
    }

    /// A read error half-way through a mailbox fails that input with errno's text; no stamp is
    /// kept, so the next run reads the whole file (strace injects EIO into reads of that file).
    @Test(.enabled(if: TestSupport.hasProgram("strace"), "needs strace"))
    func aReadErrorFailsTheInputAndTheNextRunReadsItAll() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mbox = folder.appendingPathComponent("box.mbox")
        // Eight messages of 300 KB each: the reader takes 1 MiB a read, so the third read fails
        // after the first messages were handed over.
        var text = ""
        let report = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("SampleReports/gmx.net!example.net!1795824000!1795910399.xml"), encoding: .utf8)
        for index in 1...8 {
            let padded = report.replacingOccurrences(of: "<report_id>", with: "<report_id>eio-\(index)-")
            text += "From sender Mon Jan 01 00:00:00 2024\nMessage-ID: <m\(index)@example>\nContent-Type: text/xml\n\n"
            text += padded + "\n<!--" + String(repeating: "p", count: 300_000) + "-->\n\n"
        }
        try Data(text.utf8).write(to: mbox)
        let db = folder.appendingPathComponent("eio.sqlite").path
        let failing = try TestSupport.shell(
            "strace", ["-f", "-qq", "-o", "/dev/null", "-P", mbox.path, "-e", "trace=read", "-e", "inject=read:error=EIO:when=3+",
                       TestSupport.mailtally.path, "ingest", "--db", db, "--json", mbox.path])
        #expect(failing.status == 1, "\(failing.status): \(failing.stderr)")
        #expect(failing.stderr.contains("box.mbox") && failing.stderr.contains("read error: Input/output error"), "\(failing.stderr)")
        let first = try Self.outcome(failing)
        let importedFirst = (first["imported"] as? [String: Int])?["dmarc"] ?? -1
        #expect(importedFirst < 8)
        let again = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", mbox.path])
        #expect(again.status == 0, "\(again.stderr)")
        let second = try Self.outcome(again)
        #expect((second["unchanged"] as? Int) == 0)
        #expect(((second["imported"] as? [String: Int])?["dmarc"] ?? 0) + importedFirst == 8)
    }
}
