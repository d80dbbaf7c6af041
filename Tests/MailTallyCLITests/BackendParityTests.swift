import Foundation
import TestSupport
import Testing

/// The same inputs give the same answers whichever backend keeps them: the real-report corpus
/// and SampleReports into SQLite and into PostgreSQL, then every query command's JSON, byte
/// for byte, before and after a reparse.
@Suite struct BackendParityTests {
    @Test(
        .enabled(if: TestSupport.corpus != nil, "MAILTALLY_CORPUS is unset: the real-report corpus was not read"),
        .enabled(if: PostgresServer.available, "PostgreSQL's server programs are not installed"))
    func everyQueryCommandGivesTheSameJSONOnBothBackends() throws {
        let corpus = try #require(TestSupport.corpus)
        let inputs = [TestSupport.packageRoot.appendingPathComponent("SampleReports").path, corpus.path]
        let stores = [try TestBackend.sqlite.newStore(), try TestBackend.postgres.newStore()]
        let commands: [[String]] = [
            ["ingest", "--json"] + inputs,
            ["summary", "--format", "json"],
            ["summary", "--format", "json", "--since", "2024-01-01", "--until", "2024-12-31"],
            ["correlate", "--by", "source", "--format", "json"],
            ["correlate", "--by", "reporter", "--format", "json", "--since", "2020-01-01"],
            ["sources", "--format", "json"],
            ["errors", "--format", "json"],
            ["records", "--domain", "example.com", "--source", "192.0.2.1", "--format", "json"],
            ["reparse", "--json"],
            ["summary", "--format", "json", "--domain", "example.com", "--domain", "example.org"],
            ["correlate", "--format", "json"],
        ]
        for command in commands {
            let results = try stores.map { db in
                try TestSupport.run(TestSupport.mailtally, [command[0], "--db", db] + command.dropFirst())
            }
            let outputs = results.map { Self.withoutLogTimes($0.output) }
            #expect(results[0].status == results[1].status, "\(command): \(results.map(\.stderr))")
            #expect(!outputs[0].isEmpty, "\(command): \(results[0].stderr)")
            #expect(outputs[0] == outputs[1], "\(command[0]) \(command.dropFirst().joined(separator: " "))")
        }
        // The stakeholder pack, every file of it in every format.
        let folder = try TestSupport.temporaryDirectory()
        let packs = try stores.enumerated().map { index, db in
            let out = folder.appendingPathComponent("pack-\(index)")
            let result = try TestSupport.run(
                TestSupport.mailtally,
                [
                    "report", "--db", db, "--out", out.path, "--format", "all", "--since", "2020-01-01", "--until",
                    "2026-12-31",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            return try Self.files(in: out)
        }
        #expect(packs[0].count > 20)
        #expect(packs[0].keys.sorted() == packs[1].keys.sorted())
        for (name, bytes) in packs[0] { #expect(packs[1][name] == bytes, "\(name)") }
    }

    /// Every file under `folder`, by its path there.
    static func files(in folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let walker = FileManager.default.enumerator(atPath: folder.path)
        while let path = walker?.nextObject() as? String {
            var isFolder: ObjCBool = false
            let full = folder.appendingPathComponent(path).path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue {
                files[path] = try Data(contentsOf: URL(fileURLWithPath: full))
            }
        }
        return files
    }

    /// The time each failure was logged differs between two runs.
    static func withoutLogTimes(_ json: String) -> String {
        json.replacingOccurrences(of: #""at" *: *"[^"]*""#, with: #""at":"-""#, options: .regularExpression)
    }
}
