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
                facts: .readyForEnforcement(
                    rate: rate, passed: dmarc.dmarcPass, messages: dmarc.messages, tags: latest.tags))
        ]
    }
}
