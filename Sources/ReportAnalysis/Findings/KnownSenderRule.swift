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
        let ownBlocked = sum(misconfigured, \.failedRejected).saturatingAdd(sum(misconfigured, \.failedQuarantined))
        if ownBlocked > 0 {
            let senders = misconfigured.filter { $0.dmarc.failedRejected > 0 || $0.dmarc.failedQuarantined > 0 }
            findings.append(
                Finding(
                    code: .knownSenderBlocked, severity: .critical, subject: domain,
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
                    code: .knownSenderFailing, severity: .warning, subject: domain,
                    text:
                        "\(Count.messages(ownDelivered)) from \(Count.of(senders.count, "known service")) failed DMARC but "
                        + "\(ownDelivered == 1 ? "was" : "were") delivered: fix their SPF or DKIM alignment before enforcing",
                    evidence: evidence(senders, \.failedDelivered, "delivered"),
                    action: "Fix SPF or DKIM alignment for " + names(senders) + " before enforcing the policy"))
        }
        return findings
    }
}
