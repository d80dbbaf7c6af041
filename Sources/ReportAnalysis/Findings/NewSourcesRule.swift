import ReportModel

/// Sources that sent mail as the domain and none in the window before the period
/// (``DomainReport/knownSources``); never said when nothing is known before.
struct NewSourcesRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        guard let window = report.knownSourcesWindow, !report.knownSources.isEmpty else { return [] }
        let new = report.sources.filter { $0.dmarc.messages > 0 && !report.knownSources.contains($0.source) }
        guard !new.isEmpty else { return [] }
        let shown = new.prefix(thresholds.topSources).map {
            NewSource(
                name: $0.displayName, sourceClass: $0.verdict?.sourceClass, messages: $0.dmarc.messages,
                passRate: $0.dmarc.passRate)
        }
        return [
            Finding(
                code: .newSources, severity: .notice, subject: report.domain,
                facts: .newSources(count: new.count, windowDays: window, domain: report.domain, shown: shown))
        ]
    }
}
