import ReportModel

/// Failing mail from sources nothing authorises (`suspicious`, `unknown`): delivered is a
/// warning, or a critical from ``FindingThresholds/criticalDeliveredShare`` of the domain's
/// mail; rejected or quarantined is the policy doing its job (a notice).
struct SpoofingRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let domain = report.domain
        let unauthorised = failingRows(report, of: [.suspicious, .unknown])
        let messages = report.summary.dmarc.messages
        var findings: [Finding] = []
        let spoofDelivered = sum(unauthorised, \.failedDelivered)
        if spoofDelivered > 0 {
            let share = messages > 0 ? Double(spoofDelivered) / Double(messages) : 0
            let senders = unauthorised.filter { $0.dmarc.failedDelivered > 0 }
            findings.append(
                Finding(
                    code: .spoofingDelivered,
                    severity: share >= thresholds.criticalDeliveredShare ? .critical : .warning, subject: domain,
                    text:
                        "\(Count.messages(spoofDelivered)) from \(Count.of(senders.count, "unauthorised source")) failed DMARC and "
                        + "\(spoofDelivered == 1 ? "was" : "were") delivered" + enforcementContext(report),
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
                    code: .spoofingBlocked, severity: .notice, subject: domain,
                    text:
                        "\(Count.messages(spoofBlocked)) from \(Count.of(senders.count, "unauthorised source")) failed DMARC and receivers "
                        + "stopped them (\(what)): the policy doing its job",
                    evidence: evidence(senders, { $0.failedRejected.saturatingAdd($0.failedQuarantined) }, "stopped")))
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
}
