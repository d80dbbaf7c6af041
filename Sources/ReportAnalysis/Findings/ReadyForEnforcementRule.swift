import ReportModel

/// p=none while nearly all mail passes (``FindingThresholds/readyPassRate`` of at least
/// ``FindingThresholds/readyMinimumMessages``): time to enforce (a notice).
struct ReadyForEnforcementRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let dmarc = report.summary.dmarc
        guard let latest = report.policies.last, latest.policy.p == .monitor, let rate = dmarc.passRate,
            rate >= thresholds.readyPassRate, dmarc.messages >= thresholds.readyMinimumMessages
        else { return [] }
        return [
            Finding(
                code: .readyForEnforcement, severity: .notice, subject: report.domain,
                text:
                    "The policy is still p=none while \(Percent.format(rate)) of mail passes DMARC: consider p=quarantine",
                evidence: [
                    "\(Count.grouped(dmarc.dmarcPass)) of \(Count.messages(dmarc.messages)) passed; published \(latest.tags)"
                ],
                action: "Move the policy to p=quarantine")
        ]
    }
}
