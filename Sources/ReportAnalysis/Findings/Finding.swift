import ReportModel

/// A sentence a postmaster should read, with the numbers behind it (docs/findings.md lists
/// every code with its severity).
public struct Finding: Hashable, Sendable {
    /// How urgent: `critical` needs action now (mail of ours refused, spoofing delivered in
    /// volume, certificates failing), `warning` needs action soon, `notice` is worth knowing
    /// (the policy doing its job, new sources, readiness).
    public enum Severity: String, Sendable, Comparable, CaseIterable {
        case critical, warning, notice

        var rank: Int { self == .critical ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// A stable identifier of the rule (`spoofing-delivered`, `tls-certificate-failures`).
    public var code: String
    public var severity: Severity
    /// What the finding is about: the domain, or the MX host or policy it names.
    public var subject: String
    /// The sentence.
    public var text: String
    /// Counts, sources, MX hosts and dates that support the text.
    public var evidence: [String]
    /// What to do about it, in a few words, when there is something to do.
    public var action: String?

    public init(
        code: String, severity: Severity, subject: String, text: String, evidence: [String] = [], action: String? = nil
    ) {
        self.code = code
        self.severity = severity
        self.subject = subject
        self.text = text
        self.evidence = evidence
        self.action = action
    }
}

/// The thresholds the rules use.
public struct FindingThresholds: Sendable {
    /// A drop of the DMARC pass rate by more than this many percentage points is flagged.
    public var passRateDropPoints: Double = 5
    /// A p=none policy with at least this pass rate is ready for enforcement...
    public var readyPassRate: Double = 0.98
    /// ...once at least this many messages were seen.
    public var readyMinimumMessages: Int64 = 100
    /// Failing mail delivered from unauthorised sources is critical from this share of the
    /// domain's messages on (a warning below it).
    public var criticalDeliveredShare: Double = 0.05
    /// How many sources, MX hosts or reports to name in the evidence.
    public var topSources = 5

    public init() {}
}

/// Rules that turn a domain's numbers into findings, most severe first.
struct FindingRules {
    var thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        var findings: [Finding] = []
        findings += failingMail(report)
        findings += newSources(report)
        findings += passRateDrop(report)
        findings += tlsFailures(report)
        findings += stsTesting(report)
        findings += noPolicyFound(report)
        findings += readyForEnforcement(report)
        findings += implausibleRanges(report)
        // Stable: by severity, then in the order above.
        return findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity < b.element.severity : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: Failing mail, by who sent it and what receivers did with it

