import Foundation
import TestSupport
import Testing

/// How `ingest` walks folders, seen through the real executable: what counts as an input.
@Suite struct InputWalkerTests {
    @Test func foldersAreWalkedInNameOrderWithHiddenFilesLinkedFoldersAndMaildirTmpLeftOut() throws {
        let root = try TestSupport.temporaryDirectory()
        let inbox = root.appendingPathComponent("inbox")
        let manager = FileManager.default
        for folder in [
            "inbox/b", "inbox/a/deeper", "inbox/.git", "inbox/box/cur", "inbox/box/new", "inbox/box/tmp", "elsewhere",
        ] {
            try manager.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let report = try Data(
            contentsOf: TestSupport.packageRoot.appendingPathComponent(
                "SampleReports/yahoo.com!example.com!1795824000!1795910399.xml"))
        for file in [
            "inbox/b/2.xml", "inbox/a/deeper/1.xml", "inbox/.hidden.xml", "inbox/.git/3.xml", "inbox/box/tmp/4.xml",
            "elsewhere/5.xml",
        ] {
            try report.write(to: root.appendingPathComponent(file))
        }
        // A link to a file is an input; a link to a folder is not entered.
        try manager.createSymbolicLink(
            atPath: inbox.appendingPathComponent("c-link.xml").path,
            withDestinationPath: root.appendingPathComponent("elsewhere/5.xml").path)
        try manager.createSymbolicLink(
            atPath: inbox.appendingPathComponent("d-folder").path,
            withDestinationPath: root.appendingPathComponent("elsewhere").path)
        try manager.createSymbolicLink(
            atPath: inbox.appendingPathComponent("e-loop").path, withDestinationPath: inbox.path)

        let db = root.appendingPathComponent("walk.sqlite").path
        let result = try TestSupport.run(
            TestSupport.mailtally,
            ["ingest", "--db", db, "--json", inbox.path, root.appendingPathComponent("missing").path])
        let summary = try #require(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stderr)")
        // a/deeper/1.xml, b/2.xml and c-link.xml (one report: two duplicates), and the missing path.
        #expect(summary["inputs"] as? Int == 4)
        #expect(summary["imported"] as? [String: Int] == ["dmarc": 1, "tlsrpt": 0])
        #expect(summary["duplicates"] as? Int == 2)
        let errors = try #require(summary["errors"] as? [[String: String]])
        #expect(errors.map { $0["input"] } == [root.appendingPathComponent("missing").path])
        #expect(errors.first?["reason"]?.contains("no such file or folder") == true)
        // The first file in name order is the one imported.
        let log = try TestSupport.shell(
            "python3",
            [
                "-c",
                "import sqlite3, sys; print(*[r[0] for r in sqlite3.connect(sys.argv[1]).execute(\"SELECT input FROM ingest_log WHERE status = 'imported'\")])",
                db,
            ])
        #expect(
            log.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == inbox.appendingPathComponent("a/deeper/1.xml").path)
    }
}
