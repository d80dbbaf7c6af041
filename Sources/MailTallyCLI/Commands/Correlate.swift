import ArgumentParser
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore

extension MailTally {
    struct Correlate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One row per policy domain and sending source: DMARC outcomes beside TLS sessions.",
            discussion: """
                --by source keys DMARC rows by the source of their IP (the source map, else the \
                forward-confirmed PTR name cached by `mailtally enrich`: a catalogue entry or its \
                organisational domain, else the IP's /24 or /48) and TLS sessions by their reporter, \
                and classes each source (authorised, forwarder, misconfigured, suspicious, unknown); \
                --by reporter keys both sides by reporter. Sources are resolved when you ask, so a \
                changed source map or a later enrich needs no re-import.

                Examples:
                  mailtally correlate --source-map sources.csv
                  mailtally correlate --by reporter --format json
                  mailtally correlate --format csv --since 2026-11-01 > correlation.csv
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var query: QueryOptions
        @OptionGroup var resolver: ResolverOptions

        @Option(help: "Key rows by source or by reporter.")
        var by: CorrelationKey = .source

        func run() throws {
            let resolver = try self.resolver.makeResolver()
            let database = try store.open(mustExist: true)
            let period = try query.period()
            // A group of domains at a time, written as it comes: every domain of a large store
            // in one go held all its rows (a gigabyte for 600,000 sources).
            let writer = query.format.correlationWriter(by: by, width: Terminal.width)
            do {
                let builder = try CorrelationQuery.builder(database, resolver: resolver)
                try CorrelationQuery.forEachDomainGroup(database, domains: query.normalizedDomains) {
                    domains throws(StoreError) in
                    let rows = try CorrelationQuery.rows(
                        database, by: by, builder: builder, domains: domains, period: period)
                    writer.write(rows, to: Terminal.write)
                    return rows.count
                }
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            writer.finish(Terminal.write)
        }
    }
}