    /// Failing mail split by class and outcome. Spoofing that receivers rejected is the policy
    /// doing its job (a notice); failing mail that was delivered needs a warning or a critical;
    /// mail of known services refused by receivers is ours being lost (critical).
    func failingMail(_ report: DomainReport) -> [Finding] {
        let domain = report.domain
        let rows = report.sources.filter { $0.dmarc.failed > 0 && $0.verdict != nil }
        func of(_ classes: Set<SourceClass>) -> [CorrelationRow] {
            rows.filter { classes.contains($0.verdict?.sourceClass ?? .unknown) }
        }
        let unauthorised = of([.suspicious, .unknown])
        let misconfigured = of([.misconfigured])
        let forwarders = of([.forwarder])
        let authorised = of([.authorised])
        let messages = report.summary.dmarc.messages
        let context = enforcementContext(report)
        var findings: [Finding] = []

        let spoofDelivered = sum(unauthorised, \.failedDelivered)
        if spoofDelivered > 0 {
            let share = messages > 0 ? Double(spoofDelivered) / Double(messages) : 0
            let senders = unauthorised.filter { $0.dmarc.failedDelivered > 0 }
            findings.append(
                Finding(
                    code: "spoofing-delivered",
                    severity: share >= thresholds.criticalDeliveredShare ? .critical : .warning, subject: domain,
                    text:
                        "\(Count.messages(spoofDelivered)) from \(Count.of(senders.count, "unauthorised source")) failed DMARC and "
                        + "\(spoofDelivered == 1 ? "was" : "were") delivered" + context,
                    evidence: evidence(senders, \.failedDelivered, "delivered"),
                    action: report.policies.last?.policy.p == .monitor
                        ? "Once your own sources pass, move the policy to p=quarantine so receivers stop delivering spoofed mail"
                        : "Check why failing mail was delivered: raise pct to 100, and look at the receivers' override reasons"
                ))
        }
        let spoofBlocked = sum(unauthorised, \.failedRejected).saturatingAdd(sum(unauthorised, \.failedQuarantined))
        if spoofBlocked > 0 {
            let senders = unauthorised.filter { $0.dmarc.failedRejected > 0 || $0.dmarc.failedQuarantined > 0 }
            let rejected = sum(senders, \.failedRejected)
            let quarantined = sum(senders, \.failedQuarantined)
            let what = [
                rejected > 0 ? "\(Count.grouped(rejected)) rejected" : nil,
                quarantined > 0 ? "\(Count.grouped(quarantined)) quarantined" : nil,
            ]
            .compactMap { $0 }.joined(separator: " and ")
            findings.append(
                Finding(
                    code: "spoofing-blocked", severity: .notice, subject: domain,
                    text:
                        "\(Count.messages(spoofBlocked)) from \(Count.of(senders.count, "unauthorised source")) failed DMARC and receivers "
                        + "stopped them (\(what)): the policy doing its job",
                    evidence: evidence(senders, { $0.failedRejected.saturatingAdd($0.failedQuarantined) }, "stopped")))
        }
        let ownBlocked = sum(misconfigured, \.failedRejected).saturatingAdd(sum(misconfigured, \.failedQuarantined))
        if ownBlocked > 0 {
            let senders = misconfigured.filter { $0.dmarc.failedRejected > 0 || $0.dmarc.failedQuarantined > 0 }
            findings.append(
                Finding(
                    code: "known-sender-blocked", severity: .critical, subject: domain,
                    text:
                        "Receivers rejected or quarantined \(Count.messages(ownBlocked)) from \(Count.of(senders.count, "known service"))"
                        + " sending as \(domain): fix their SPF or DKIM alignment",
                    evidence: evidence(
                        senders, { $0.failedRejected.saturatingAdd($0.failedQuarantined) }, "rejected or quarantined"),
                    action: "Fix SPF or DKIM for " + names(senders) + ": receivers are refusing your own mail"))
        }
        let ownDelivered = sum(misconfigured, \.failedDelivered)
        if ownDelivered > 0 {
            let senders = misconfigured.filter { $0.dmarc.failedDelivered > 0 }
            findings.append(
                Finding(
                    code: "known-sender-failing", severity: .warning, subject: domain,
                    text:
                        "\(Count.messages(ownDelivered)) from \(Count.of(senders.count, "known service")) failed DMARC but "
                        + "\(ownDelivered == 1 ? "was" : "were") delivered: fix their SPF or DKIM alignment before enforcing",
                    evidence: evidence(senders, \.failedDelivered, "delivered"),
                    action: "Fix SPF or DKIM alignment for " + names(senders) + " before enforcing the policy"))
        }
        let relayedFailing = sum(forwarders, \.failed)
        if relayedFailing > 0 {
            findings.append(
                Finding(
                    code: "forwarded-failing", severity: .notice, subject: domain,
                    text: "\(Count.messages(relayedFailing)) relayed by forwarders or mailing lists failed DMARC: "
                        + "expected when a relay changes the message; nothing to fix at your end",
                    evidence: evidence(forwarders, \.failed, "failed")))
        }
        let authorisedFailing = sum(authorised, \.failed)
        if authorisedFailing > 0 {
            findings.append(
                Finding(
                    code: "authorised-partly-failing", severity: .notice, subject: domain,
                    text:
                        "\(Count.messages(authorisedFailing)) from \(Count.of(authorised.count, "source")) that mostly pass failed DMARC",
                    evidence: evidence(authorised, \.failed, "failed")))
        }
        return findings
    }

