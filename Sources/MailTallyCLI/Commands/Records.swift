import ArgumentParser
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore

extension MailTally {
    struct Records: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "What one source's mail looked like: header and envelope From, DKIM and SPF, dispositions, overrides.",
            discussion: """
                The DMARC records of one source sending as one domain, grouped by everything they \
                say but their IP: the header From (subdomains included), the envelope From, every \
                DKIM signature (domain, selector, result), every SPF check (domain, scope, result), \
                the aligned verdicts, the disposition and the receivers' override reasons. A \
                source is named as `sources` and `correlate` name it: its key (`google.com`, \
                `192.0.2.0/24`), its service name (`Google`) or one of its addresses. Messages are \
                counted whole per report (not spread over days).

                Examples:
                  mailtally records --domain example.com --source Google
                  mailtally records --domain example.com --source 192.0.2.7 --since 2026-11-01 --format csv
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var resolver: ResolverOptions

        @Option(help: "The policy domain.")
        var domain: String

        @Option(help: "The source: its key, its service name, or one of its IP addresses.")
        var source: String

        @Option(help: "First UTC day to include (YYYY-MM-DD).")
        var since: String?

        @Option(help: "Last UTC day to include, whole (YYYY-MM-DD).")
        var until: String?

        @Option(help: "Output format: text, md, csv or json.")
        var format: OutputFormat = .text

        @Option(help: "Show at most this many groups, biggest first.")
        var limit: Int = 200

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let resolver = try self.resolver.makeResolver()
            var selection = PeriodOptions()
            selection.since = since
            selection.until = until
            let period = try selection.period()
            let database = try store.open(mustExist: true)
            let domain = PublishedPolicy.normalizedDomain(self.domain)
            do {
                let builder = try CorrelationQuery.builder(database, resolver: resolver)
                let aggregates = try database.dmarcSourceAggregates(domains: [domain], period: period)
                let sources = builder.sources(of: aggregates)
                let wanted = source.lowercased()
                // An address first, then a key, then a service name; among equals, the first key.
                let byIP = sources[source] ?? sources.first { $0.key.lowercased() == wanted }?.value
                let byKey = sources.values.filter { $0.key.lowercased() == wanted }.min { $0.key < $1.key }
                let byService = sources.values.filter { $0.service?.lowercased() == wanted }.min { $0.key < $1.key }
                guard let first = byIP ?? byKey ?? byService else {
                    var known = Set(sources.values.map { $0.service ?? $0.key }).sorted()
                    if known.count > 12 { known = Array(known.prefix(12)) + ["…"] }
                    throw ValidationError(
                        "no source '\(source)' sends as \(domain) in this period"
                            + (known.isEmpty ? " (no DMARC records)" : "; sources: " + known.joined(separator: ", ")))
                }
                // An address names its whole source.
                let key = first.key
                let ips = sources.filter { $0.value.key == key }.map(\.key).sorted()
                let groups = try database.recordGroups(domain: domain, sourceIPs: ips, period: period, limit: limit)
                let described = period.map(DomainPage.describe) ?? "all time"
                Terminal.write(
                    RecordGroupTable.render(
                        groups, source: first.service.map { "\($0) (\(key))" } ?? key, domain: domain,
                        period: described, format: format,
                        width: Terminal.width))
            } catch let error as StoreError {
                throw CommandFailure(.database, "\(error)")
            }
        }
    }
}
