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
                changed source map or a later enrich needs no re-import. --by mx lists each MX host \
                of the latest `mailtally check` beside the TLS sessions reporters saw fail there \
                (and hosts only the reports name).

                Examples:
                  mailtally correlate --source-map sources.csv
                  mailtally correlate --by reporter --format json
                  mailtally correlate --by mx --domain example.com
                  mailtally correlate --format csv --since 2026-11-01 > correlation.csv
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var query: QueryOptions
        @OptionGroup var resolver: ResolverOptions

        @Option(
            help: "Key rows by source, by reporter, or by MX host (the live check beside the failures reported there).")
        var by: CorrelateBy = .source

        /// `--by`: the correlation's keys, or the MX hosts.
        enum CorrelateBy: String, ExpressibleByArgument, CaseIterable {
            case source, reporter, mx
        }

        func run() throws {
            guard let by = CorrelationKey(rawValue: by.rawValue) else { return try runByMX() }
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

        /// `--by mx`: each MX host's latest live state beside the failures reporters saw there.
        func runByMX() throws {
            let database = try store.open(mustExist: true)
            let period = try query.period()
            var rows: [MXCorrelationRow] = []
            do {
                let domains = query.normalizedDomains.isEmpty ? try database.domains() : query.normalizedDomains
                for domain in domains where !domain.isEmpty {
                    let check = try database.transportChecks(
                        domains: [domain], through: period.map { $0.end + DaySpread.secondsPerDay - 1 } ?? Int64.max,
                        limit: 1
                    ).first
                    rows += MXCorrelationRow.rows(
                        domain: domain, check: check,
                        failures: try database.tlsFailureDetails(domain: domain, period: period))
                }
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            Terminal.write(MXCorrelationRow.render(rows, format: query.format, width: Terminal.width))
        }
    }
}