    /// Why failing mail was delivered: " under p=none", or what let it through an enforcing policy.
    func enforcementContext(_ report: DomainReport) -> String {
        guard let policy = report.policies.last?.policy, let p = policy.p else { return "" }
        if p == .monitor { return " (the policy is p=none: receivers take no action)" }
        var why: [String] = []
        if let pct = policy.pct, let value = Int(pct), value < 100 {
            why.append("pct=\(value) applies the policy to part of the mail")
        }
        let overrides = report.authentication.overrideReasons.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        if !overrides.isEmpty {
            why.append(
                "receivers overrode it ("
                    + overrides.map { "\($0.key) \(Count.grouped($0.value))" }.joined(separator: ", ") + ")")
        }
        return " despite p=\(p.rawValue)" + (why.isEmpty ? "" : ": " + why.joined(separator: "; "))
    }

    func sum(_ rows: [CorrelationRow], _ value: (DMARCTotals) -> Int64) -> Int64 {
        rows.reduce(Int64(0)) { $0.saturatingAdd(value($1.dmarc)) }
    }

    /// The biggest rows by `value`, one line each: "Name [class]: 6 of 6 messages failed DMARC, 6 rejected (ips)".
    func evidence(_ rows: [CorrelationRow], _ value: (DMARCTotals) -> Int64, _ outcome: String) -> [String] {
        rows.sorted { a, b in value(a.dmarc) != value(b.dmarc) ? value(a.dmarc) > value(b.dmarc) : a.source < b.source }
            .prefix(thresholds.topSources).map { row in
                let ips = row.sourceIPs.prefix(3).joined(separator: ", ") + (row.sourceIPs.count > 3 ? ", …" : "")
                let label = row.verdict.map { " [\($0.sourceClass.rawValue)]" } ?? ""
                // "failed DMARC, 470 failed" says nothing twice: the outcome only when it adds.
                let tail = outcome == "failed" ? "" : ", \(Count.grouped(value(row.dmarc))) \(outcome)"
                return
                    "\(row.displayName)\(label): \(Count.grouped(row.dmarc.failed)) of \(Count.messages(row.dmarc.messages)) failed DMARC"
                    + tail + (ips.isEmpty ? "" : " (\(ips))")
            }
    }

    // MARK: Other rules

    /// Sources not seen in the window before the period (``DomainReport/knownSources``).
    func newSources(_ report: DomainReport) -> [Finding] {
        guard let window = report.knownSourcesWindow, !report.knownSources.isEmpty else { return [] }
        let new = report.sources.filter { $0.dmarc.messages > 0 && !report.knownSources.contains($0.source) }
        guard !new.isEmpty else { return [] }
        return [
            Finding(
                code: "new-sources", severity: .notice, subject: report.domain,
                text:
                    "\(Count.of(new.count, "source")) not seen in the \(window) days before sent mail as \(report.domain)",
                evidence: new.prefix(thresholds.topSources).map {
                    "\($0.displayName)\($0.verdict.map { " [\($0.sourceClass.rawValue)]" } ?? ""): \(Count.messages($0.dmarc.messages)), "
                        + "\(Percent.format($0.dmarc.passRate)) passed DMARC"
                })
        ]
    }

    func passRateDrop(_ report: DomainReport) -> [Finding] {
        let dmarc = report.summary.dmarc
        guard let now = dmarc.passRate, let before = report.previous?.dmarc.passRate,
            (before - now) * 100 > thresholds.passRateDropPoints
        else { return [] }
        return [
            Finding(
                code: "pass-rate-drop", severity: .warning, subject: report.domain,
                text: "The DMARC pass rate fell from \(Percent.format(before)) to \(Percent.format(now))",
                evidence: [
                    "\(Count.grouped(dmarc.dmarcPass)) of \(Count.messages(dmarc.messages)) passed, against "
                        + "\(Count.grouped(report.previous?.dmarc.dmarcPass ?? 0)) of \(Count.grouped(report.previous?.dmarc.messages ?? 0)) before"
                ],
                action:
                    "Find which source's mail started failing (the sources table, and `mailtally records` for one source)"
            )
        ]
    }

