import Foundation
import ReportStore
import SQLiteStore
import TestSupport
import Testing

/// The hostile corpus (`Tests/Hostile/make_hostile.py`): every case answered in bounded time and
/// memory, with the expected outcome, a reason naming the input, the rest of the batch imported,
/// and nothing already stored changed.
@Suite struct HostileTests {
    struct Expectation: Decodable {
        var outcome: String
        var code: String?
        var messages: Int?
    }

    @Test func hostileInputsAreAnsweredAndNothingStoredChanges() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let generator = TestSupport.packageRoot.appendingPathComponent("Tests/Hostile/make_hostile.py").path
        try TestSupport.shell("python3", [generator, folder.path])
        let expected = try JSONDecoder().decode(
            [String: Expectation].self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        let db = folder.appendingPathComponent("h.sqlite").path
        let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
        _ = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, samples])
        let before = try TestSupport.run(
            TestSupport.mailtally,
            [
                "summary", "--db", db, "--format", "json", "--domain", "example.com", "--domain", "example.net",
                "--domain", "example.org",
            ]
        ).output

        // 64 MiB per report keeps this test light; the caps work the same at the 1 GiB default.
        let started = Date()
        let result = try TestSupport.run(
            URL(fileURLWithPath: "/usr/bin/time"),
            [
                "-f", "peak-rss-kb %M", TestSupport.mailtally.path, "ingest", "--db", db, "--json",
                "--max-report-bytes", "67108864",
                folder.appendingPathComponent("cases").path,
            ])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 1)
        #expect(elapsed < 120, "took \(elapsed) s")
        let peak =
            result.stderr.split(separator: "\n").last { $0.hasPrefix("peak-rss-kb") }.flatMap {
                Int($0.split(separator: " ").last ?? "")
            } ?? 0
        #expect(peak > 0 && peak < 1_000_000, "peak RSS \(peak) KB")

        let outcome = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let errors = try #require(outcome["errors"] as? [[String: String]])
        var failures: [String: String] = [:]
        for error in errors {
            let name = (error["input"] ?? "" as String).split(separator: "/").last.map(String.init) ?? ""
            failures[name] = error["reason"]
        }
        for (name, expectation) in expected {
            if expectation.outcome == "failed" {
                let reason = failures[name]
                #expect(reason?.hasPrefix("\(expectation.code ?? ""):") == true, "\(name): \(reason ?? "not failed")")
                #expect(result.stderr.contains("/cases/\(name)"), "\(name) is not named on standard error")
            } else {
                #expect(failures[name] == nil, "\(name): \(failures[name] ?? "")")
            }
        }
        #expect(outcome["skipped"] as? Int == expected.values.filter { $0.outcome == "skipped" }.count)

        // The valid-but-odd inputs were imported intact...
        let victim = try TestSupport.run(
            TestSupport.mailtally, ["summary", "--db", db, "--format", "json", "--domain", "victim.example"])
        let domains =
            (try JSONSerialization.jsonObject(with: victim.stdout) as? [String: Any])?["domains"] as? [[String: Any]]
        let messages = (domains?.first?["dmarc"] as? [String: Any])?["messages"] as? Int
        #expect(messages == expected.values.compactMap(\.messages).reduce(0, +))
        // ...nothing already stored changed, the file is sound, and nothing escaped the zip.
        let after = try TestSupport.run(
            TestSupport.mailtally,
            [
                "summary", "--db", db, "--format", "json", "--domain", "example.com", "--domain", "example.net",
                "--domain", "example.org",
            ]
        ).output
        #expect(after == before)
        #expect(try SQLiteReportStore(path: db).integrityCheck() == "ok")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/mailtally-zip-slip.xml"))
    }
}
