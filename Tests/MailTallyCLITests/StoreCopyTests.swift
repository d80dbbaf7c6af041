import Foundation
import ReportModel
import ReportStore
import StoreBackends
import TestSupport
import Testing

/// `mailtally copy` between SQLite and PostgreSQL, both ways: everything arrives, a rerun
/// changes nothing, a destination that holds part of the inputs is completed, and a
/// destination that holds more than the source is said to differ.
@Suite struct StoreCopyTests {
    let files: URL

    init() throws {
        let folder = try TestSupport.temporaryDirectory()
        let generator = TestSupport.packageRoot.appendingPathComponent("scripts/bench-support/make_corpus.py").path
        try TestSupport.shell(
            "python3",
            [generator, folder.appendingPathComponent("corpus").path, "--reports", "150", "--no-mbox", "--seed", "11"])
        files = folder.appendingPathComponent("corpus/files")
    }

    static func answers(_ db: String) throws -> [String] {
        try [
            ["summary", "--format", "json"], ["correlate", "--format", "json"], ["sources", "--format", "json"],
            ["summary", "--format", "json", "--since", "2020-01-01", "--until", "2030-12-31"],
        ].map { command in
            let result = try TestSupport.run(TestSupport.mailtally, [command[0], "--db", db] + command.dropFirst())
            #expect(result.status == 0, "\(command): \(result.stderr)")
            return result.output
        }
    }

    @Test(.enabled(if: PostgresServer.available, "PostgreSQL's server programs are not installed"))
    func sqliteToPostgresToSQLiteKeepsEverything() throws {
        let original = try TestBackend.sqlite.newStore()
        let sample = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
        let ingested = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", original, sample, files.path])
        #expect(ingested.status == 1, "SampleReports holds one broken file: \(ingested.stderr)")
        let names = [
            ReverseDNSEntry(
                ip: "192.0.2.1", status: .found, names: ["mail.example.com"], confirmedName: "mail.example.com",
                ttl: 3600, resolvedAt: 1_700_000_000, expiresAt: 1_700_003_600, detail: nil)
        ]
        try StoreOpener.open(original).saveReverseDNS(names)
        let checks = [
            try TransportCheckStoreTests.check("example.com", at: 1_700_000_000, id: "1"),
            try TransportCheckStoreTests.check("example.com", at: 1_700_086_400, id: "2"),
        ]
        try StoreOpener.open(original).recordTransportChecks(checks)

        let postgres = try TestBackend.postgres.newStore()
        let there = try TestSupport.run(TestSupport.mailtally, ["copy", "--from", original, "--to", postgres])
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stderr.contains("both stores hold the same"), "\(there.stderr)")
        let back = try TestBackend.sqlite.newStore()
        let again = try TestSupport.run(TestSupport.mailtally, ["copy", "--from", postgres, "--to", back, "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: again.stdout) as? [String: Any])
        #expect(outcome["copied"] as? Int == outcome["inputs"] as? Int && (outcome["copied"] as? Int ?? 0) > 150)
        #expect(outcome["reverseDNS"] as? Int == 1)
        #expect(outcome["transportChecks"] as? Int == 2)

        let expected = try Self.answers(original)
        #expect(try Self.answers(postgres) == expected)
        #expect(try Self.answers(back) == expected)
        #expect(try StoreOpener.open(back).reverseDNS()["192.0.2.1"]?.confirmedName == "mail.example.com")
        #expect(try StoreOpener.open(back).fileStampList() == StoreOpener.open(original).fileStampList())
        #expect(
            try StoreOpener.open(back).transportChecks(domains: ["example.com"], through: .max, limit: 5)
                == checks.reversed())

        // A rerun copies nothing and still finds both the same.
        let rerun = try TestSupport.run(TestSupport.mailtally, ["copy", "--from", original, "--to", postgres])
        #expect(rerun.status == 0 && rerun.stderr.contains("copied 0 of"), "\(rerun.stderr)")
        #expect(try Self.answers(postgres) == expected)
    }

    @Test(arguments: TestBackend.available)
    func aPartlyFilledDestinationIsCompletedAndAFullerOneIsSaidToDiffer(backend: TestBackend) throws {
        let all = try FileManager.default.contentsOfDirectory(atPath: files.path).sorted().map {
            files.appendingPathComponent($0).path
        }
        let source = try TestBackend.sqlite.newStore()
        #expect(try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", source] + all).status == 0)
        // As a copy that stopped halfway would have left it.
        let destination = try backend.newStore()
        #expect(
            try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", destination] + all.prefix(all.count / 2))
                .status == 0)
        let copied = try TestSupport.run(TestSupport.mailtally, ["copy", "--from", source, "--to", destination])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stderr.contains("(\(all.count / 2) were there already)"), "\(copied.stderr)")
        #expect(try Self.answers(destination) == Self.answers(source))

        // A destination that holds a report the source lacks is not a copy of it.
        let extra = try backend.newStore()
        let sample = TestSupport.packageRoot.appendingPathComponent(
            "SampleReports/gmx.net!example.net!1795824000!1795910399.xml"
        ).path
        #expect(try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", extra, sample]).status == 0)
        let differs = try TestSupport.run(TestSupport.mailtally, ["copy", "--from", source, "--to", extra])
        #expect(differs.status == 3, "\(differs.stderr)")
        #expect(differs.stderr.contains("the stores differ after the copy: raw inputs:"), "\(differs.stderr)")
    }
}
