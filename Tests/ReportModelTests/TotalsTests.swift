import Testing

@testable import ReportModel

/// Failing mail by what receivers did with it (docs/counting.md), and its saturating sums.
@Suite struct TotalsTests {
    @Test func failingMailIsSplitByDisposition() {
        var totals = DMARCTotals()
        totals.add(messages: 100, dmarcPass: 90, spfPass: 90, dkimPass: 90, disposition: "none")
        totals.add(messages: 7, dmarcPass: 0, spfPass: 0, dkimPass: 0, disposition: "quarantine")
        totals.add(messages: 6, dmarcPass: 0, spfPass: 0, dkimPass: 0, disposition: "reject")
        totals.add(messages: 3, dmarcPass: 1, spfPass: 0, dkimPass: 1, relayed: 1, disposition: "softfail")
        #expect(totals.failed == 25)
        #expect(totals.failedRejected == 6)
        #expect(totals.failedQuarantined == 7)
        // None and values no RFC lists are delivered.
        #expect(totals.failedDelivered == 12)
        #expect(totals.relayed == 1)
        var merged = DMARCTotals()
        merged.merge(totals)
        merged.merge(totals)
        #expect(merged.failedDelivered == 24 && merged.relayed == 2)
    }

    @Test func hostileCountsSaturate() {
        var totals = DMARCTotals()
        totals.add(messages: .max, dmarcPass: 0, spfPass: 0, dkimPass: 0, relayed: .max, disposition: "reject")
        totals.add(messages: .max, dmarcPass: 0, spfPass: 0, dkimPass: 0, relayed: .max, disposition: "reject")
        #expect(totals.messages == .max && totals.relayed == .max)
        #expect(totals.failedRejected == .max && totals.failedDelivered == 0)
    }
}
