import ReportModel

/// A sentence a postmaster should read, with the numbers behind it.
public struct Finding: Hashable, Sendable {
    public enum Severity: String, Sendable, Comparable {
        case critical, warning, notice

        var rank: Int { self == .critical ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    /// A stable identifier of the rule (`failing-source`, `tls-certificate`).
    public var rule: String
    public var title: String
    /// Counts, sources, MX hosts and dates that support the title.
    public var evidence: [String]

    public init(severity: Severity, rule: String, title: String, evidence: [String] = []) {
        self.severity = severity
        self.rule = rule
        self.title = title
        self.evidence = evidence
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
    /// How many failing sources to name.
    public var topSources = 5

    public init() {}
}

/// Rules that turn a domain's numbers into findings, most severe first.
struct FindingRules {
    var thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        var findings: [Finding] = []
        let dmarc = report.summary.dmarc
        let tls = report.summary.tls

        // Sources that send as the domain and fail DMARC, by volume.
        var failing: [(CorrelationRow, Int64)] = []
        for row in report.sources where row.dmarc.messages > row.dmarc.dmarcPass {
            failing.append((row, row.dmarc.messages - row.dmarc.dmarcPass))
        }
        failing.sort { a, b in a.1 != b.1 ? a.1 > b.1 : a.0.source < b.0.source }
        if !failing.isEmpty {
            var total: Int64 = 0
            var enforced: Int64 = 0
            for (row, failed) in failing {
                total.add(saturating: failed)
                enforced.add(saturating: (row.dmarc.disposition["quarantine"] ?? 0).saturatingAdd(row.dmarc.disposition["reject"] ?? 0))
            }
            let evidence = failing.prefix(thresholds.topSources).map { row, failed in
                let ips = row.sourceIPs.prefix(3).joined(separator: ", ") + (row.sourceIPs.count > 3 ? ", …" : "")
                let label = row.verdict.map { " [\($0.sourceClass.rawValue)]" } ?? ""
                return "\(row.displayName)\(label): \(failed) of \(row.dmarc.messages) messages failed DMARC" + (ips.isEmpty ? "" : " (\(ips))")
            }
            let share = dmarc.messages > 0 ? Double(total) / Double(dmarc.messages) : 0
            findings.append(Finding(
                severity: share >= 0.05 ? .critical : .warning, rule: "failing-sources",
                title: "\(failing.count) source\(failing.count == 1 ? "" : "s") sent \(total) message\(total == 1 ? "" : "s") as \(report.domain) that failed DMARC"
                    + (enforced > 0 ? "; receivers quarantined or rejected \(enforced)" : ""),
                evidence: Array(evidence)))
        }

        // New sources since the previous period.
        if report.previousPeriod != nil {
            let new = report.sources.filter { $0.dmarc.messages > 0 && !report.previousSources.contains($0.source) }
            if !new.isEmpty, !report.previousSources.isEmpty {
                findings.append(Finding(
                    severity: .notice, rule: "new-sources",
                    title: "\(new.count) source\(new.count == 1 ? "" : "s") not seen in the previous period",
                    evidence: new.prefix(thresholds.topSources).map { "\($0.displayName): \($0.dmarc.messages) messages, \(Self.percent($0.dmarc.passRate)) passed DMARC" }))
            }
        }

        // DMARC pass rate falling.
        if let now = dmarc.passRate, let before = report.previous?.dmarc.passRate, (before - now) * 100 > thresholds.passRateDropPoints {
            findings.append(Finding(
                severity: .warning, rule: "pass-rate-drop",
                title: "The DMARC pass rate fell from \(Self.percent(before)) to \(Self.percent(now))",
                evidence: ["\(dmarc.dmarcPass) of \(dmarc.messages) messages passed, against \(report.previous?.dmarc.dmarcPass ?? 0) of \(report.previous?.dmarc.messages ?? 0) before"]))
        }

        // TLS failures by result type and MX, certificate failures first.
        if !tls.failuresByResultType.isEmpty {
            let ordered = tls.failuresByResultType.sorted { a, b in
                let ca = TLSResultType(rawValue: a.key).isCertificateFailure
                let cb = TLSResultType(rawValue: b.key).isCertificateFailure
                if ca != cb { return ca }
                return a.value != b.value ? a.value > b.value : a.key < b.key
            }
            let certificate = ordered.filter { TLSResultType(rawValue: $0.key).isCertificateFailure }.reduce(Int64(0)) { $0.saturatingAdd($1.value) }
            var evidence = ordered.map { "\($0.key): \($0.value) failed sessions" }
            if let byMX = report.summary.tlsBreakdown?.failuresByReceivingMX.filter({ !$0.key.isEmpty }), !byMX.isEmpty {
                evidence += byMX.sorted { $0.value > $1.value }.prefix(5).map { "MX \($0.key): \($0.value) failed sessions" }
            }
            findings.append(Finding(
                severity: certificate > 0 ? .critical : .warning, rule: "tls-failures",
                title: certificate > 0
                    ? "Senders could not validate the certificate of an MX host in \(certificate) session\(certificate == 1 ? "" : "s")"
                    : "\(tls.failedSessions) TLS session\(tls.failedSessions == 1 ? "" : "s") to the MX hosts failed",
                evidence: evidence))
        }

        // MTA-STS in testing mode with failures.
        if report.summary.tlsBreakdown?.stsMode == "testing", tls.failedSessions > 0 {
            findings.append(Finding(
                severity: .warning, rule: "sts-testing-failures",
                title: "MTA-STS is in testing mode and \(tls.failedSessions) session\(tls.failedSessions == 1 ? "" : "s") failed: fix them before moving to enforce",
                evidence: ["policy mode testing, max_age \(report.summary.tlsBreakdown?.stsMaxAge.map(String.init) ?? "unknown")"]))
        }

        // No MTA-STS or DANE policy found.
        if let noPolicy = report.summary.tlsBreakdown?.byPolicyType["no-policy-found"], noPolicy.successful.saturatingAdd(noPolicy.failed) > 0 {
            findings.append(Finding(
                severity: .notice, rule: "no-policy-found",
                title: "Senders found no MTA-STS or DANE policy for \(report.domain): delivery to it is not protected against downgrade",
                evidence: ["\(noPolicy.successful.saturatingAdd(noPolicy.failed)) sessions under no-policy-found in \(noPolicy.reports) report\(noPolicy.reports == 1 ? "" : "s")"]))
        }

        // p=none with a high pass rate: ready to move on.
        if let latest = report.policies.last, latest.policy.p == .monitor, let rate = dmarc.passRate,
            rate >= thresholds.readyPassRate, dmarc.messages >= thresholds.readyMinimumMessages
        {
            findings.append(Finding(
                severity: .notice, rule: "ready-for-enforcement",
                title: "The policy is still p=none while \(Self.percent(rate)) of mail passes DMARC: consider p=quarantine",
                evidence: ["\(dmarc.dmarcPass) of \(dmarc.messages) messages passed; published \(latest.tags)"]))
        }
        return findings.sorted { $0.severity < $1.severity }
    }

    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "–" }
        let tenths = Int((rate * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