    /// TLS failures by result type and MX, certificate failures first (a critical: senders
    /// that enforce MTA-STS or DANE cannot deliver).
    func tlsFailures(_ report: DomainReport) -> [Finding] {
        let tls = report.summary.tls
        guard !tls.failuresByResultType.isEmpty || tls.failedSessions > 0 else { return [] }
        if tls.failuresByResultType.isEmpty {
            return [
                Finding(
                    code: "tls-failures", severity: .warning, subject: report.domain,
                    text:
                        "\(Count.of(tls.failedSessions, "TLS session")) to the MX hosts of \(report.domain) failed; reporters gave no details",
                    evidence: [
                        "\(Count.of(tls.failedSessions, "failed session")) in \(Count.of(tls.reports, "report")), none itemised by result type"
                    ],
                    action: "Check STARTTLS and the MTA-STS policy of the MX hosts")
            ]
        }
        let ordered = tls.failuresByResultType.sorted { a, b in
            let ca = TLSResultType(rawValue: a.key).isCertificateFailure
            let cb = TLSResultType(rawValue: b.key).isCertificateFailure
            if ca != cb { return ca }
            return a.value != b.value ? a.value > b.value : a.key < b.key
        }
        let certificate = ordered.filter { TLSResultType(rawValue: $0.key).isCertificateFailure }.reduce(Int64(0)) {
            $0.saturatingAdd($1.value)
        }
        var evidence = ordered.map { "\($0.key): \(Count.of($0.value, "failed session"))" }
        if let byMX = report.summary.tlsBreakdown?.failuresByReceivingMX.filter({ !$0.key.isEmpty }), !byMX.isEmpty {
            evidence += byMX.rankedByValue().prefix(
                thresholds.topSources
            ).map { "MX \($0.key): \(Count.of($0.value, "failed session"))" }
        }
        let detailed = ReportCounts.sum(tls.failuresByResultType.values)
        if detailed != tls.failedSessions {
            evidence.append(
                "reporters itemised \(Count.of(detailed, "failed session")) by result type, and reported \(Count.grouped(tls.failedSessions)) failed in total"
            )
        }
        if certificate > 0 {
            return [
                Finding(
                    code: "tls-certificate-failures", severity: .critical, subject: report.domain,
                    text:
                        "Senders could not validate the certificate of an MX host of \(report.domain) in \(Count.of(certificate, "session"))",
                    evidence: evidence,
                    action: "Renew or fix the certificate of " + (worstMX(report).map { "MX \($0)" } ?? "the MX hosts")
                        + " (its names, chain and expiry)")
            ]
        }
        return [
            Finding(
                code: "tls-failures", severity: .warning, subject: report.domain,
                text:
                    "\(Count.of(detailed, "TLS session")) to the MX hosts of \(report.domain) failed, as reporters itemised them",
                evidence: evidence,
                action: "Check STARTTLS and the MTA-STS policy of "
                    + (worstMX(report).map { "MX \($0)" } ?? "the MX hosts"))
        ]
    }

    func stsTesting(_ report: DomainReport) -> [Finding] {
        let tls = report.summary.tls
        guard report.summary.tlsBreakdown?.stsMode == .testing, tls.failedSessions > 0 else { return [] }
        return [
            Finding(
                code: "sts-testing-failures", severity: .warning, subject: report.domain,
                text:
                    "MTA-STS is in testing mode and \(Count.of(tls.failedSessions, "session")) failed: fix them before moving to enforce",
                evidence: [
                    "policy mode testing, max_age \(report.summary.tlsBreakdown?.stsMaxAge.map(String.init) ?? "unknown")"
                ],
                action: "Fix the TLS failures before moving MTA-STS to enforce")
        ]
    }

