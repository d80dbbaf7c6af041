import ArgumentParser
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore

extension MailTally {
    struct Sources: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The sending sources of each domain: addresses, PTR names, service, class and volume.",
            discussion: """
                One line per source (one per address in CSV), biggest first. --unknown keeps the \
                sources that neither your source map nor the shipped catalogue names, with a \
                suggested source map rule for each (suggested_rule in CSV and JSON): the place to \
                start extending your map. Run `mailtally enrich` first for PTR names.

                Examples:
                  mailtally sources --domain example.com
                  mailtally sources --unknown --format csv > unknown.csv
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var query: QueryOptions
        @OptionGroup var resolver: ResolverOptions

        @Flag(help: "Only the sources nothing names yet, biggest first.")
        var unknown = false

        func run() throws {
            let resolver = try self.resolver.makeResolver()
            let database = try store.open(mustExist: true)
            let period = try query.period()
            // A group of domains at a time, written as it comes (see `correlate`).
            let renderer = SourceListWriter(format: query.format, width: Terminal.width)
            do {
                let builder = try CorrelationQuery.builder(database, resolver: resolver)
                try CorrelationQuery.forEachDomainGroup(database, domains: query.normalizedDomains) {
                    domains throws(StoreError) in
                    let aggregates = try database.dmarcSourceAggregates(domains: domains, period: period)
                    let rows = try CorrelationQuery.rows(
                        database, by: .source, builder: builder, domains: domains, period: period,
                        aggregates: aggregates)
                    var listings = SourceListing.listings(rows: rows, aggregates: aggregates, builder: builder)
                    if unknown { listings = listings.filter(\.isUnnamed) }
                    renderer.write(listings, to: Terminal.write)
                    return rows.count
                }
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            renderer.finish(Terminal.write)
        }
    }
}
