import Foundation
import ReportModel
import ReportStore
import StoreBackends
import TestSupport
import Testing

@testable import ReportIngest

/// The store's TLS-RPT contract, run against every backend (``TestBackend``).
@Suite struct TLSStoreTests {

    static let day: Int64 = 1_795_824_000  // 2026-11-28

    static func report(id: String = "r1", organization: String = "Mail.ru", start: Int64 = day) -> TLSReport {
        TLSReport(
            organizationName: organization, dateRange: DateRange(begin: start, end: start + 86_400), contactInfo: nil,
            reportID: id,
            policies: [
                TLSPolicyResult(
                    policy: TLSPolicy(
                        type: .sts, strings: ["version: STSv1", "mode: enforce", "max_age: 86400"],
                        domain: "example.com",
                        mxHosts: ["mx.example.com"]),
                    successfulSessions: 10, failedSessions: 1,
                    failureDetails: [
                        TLSFailureDetail(
                            resultType: .stsPolicyFetchError, failedSessionCount: 1,
                            failureReasonCode: "bad https response code: 404"),
                        TLSFailureDetail(
                            resultType: .stsPolicyFetchError, failedSessionCount: 1,
                            failureReasonCode: "bad https response code: 500"),
                    ]),
                TLSPolicyResult(
                    policy: TLSPolicy(type: TLSPolicyType(rawValue: "brand-new-policy"), domain: nil),
                    successfulSessions: 4, failedSessions: 2,
                    failureDetails: [
                        TLSFailureDetail(
                            resultType: TLSResultType(rawValue: "quantum-failure"), sendingMTAIP: "192.0.2.1",
                            receivingMXHostname: "mx.example.com", failedSessionCount: 2)
                    ]),
            ])
    }

    func record(_ report: TLSReport, as name: String, in store: any StoreInspection) throws -> [LoggedOutcome] {
        let bytes = Array(name.utf8)
        let input = StoredInput(
            input: name, sha256: ReportExtractor.sha256(bytes), size: bytes.count, encoding: .identity, bytes: bytes)
        return try store.record(input, outcomes: [.tls(report, part: "")], runID: nil)
    }

    @Test(arguments: TestBackend.available) func unknownValuesSurviveARoundTrip(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        #expect(try record(Self.report(), as: "a.json", in: store).map(\.status) == [.imported])
        let stored = try #require(try store.tlsReports(domain: "example.com").first)
        #expect(stored == Self.report())
    }

    @Test(arguments: TestBackend.available) func duplicatesCountOnceAndTotalsFollowTheContract(backend: TestBackend)
        throws
    {
        let store = try StoreTests.store(backend)
        _ = try record(Self.report(), as: "a.json", in: store)
        #expect(try record(Self.report(), as: "a.json.gz", in: store).map(\.status) == [.duplicate])
        _ = try record(Self.report(id: "r2", start: Self.day + 86_400), as: "b.json", in: store)
        let totals = try #require(try store.tlsTotals()["example.com"])
        #expect(totals.reports == 2)
        #expect(totals.successfulSessions == 28 && totals.failedSessions == 6)
        #expect(totals.failuresByResultType == ["sts-policy-fetch-error": 4, "quantum-failure": 4])
        let day2 = try #require(
            try store.tlsTotals(domains: [], period: DayPeriod(firstDay: 20_786, lastDay: 20_786))["example.com"])
        #expect(day2.reports == 1 && day2.successfulSessions == 14)
    }

    @Test(arguments: TestBackend.available) func breakdownsByPolicyMXAndReporter(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        _ = try record(Self.report(), as: "a.json", in: store)
        _ = try record(Self.report(id: "g", organization: "Google Inc."), as: "b.json", in: store)
        let breakdown = try #require(try store.tlsBreakdowns(domains: ["example.com"], period: nil)["example.com"])
        #expect(breakdown.byPolicyType["sts"] == TLSBreakdown.Sessions(reports: 2, successful: 20, failed: 2))
        #expect(
            breakdown.byPolicyType["brand-new-policy"] == TLSBreakdown.Sessions(reports: 2, successful: 8, failed: 4))
        #expect(breakdown.byReporter["Mail.ru"] == TLSBreakdown.Sessions(reports: 1, successful: 14, failed: 3))
        #expect(breakdown.failuresByReceivingMX == ["": 4, "mx.example.com": 4])
        #expect(breakdown.stsMode == MTASTSMode.enforce && breakdown.stsMaxAge == 86400)
        #expect(breakdown.detailedFailures == 8)
    }

    /// Failure groups that tie on every count are ordered by their key, reporter included: the
    /// pack's CSV is the same bytes on every run (a hash-seeded order once swapped two rows).
    @Test(arguments: TestBackend.available) func failureDetailsTieInAStableOrder(backend: TestBackend) throws {
        let store = try StoreTests.store(backend)
        let reporters = ["Mail.ru", "Google Inc.", "Zeta Mail", "Alpha Mail", "Beta Mail", "Yahoo"]
        for (index, organization) in reporters.enumerated() {
            _ = try record(Self.report(id: "t\(index)", organization: organization), as: "t\(index).json", in: store)
        }
        let details = try store.tlsFailureDetails(domain: "example.com", period: nil)
        let quantum = details.filter { $0.resultType == "quantum-failure" }
        #expect(quantum.map(\.reporter) == reporters.sorted())
        #expect(quantum.allSatisfy { $0.failedSessions == 2 })
    }

    /// The duplicate key names no domain (docs/counting.md): the same organisation, report id and
    /// range for another domain is the same report on every backend, though PostgreSQL places
    /// reports by domain.
    @Test(arguments: TestBackend.available) func aReportIDSentAgainForAnotherDomainIsADuplicate(backend: TestBackend)
        throws
    {
        let store = try StoreTests.store(backend)
        #expect(try record(Self.report(), as: "a.json", in: store).map(\.status) == [.imported])
        var other = Self.report()
        other.policies[0].policy.domain = "example.net"
        #expect(try record(other, as: "b.json", in: store).map(\.status) == [.duplicate])
        #expect(try store.domains() == ["example.com"])
    }
}
