import ReportModel
import ReportRendering
import Testing

@testable import ReportAnalysis

/// Each finding rule, triggered by numbers made for it, said in the sentences the pack shows,
/// and quiet when the numbers are healthy.
@Suite struct FindingTests {
    let period = DayPeriod(firstDay: 20_785, lastDay: 20_785)
    let previousPeriod = DayPeriod(firstDay: 20_784, lastDay: 20_784)

    func report(
        dmarc: DMARCTotals = DMARCTotals(), tls: TLSTotals = TLSTotals(), breakdown: TLSBreakdown? = nil,
        previous: DMARCTotals? = nil,
        sources: [CorrelationRow] = [], knownSources: Set<String> = [], policy: Disposition? = .monitor,
        pct: String? = nil,
        overrides: [String: Int64] = [:], flagged: [FlaggedReport] = []
    ) -> DomainReport {
        DomainReport(
            domain: "example.com", period: period, previousPeriod: previous == nil ? nil : previousPeriod,
            summary: DomainSummary(domain: "example.com", dmarc: dmarc, tls: tls, tlsBreakdown: breakdown),
            previous: previous.map { DomainSummary(domain: "example.com", dmarc: $0) },
            sources: sources, knownSources: knownSources, knownSourcesWindow: 30, reporters: [], daily: [],
            policies: policy.map {
                [
                    PolicyObservation(
                        policy: PublishedPolicy(domain: "example.com", p: $0, pct: pct), firstSeen: 0, lastSeen: 0,
                        reports: 1)
                ]
            } ?? [],
            authentication: AuthenticationBreakdown(overrideReasons: overrides), flaggedReports: flagged)
    }

    /// Totals of `messages`, `pass` of them passing, the failing ones with `disposition`.
    func totals(_ messages: Int64, pass: Int64, failing disposition: Disposition = .monitor) -> DMARCTotals {
        var totals = DMARCTotals()
        totals.add(messages: pass, dmarcPass: pass, spfPass: pass, dkimPass: pass, disposition: "none")
        totals.add(messages: messages - pass, dmarcPass: 0, spfPass: 0, dkimPass: 0, disposition: disposition)
        return totals
    }

    func row(_ source: String, _ totals: DMARCTotals, _ sourceClass: SourceClass, ips: [String] = []) -> CorrelationRow
    {
        CorrelationRow(
            domain: "example.com", source: source, dmarc: totals, sourceIPs: ips,
            verdict: SourceVerdict(sourceClass: sourceClass, reason: ""))
    }

