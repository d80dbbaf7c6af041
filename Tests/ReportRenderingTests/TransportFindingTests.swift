import ReportAnalysis
import ReportModel
import ReportRendering
import Testing

/// The transport findings from checks made for them: edge cases the live servers cannot easily
/// show (a null MX, an expired certificate that is also untrusted, eleven MX hosts, the
/// readiness gate's every condition, a policy that changed only in its spelling).
@Suite struct TransportFindingTests {
    static let now: Int64 = 1_796_000_000
    let period = DayPeriod(firstDay: now / 86_400 - 6, lastDay: now / 86_400)

    static func certificate(
        trusted: Bool = true, apartFromDates: Bool? = true, names: Bool = true, expiresIn days: Int64 = 60
    ) -> CertificateCheck {
        var certificate = CertificateCheck(
            subject: "CN=mx", issuer: "CN=Test CA", names: ["mx1.example.com"], notBefore: now - 86_400,
            notAfter: now + days * 86_400, chainTrusted: trusted, chainProblem: trusted ? nil : "it expired",
            namesMatchHost: names, certificateSHA256: "", publicKeySHA256: "")
        certificate.chainTrustedApartFromDates = apartFromDates
        certificate.untrustedProblem = apartFromDates == false ? "it is self-signed" : nil
        return certificate
    }

    static func host(
        _ name: String, connected: Bool = true, starttls: Bool = true, certificate: CertificateCheck? = certificate(),
        covered: Bool? = true, dane: DANEOutcome = .notPublished
    ) -> MXHostCheck {
        MXHostCheck(
            host: name, preference: 10, addresses: .found(["192.0.2.1"]), tlsa: .absent, tlsaAuthenticated: false,
            probe: SMTPProbeOutcome(
                address: "192.0.2.1", connected: connected, banner: connected ? "mx ESMTP" : nil,
                offersSTARTTLS: starttls, tlsVersion: starttls ? "TLSv1.3" : nil,
                problem: connected ? nil : "connection refused"),
            certificate: starttls ? certificate : nil, dane: dane, coveredByPolicy: covered)
    }

    static func policy(_ mode: String, _ patterns: [String] = ["*.example.com"]) -> Lookup<MTASTSPolicy> {
        let text = "version: STSv1\nmode: \(mode)\n" + patterns.map { "mx: \($0)\n" }.joined() + "max_age: 86400\n"
        return (try? MTASTSPolicy(parsing: Array(text.utf8))).map { .found($0) } ?? .absent
    }

    static func check(
        hosts: [MXHostCheck], mx: Lookup<[MXRecord]>? = nil, policy: Lookup<MTASTSPolicy> = policy("enforce"),
        id: String = "1", at time: Int64 = now, notChecked: Int = 0
    ) -> TransportCheck {
        var check = TransportCheck(
            domain: "example.com", checkedAt: time, mxAuthenticated: false,
            mx: mx ?? .found(hosts.map { MXRecord(preference: $0.preference, host: $0.host) }), hosts: hosts,
            mtaSTS: MTASTSCheck(
                record: (try? MTASTSRecord(parsing: "v=STSv1; id=\(id)")).map { .found($0) } ?? .absent,
                policy: policy, policySHA256: nil),
            tlsReporting: (try? TLSRPTRecord(parsing: "v=TLSRPTv1; rua=mailto:t@example.com")).map { .found($0) }
                ?? .absent,
            dmarc: DMARCCheck(
                record: (try? DMARCRecord(parsing: "v=DMARC1; p=reject")).map { .found($0) } ?? .absent,
                externalDestinations: []),
            spf: SPFCheck(
                record: (try? SPFRecord(parsing: "v=spf1 mx -all")).map { .found($0) } ?? .absent, lookups: 1,
                voidLookups: 0, macroTerms: 0, problems: []))
        check.hostsNotChecked = notChecked
        return check
    }