    func noPolicyFound(_ report: DomainReport) -> [Finding] {
        guard let noPolicy = report.summary.tlsBreakdown?.byPolicyType["no-policy-found"],
            noPolicy.successful.saturatingAdd(noPolicy.failed) > 0
        else { return [] }
        return [
            Finding(
                code: "no-policy-found", severity: .notice, subject: report.domain,
                text:
                    "Senders found no MTA-STS or DANE policy for \(report.domain): delivery to it is not protected against downgrade",
                evidence: [
                    "\(Count.of(noPolicy.successful.saturatingAdd(noPolicy.failed), "session")) under no-policy-found in \(Count.of(noPolicy.reports, "report"))"
                ])
        ]
    }

    func readyForEnforcement(_ report: DomainReport) -> [Finding] {
        let dmarc = report.summary.dmarc
        guard let latest = report.policies.last, latest.policy.p == .monitor, let rate = dmarc.passRate,
            rate >= thresholds.readyPassRate, dmarc.messages >= thresholds.readyMinimumMessages
        else { return [] }
        return [
            Finding(
                code: "ready-for-enforcement", severity: .notice, subject: report.domain,
                text:
                    "The policy is still p=none while \(Percent.format(rate)) of mail passes DMARC: consider p=quarantine",
                evidence: [
                    "\(Count.grouped(dmarc.dmarcPass)) of \(Count.messages(dmarc.messages)) passed; published \(latest.tags)"
                ],
                action: "Move the policy to p=quarantine")
        ]
    }

    /// Reports whose date range cannot be right (docs/counting.md): kept, counted on a bounded span.
    func implausibleRanges(_ report: DomainReport) -> [Finding] {
        guard !report.flaggedReports.isEmpty else { return [] }
        let count = report.flaggedReports.count
        return [
            Finding(
                code: "implausible-date-range", severity: .warning, subject: report.domain,
                text:
                    "\(Count.of(count, "report")) \(count == 1 ? "has a date range" : "have date ranges") that cannot be right: "
                    + "counted on a bounded span, not over the range \(count == 1 ? "it states" : "they state")",
                evidence: report.flaggedReports.prefix(thresholds.topSources).map(\.description))
        ]
    }

    /// "Mailchimp, SendGrid and 2 more": the biggest rows' names.
    func names(_ rows: [CorrelationRow]) -> String {
        let sorted = rows.sorted {
            $0.dmarc.failed != $1.dmarc.failed ? $0.dmarc.failed > $1.dmarc.failed : $0.source < $1.source
        }
        let shown = sorted.prefix(3).map(\.displayName)
        let rest = sorted.count - shown.count
        return shown.joined(separator: ", ") + (rest > 0 ? " and \(rest) more" : "")
    }

    /// The named MX host with the most failed sessions.
    func worstMX(_ report: DomainReport) -> String? {
        report.summary.tlsBreakdown?.failuresByReceivingMX.filter { !$0.key.isEmpty }
            .max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }
}

/// Counts as people read them: `4,039`, `1 message`, `2 sources`.
public enum Count {
    /// The count with a comma every three digits.
    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    public static func grouped(_ value: Int) -> String { grouped(Int64(value)) }

    /// `1 message`, `4,039 messages`.
    public static func messages(_ value: Int64) -> String { of(value, "message") }

    /// `1 noun`, `2 nouns` (the plural adds an s).
    public static func of(_ value: Int64, _ noun: String) -> String {
        "\(grouped(value)) \(noun)\(value == 1 ? "" : "s")"
    }
    public static func of(_ value: Int, _ noun: String) -> String { of(Int64(value), noun) }
}

/// Rates as people read them: `98.9%`, one decimal, `–` when there is nothing to divide.
public enum Percent {
    public static func format(_ rate: Double?) -> String {
        guard let rate else { return "–" }
        // Rates are shares of counts (0 to 1); a value out of range must not trap the conversion.
        let tenths = Int(max(-1e15, min(1e15, (rate * 1000).rounded())))
        return "\(tenths / 10).\(abs(tenths) % 10)%"
    }
}

extension Dictionary where Value: Comparable, Key: Comparable {
    /// The entries biggest value first, ties by key: the order of every ranked list.
    public func rankedByValue() -> [(key: Key, value: Value)] {
        sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    }
}
