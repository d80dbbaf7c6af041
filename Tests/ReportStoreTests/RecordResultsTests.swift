import Foundation
import GRDB
import ReportModel
import ReportStore
import TestSupport
import Testing

@testable import ReportIngest
@testable import SQLiteStore

/// DKIM and SPF results and override reasons live in their record's row as JSON: what goes in
/// comes back, whatever the text, and databases of the old layout are carried over.
@Suite struct RecordResultsTests {
    let folder: URL

    init() throws {
        folder = try TestSupport.temporaryDirectory()
    }

    /// Text a stranger's report may carry: quotes, backslashes, control characters, non-ASCII.
    static let awkward = "a\"b\\c\u{01}\n\t\u{1F} é 🙂 </x> \\u0041"

    @Test func awkwardTextRoundTripsAndCountsInSQL() throws {
        let store = try SQLiteReportStore(path: folder.appendingPathComponent("a.sqlite").path)
        let record = AggregateRecord(
            sourceIP: "192.0.2.1", count: 7, disposition: .monitor, dkim: .fail, spf: .pass,
            reasons: [
                OverrideReason(type: OverrideReasonType(rawValue: Self.awkward), comment: Self.awkward),
                OverrideReason(type: nil),
            ],
            dkimResults: [
                DKIMAuthResult(
                    domain: Self.awkward, selector: "s\"1", result: .pass, receivedResult: "x\ny",
                    humanResult: Self.awkward),
                DKIMAuthResult(domain: nil, selector: nil, result: nil),
                DKIMAuthResult(domain: "example.com", selector: "", result: AuthResult(rawValue: "fail")),
            ],
            spfResults: [
                SPFAuthResult(domain: Self.awkward, scope: SPFScope(rawValue: "helo"), result: .pass, humanResult: "")
            ])
        let report = AggregateReport(
            metadata: ReportMetadata(
                orgName: "Org", email: nil, reportID: "r",
                dateRange: DateRange(begin: 1_700_000_000, end: 1_700_086_399)),
            policy: PublishedPolicy(domain: "example.com", p: .reject),
            records: [record, AggregateRecord(sourceIP: "192.0.2.2", count: 1)])
        let bytes = Array("<feedback/>".utf8)
        let input = StoredInput(
            input: "a.xml", sha256: ReportExtractor.sha256(bytes), size: bytes.count, encoding: .identity, bytes: bytes
        )
        #expect(try store.record(input, outcomes: [.dmarc(report, part: "")], runID: nil).map(\.status) == [.imported])

        let stored = try #require(try store.dmarcReports(domain: "example.com").first)
        #expect(stored.records == report.records)

        let breakdown = try store.authenticationBreakdown(domain: "example.com", period: nil)
        #expect(breakdown.dkim[.init(domain: Self.awkward, selector: "s\"1")] == .init(messages: 7, passed: 7))
        #expect(breakdown.dkim[.init(domain: "", selector: "")] == .init(messages: 7, passed: 0))
        #expect(breakdown.dkim[.init(domain: "example.com", selector: "")] == .init(messages: 7, passed: 0))
        #expect(breakdown.spf == [.init(domain: Self.awkward): .init(messages: 7, passed: 7)])
        #expect(breakdown.overrideReasons == [Self.awkward: 7, "unspecified": 7])
    }

