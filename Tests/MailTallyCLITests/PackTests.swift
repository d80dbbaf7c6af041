import Foundation
import TestSupport
import Testing

/// The stakeholder pack and the nightly job, run as a user runs them.
@Suite struct PackTests {
    let folder: URL
    let db: String
    static let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
    static let sourceMap = TestSupport.packageRoot.appendingPathComponent("scripts/sample-source-map.csv").path
    static let golden = TestSupport.packageRoot.appendingPathComponent("Tests/MailTallyCLITests/Golden/pack")

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("p.sqlite").path
    }

    func mailtally(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(
            TestSupport.mailtally, arguments,
            environment: ["MAILTALLY_PSL": "/usr/share/publicsuffix/public_suffix_list.dat"])
    }

    /// Golden files, reviewed by eye once; `MAILTALLY_UPDATE_GOLDEN=1 scripts/test` writes them anew.
    @Test func packOfSampleReportsMatchesTheGoldenFiles() throws {
        _ = try mailtally(["ingest", "--db", db, Self.samples])
        let out = folder.appendingPathComponent("pack")
        let result = try mailtally([
            "report", "--db", db, "--out", out.path, "--since", "2026-11-22", "--until", "2026-11-28", "--source-map",
            Self.sourceMap,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(
            files.contains("index.md") && files.contains("example.com.md") && files.contains("example.com-sources.csv"))
        if ProcessInfo.processInfo.environment["MAILTALLY_UPDATE_GOLDEN"] != nil {
            try? FileManager.default.removeItem(at: Self.golden)
            try FileManager.default.createDirectory(at: Self.golden, withIntermediateDirectories: true)
            for file in files {
                try FileManager.default.copyItem(
                    at: out.appendingPathComponent(file), to: Self.golden.appendingPathComponent(file))
            }
            print("PackTests: golden files written to \(Self.golden.path)")
            return
        }
        let expected = try FileManager.default.contentsOfDirectory(atPath: Self.golden.path).sorted()
        #expect(files == expected)
        for file in expected {
            let got = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            let want = try String(contentsOf: Self.golden.appendingPathComponent(file), encoding: .utf8)
            #expect(got == want, "\(file) differs from its golden file")
        }
    }

    @Test func hostileValuesAreEscapedForEachFormat() throws {
        let evil =
            #"=HYPERLINK("http://x.example","click")|<script>alert(1)</script> *bold* [link](http://x.example) &amp;"#
        let escapedXML = evil.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        let xml = """
            <feedback><report_metadata><org_name>\(escapedXML)</org_name><email>x@evil.example</email><report_id>1</report_id>
            <date_range><begin>1795824000</begin><end>1795910399</end></date_range></report_metadata>
            <policy_published><domain>-2+3.example|x</domain><p>none</p></policy_published>
            <record><row><source_ip>@SUM(1+1)</source_ip><count>5</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
            <identifiers><header_from>x</header_from></identifiers><auth_results><dkim><domain>\(escapedXML)</domain><selector>+s</selector><result>fail</result></dkim></auth_results></record></feedback>
            """
        let input = folder.appendingPathComponent("evil.xml")
        try Data(xml.utf8).write(to: input)
        #expect(try mailtally(["ingest", "--db", db, input.path]).status == 0)

        let csv = try mailtally(["correlate", "--db", db, "--format", "csv", "--by", "reporter"]).output
        #expect(csv.contains("\r\n'-2+3.example|x,"))  // a leading "-" is neutralised
        let sources = try mailtally(["correlate", "--db", db, "--format", "csv"]).output
        #expect(sources.contains(",'@sum(1+1),"))  // the source key (an unparsable IP, lowercased)
        let markdown = try mailtally(["correlate", "--db", db, "--format", "md", "--by", "reporter"]).output
        #expect(markdown.contains("-2+3.example\\|x"))
        #expect(!markdown.contains("<script>"))

        let out = folder.appendingPathComponent("pack")
        #expect(try mailtally(["report", "--db", db, "--out", out.path]).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(files.contains("_2_3.example_x.md"))  // a safe file name, which does not read as an option
        let page = try String(contentsOf: out.appendingPathComponent("_2_3.example_x.md"), encoding: .utf8)
        #expect(!page.contains("<script>") && page.contains("\\<script\\>"))
        #expect(!page.contains("[link](http"))
        let dkim = try String(contentsOf: out.appendingPathComponent("_2_3.example_x-dkim.csv"), encoding: .utf8)
        #expect(dkim.contains(#"'=HYPERLINK(""http://x.example"",""click"")|<script>"#))
        #expect(dkim.contains(",'+s,"))
    }

    /// A second nightly with nothing new keeps the packs; anything a pack shows changing, a
    /// file of it missing, or --rewrite writes it again.
    @Test func nightlyKeepsPacksThatAreUpToDate() throws {
        let out = folder.appendingPathComponent("packs")
        let inbox = folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let sample = "google.com!example.com!1795824000!1795910399.zip"
        try FileManager.default.copyItem(
            atPath: "\(Self.samples)/\(sample)", toPath: inbox.appendingPathComponent(sample).path)
        let arguments = [
            "nightly", "--db", db, "--inbox", inbox.path, "--out", out.path, "--date", "2026-11-28", "--verbose",
        ]
        func run(_ extra: [String] = []) throws -> [String] {
            let result = try mailtally(arguments + extra)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stderr.split(separator: "\n").map(String.init).filter { $0.contains("/2026-11-28/") }
        }
        func kept(_ lines: [String]) -> [Bool] { lines.map { $0.contains("is up to date") } }
        let day = out.appendingPathComponent("2026-11-28/day")
        let page = day.appendingPathComponent("example.com.md")

        #expect(kept(try run()) == [false, false, false])
        let written = try String(contentsOf: page, encoding: .utf8)
        let stamp = try FileManager.default.attributesOfItem(atPath: page.path)[.modificationDate] as? Date
        #expect(kept(try run()) == [true, true, true])
        #expect(try FileManager.default.attributesOfItem(atPath: page.path)[.modificationDate] as? Date == stamp)

        // A file gone: that pack is written again, the others are kept.
        try FileManager.default.removeItem(at: day.appendingPathComponent("example.com-sources.csv"))
        #expect(kept(try run()) == [false, true, true])
        #expect(FileManager.default.fileExists(atPath: day.appendingPathComponent("example.com-sources.csv").path))

        // A new report in the inbox changes what every pack shows.
        let other = "yahoo.com!example.com!1795824000!1795910399.xml"
        try FileManager.default.copyItem(
            atPath: "\(Self.samples)/\(other)", toPath: inbox.appendingPathComponent(other).path)
        #expect(kept(try run()) == [false, false, false])
        #expect(try String(contentsOf: page, encoding: .utf8) != written)

        // So do a source map and --rewrite.
        #expect(kept(try run(["--source-map", Self.sourceMap])) == [false, false, false])
        #expect(kept(try run(["--source-map", Self.sourceMap])) == [true, true, true])
        #expect(kept(try run(["--source-map", Self.sourceMap, "--rewrite"])) == [false, false, false])
    }

    @Test func nightlyWritesThePacksAndRunsTakeTurns() throws {
        let out = folder.appendingPathComponent("packs").path
        let arguments = ["nightly", "--db", db, "--inbox", Self.samples, "--out", out, "--date", "2026-11-28"]
        // Two runs at once: the second waits for the first's lock; nothing is counted twice.
        let group = DispatchGroup()
        nonisolated(unsafe) var results: [TestSupport.ProcessResult] = []
        let lock = NSLock()
        for _ in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                if let result = try? self.mailtally(arguments) {
                    lock.lock()
                    results.append(result)
                    lock.unlock()
                }
                group.leave()
            }
        }
        group.wait()
        #expect(results.count == 2)
        // The broken sample fails in the first run; the second knows that failure: status 0.
        #expect(results.map(\.status).sorted() == [0, 1], "\(results.map(\.stderr))")
        #expect(results.contains { $0.stderr.contains("1 known failure") })
        #expect(results.allSatisfy { !$0.stderr.contains("database is locked") && !$0.stderr.contains("SQLITE_BUSY") })
        for name in ["day", "7d", "30d"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/2026-11-28/\(name)/index.md"))
        }
        let summary =
            try JSONSerialization.jsonObject(with: try mailtally(["summary", "--db", db, "--format", "json"]).stdout)
            as? [String: Any]
        let domains = summary?["domains"] as? [[String: Any]] ?? []
        #expect((domains.first?["dmarc"] as? [String: Any])?["reports"] as? Int == 6)
        #expect((domains.first?["dmarc"] as? [String: Any])?["messages"] as? Int == 4039)

        // While another process holds the lock, a run with --wait 0 gives up with status 4.
        let holder = try Process.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [
                "python3", "-c",
                "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)",
                db + ".lock",
            ])
        defer { holder.terminate() }
        var waited = 0
        while waited < 50 {
            let probe = try mailtally(arguments + ["--wait", "0"])
            if probe.status == 4 {
                #expect(probe.stderr.contains("another run holds"))
                break
            }
            usleep(100_000)
            waited += 1
        }
        #expect(waited < 50, "the lock held by another process was never reported")
    }
}
