import ReportModel

/// Sources that sent mail as the domain and none in the window before the period
/// (``DomainReport/knownSources``); never said when nothing is known before.
struct NewSourcesRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        guard let window = report.knownSourcesWindow, !report.knownSources.isEmpty else { return [] }
        let new = report.sources.filter { $0.dmarc.messages > 0 && !report.knownSources.contains($0.source) }
        guard !new.isEmpty else { return [] }
        return [
            Finding(
                code: .newSources, severity: .notice, subject: report.domain,
                text:
                    "\(Count.of(new.count, "source")) not seen in the \(window) days before sent mail as \(report.domain)",
                evidence: new.prefix(thresholds.topSources).map {
                    "\($0.displayName)\($0.verdict.map { " [\($0.sourceClass.rawValue)]" } ?? ""): \(Count.messages($0.dmarc.messages)), "
                        + "\(Percent.format($0.dmarc.passRate)) passed DMARC"
                })
        ]
    }
}
