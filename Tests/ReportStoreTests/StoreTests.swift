import Foundation
import ReportModel
import ReportStore
import StoreBackends
import TestSupport
import Testing

@testable import ReportIngest

/// The store's contract, run against every backend (``TestBackend``).
@Suite struct StoreTests {
    /// A new empty store of `backend`.
    static func store(_ backend: TestBackend) throws -> any StoreInspection {
        try #require(try StoreOpener.open(backend.newStore()) as? any StoreInspection)
    }

    @Test(.enabled(if: PostgresServer.available, "PostgreSQL's server programs are not installed"))
    func postgresBackendIsCovered() throws {
        #expect(TestBackend.available.contains(.postgres))
        // A postgres:// location opens the PostgreSQL backend, its password masked, and empty.
        let store = try Self.store(.postgres)
        #expect(store.location.hasPrefix("postgres://"))
        #expect(!store.location.contains(try PostgresServer.shared().password))
        #expect(try store.domains().isEmpty && store.rawInputCount() == 0)
    }

    static func report(
        id: String = "r1", domain: String = "example.com", counts: [Int64] = [5, 3],
        range: DateRange = DateRange(begin: 1_700_000_000, end: 1_700_086_400)
    ) -> AggregateReport {
        AggregateReport(
            metadata: ReportMetadata(
                orgName: "Google.com", email: "noreply@google.com", reportID: id, dateRange: range),
            policy: PublishedPolicy(domain: domain, p: Disposition(rawValue: "weird-policy")),
            records: counts.enumerated().map { index, count in
                AggregateRecord(
                    sourceIP: "192.0.2.\(index)", count: count,
                    disposition: index == 0 ? .monitor : Disposition(rawValue: "softfail"),
                    dkim: index == 0 ? .pass : .fail, spf: .fail,
                    reasons: [OverrideReason(type: OverrideReasonType(rawValue: "brand_new_reason"), comment: "c")],
                    dkimResults: [DKIMAuthResult(domain: "example.com", result: .fail, receivedResult: "hardfail")],
                    spfResults: [SPFAuthResult(domain: "example.com", result: AuthResult(rawValue: "invalid"))])
            })
    }

    func input(_ name: String, _ text: String = UUID().uuidString) -> StoredInput {
        let bytes = Array(text.utf8)
        return StoredInput(
            input: name, sha256: ReportExtractor.sha256(bytes), size: bytes.count, encoding: .identity, bytes: bytes)
    }

    @Test(arguments: TestBackend.available) func duplicateReportChangesNothing(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        let first = try store.record(input("a.xml"), outcomes: [.dmarc(Self.report(), part: "")], runID: nil)
        #expect(first.map(\.status) == [.imported])
        let before = try store.dmarcTotals()
        let second = try store.record(input("b.xml.gz"), outcomes: [.dmarc(Self.report(), part: "gzip")], runID: nil)
        #expect(second.map(\.status) == [.duplicate])
        #expect(try store.dmarcTotals() == before)
        #expect(before["example.com"]?.reports == 1 && before["example.com"]?.messages == 8)
    }

    @Test(arguments: TestBackend.available) func failedReportLeavesNoRowsBehind(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        // A negative count violates the schema on the second record: the savepoint rolls back.
        let bad = Self.report(id: "bad", counts: [5, -1])
        let outcomes = try store.record(
            input("mixed.zip"),
            outcomes: [
                .dmarc(Self.report(id: "good"), part: "zip:good.xml"), .dmarc(bad, part: "zip:bad.xml"),
            ], runID: nil)
        #expect(outcomes.map(\.status) == [.imported, .failed])
        #expect(try store.dmarcTotals()["example.com"]?.reports == 1)
        #expect(try store.dmarcTotals()["example.com"]?.messages == 8)
        #expect(try store.tableCounts()["dmarc_record"] == 2)
        #expect(try store.failedInputs().map(\.part) == ["zip:bad.xml"])
        #expect(try store.knownInput(sha256: ReportExtractor.sha256(Array("x".utf8))) == nil)
    }

    @Test(arguments: TestBackend.available) func unknownValuesSurviveARoundTrip(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        let original = Self.report()
        let logged = try store.record(input("a.xml"), outcomes: [.dmarc(original, part: "")], runID: nil)
        #expect(logged.first?.status == .imported)
        let stored = try #require(try store.dmarcReports(domain: "example.com").first)
        #expect(stored.metadata.reportID == original.metadata.reportID)
        #expect(stored.policy == original.policy)
        #expect(stored.records == original.records)
    }

