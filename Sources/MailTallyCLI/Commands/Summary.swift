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
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var query: QueryOptions
        @OptionGroup var resolver: ResolverOptions

        func run() throws {
            let resolver = try self.resolver.makeResolver()
            let database = try store.open(mustExist: true)
            let period = try query.period()
            let dmarc: [String: DMARCTotals]
            let tls: [String: TLSTotals]
            let breakdowns: [String: TLSBreakdown]
            let sources: [CorrelationRow]
            do {
                dmarc = try database.dmarcTotals(domains: query.normalizedDomains, period: period)
                tls = try database.tlsTotals(domains: query.normalizedDomains, period: period)
                breakdowns = try database.tlsBreakdowns(domains: query.normalizedDomains, period: period)
                sources = try Correlate.correlation(
                    database, by: .source, resolver: resolver, domains: query.normalizedDomains, period: period, countReports: false)
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            let summaries = Set(dmarc.keys).union(tls.keys).sorted().map { domain in
                DomainSummary(
                    domain: domain, dmarc: dmarc[domain] ?? DMARCTotals(), tls: tls[domain] ?? TLSTotals(),
                    tlsBreakdown: breakdowns[domain])
            }
            Terminal.write(query.format.summaryRenderer(width: Terminal.width).render(DomainSummaryView.views(for: summaries, sources: sources)))
        }
    }
}
