import ReportAnalysis
import ReportModel

/// The top of a domain page, in plain words before any table: the policy and how enforced it
/// is, the share of mail authenticated, spoofing seen (delivered and blocked), TLS success,
/// and the two or three actions that matter most (from the findings, most severe first).
public struct ExecutiveSummary: Sendable {
    /// Labelled sentences, in page order: policy, authentication, spoofing (when DMARC reports cover
    /// the period), TLS to us.
    public var lines: [(label: String, text: String)]
    /// The first distinct actions of the findings, most severe first, at most `actionCount`.
    public var actions: [String]

    /// How many actions the summary names.
    static let actionCount = 3

    init(_ report: DomainReport) {
        let dmarc = report.summary.dmarc
        let tls = report.summary.tls
        var lines: [(String, String)] = []
        lines.append(("Policy", Self.policy(report)))
        if dmarc.messages > 0 {
            let ratio = { (part: Int64) in Percent.format(Double(part) / Double(dmarc.messages)) }
            lines.append(
                (
                    "Authenticated",
                    "\(Percent.format(dmarc.passRate)) of \(Count.messages(dmarc.messages)) passed DMARC "
                        + "(SPF aligned \(ratio(dmarc.spfAlignedPass)), DKIM aligned \(ratio(dmarc.dkimAlignedPass)))"
                ))
            lines.append(("Spoofing", Self.spoofing(report)))
        } else {
            lines.append(("Authenticated", "no DMARC report covers this period"))
        }
        if tls.sessions > 0 {
            var text =
                "\(Percent.format(tls.successRate)) of \(Count.of(tls.sessions, "TLS session")) to the MX hosts succeeded"
            let top = tls.failuresByResultType.rankedByValue()
                .prefix(3)
            let itemised = ReportCounts.sum(tls.failuresByResultType.values)
            if tls.failedSessions > 0 || itemised > 0 {
                text += "; \(Count.grouped(tls.failedSessions)) failed"
                if !top.isEmpty {
                    text += " (" + top.map { "\($0.key) \(Count.grouped($0.value))" }.joined(separator: ", ")
                    if itemised != tls.failedSessions {
                        text += "; reporters itemised \(Count.grouped(itemised)) by type"
                    }
                    text += ")"
                }
            }
            lines.append(("TLS to us", text))
        } else {
            lines.append(("TLS to us", "no SMTP TLS report covers this period (publish a TLS-RPT record to get them)"))
        }
        if let check = report.transport?.latest { lines.append(("Checked live", Self.transport(check))) }
        self.lines = lines
        var actions: [String] = []
        for finding in report.findings {
            guard let action = finding.action, !actions.contains(action) else { continue }
            actions.append(action)
            if actions.count == Self.actionCount { break }
        }
        self.actions = actions
    }

    /// "2026-12-07 03:51 UTC: 1 of 2 MX hosts offers STARTTLS with a valid certificate for its
    /// name; MTA-STS in testing; no DANE; TLS-RPT published".
    static func transport(_ check: TransportCheck) -> String {
        let hosts = check.hosts
        let sound = hosts.filter { host in
            guard host.probe?.offersSTARTTLS == true, let certificate = host.certificate else { return false }
            return certificate.chainTrusted && certificate.namesMatchHost
        }.count
        var parts = [
            hosts.isEmpty
                ? "no MX host to check"
                : "\(sound) of \(Count.of(hosts.count, "MX host")) \(sound == 1 ? "offers" : "offer") STARTTLS with a "
                    + "valid certificate for \(sound == 1 ? "its" : "their") name"
        ]
        if let policy = check.mtaSTS.policy.value {
            parts.append("MTA-STS in \(policy.mode.rawValue)")
        } else {
            parts.append(check.mtaSTS.record.value == nil ? "no MTA-STS" : "MTA-STS announced but unusable")
        }
        let dane = hosts.filter { $0.dane == .matched }.count
        parts.append(dane == 0 ? "no DANE" : "DANE on \(dane) of \(hosts.count)")
        parts.append(check.tlsReporting.value == nil ? "no TLS-RPT record" : "TLS-RPT published")
        return "\(TransportRenderer.time(check.checkedAt)) UTC: " + parts.joined(separator: "; ")
    }

    static func policy(_ report: DomainReport) -> String {
        guard let latest = report.policies.last, let p = latest.policy.p else {
            return "not known: no DMARC report in this period"
        }
        let pct = latest.policy.pct.flatMap { Int($0) } ?? 100
        var text = "p=\(p.rawValue): "
        switch p {
        case .monitor: text += "monitoring only; receivers deliver failing mail as usual"
        case .quarantine:
            text +=
                pct < 100
                ? "failing mail goes to spam for \(pct)% of it, the rest is delivered" : "failing mail goes to spam"
        case .reject:
            text +=
                pct < 100
                ? "receivers refuse \(pct)% of failing mail, and quarantine or deliver the rest"
                : "receivers refuse failing mail"
        default: text += "a value no RFC defines"
        }
        var more: [String] = []
        if let sp = latest.policy.sp, sp != p { more.append("subdomains sp=\(sp.rawValue)") }
        if let np = latest.reportedNP, np != (latest.policy.sp ?? p) {
            more.append("non-existent subdomains np=\(np.rawValue)")
        }
        if report.policies.count > 1 { more.append("changed during the period") }
        return text + (more.isEmpty ? "" : " (" + more.joined(separator: "; ") + ")")
    }

    static func spoofing(_ report: DomainReport) -> String {
        let unauthorised = report.sources.filter {
            [.suspicious, .unknown].contains($0.verdict?.sourceClass) && $0.dmarc.failed > 0
        }
        guard !unauthorised.isEmpty else { return "no failing mail from unauthorised sources" }
        var delivered: Int64 = 0
        var quarantined: Int64 = 0
        var rejected: Int64 = 0
        var failed: Int64 = 0
        for row in unauthorised {
            delivered.add(saturating: row.dmarc.failedDelivered)
            quarantined.add(saturating: row.dmarc.failedQuarantined)
            rejected.add(saturating: row.dmarc.failedRejected)
            failed.add(saturating: row.dmarc.failed)
        }
        return "\(Count.messages(failed)) from \(Count.of(unauthorised.count, "unauthorised source")): "
            + "\(Count.grouped(delivered)) delivered, \(Count.grouped(quarantined)) quarantined, \(Count.grouped(rejected)) rejected"
    }
}
