import ReportAnalysis
import ReportModel
import ReportStore

/// Gathers from the store what the stakeholder pack says about each domain, one domain at a
/// time: a pack over many large domains holds one of them in memory.
struct ReportAssembler {
    let store: ReportStore
    let builder: CorrelationBuilder

    init(store: ReportStore, resolver: SourceResolver) throws(StoreError) {
        self.store = store
        self.builder = try CorrelationQuery.builder(store, resolver: resolver)
    }

    /// The domains a pack covers: `domains`, or every domain in the store when it is empty.
    func domains(_ domains: [String]) throws(StoreError) -> [String] {
        domains.isEmpty ? try store.domains() : domains
    }

    /// Everything the pack says about `domain` over `period` (and the period of the same length
    /// just before, when `compare`).
    func report(domain: String, period: DayPeriod, compare: Bool) throws(StoreError) -> DomainReport {
        let selected = [domain]
        let length = period.lastDay - period.firstDay + 1
        let previousPeriod = compare ? DayPeriod(firstDay: period.firstDay - length, lastDay: period.firstDay - 1) : nil
        let current = try summary(domain: domain, period: period)
        let previous = try previousPeriod.map { period throws(StoreError) in try summary(domain: domain, period: period) }
        let bySource = try CorrelationQuery.rows(store, by: .source, builder: builder, domains: selected, period: period)
        let byReporter = try CorrelationQuery.rows(store, by: .reporter, builder: builder, domains: selected, period: period)
        var previousSources: Set<String> = []
        if let previousPeriod {
            let rows = builder.rows(by: .source, dmarc: try store.dmarcSourceAggregates(domains: selected, period: previousPeriod), tls: [])
            for row in rows where row.dmarc.messages > 0 { previousSources.insert(row.source) }
        }
        return DomainReport(
            domain: domain, period: period, previousPeriod: previousPeriod, summary: current, previous: previous,
            sources: bySource, previousSources: previousSources, reporters: byReporter,
            daily: try store.dailyFigures(domain: domain, period: period),
            policies: try store.policyObservations(domain: domain, period: period),
            authentication: try store.authenticationBreakdown(domain: domain, period: period),
            tlsFailures: try store.tlsFailureDetails(domain: domain, period: period).map(named))
    }

    /// A failure detail with its sending MTA's source (service name where known) and PTR name.
    func named(_ detail: TLSFailureGroup) -> TLSFailureGroup {
        guard let ip = detail.sendingMTAIP, !ip.isEmpty else { return detail }
        var named = detail
        named.source = builder.source(forIP: ip).displayName
        named.ptr = builder.reverseDNS[ip]?.name
        return named
    }

    func summary(domain: String, period: DayPeriod?) throws(StoreError) -> DomainSummary {
        let dmarc = try store.dmarcTotals(domains: [domain], period: period)
        let tls = try store.tlsTotals(domains: [domain], period: period)
        let breakdowns = try store.tlsBreakdowns(domains: [domain], period: period)
        return DomainSummary(
            domain: domain, dmarc: dmarc[domain] ?? DMARCTotals(), tls: tls[domain] ?? TLSTotals(), tlsBreakdown: breakdowns[domain])
    }
}
