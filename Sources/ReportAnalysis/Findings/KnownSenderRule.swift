import ReportModel

/// Failing mail of known services sending as the domain (`misconfigured`): refused by receivers
/// is our own mail lost (a critical); delivered will be refused once the policy enforces (a
/// warning).
struct KnownSenderRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let domain = report.domain
        let misconfigured = failingRows(report, of: [.misconfigured])
        var findings: [Finding] = []
        let ownBlocked = sum(misconfigured, \.failedStopped)
        if ownBlocked > 0 {
            let senders = misconfigured.filter { $0.dmarc.failedStopped > 0 }
            findings.append(
                Finding(
                    code: .knownSenderBlocked, severity: .critical, subject: domain,
                    facts: .knownSenderBlocked(
                        messages: ownBlocked, sources: senders.count, domain: domain,
                        senders: figures(senders, \.failedStopped),
                        named: named(senders))))
        }
        let ownDelivered = sum(misconfigured, \.failedDelivered)
        if ownDelivered > 0 {
            let senders = misconfigured.filter { $0.dmarc.failedDelivered > 0 }
            findings.append(
                Finding(
                    code: .knownSenderFailing, severity: .warning, subject: domain,
                    facts: .knownSenderFailing(
                        messages: ownDelivered, sources: senders.count, senders: figures(senders, \.failedDelivered),
                        named: named(senders))))
        }
        return findings
    }
}
