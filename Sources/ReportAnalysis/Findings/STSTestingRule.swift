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
                facts: .stsTestingFailures(failed: tls.failedSessions, maxAge: report.summary.tlsBreakdown?.stsMaxAge))
        ]
    }
}