    @Test func blockedSpoofingIsANoticeNotAnAlarm() {
        // Six spoofed messages rejected under p=reject: the policy doing its job.
        let sources = [
            row("google.com", totals(900, pass: 900), .authorised),
            row("203.0.113.0/24", totals(6, pass: 0, failing: "reject"), .suspicious, ips: ["203.0.113.9"]),
        ]
        let findings = report(dmarc: totals(906, pass: 900), sources: sources, policy: .reject).findings
        #expect(!findings.contains { $0.severity == .critical || $0.severity == .warning })
        let blocked = findings.first { $0.code == .spoofingBlocked }
        #expect(blocked?.severity == .notice)
        #expect(
            blocked?.text
                == "6 messages from 1 unauthorised source failed DMARC and receivers stopped them (6 rejected): the policy doing its job"
        )
        #expect(
            blocked?.evidence == ["203.0.113.0/24 [suspicious]: 6 of 6 messages failed DMARC, 6 stopped (203.0.113.9)"])
    }

    @Test func deliveredSpoofingWarnsOrAlarmsBySizeAndSaysWhy() {
        // 80 of 1,000 delivered under p=none: critical (8% of the mail).
        var sources = [
            row("google.com", totals(920, pass: 920), .authorised),
            row("203.0.113.0/24", totals(80, pass: 0), .suspicious),
        ]
        var finding = report(dmarc: totals(1000, pass: 920), sources: sources).findings.first
        #expect(finding?.code == .spoofingDelivered)
        #expect(finding?.severity == .critical)
        #expect(
            finding?.text
                == "80 messages from 1 unauthorised source failed DMARC and were delivered (the policy is p=none: receivers take no action)"
        )
        // 3 of 1,000 delivered despite p=reject because of pct=50: a warning that says so.
        sources = [
            row("google.com", totals(997, pass: 997), .authorised),
            row("198.51.100.0/24", totals(3, pass: 0), .unknown),
        ]
        finding =
            report(
                dmarc: totals(1000, pass: 997), sources: sources, policy: .reject, pct: "50",
                overrides: ["local_policy": 1]
            ).findings.first
        #expect(finding?.code == .spoofingDelivered)
        #expect(finding?.severity == .warning)
        #expect(
            finding?.text == "3 messages from 1 unauthorised source failed DMARC and were delivered despite p=reject: "
                + "pct=50 applies the policy to part of the mail; receivers overrode it (local_policy 1)")
    }

    @Test func knownSendersFailingAndForwarders() {
        let sources = [
            row("sendgrid.net", totals(200, pass: 150, failing: "reject"), .misconfigured),
            row("mailchimp.com", totals(1500, pass: 300), .misconfigured),
            row("pobox.com", totals(40, pass: 10), .forwarder),
        ]
        let findings = report(dmarc: totals(1740, pass: 460), sources: sources, policy: .reject).findings
        #expect(findings.map(\.code) == [.knownSenderBlocked, .knownSenderFailing, .forwardedFailing])
        #expect(findings[0].severity == .critical)
        #expect(
            findings[0].text
                == "Receivers rejected or quarantined 50 messages from 1 known service sending as example.com: fix their SPF or DKIM alignment"
        )
        #expect(findings[1].severity == .warning)
        #expect(
            findings[1].evidence == [
                "mailchimp.com [misconfigured]: 1,200 of 1,500 messages failed DMARC, 1,200 delivered"
            ])
        #expect(findings[2].severity == .notice)
    }

    @Test func newSourcesAndFallingPassRate() {
        let sources = [
            row("google.com", totals(800, pass: 800), .authorised),
            row("sendgrid.net", totals(200, pass: 200), .authorised),
        ]
        let findings = report(
            dmarc: totals(1000, pass: 900), previous: totals(1000, pass: 990), sources: sources,
            knownSources: ["google.com"]
        ).findings
        let new = findings.first { $0.code == .newSources }
        #expect(new?.text == "1 source not seen in the 30 days before sent mail as example.com")
        #expect(new?.evidence == ["sendgrid.net [authorised]: 200 messages, 100.0% passed DMARC"])
        #expect(findings.first { $0.code == .passRateDrop }?.text == "The DMARC pass rate fell from 99.0% to 90.0%")
        let steady = report(dmarc: totals(1000, pass: 980), previous: totals(1000, pass: 990)).findings
        #expect(!steady.contains { $0.code == .passRateDrop })
        // Nothing known before (the first days of a store): no source is called new.
        #expect(
            !report(dmarc: totals(1000, pass: 900), sources: sources).findings.contains { $0.code == .newSources })
    }

    @Test func tlsRules() {
        let breakdown = TLSBreakdown(
            byPolicyType: [
                "sts": .init(reports: 1, successful: 90, failed: 10),
                "no-policy-found": .init(reports: 1, successful: 5),
            ],
            failuresByReceivingMX: ["mx2.example.com": 7, "": 3], stsMode: .testing, stsMaxAge: 86400)
        let findings = report(
            tls: TLSTotals(
                reports: 2, successfulSessions: 95, failedSessions: 10,
                failuresByResultType: ["sts-policy-fetch-error": 3, "certificate-host-mismatch": 7]),
            breakdown: breakdown, policy: nil
        ).findings
        let tls = findings.first { $0.code == .tlsCertificateFailures }
        #expect(tls?.severity == .critical)
        #expect(tls?.text == "Senders could not validate the certificate of an MX host of example.com in 7 sessions")
        #expect(
            tls?.evidence == [
                "certificate-host-mismatch: 7 failed sessions", "sts-policy-fetch-error: 3 failed sessions",
                "MX mx2.example.com: 7 failed sessions",
            ])
        #expect(findings.contains { $0.code == .stsTestingFailures })
        #expect(
            findings.first { $0.code == .noPolicyFound }?.evidence == [
                "5 sessions under no-policy-found in 1 report"
            ])
        // Details that do not add up to the total are said, not hidden (Mail.ru).
        let mailru = report(
            tls: TLSTotals(
                reports: 1, successfulSessions: 310, failedSessions: 2,
                failuresByResultType: ["sts-policy-fetch-error": 3]), policy: nil
        ).findings.first { $0.code == .tlsFailures }
        #expect(mailru?.text == "3 TLS sessions to the MX hosts of example.com failed, as reporters itemised them")
        #expect(
            mailru?.evidence.last
                == "reporters itemised 3 failed sessions by result type, and reported 2 failed in total")
    }

    @Test func failedSessionsWithoutDetailsAreAFindingToo() {
        let finding = report(tls: TLSTotals(reports: 1, successfulSessions: 90, failedSessions: 4), policy: nil)
            .findings.first
        #expect(finding?.code == .tlsFailures)
        #expect(finding?.text == "4 TLS sessions to the MX hosts of example.com failed; reporters gave no details")
    }

    @Test func readyForEnforcementOnlyWhenHealthy() {
        #expect(report(dmarc: totals(500, pass: 495)).findings.map(\.code) == [.readyForEnforcement])
        #expect(report(dmarc: totals(500, pass: 495), policy: .reject).findings.isEmpty)
        #expect(report(dmarc: totals(50, pass: 50)).findings.isEmpty)  // too little mail to judge
        #expect(report(dmarc: totals(500, pass: 400)).findings.isEmpty)
    }

    @Test func implausibleDateRangesAreNamed() {
        let flagged = FlaggedReport(
            kind: .dmarc, domain: "example.com", reporter: "Example Reporter", reportID: "r-1",
            range: DateRange(begin: 100, end: 1_796_083_200),
            counted: DateRange(begin: 1_795_996_800, end: 1_796_083_200), flags: [.beginsBefore2012, .tooLong],
            input: "r.xml")
        let finding = report(flagged: [flagged]).findings.first { $0.code == .implausibleDateRange }
        #expect(finding?.severity == .warning)
        #expect(
            finding?.evidence == [
                "DMARC report r-1 from Example Reporter states 1970-01-01 to 2026-11-30 (begins-before-2012,longer-than-31-days); counted on 2026-11-30"
            ])
    }

    @Test func countsReadAsPeopleReadThem() {
        #expect(Count.grouped(Int64(4039)) == "4,039")
        #expect(Count.grouped(Int64(-1_234_567)) == "-1,234,567")
        #expect(Count.grouped(Int64(999)) == "999")
        #expect(Count.grouped(Int64.max) == "9,223,372,036,854,775,807")
        #expect(Count.messages(1) == "1 message")
    }
}
