import ReportAnalysis
import ReportModel
import ReportStore

/// The correlation table from the store: totals from the rollup, sources resolved here, and
/// distinct reports per row counted in SQL.
enum CorrelationQuery {
    /// A correlation builder over the store's reverse DNS cache.
    static func builder(_ store: ReportStore, resolver: SourceResolver) throws(StoreError) -> CorrelationBuilder {
        CorrelationBuilder(resolver: resolver, reverseDNS: try store.reverseDNS())
    }

    /// - Parameters:
    ///   - countReports: count distinct DMARC reports per row (the costly part); without it, rows
    ///     say 0 reports (the summary's classes need only the message counts).
    ///   - aggregates: the DMARC aggregates of this selection, when the caller has them already.
    static func rows(
        _ store: ReportStore, by key: CorrelationKey, builder: CorrelationBuilder, domains: [String], period: DayPeriod?,
        countReports: Bool = true, aggregates: [DMARCSourceAggregate]? = nil
    ) throws(StoreError) -> [CorrelationRow] {
        let dmarc: [DMARCSourceAggregate]
        if let aggregates { dmarc = aggregates } else { dmarc = try store.dmarcSourceAggregates(domains: domains, period: period) }
        let tls = try store.tlsReporterAggregates(domains: domains, period: period)
        guard countReports else { return builder.rows(by: key, dmarc: dmarc, tls: tls, dmarcReportCounts: [:]) }
        let counts: [String: [String: Int64]]
        switch key {
        case .source:
            let sources = builder.sources(of: dmarc)
            counts = try store.dmarcReportCounts(domains: domains, period: period, keyOfIP: sources.mapValues(\.key))
            return builder.rows(by: key, dmarc: dmarc, tls: tls, dmarcReportCounts: counts, resolvedSources: sources)
        case .reporter:
            // Each report has one reporter: per-reporter counts add up without overlap.
            var merged: [String: [String: Int64]] = [:]
            for row in try store.dmarcReportsByReporter(domains: domains, period: period) {
                merged[row.domain, default: [:]][builder.reporterKey(orgName: row.orgName, email: row.email), default: 0] += row.reports
            }
            counts = merged
        }
        return builder.rows(by: key, dmarc: dmarc, tls: tls, dmarcReportCounts: counts)
    }
}
