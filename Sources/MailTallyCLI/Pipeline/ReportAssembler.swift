import ReportAnalysis
import ReportModel
import ReportStore

/// Gathers from the store what the stakeholder pack says about each domain, one domain at a
/// time: a pack over many large domains holds one of them in memory.
struct ReportAssembler {
    let store: any MailTallyStore
    let builder: CorrelationBuilder

    init(store: any MailTallyStore, resolver: SourceResolver) throws(StoreError) {
        self.store = store
        self.builder = try CorrelationQuery.builder(store, resolver: resolver)
    }

    /// The domains a pack covers: `domains`, or every domain in the store when it is empty.
    func domains(_ domains: [String]) throws(StoreError) -> [String] {
        domains.isEmpty ? try store.domains() : domains
    }

    /// What a pack shows beside the period's own figures.
    struct Options {
        /// Compare with the period of the same length just before.
        var compare = true
        /// A source is new when it sent nothing in this many days before the period (0: never says so).
        var newSourceDays = 30
        /// Show the last 90 days and 12 months beside the period.
        var longTrends = false
        /// Say how complete the period's last day probably is.
        var completeness = false
        /// Only what the findings need (`summary --format json`): no tables, drill-down or trends.
        var findingsOnly = false
        /// The latest transport check made by this time (Unix seconds) counts; nil: by the end
        /// of the day after the period, the night its pack is written.
        var transportThrough: Int64?
    }

    /// Everything the pack says about `domain` over `period`.
    /// - Parameter known: the period's summary and rows by source when the caller has them
    ///   already (`summary` does): not asked of the store again.
    func report(
        domain: String, period: DayPeriod, options: Options,
        known: (summary: DomainSummary, sources: [CorrelationRow])? = nil
    ) throws(StoreError) -> DomainReport {
        let selected = [domain]
        let length = period.lastDay - period.firstDay + 1
        let previousPeriod =
            options.compare ? DayPeriod(firstDay: period.firstDay - length, lastDay: period.firstDay - 1) : nil
        let current: DomainSummary
        if let known { current = known.summary } else { current = try summary(domain: domain, period: period) }
        let previous = try previousPeriod.map { period throws(StoreError) in try summary(domain: domain, period: period)
        }
        let bySource: [CorrelationRow]
        if let known {
            bySource = known.sources
        } else {
            bySource = try CorrelationQuery.rows(
                store, by: .source, builder: builder, domains: selected, period: period,
                countReports: !options.findingsOnly)
        }
        let byReporter =
            options.findingsOnly
            ? [] : try CorrelationQuery.rows(store, by: .reporter, builder: builder, domains: selected, period: period)
        var knownSources: Set<String> = []
        if options.newSourceDays > 0 {
            let window = DayPeriod(
                firstDay: period.firstDay - Int64(options.newSourceDays), lastDay: period.firstDay - 1)
            let rows = builder.rows(
                by: .source, dmarc: try store.dmarcSourceAggregates(domains: selected, period: window), tls: [])
            for row in rows where row.dmarc.messages > 0 { knownSources.insert(row.source) }
        }
        var completeness: Completeness?
        if options.completeness {
            let days = try store.reporterDays(
                domain: domain,
                period: DayPeriod(firstDay: period.lastDay - Completeness.baselineDays, lastDay: period.lastDay))
            completeness = Completeness.estimate(day: period.lastDay, reporterDays: days)
        }
        let transport = try transportEvidence(domain: domain, period: period, through: options.transportThrough)
        var report = DomainReport(
            domain: domain, period: period, previousPeriod: previousPeriod, summary: current, previous: previous,
            sources: bySource, knownSources: knownSources,
            knownSourcesWindow: options.newSourceDays > 0 ? options.newSourceDays : nil,
            reporters: byReporter,
            daily: options.findingsOnly ? [] : try store.dailyFigures(domain: domain, period: period),
            policies: try store.policyObservations(domain: domain, period: period),
            authentication: try store.authenticationBreakdown(
                domain: domain, period: period, overridesOnly: options.findingsOnly),
            // The transport findings join the live check with the failures reported per MX.
            tlsFailures: options.findingsOnly && transport == nil
                ? [] : try store.tlsFailureDetails(domain: domain, period: period).map(named),
            flaggedReports: try store.flaggedReports(domains: selected, period: period), completeness: completeness,
            trends: options.longTrends ? try trends(domain: domain, endingWith: period.lastDay) : [],
            transport: transport)
        if !options.findingsOnly {
            report.sourceDetails = try sourceDetails(domain: domain, period: period, sources: bySource)
        }
        return report
    }

    /// How many sources the pack details: the biggest, then the biggest failing ones.
    static let detailedSources = (biggest: 8, failing: 5, groups: 12)