    func findings(
        _ check: TransportCheck, previous: TransportCheck? = nil, testingSince: Int64? = nil,
        window: ReadinessWindow? = nil, failures: [TLSFailureGroup] = []
    ) -> [Finding] {
        DomainReport(
            domain: "example.com", period: period, previousPeriod: nil,
            summary: DomainSummary(domain: "example.com"), previous: nil, sources: [], reporters: [], daily: [],
            policies: [], authentication: AuthenticationBreakdown(), tlsFailures: failures,
            transport: TransportEvidence(latest: check, previous: previous, testingSince: testingSince, window: window)
        ).findings.filter(\.isTransport)
    }

    func codes(_ findings: [Finding]) -> [String] { findings.map { "\($0.code) \($0.severity) \($0.subject)" } }

    @Test func aHealthyDomainSaysNothing() {
        #expect(findings(Self.check(hosts: [Self.host("mx1.example.com")])).isEmpty)
    }

    @Test func expiredAndUntrustedAreBothSaid() {
        let expired = Self.certificate(trusted: false, apartFromDates: false, expiresIn: -3)
        let found = findings(Self.check(hosts: [Self.host("mx1.example.com", certificate: expired)]))
        #expect(
            codes(found) == [
                "mx-certificate-expired critical mx1.example.com", "mx-certificate-untrusted critical mx1.example.com",
            ])
        #expect(found[1].text == "mx1.example.com's certificate is not trusted: it is self-signed")
        // Expired alone from a trusted authority: renewing fixes it, nothing more is said.
        let renewable = Self.certificate(trusted: false, apartFromDates: true, expiresIn: -3)
        #expect(
            codes(findings(Self.check(hosts: [Self.host("mx1.example.com", certificate: renewable)])))
                == ["mx-certificate-expired critical mx1.example.com"])
    }

    @Test func severitiesFollowTheMode() {
        let wrongName = Self.certificate(names: false)
        let enforced = findings(Self.check(hosts: [Self.host("mx1.example.com", certificate: wrongName)]))
        #expect(codes(enforced) == ["mx-certificate-name-mismatch critical mx1.example.com"])
        let testing = findings(
            Self.check(hosts: [Self.host("mx1.example.com", certificate: wrongName)], policy: Self.policy("testing")))
        #expect(codes(testing) == ["mx-certificate-name-mismatch warning mx1.example.com"])
        // Expiry thresholds: 14 days a warning, 3 critical, 15 nothing.
        for (days, expected): (Int64, [String]) in [(15, []), (14, ["warning"]), (3, ["critical"])] {
            let found = findings(
                Self.check(hosts: [Self.host("mx1.example.com", certificate: Self.certificate(expiresIn: days))]))
            #expect(found.map(\.severity.rawValue) == expected, "\(days) days")
        }
    }

    @Test func tlsOlderThanOnePointTwo() {
        var old = Self.host("mx1.example.com")
        old.probe?.tlsVersion = "TLSv1.0"
        let found = findings(Self.check(hosts: [old]))
        #expect(codes(found) == ["mx-old-tls warning mx1.example.com"])
        #expect(
            found.first?.text
                == "mx1.example.com offers at best TLSv1.0, which RFC 8996 retires: many senders refuse it")
    }

    @Test func nullMXMissingMXAndTooManyHosts() {
        let null = findings(Self.check(hosts: [], mx: .found([MXRecord(preference: 0, host: "")])))
        // A null MX takes no mail: no TLS-RPT or downgrade finding for it.
        #expect(codes(null) == ["no-mx notice example.com"])
        let mixed = findings(
            Self.check(
                hosts: [Self.host("mx1.example.com")],
                mx: .found([MXRecord(preference: 0, host: ""), MXRecord(preference: 10, host: "mx1.example.com")])))
        #expect(codes(mixed) == ["null-mx-beside-others warning example.com"])
        let eleven = findings(Self.check(hosts: [Self.host("mx1.example.com")], notChecked: 1))
        #expect(codes(eleven) == ["mx-not-all-checked notice example.com"])
        let down = findings(Self.check(hosts: [Self.host("mx1.example.com", connected: false)]))
        #expect(codes(down) == ["mx-unreachable critical mx1.example.com"])
        let oneDown = findings(
            Self.check(hosts: [Self.host("mx1.example.com"), Self.host("mx2.example.com", connected: false)]))
        #expect(codes(oneDown) == ["mx-unreachable warning mx2.example.com"])
    }

    @Test func reportedFailuresAreJoinedPerHost() {
        let failures = [
            TLSFailureGroup(
                sendingMTAIP: "203.0.113.5", resultType: "starttls-not-supported", receivingMX: "MX2.example.com.",
                reporter: "google.com", failedSessions: 7),
            TLSFailureGroup(
                sendingMTAIP: nil, resultType: "starttls-not-supported", receivingMX: "mx2.example.com",
                reporter: "microsoft.com", failedSessions: 5),
            TLSFailureGroup(
                sendingMTAIP: nil, resultType: "starttls-not-supported", receivingMX: "mx1.example.com",
                reporter: "yahoo.com", failedSessions: 100),
        ]
        let found = findings(
            Self.check(hosts: [Self.host("mx1.example.com"), Self.host("mx2.example.com", starttls: false)]),
            failures: failures)
        #expect(found.count == 1)
        #expect(
            found.first?.text
                == "mx2.example.com does not offer STARTTLS: mail to it travels in plain text; TLS-RPT shows 12 "
                + "starttls-not-supported failures from 2 reporters between \(DayPeriod.isoDate(ofDay: period.firstDay)) "
                + "and \(DayPeriod.isoDate(ofDay: period.lastDay))")
    }

    @Test func theReadinessGate() {
        let healthy = Self.check(hosts: [Self.host("mx1.example.com")], policy: Self.policy("testing"))
        let open = ReadinessWindow(
            stsSessions: 900, failedSessions: 0, reporters: 3, testingAtStart: true, modesSeen: [.testing])
        #expect(codes(findings(healthy, window: open)) == ["sts-ready-for-enforce notice example.com"])
        // 30 days of checks also open it, without reports from the window's start.
        var late = open
        late.testingAtStart = false
        #expect(findings(healthy, window: late).isEmpty)
        #expect(
            codes(findings(healthy, testingSince: Self.now - 31 * 86_400, window: late))
                == ["sts-ready-for-enforce notice example.com"])
        // Each condition closes it.
        var failed = open
        failed.failedSessions = 1
        var few = open
        few.reporters = 2
        var enforced = open
        enforced.modesSeen = [.testing, .enforce]
        for window in [failed, few, enforced] { #expect(findings(healthy, window: window).isEmpty) }
        let uncovered = Self.check(
            hosts: [Self.host("mx1.example.com", covered: false)], policy: Self.policy("testing", ["mx9.example.com"]))
        #expect(!findings(uncovered, window: open).contains { $0.code == .stsReadyForEnforce })
        let partial = Self.check(hosts: [Self.host("mx1.example.com")], policy: Self.policy("testing"), notChecked: 2)
        #expect(!findings(partial, window: open).contains { $0.code == .stsReadyForEnforce })
    }

    @Test func aPolicyChangedUnderTheSameID() {
        let before = Self.check(hosts: [Self.host("mx1.example.com")], at: Self.now - 86_400)
        let same = Self.check(hosts: [Self.host("mx1.example.com")])
        #expect(findings(same, previous: before).isEmpty)
        // The same policy, its patterns in another order: nothing changed.
        let reordered = Self.check(
            hosts: [Self.host("mx1.example.com")], policy: Self.policy("enforce", ["*.example.com", "mx1.example.com"]))
        let reorderedBefore = Self.check(
            hosts: [Self.host("mx1.example.com")],
            policy: Self.policy("enforce", ["mx1.example.com", "*.example.com"]),
            at: Self.now - 86_400)
        #expect(findings(reordered, previous: reorderedBefore).isEmpty)
        let changed = Self.check(hosts: [Self.host("mx1.example.com")], policy: Self.policy("testing"))
        #expect(codes(findings(changed, previous: before)) == ["sts-id-unchanged warning example.com"])
        let newID = Self.check(hosts: [Self.host("mx1.example.com")], policy: Self.policy("testing"), id: "2")
        #expect(findings(newID, previous: before).isEmpty)
    }
}
