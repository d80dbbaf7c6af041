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
                    facts: .spoofingDelivered(
                        messages: spoofDelivered, sources: senders.count, policy: policyInForce(report),
                        senders: figures(senders, \.failedDelivered))))
        }
        let spoofBlocked = sum(unauthorised, \.failedStopped)
        if spoofBlocked > 0 {
            let senders = unauthorised.filter { $0.dmarc.failedStopped > 0 }
            findings.append(
                Finding(
                    code: .spoofingBlocked, severity: .notice, subject: domain,
                    facts: .spoofingBlocked(
                        messages: spoofBlocked, sources: senders.count, rejected: sum(senders, \.failedRejected),
                        quarantined: sum(senders, \.failedQuarantined),
                        senders: figures(senders, \.failedStopped))))
        }
        return findings
    }

    /// The policy in force at the end of the period, with what let failing mail through it.
    func policyInForce(_ report: DomainReport) -> PolicyInForce {
        guard let policy = report.policies.last?.policy, let p = policy.p else { return .unknown }
        if p == .monitor { return .monitor }
        let pct = policy.pct.flatMap { Int($0) }.flatMap { $0 < 100 ? $0 : nil }
        let overrides = report.authentication.overrideReasons.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        return .enforcing(p, pct: pct, overrides: overrides.map { Tally($0.key, $0.value) })
    }
}
