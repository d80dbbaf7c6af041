import ReportModel
import Testing
@testable import ReportAnalysis

/// Each finding rule, triggered by numbers made for it, and quiet when they are healthy.
@Suite struct FindingTests {
    let period = DayPeriod(firstDay: 20_785, lastDay: 20_785)
    let previousPeriod = DayPeriod(firstDay: 20_784, lastDay: 20_784)

    func report(
        dmarc: DMARCTotals = DMARCTotals(), tls: TLSTotals = TLSTotals(), breakdown: TLSBreakdown? = nil, previous: DMARCTotals? = nil,
        sources: [CorrelationRow] = [], previousSources: Set<String> = [], policy: Disposition? = .monitor
    ) -> DomainReport {
        DomainReport(
            domain: "example.com", period: period, previousPeriod: previous == nil ? nil : previousPeriod,
            summary: DomainSummary(domain: "example.com", dmarc: dmarc, tls: tls, tlsBreakdown: breakdown),
            previous: previous.map { DomainSummary(domain: "example.com", dmarc: $0) },
            sources: sources, previousSources: previousSources, reporters: [], daily: [],
            policies: policy.map { [PolicyObservation(policy: PublishedPolicy(domain: "example.com", p: $0), firstSeen: 0, lastSeen: 0, reports: 1)] } ?? [],
            authentication: AuthenticationBreakdown())
    }

    @Test func failingSourcesByVolume() {
        let sources = [
            CorrelationRow(domain: "example.com", source: "google.com", dmarc: DMARCTotals(messages: 900, dmarcPass: 900)),
            CorrelationRow(domain: "example.com", source: "203.0.113.0/24", dmarc: DMARCTotals(messages: 80, dmarcPass: 0, disposition: ["reject": 80]), sourceIPs: ["203.0.113.9"]),
            CorrelationRow(domain: "example.com", source: "198.51.100.0/24", dmarc: DMARCTotals(messages: 20, dmarcPass: 5)),
        ]
        let findings = report(dmarc: DMARCTotals(messages: 1000, dmarcPass: 905), sources: sources).findings
        let finding = findings.first { $0.rule == "failing-sources" }
        #expect(finding?.severity == .critical)  // 9.5% of all mail
        #expect(finding?.title == "2 sources sent 95 messages as example.com that failed DMARC; receivers quarantined or rejected 80")
        #expect(finding?.evidence == ["203.0.113.0/24: 80 of 80 messages failed DMARC (203.0.113.9)", "198.51.100.0/24: 15 of 20 messages failed DMARC"])
        #expect(findings.first?.rule == "failing-sources")  // most severe first
    }

    @Test func newSourcesAndFallingPassRate() {
        let sources = [
            CorrelationRow(domain: "example.com", source: "google.com", dmarc: DMARCTotals(messages: 800, dmarcPass: 800)),
            CorrelationRow(domain: "example.com", source: "sendgrid.net", dmarc: DMARCTotals(messages: 200, dmarcPass: 100)),
        ]
        let findings = report(
            dmarc: DMARCTotals(messages: 1000, dmarcPass: 900), previous: DMARCTotals(messages: 1000, dmarcPass: 990),
            sources: sources, previousSources: ["google.com"]).findings
        #expect(findings.first { $0.rule == "new-sources" }?.evidence == ["sendgrid.net: 200 messages, 50.0% passed DMARC"])
        #expect(findings.first { $0.rule == "pass-rate-drop" }?.title == "The DMARC pass rate fell from 99.0% to 90.0%")
        let steady = report(dmarc: DMARCTotals(messages: 1000, dmarcPass: 980), previous: DMARCTotals(messages: 1000, dmarcPass: 990)).findings
        #expect(!steady.contains { $0.rule == "pass-rate-drop" })
    }

    @Test func tlsRules() {
        let breakdown = TLSBreakdown(
            byPolicyType: ["sts": .init(reports: 1, successful: 90, failed: 10), "no-policy-found": .init(reports: 1, successful: 5)],
            failuresByReceivingMX: ["mx2.example.com": 7, "": 3], stsMode: "testing", stsMaxAge: 86400)
        let findings = report(
            tls: TLSTotals(reports: 2, successfulSessions: 95, failedSessions: 10, failuresByResultType: ["sts-policy-fetch-error": 3, "certificate-host-mismatch": 7]),
            breakdown: breakdown, policy: nil).findings
        let tls = findings.first { $0.rule == "tls-failures" }
        #expect(tls?.severity == .critical)
        #expect(tls?.title == "Senders could not validate the certificate of an MX host in 7 sessions")
        #expect(tls?.evidence == ["certificate-host-mismatch: 7 failed sessions", "sts-policy-fetch-error: 3 failed sessions", "MX mx2.example.com: 7 failed sessions"])
        #expect(findings.contains { $0.rule == "sts-testing-failures" })
        #expect(findings.first { $0.rule == "no-policy-found" }?.evidence == ["5 sessions under no-policy-found in 1 report"])
    }

    @Test func readyForEnforcementOnlyWhenHealthy() {
        #expect(report(dmarc: DMARCTotals(messages: 500, dmarcPass: 495)).findings.map(\.rule) == ["ready-for-enforcement"])
        #expect(report(dmarc: DMARCTotals(messages: 500, dmarcPass: 495), policy: .reject).findings.isEmpty)
        #expect(report(dmarc: DMARCTotals(messages: 50, dmarcPass: 50)).findings.isEmpty)  // too little mail to judge
        #expect(report(dmarc: DMARCTotals(messages: 500, dmarcPass: 400)).findings.isEmpty)
    }
}
