import ReportAnalysis
import ReportModel
import ReportStore

/// Gathers from the store what the stakeholder pack says about each domain.
struct ReportAssembler {
    let store: ReportStore
    let resolver: SourceResolver

    /// One report per domain (every domain in the store when `domains` is empty).
    func reports(domains: [String], period: DayPeriod, compare: Bool) throws(StoreError) -> [DomainReport] {
        let selected = domains.isEmpty ? try store.domains() : domains
        let length = period.lastDay - period.firstDay + 1
        let previousPeriod = compare ? DayPeriod(firstDay: period.firstDay - length, lastDay: period.firstDay - 1) : nil
        let current = try summaries(domains: selected, period: period)
        let previous = try previousPeriod.map { period throws(StoreError) in try summaries(domains: selected, period: period) }
        let builder = CorrelationBuilder(resolver: resolver, reverseDNS: try store.reverseDNS())
        let bySource = try CorrelationQuery.rows(store, by: .source, builder: builder, domains: selected, period: period)
        let byReporter = try CorrelationQuery.rows(store, by: .reporter, builder: builder, domains: selected, period: period)
        var previousSources: [String: Set<String>] = [:]
        if let previousPeriod {
            let rows = builder.rows(
                by: .source, dmarc: try store.dmarcSourceAggregates(domains: selected, period: previousPeriod), tls: [])
            for row in rows where row.dmarc.messages > 0 { previousSources[row.domain, default: []].insert(row.source) }
        }
        var reports: [DomainReport] = []
        for domain in selected {
            reports.append(DomainReport(
                domain: domain, period: period, previousPeriod: previousPeriod,
                summary: current[domain] ?? DomainSummary(domain: domain), previous: previous?[domain] ?? previous.map { _ in DomainSummary(domain: domain) },
                sources: bySource.filter { $0.domain == domain }, previousSources: previousSources[domain] ?? [],
                reporters: byReporter.filter { $0.domain == domain },
                daily: try store.dailyFigures(domain: domain, period: period),
                policies: try store.policyObservations(domain: domain, period: period),
                authentication: try store.authenticationBreakdown(domain: domain, period: period)))
        }
        return reports
    }

    func summaries(domains: [String], period: DayPeriod?) throws(StoreError) -> [String: DomainSummary] {
        let dmarc = try store.dmarcTotals(domains: domains, period: period)
        let tls = try store.tlsTotals(domains: domains, period: period)
        let breakdowns = try store.tlsBreakdowns(domains: domains, period: period)
        var result: [String: DomainSummary] = [:]
        for domain in Set(dmarc.keys).union(tls.keys) {
            result[domain] = DomainSummary(
                domain: domain, dmarc: dmarc[domain] ?? DMARCTotals(), tls: tls[domain] ?? TLSTotals(), tlsBreakdown: breakdowns[domain])
        }
        return result
    }
}