    /// The record groups of the biggest sources and of the biggest failing ones.
    func sourceDetails(domain: String, period: DayPeriod, sources: [CorrelationRow]) throws(StoreError)
        -> [SourceDetail]
    {
        let sending = sources.filter { $0.dmarc.messages > 0 && !$0.sourceIPs.isEmpty }
        var chosen = Array(sending.prefix(Self.detailedSources.biggest))
        let failing = sending.filter { $0.dmarc.failed > 0 }.sorted {
            ($0.dmarc.failed, $1.source) > ($1.dmarc.failed, $0.source)
        }
        for row in failing.prefix(Self.detailedSources.failing)
        where !chosen.contains(where: { $0.source == row.source }) { chosen.append(row) }
        var sourceOfIP: [String: String] = [:]
        for row in chosen { for ip in row.sourceIPs { sourceOfIP[ip] = row.source } }
        let groups = try store.recordGroups(
            domain: domain, sourceOfIP: sourceOfIP, period: period, limit: Self.detailedSources.groups)
        return chosen.map { row in
            SourceDetail(
                name: row.displayName, key: row.source, sourceClass: row.verdict?.sourceClass,
                groups: groups[row.source] ?? [])
        }
    }

    /// The last 90 days by day and the last 12 months by month, ending with `last`.
    func trends(domain: String, endingWith last: Int64) throws(StoreError) -> [LongTrend] {
        let daily = try store.dailyFigures(domain: domain, period: DayPeriod(firstDay: last - 89, lastDay: last))
        let byDay = Dictionary(uniqueKeysWithValues: daily.map { ($0.day, $0) })
        let days = LongTrend(
            title: "Last 90 days", bucket: .day,
            points: ((last - 89)...last).map { day in
                (day, byDay[day]?.dmarc ?? DMARCTotals(), byDay[day]?.tls ?? TLSTotals())
            })
        // Twelve calendar months, the last one holding `last`.
        var starts: [Int64] = []
        var (year, month, _) = DayPeriod.civil(fromDays: last)
        for _ in 0..<12 {
            starts.insert(DayPeriod.daysFromCivil(year: year, month: month, day: 1), at: 0)
            month -= 1
            if month == 0 { (year, month) = (year - 1, 12) }
        }
        let yearly = try store.dailyFigures(domain: domain, period: DayPeriod(firstDay: starts[0], lastDay: last))
        var months = starts.map { (firstDay: $0, dmarc: DMARCTotals(), tls: TLSTotals()) }
        for figures in yearly {
            guard let index = starts.lastIndex(where: { $0 <= figures.day }) else { continue }
            months[index].dmarc.merge(figures.dmarc)
            months[index].tls.merge(figures.tls)
        }
        return [days, LongTrend(title: "Last 12 months", bucket: .month, points: months)]
    }

    /// A failure detail with its sending MTA's source (service name where known) and PTR name.
    /// The latest live check made by the end of the day after `period` (the night its pack is
    /// written), the one before it, and the TLS-RPT figures of the readiness window
    /// (docs/transport.md); nil when the domain was never checked.
    func transportEvidence(domain: String, period: DayPeriod, through: Int64? = nil) throws(StoreError)
        -> TransportEvidence?
    {
        let checks = try store.transportChecks(
            domains: [domain], through: through ?? period.end + DaySpread.secondsPerDay - 1, limit: 120)
        // A check from well before the period says nothing of it.
        guard let latest = checks.first, latest.checkedAt >= period.start - 7 * DaySpread.secondsPerDay else {
            return nil
        }
        var testingSince: Int64?
        for check in checks {
            guard check.mtaSTS.policy.value?.mode == .testing else { break }
            testingSince = check.checkedAt
        }
        let days = TransportEvidence.readinessDays
        let window = DayPeriod(firstDay: period.lastDay - days + 1, lastDay: period.lastDay)
        let opening = DayPeriod(firstDay: window.firstDay, lastDay: window.firstDay + 2)
        let breakdown = try store.tlsBreakdowns(domains: [domain], period: window)[domain]
        let totals = try store.tlsTotals(domains: [domain], period: window)[domain]
        let start = try store.tlsBreakdowns(domains: [domain], period: opening)[domain]
        let sts = breakdown?.byPolicyType["sts"]
        return TransportEvidence(
            latest: latest, previous: checks.dropFirst().first, testingSince: testingSince,
            window: ReadinessWindow(
                stsSessions: (sts?.successful ?? 0).saturatingAdd(sts?.failed ?? 0),
                failedSessions: totals?.failedSessions ?? 0, reporters: breakdown?.byReporter.count ?? 0,
                testingAtStart: start?.stsModesSeen.contains(.testing) ?? false,
                modesSeen: breakdown?.stsModesSeen ?? []))
    }

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
            domain: domain, dmarc: dmarc[domain] ?? DMARCTotals(), tls: tls[domain] ?? TLSTotals(),
            tlsBreakdown: breakdowns[domain])
    }
}
