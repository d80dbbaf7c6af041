import ReportModel

/// Reports whose date range cannot be right (docs/counting.md, "Date ranges"): kept and counted
/// on a bounded span, and said (a warning) so that nobody trusts the range they state.
struct ImplausibleRangeRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        guard !report.flaggedReports.isEmpty else { return [] }
        return [
            Finding(
                code: .implausibleDateRange, severity: .warning, subject: report.domain,
                facts: .implausibleDateRange(
                    count: report.flaggedReports.count,
                    shown: Array(report.flaggedReports.prefix(thresholds.topSources))))
        ]
    }
}
