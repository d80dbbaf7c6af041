import ReportModel

/// One sending source of a domain with the addresses behind it, for `mailtally sources`.
public struct SourceListing: Hashable, Sendable {
    /// One sending address of the source and its mail.
    public struct Address: Hashable, Sendable {
        /// The address as the reports give it (`source_ip`).
        public var ip: String
        /// The DMARC-reported messages from it.
        public var messages: Int64
        /// Of those, the ones that passed DMARC.
        public var dmarcPass: Int64
        /// The cached reverse DNS answer, when enrichment has run.
        public var reverseDNS: ReverseDNSEntry?
    }

    /// The source's correlation row: its key, name, totals and class.
    public var row: CorrelationRow
    /// Biggest first.
    public var addresses: [Address]

    /// Whether neither the source map nor the catalogue names the source.
    public var isUnnamed: Bool {
        row.service == nil && row.origin != .sourceMap && row.category != SourceCategory.own.name
    }

    /// A source map rule that would name this source: its PTR organisational domain as a suffix
    /// when reverse DNS named it, else its network.
    public var suggestedRule: String {
        row.origin == .reverseDNS ? "." + row.source : row.source
    }

    /// Listings per source from the correlation rows by source and the per-IP aggregates
    /// they were built from, biggest source first within each domain.
    public static func listings(
        rows: [CorrelationRow], aggregates: [DMARCSourceAggregate], builder: CorrelationBuilder
    ) -> [SourceListing] {
        struct Key: Hashable {
            var domain: String
            var source: String
        }
        let sources = builder.sources(of: aggregates)
        var addresses: [Key: [String: Address]] = [:]
        for aggregate in aggregates where !aggregate.sourceIP.isEmpty {
            let key = Key(domain: aggregate.domain, source: sources[aggregate.sourceIP]?.key ?? aggregate.sourceIP)
            var address =
                addresses[key]?[aggregate.sourceIP]
                ?? Address(
                    ip: aggregate.sourceIP, messages: 0, dmarcPass: 0,
                    reverseDNS: builder.reverseDNS[aggregate.sourceIP])
            address.messages.add(saturating: aggregate.totals.messages)
            address.dmarcPass.add(saturating: aggregate.totals.dmarcPass)
            addresses[key, default: [:]][aggregate.sourceIP] = address
        }
        return rows.filter { $0.dmarc.messages > 0 }.map { row in
            let list =
                addresses[Key(domain: row.domain, source: row.source)]?.values.sorted {
                    ($0.messages, $1.ip) > ($1.messages, $0.ip)
                } ?? []
            return SourceListing(row: row, addresses: list)
        }.sorted { a, b in
            a.row.domain != b.row.domain
                ? a.row.domain < b.row.domain
                : (a.row.dmarc.messages, b.row.source) > (b.row.dmarc.messages, a.row.source)
        }
    }
}