    @Test func resultsOfTheOldTablesMoveIntoTheirRecords() throws {
        let path = folder.appendingPathComponent("old.sqlite").path
        // A database as version 7 left it, with results in their own tables.
        let queue = try DatabaseQueue(path: path)
        try SQLiteReportStore.migrator(suffixes: .system()).migrate(queue, upTo: "v7-input-files")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO raw_input VALUES (1, x'00', 1, 'identity', x'00', 'done', 0);
                    INSERT INTO dmarc_report(id, reporter, org_name, report_id, policy_domain, begin, end, schema, record_count,
                        message_count, raw_input_id, input, part, imported_at)
                        VALUES (1, 'org', 'Org', 'r', 'example.com', 1700000000, 1700086399, 'rfc7489', 2, 5, 1, 'a.xml', '', 0);
                    INSERT INTO dmarc_policy(report_id, domain, p) VALUES (1, 'example.com', 'reject');
                    INSERT INTO dmarc_record(id, report_id, source_ip, count, disposition, dkim, spf)
                        VALUES (1, 1, '192.0.2.1', 3, 'none', 'pass', 'fail'), (2, 1, '192.0.2.2', 2, 'none', 'fail', 'fail');
                    INSERT INTO dmarc_dkim(record_id, domain, selector, result, result_received, human_result)
                        VALUES (1, 'b.example', 's2', 'pass', NULL, NULL), (1, 'a"\\.example', NULL, 'fail', 'hard', 'h');
                    INSERT INTO dmarc_spf(record_id, domain, scope, result) VALUES (1, 'example.com', 'mfrom', 'softfail');
                    INSERT INTO dmarc_reason(record_id, type, comment) VALUES (1, 'forwarded', NULL), (1, 'other', 'x');
                    """)
        }
        try queue.close()

        let store = try SQLiteReportStore(path: path)
        let records = try #require(try store.dmarcReports(domain: "example.com").first).records
        #expect(records.count == 2)
        #expect(
            records[0].dkimResults == [
                DKIMAuthResult(domain: "b.example", selector: "s2", result: .pass),
                DKIMAuthResult(
                    domain: "a\"\\.example", selector: nil, result: .fail, receivedResult: "hard", humanResult: "h"),
            ])
        #expect(records[0].spfResults == [SPFAuthResult(domain: "example.com", scope: .mailFrom, result: .softfail)])
        #expect(records[0].reasons == [OverrideReason(type: .forwarded), OverrideReason(type: .other, comment: "x")])
        #expect(records[1].dkimResults.isEmpty && records[1].spfResults.isEmpty && records[1].reasons.isEmpty)
        let tables = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('dmarc_dkim', 'dmarc_spf', 'dmarc_reason')"
            )
        }
        #expect(tables.isEmpty)
    }
}

/// Ingest writes with SQLite's foreign key checks off; the integrity check looks for orphans.
@Suite struct IntegrityCheckTests {
    @Test func ingestLeavesNoOrphansAndAnOrphanIsFound() throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("i.sqlite").path
        let store = try SQLiteReportStore(path: path)
        let bytes = Array("<feedback/>".utf8)
        let input = StoredInput(
            input: "a.xml", sha256: ReportExtractor.sha256(bytes), size: bytes.count, encoding: .identity, bytes: bytes
        )
        let report = StoreTests.report()
        let logged = try store.recordBatches(runID: nil, next: { () -> StoreBatch? in nil })
        #expect(logged.isEmpty)
        var batches = [StoreBatch(inputs: [.parsed(input, [.dmarc(report, part: "")])])]
        #expect(try store.recordBatches(runID: nil) { batches.popLast() }.map(\.status) == [.imported])
        #expect(try store.integrityCheck() == "ok")

        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "INSERT INTO dmarc_record(report_id, source_ip, count) VALUES (999, '192.0.2.9', 1)")
        }
        try queue.close()
        #expect(try store.integrityCheck().contains("dmarc_record row"))
    }
}

/// The reader of the result columns against Foundation's JSON decoder, on what the columns can hold.
@Suite struct RecordResultsReaderTests {
    static func both(_ json: String) throws -> (fast: [[String: String]]?, foundation: [[String: String]]) {
        var text = json
        let fast = text.withUTF8 { RecordResultsColumns.objects(in: $0) }
        let foundation = try JSONDecoder().decode([[String: String?]].self, from: Data(json.utf8)).map {
            $0.compactMapValues { $0 }
        }
        return (fast, foundation)
    }

    @Test func readsWhatJSONDecoderReads() throws {
        for json in [
            #"[]"#, #"[{}]"#, #" [ { "a" : "b" } , { "c":null,"d":"" } ] "#,
            #"[{"domain":"a\"b\\c\/d\b\f\n\r\t","selector":"\u00e9\u0001 \ud83d\ude42 é 🙂"}]"#,
            #"[{"type":"forwarded","comment":null},{"type":"other","comment":"x"}]"#,
        ] {
            let (fast, foundation) = try Self.both(json)
            #expect(fast == foundation, "\(json)")
        }
    }

    @Test func refusesOtherShapesForTheGeneralDecoder() {
        for json in [
            #"{}"#, #"[1]"#, #"[{"a":1}]"#, #"[{"a":"b"}] x"#, #"[{"a":"\ud83d"}]"#, #"[{"a":"b"#, #"["#,
            #"[{"a":"\x"}]"#,
        ] {
            var text = json
            #expect(text.withUTF8 { RecordResultsColumns.objects(in: $0) } == nil, "\(json)")
        }
        // Found by the fuzzer: a bad escape in a member the visitor does not ask for.
        var skipped = #"[{"type":"forwarded","comment":"a\d"}]"#
        #expect(skipped.withUTF8 { RecordResultsColumns.objects(in: $0) } == nil)
        #expect(!skipped.withUTF8 { RecordResultsColumns.forEachObject(in: $0, names: ["type"]) { _ in } })
    }
}

extension RecordResultsReaderTests {
    @Test func visitsTheNamedMembersOnlyWhenTheWholeTextIsRead() {
        var seen: [[String?]] = []
        var text = #"[{"domain":"a.example","selector":"s\"1","human_result":"x"},{"domain":null,"result":"pass"}]"#
        let read = text.withUTF8 {
            RecordResultsColumns.forEachObject(in: $0, names: ["domain", "result"]) { seen.append($0) }
        }
        #expect(read)
        #expect(seen == [["a.example", nil], [nil, "pass"]])
        seen = []
        var broken = #"[{"domain":"a.example"},{"domain":1}]"#
        #expect(!broken.withUTF8 { RecordResultsColumns.forEachObject(in: $0, names: ["domain"]) { seen.append($0) } })
        #expect(seen.isEmpty)
    }
}
