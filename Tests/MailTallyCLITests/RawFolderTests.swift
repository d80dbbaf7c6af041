import Foundation
import TestSupport
import Testing

/// `--raw-dir`: raw inputs kept as files named by SHA-256 beside the database, on either
/// backend: the database holds none of their bytes, `reparse` and `copy` read them back (a
/// large input's chunks too), the store remembers the folder, and refuses another.
@Suite struct RawFolderTests {
    @Test(arguments: TestBackend.available) func rawInputsLiveInTheFolderAndAreReadBack(backend: TestBackend) throws {
        let folder = try TestSupport.temporaryDirectory()
        let raw = folder.appendingPathComponent("raw").path
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        // A report file over 16 MiB (kept in chunks) beside the sample reports.
        let script = """
            import sys
            parts = ['<feedback><report_metadata><org_name>big.example</org_name><email>d@big.example</email>'
                     '<report_id>big</report_id><date_range><begin>1795824000</begin><end>1795910399</end></date_range>'
                     '</report_metadata><policy_published><domain>big.example</domain><p>reject</p></policy_published>']
            for i in range(2000):
                parts.append('<record><row><source_ip>10.0.%d.%d</source_ip><count>%d</count><policy_evaluated>'
                             '<disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>'
                             '<identifiers><header_from>big.example</header_from></identifiers></record>' % (i >> 8, i & 255, i % 5 + 1))
            parts.append('<extension>' + ('<x>' + 'p' * 1000 + '</x>') * 18000 + '</extension></feedback>')
            open(sys.argv[1] + '/big.xml', 'w').write(''.join(parts))
            """
        try TestSupport.shell("python3", ["-c", script, inputs.path])
        let sample = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
        let db = try backend.newStore()
        let ingest = try TestSupport.run(
            TestSupport.mailtally, ["ingest", "--db", db, "--raw-dir", raw, sample, inputs.path])
        #expect(ingest.status == 1, "one sample file is broken: \(ingest.stderr)")
        #expect(try bytesInDatabase(db, backend) == 0)
        let files = try keptFiles(raw)
        #expect(files.count > 12, "\(files)")
        #expect(files.contains { $0.hasSuffix(".2") }, "the large input's chunks: \(files)")

        func summary() throws -> String {
            try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"]).output
        }
        let before = try summary()
        #expect(before.contains("big.example"))
        let reparse = try TestSupport.run(TestSupport.mailtally, ["reparse", "--db", db])
        #expect(reparse.status == 1, "the broken file again: \(reparse.stderr)")
        #expect(try summary() == before)

        // Remembered: a later run without --raw-dir keeps new inputs there too.
        let more = folder.appendingPathComponent("more.xml")
        try Data(
            String(
                decoding: try Data(
                    contentsOf: URL(fileURLWithPath: sample).appendingPathComponent(
                        "gmx.net!example.net!1795824000!1795910399.xml")), as: UTF8.self
            ).replacingOccurrences(of: "<report_id>", with: "<report_id>again-").utf8
        ).write(to: more)
        #expect(try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, more.path]).status == 0)
        #expect(try keptFiles(raw).count == files.count + 1)
        #expect(try bytesInDatabase(db, backend) == 0)

        let elsewhere = try TestSupport.run(
            TestSupport.mailtally,
            ["ingest", "--db", db, "--raw-dir", folder.appendingPathComponent("other").path, more.path])
        #expect(elsewhere.status == 3)
        #expect(elsewhere.stderr.contains("keeps its raw inputs in \(raw)"), "\(elsewhere.stderr)")

        // Copied out into a store that keeps its raw inputs inside: the same answers.
        let plain = try TestBackend.sqlite.newStore()
        let copy = try TestSupport.run(TestSupport.mailtally, ["copy", "--from", db, "--to", plain])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(
            try TestSupport.run(TestSupport.mailtally, ["summary", "--db", plain, "--format", "json"]).output
                == summary())

        // A kept file gone fails its input, naming the file; the others are parsed again.
        let victim = try #require(files.first { $0.hasSuffix(".1") })
        try FileManager.default.removeItem(atPath: "\(raw)/\(victim)")
        let broken = try TestSupport.run(TestSupport.mailtally, ["reparse", "--db", db])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("raw input file \(raw)/\(victim) is missing"), "\(broken.stderr)")
    }

    /// The kept files, by path under the folder.
    func keptFiles(_ raw: String) throws -> [String] {
        let walker = FileManager.default.enumerator(atPath: raw)
        var files: [String] = []
        while let path = walker?.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(raw)/\(path)", isDirectory: &isFolder), !isFolder.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }

    /// The raw bytes the database itself holds.
    func bytesInDatabase(_ db: String, _ backend: TestBackend) throws -> Int {
        switch backend {
        case .sqlite:
            let script = """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                print(db.execute("SELECT IFNULL(sum(length(data)), 0) FROM raw_input").fetchone()[0]
                      + db.execute("SELECT IFNULL(sum(length(data)), 0) FROM raw_input_chunk").fetchone()[0])
                """
            return Int(
                try TestSupport.shell("python3", ["-c", script, db]).output.trimmingCharacters(
                    in: .whitespacesAndNewlines)) ?? -1
        case .postgres:
            let sql =
                "SELECT COALESCE(sum(octet_length(data)), 0) + (SELECT COALESCE(sum(octet_length(data)), 0) FROM raw_input_chunk) FROM raw_input"
            let result = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/psql"), ["-Atc", sql, db])
            return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }
}
