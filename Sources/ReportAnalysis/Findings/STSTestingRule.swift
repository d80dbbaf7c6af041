import ReportModel

/// MTA-STS in `testing` while sessions fail (a warning): enforcing now would refuse that mail.
struct STSTestingRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let tls = report.summary.tls
        guard report.summary.tlsBreakdown?.stsMode == .testing, tls.failedSessions > 0 else { return [] }
        return [
            Finding(
                code: .stsTestingFailures, severity: .warning, subject: report.domain,
                text:
                    "MTA-STS is in testing mode and \(Count.of(tls.failedSessions, "session")) failed: fix them before moving to enforce",
                evidence: [
                    "policy mode testing, max_age \(report.summary.tlsBreakdown?.stsMaxAge.map(String.init) ?? "unknown")"
                ],
                action: "Fix the TLS failures before moving MTA-STS to enforce")
        ]
    }
}
