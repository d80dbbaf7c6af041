import ReportModel

/// The DMARC pass rate fell by more than ``FindingThresholds/passRateDropPoints`` against the
/// period before (a warning): some source started failing.
struct PassRateDropRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let dmarc = report.summary.dmarc
        guard let previous = report.previous?.dmarc, let now = dmarc.passRate, let before = previous.passRate,
            (before - now) * 100 > thresholds.passRateDropPoints
        else { return [] }
        return [
            Finding(
                code: .passRateDrop, severity: .warning, subject: report.domain,
                facts: .passRateDrop(
                    before: before, now: now, passed: dmarc.dmarcPass, messages: dmarc.messages,
                    passedBefore: previous.dmarcPass, messagesBefore: previous.messages))
        ]
    }
}
