import Foundation
import GRDB
import ReportModel
import ReportStore
import TestSupport
import Testing

@testable import ReportIngest
@testable import SQLiteStore

/// A report's distinct source IPs live in one row (`dmarc_report_ips`), one per line: any text
/// comes back as it went in, report counts per source are exact, and old databases move over.
@Suite struct SourceIPListTests {
    /// Not addresses, but what a hostile report can put in `<source_ip>`.
    static let hostile = "a\\b\nc\\n\\"

    @Test func anyTextRoundTrips() {
        for ips in [["192.0.2.1"], [""], ["", "2001:db8::1", ""], [Self.hostile, "\n", "\\", "x"], ["é 🙂", "\r\n"]] {
            var list = SourceIPList()
            ips.forEach { list.append($0) }
            #expect(list.count == ips.count)
            var read: [String] = []
            list.packed.withUnsafeBufferPointer {
                SourceIPList.forEachAddress(in: $0) { read.append(String(decoding: $0, as: UTF8.self)) }
            }
            #expect(read == ips)
        }
    }

    func report(_ id: String, ips: [String]) -> AggregateReport {
        AggregateReport(
            metadata: ReportMetadata(
                orgName: "Org", email: nil, reportID: id, dateRange: DateRange(begin: 1_700_000_000, end: 1_700_086_399)
            ),
            policy: PublishedPolicy(domain: "example.com", p: .reject),
            records: ips.map { AggregateRecord(sourceIP: $0, count: 2) })
    }

    @Test func reportsPerSourceAreCountedOnceEachAndSurviveAReparse() throws {
        let store = try SQLiteReportStore(
            path: try TestSupport.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let bytes = Array("<feedback/>".utf8)
        let input = StoredInput(
            input: "a.xml", sha256: ReportExtractor.sha256(bytes), size: bytes.count, encoding: .identity, bytes: bytes
        )
        let outcomes: [PartOutcome] = [
            .dmarc(report("r1", ips: ["192.0.2.1", Self.hostile, "192.0.2.1", ""]), part: "1"),
            .dmarc(report("r2", ips: ["192.0.2.1", "192.0.2.2"]), part: "2"),
        ]
        #expect(try store.record(input, outcomes: outcomes, runID: nil).map(\.status) == [.imported, .imported])
        let expected: [String: Int64] = ["192.0.2.1": 2, "192.0.2.2": 1, Self.hostile: 1, "": 1]
        #expect(try store.dmarcReportCounts(keyOfIP: [:]) == ["example.com": expected])
        // Two addresses under one key: a report naming both still counts once.
        #expect(
            try store.dmarcReportCounts(keyOfIP: ["192.0.2.1": "net", "192.0.2.2": "net"])["example.com"]?["net"] == 2)

        _ = try store.replaceReports(of: input, outcomes: outcomes, runID: nil)
        #expect(try store.dmarcReportCounts(keyOfIP: [:]) == ["example.com": expected])
        #expect(try store.tableCounts()["dmarc_report_ips"] == 2)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func rowsPerReportAndSourceOfVersion8MoveOver() throws {
        let path = try TestSupport.temporaryDirectory().appendingPathComponent("old.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try SQLiteReportStore.migrator(suffixes: .system()).migrate(queue, upTo: "v8-record-results-inline")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO raw_input VALUES (1, x'00', 1, 'identity', x'00', 'done', 0);
                    INSERT INTO dmarc_report(id, reporter, org_name, report_id, policy_domain, begin, end, schema, record_count,
                        message_count, raw_input_id, input, part, imported_at)
                        VALUES (1, 'org', 'Org', 'r1', 'example.com', 1700000000, 1700086399, 'rfc7489', 2, 4, 1, 'a.xml', '', 0),
                               (2, 'org', 'Org', 'r2', 'example.com', 1700086400, 1700172799, 'rfc7489', 1, 2, 1, 'a.xml', '', 0);
                    INSERT INTO dmarc_report_source(policy_domain, end, report_id, source_ip, begin, reporter_org, reporter_email)
                        VALUES ('example.com', 1700086399, 1, '192.0.2.1', 1700000000, 'org', ''),
                               ('example.com', 1700086399, 1, ?, 1700000000, 'org', ''),
                               ('example.com', 1700172799, 2, '192.0.2.1', 1700086400, 'org', '');
                    """,
                arguments: [Self.hostile])
        }
        try queue.close()

        let store = try SQLiteReportStore(path: path)
        #expect(try store.dmarcReportCounts(keyOfIP: [:]) == ["example.com": ["192.0.2.1": 2, Self.hostile: 1]])
        let tables = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name LIKE 'dmarc_report_source%'")
        }
        #expect(tables.isEmpty)
    }
}

/// Aggregations find a row's group by the bytes of its key columns.
@Suite struct ByteKeyIndexTests {
    @Test func keysAreWholeColumnsCompared() throws {
        let queue = try DatabaseQueue()
        let slots = try queue.read { db in
            let statement = try db.makeStatement(
                sql: """
                    SELECT 'ab', 'c' UNION ALL SELECT 'a', 'bc' UNION ALL SELECT 'ab', 'c' UNION ALL SELECT '', NULL
                    UNION ALL SELECT NULL, '' UNION ALL SELECT 'é', 'c' UNION ALL SELECT 'a', 'bc'
                    """)
            var index = ByteKeyIndex()
            var slots: [Int] = []
            var fresh: [Bool] = []
            try RawRows(statement).forEach { row in
                let (slot, isNew) = index.slot(of: row, columns: 0...1)
                slots.append(slot)
                fresh.append(isNew)
            }
            #expect(fresh == [true, true, false, true, false, true, false])
            return slots
        }
        // NULL reads as empty text, as the aggregations always read it.
        #expect(slots == [0, 1, 0, 2, 2, 3, 1])
    }
}

/// The content generation moves with everything a pack shows, and only with that.
@Suite struct ContentGenerationTests {
    @Test func reportsAndNamesMoveTheGeneration() throws {
        let store = try SQLiteReportStore(
            path: try TestSupport.temporaryDirectory().appendingPathComponent("g.sqlite").path)
        let start = try store.contentGeneration()
        let bytes = Array("<feedback/>".utf8)
        let input = StoredInput(
            input: "a.xml", sha256: ReportExtractor.sha256(bytes), size: bytes.count, encoding: .identity, bytes: bytes
        )
        let report = StoreTests.report()
        _ = try store.record(input, outcomes: [.dmarc(report, part: "")], runID: nil)
        let stored = try store.contentGeneration()
        #expect(stored > start)
        // The same report again is a duplicate: nothing changes.
        _ = try store.record(input, outcomes: [.dmarc(report, part: "")], runID: nil)
        #expect(try store.contentGeneration() == stored)
        _ = try store.replaceReports(of: input, outcomes: [.dmarc(report, part: "")], runID: nil)
        let replaced = try store.contentGeneration()
        #expect(replaced > stored)
        let entry = ReverseDNSEntry(
            ip: "192.0.2.0", status: .found, names: ["mx.example.com"], confirmedName: "mx.example.com", resolvedAt: 1,
            expiresAt: 2)
        try store.saveReverseDNS([entry])
        let named = try store.contentGeneration()
        #expect(named > replaced)
        try store.saveReverseDNS([entry])
        #expect(try store.contentGeneration() > named)
    }
}
