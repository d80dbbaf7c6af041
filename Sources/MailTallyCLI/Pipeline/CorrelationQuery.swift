import ReportAnalysis
import ReportModel
import ReportStore

/// The correlation table from the store: totals from the rollup, sources resolved here, and
/// distinct reports per row counted in SQL.
enum CorrelationQuery {
    /// A correlation builder over the store's reverse DNS cache.
    static func builder(_ store: any MailTallyStore, resolver: SourceResolver) throws(StoreError) -> CorrelationBuilder
    {
        CorrelationBuilder(resolver: resolver, reverseDNS: try store.reverseDNS())
    }

    /// Calls `body` with the selected domains (every domain with a report when `domains` is
    /// empty) in order, a group at a time, for commands that write as they go. A group grows
    /// while its domains give few rows and shrinks when they give many (`body` returns how
    /// many it got): memory holds about `targetRows` rows, however many domains there are,
    /// and thousands of small domains still take few queries.
    static func forEachDomainGroup(
        _ store: any MailTallyStore, domains: [String], targetRows: Int = 20_000,
        _ body: ([String]) throws(StoreError) -> Int
    ) throws(StoreError) {
        let all = domains.isEmpty ? try store.domains() : domains
        let sorted = Set(all).sorted()
        var start = 0
        var size = 1
        while start < sorted.count {
            let end = min(start + size, sorted.count)
            let rows = try body(Array(sorted[start..<end]))
            start = end
            if rows == 0 {
                size = min(size * 2, 512)
            } else {
                size = max(1, min(size * 2, 512, size * targetRows / rows))
            }
        }
    }

    /// - Parameters:
    ///   - countReports: count distinct DMARC reports per row (the costly part); without it, rows
    ///     say 0 reports (the summary's classes need only the message counts).
    ///   - aggregates: the DMARC aggregates of this selection, when the caller has them already.
    static func rows(
        _ store: any MailTallyStore, by key: CorrelationKey, builder: CorrelationBuilder, domains: [String],
        period: DayPeriod?,
        countReports: Bool = true, aggregates: [DMARCSourceAggregate]? = nil
    ) throws(StoreError) -> [CorrelationRow] {
        let dmarc: [DMARCSourceAggregate]
        if let aggregates {
            dmarc = aggregates
        } else {
            dmarc = try store.dmarcSourceAggregates(domains: domains, period: period)
        }
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
                merged[row.domain, default: [:]][
                    builder.reporterKey(orgName: row.orgName, email: row.email), default: 0
                ].add(saturating: row.reports)
            }
            counts = merged
        }
        return builder.rows(by: key, dmarc: dmarc, tls: tls, dmarcReportCounts: counts)
    }
}
