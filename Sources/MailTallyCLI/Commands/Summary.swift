import ArgumentParser
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore

extension MailTally {
    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Totals per policy domain: DMARC messages and verdicts, TLS sessions.",
            discussion: """
                Without --since/--until every report counts whole. With them, each record's count \
                is spread over the UTC days its report covers, in proportion to the overlap. The \
                sources part names the biggest senders and counts sources per class (see correlate).

                Examples:
                  mailtally summary
                  mailtally summary --format json --domain example.com --since 2026-11-01 --until 2026-11-30
                  mailtally summary --format csv > summary.csv
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var query: QueryOptions
        @OptionGroup var resolver: ResolverOptions

        @Option(
            help:
                "For the JSON's findings: a source is new when it sent no mail in this many days before the period (as report)."
        )
        var newSourceDays: Int = 30

        func validate() throws {
            guard (0...3650).contains(newSourceDays) else {
                throw ValidationError("--new-source-days takes 0 to 3650, not \(newSourceDays)")
            }
        }

        func run() throws {
            let resolver = try self.resolver.makeResolver()
            let database = try store.open(mustExist: true)
            let period = try query.period()
            let summaries: [DomainSummary]
            let views: [DomainSummaryView]
            do {
                let dmarc = try database.dmarcTotals(domains: query.normalizedDomains, period: period)
                let tls = try database.tlsTotals(domains: query.normalizedDomains, period: period)
                let breakdowns = try database.tlsBreakdowns(domains: query.normalizedDomains, period: period)
                summaries = Set(dmarc.keys).union(tls.keys).sorted().map { domain in
                    DomainSummary(
                        domain: domain, dmarc: dmarc[domain] ?? DMARCTotals(), tls: tls[domain] ?? TLSTotals(),
                        tlsBreakdown: breakdowns[domain])
                }
                // The sources one domain at a time: a view keeps its classes and biggest sources,
                // so memory holds one domain's sources, not every domain's.
                let builder = try CorrelationQuery.builder(database, resolver: resolver)
                let columns = DomainSummaryView.dispositionColumns(for: summaries)
                // JSON carries the findings the pack gives for the same period (all time: the days
                // the reports cover, with no earlier period to compare with).
                let assembler = query.format == .json ? try ReportAssembler(store: database, resolver: resolver) : nil
                let covered = assembler == nil ? nil : try period ?? database.coveredDays()
                views = try summaries.map { summary throws(StoreError) in
                    let sources = try CorrelationQuery.rows(
                        database, by: .source, builder: builder, domains: [summary.domain], period: period,
                        countReports: false)
                    var view = DomainSummaryView(summary: summary, dispositionColumns: columns, sources: sources)
                    view.transport = try database.transportChecks(
                        domains: [summary.domain],
                        through: period.map { $0.end + DaySpread.secondsPerDay - 1 } ?? Int64.max, limit: 1
                    ).first
                    if let assembler, let covered {
                        let options = ReportAssembler.Options(
                            compare: period != nil, newSourceDays: newSourceDays, longTrends: false,
                            completeness: false, findingsOnly: true,
                            transportThrough: period == nil ? Int64.max : nil)
                        // Over the asked period, the figures just read serve the findings too.
                        let known = period == nil ? nil : (summary, sources)
                        view.findings = try assembler.report(
                            domain: summary.domain, period: covered, options: options, known: known
                        ).findings
                    }
                    return view
                }
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            Terminal.write(query.format.summaryRenderer(width: Terminal.width).render(views))
        }
    }
}
