import ReportModel

/// The DMARC pass rate fell by more than ``FindingThresholds/passRateDropPoints`` against the
/// period before (a warning): some source started failing.
struct PassRateDropRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let dmarc = report.summary.dmarc
        guard let now = dmarc.passRate, let before = report.previous?.dmarc.passRate,
            (before - now) * 100 > thresholds.passRateDropPoints
        else { return [] }
        return [
            Finding(
                code: .passRateDrop, severity: .warning, subject: report.domain,
                text: "The DMARC pass rate fell from \(Percent.format(before)) to \(Percent.format(now))",
                evidence: [
                    "\(Count.grouped(dmarc.dmarcPass)) of \(Count.messages(dmarc.messages)) passed, against "
                        + "\(Count.grouped(report.previous?.dmarc.dmarcPass ?? 0)) of \(Count.grouped(report.previous?.dmarc.messages ?? 0)) before"
                ],
                action:
                    "Find which source's mail started failing (the sources table, and `mailtally records` for one source)"
            )
        ]
    }
}
