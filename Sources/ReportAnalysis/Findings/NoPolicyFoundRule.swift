import ReportModel

/// Senders found no MTA-STS or DANE policy (a notice): delivery is not protected against a
/// downgrade to plain text.
struct NoPolicyFoundRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        guard let noPolicy = report.summary.tlsBreakdown?.byPolicyType["no-policy-found"],
            noPolicy.successful.saturatingAdd(noPolicy.failed) > 0
        else { return [] }
        return [
            Finding(
                code: .noPolicyFound, severity: .notice, subject: report.domain,
                facts: .noPolicyFound(
                    sessions: noPolicy.successful.saturatingAdd(noPolicy.failed), reports: noPolicy.reports,
                    domain: report.domain))
        ]
    }
}
