import ReportModel

/// Mail relayed by forwarders or mailing lists that failed DMARC: expected, nothing to fix (a
/// notice), said so that nobody chases it.
struct ForwardedFailingRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let forwarders = failingRows(report, of: [.forwarder])
        let relayedFailing = sum(forwarders, \.failed)
        guard relayedFailing > 0 else { return [] }
        return [
            Finding(
                code: .forwardedFailing, severity: .notice, subject: report.domain,
                facts: .forwardedFailing(messages: relayedFailing, senders: figures(forwarders, \.failed)))
        ]
    }
}