    @Test(arguments: TestBackend.available) func rawInputIsKeptAndKnownByHash(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        let text = "<feedback>raw bytes</feedback>"
        let packed = ReportExtractor.storedForm(of: Array(String(repeating: text, count: 20).utf8))
        #expect(packed.encoding == .zlib)
        let stored = StoredInput(
            input: "r.xml", sha256: [1, 2, 3], size: text.count * 20, encoding: packed.encoding, bytes: packed.bytes)
        _ = try store.record(stored, outcomes: [.dmarc(Self.report(), part: "")], runID: nil)
        #expect(try store.knownInput(sha256: [1, 2, 3]) == .done)
        let raw = try #require(try store.rawInput(sha256: [1, 2, 3]))
        #expect(
            try ReportExtractor.original(fromStored: raw.bytes, encoding: raw.encoding)
                == Array(String(repeating: text, count: 20).utf8))
    }

    /// A source IP is a stranger's text: quotes, backslashes, commas and braces survive into the
    /// per-source report counts on every backend.
    @Test(arguments: TestBackend.available) func hostileSourceTextIsCountedAsItCame(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        var report = Self.report()
        let hostile = [#"a"b\c"#, "{x,y}", "NULL", "tab\there", ""]
        report.records = hostile.map { AggregateRecord(sourceIP: $0, count: 2) }
        _ = try store.record(input("h.xml"), outcomes: [.dmarc(report, part: "")], runID: nil)
        let counts = try store.dmarcReportCounts(
            domains: ["example.com"], period: nil, keyOfIP: ["NULL": "null-source"])
        #expect(counts["example.com"] == [#"a"b\c"#: 1, "{x,y}": 1, "null-source": 1, "tab\there": 1, "": 1])
    }

    @Test(arguments: TestBackend.available) func periodSpreadsCountsOverDays(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        // 22:00 to 22:00 the next day: 2 of 24 hours on the first day.
        let range = DateRange(
            begin: 1_700_000_000 - 1_700_000_000 % 86_400 + 79_200,
            end: 1_700_000_000 - 1_700_000_000 % 86_400 + 79_200 + 86_400)
        _ = try store.record(
            input("a.xml"), outcomes: [.dmarc(Self.report(counts: [24], range: range), part: "")], runID: nil)
        let firstDay = DaySpread.day(of: range.begin)
        let first = try store.dmarcTotals(domains: [], period: DayPeriod(firstDay: firstDay, lastDay: firstDay))
        let second = try store.dmarcTotals(
            domains: [], period: DayPeriod(firstDay: firstDay + 1, lastDay: firstDay + 1))
        #expect(first["example.com"]?.messages == 2)
        #expect(second["example.com"]?.messages == 22)
        #expect(first["example.com"]?.reports == 1 && second["example.com"]?.reports == 1)
        let outside = try store.dmarcTotals(
            domains: [], period: DayPeriod(firstDay: firstDay + 2, lastDay: firstDay + 9))
        #expect(outside["example.com"] == nil)
    }
}

@Suite struct DaySpreadTests {
    let day: Int64 = 86_400

    @Test func sharesAddUpExactlyWithLargestRemainder() {
        // A week of 10 messages: 10/7 per day; remainders are equal, so the earliest days win.
        let week = DaySpread.spread(count: 10, over: DateRange(begin: 0, end: 7 * day))
        #expect(week.map(\.count) == [2, 2, 2, 1, 1, 1, 1])
        #expect(week.map(\.day) == Array(0...6))
        // 22:00 to 22:00: 2 hours and 22 hours.
        let evening = DaySpread.spread(count: 7, over: DateRange(begin: 22 * 3600, end: day + 22 * 3600))
        #expect(evening.map(\.count) == [1, 6])  // 0.58 and 6.42: the larger remainder wins
        let tie = DaySpread.spread(count: 1, over: DateRange(begin: 12 * 3600, end: day + 12 * 3600))
        #expect(tie.map(\.count) == [1, 0])  // a tie goes to the earlier day
    }

    @Test func edgeCases() {
        #expect(DaySpread.spread(count: 5, over: DateRange(begin: 100, end: 100)).map(\.count) == [5])
        #expect(DaySpread.spread(count: 5, over: DateRange(begin: 0, end: day)).map(\.day) == [0])  // end is exclusive
        // 23:59:59 end
        #expect(DaySpread.spread(count: 5, over: DateRange(begin: 0, end: day - 1)).map(\.count) == [5])
        let huge = DaySpread.spread(count: .max, over: DateRange(begin: 0, end: 3 * day))
        #expect(huge.reduce(Int64(0)) { $0 &+ $1.count } == .max)
        #expect(DaySpread.share(of: 10, over: DateRange(begin: 0, end: 7 * day), fromDay: 6, toDay: 6) == 1)
        #expect(DaySpread.share(of: 10, over: DateRange(begin: 0, end: 7 * day), fromDay: 0, toDay: 100) == 10)
    }

    @Test func isoDatesRoundTrip() {
        #expect(DayPeriod.day(fromISODate: "1970-01-01") == 0)
        #expect(DayPeriod.day(fromISODate: "2026-11-28") == 20_785)
        #expect(DayPeriod.isoDate(ofDay: 20_785) == "2026-11-28")
        #expect(DayPeriod.day(fromISODate: "2024-02-29") != nil)
        #expect(DayPeriod.day(fromISODate: "2023-02-29") == nil)
        #expect(DayPeriod.day(fromISODate: "28.11.2026") == nil)
    }
}
