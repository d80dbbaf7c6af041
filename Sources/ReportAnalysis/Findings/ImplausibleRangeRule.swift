import ReportModel

/// Reports whose date range cannot be right (docs/counting.md, "Date ranges"): kept and counted
/// on a bounded span, and said (a warning) so that nobody trusts the range they state.
struct ImplausibleRangeRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        guard !report.flaggedReports.isEmpty else { return [] }
        let count = report.flaggedReports.count
        return [
            Finding(
                code: .implausibleDateRange, severity: .warning, subject: report.domain,
                text:
                    "\(Count.of(count, "report")) \(count == 1 ? "has a date range" : "have date ranges") that cannot be right: "
                    + "counted on a bounded span, not over the range \(count == 1 ? "it states" : "they state")",
                evidence: report.flaggedReports.prefix(thresholds.topSources).map(\.description))
        ]
    }
}
