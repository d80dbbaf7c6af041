import ReportModel

/// Some mail of sources that mostly pass (`authorised`) failed DMARC (a notice).
struct PartlyFailingRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let authorised = failingRows(report, of: [.authorised])
        let authorisedFailing = sum(authorised, \.failed)
        guard authorisedFailing > 0 else { return [] }
        return [
            Finding(
                code: .authorisedPartlyFailing, severity: .notice, subject: report.domain,
                facts: .authorisedPartlyFailing(
                    messages: authorisedFailing, sources: authorised.count, senders: figures(authorised, \.failed)))
        ]
    }
}
