import ReportModel

/// One row of the correlation table (docs/correlation.md): how a source's mail to us authenticates, and
/// how its sessions to our MX hosts fare. Either side is zero when absent.
public struct CorrelationRow: Hashable, Sendable {
    /// The policy domain the row is about.
    public var domain: String
    /// The key of docs/correlation.md: what other tools and checks join on.
    public var source: String
    /// From the source map when a rule named one, else from the catalogue.
    public var category: String?
    /// The catalogue's service name, when known.
    public var service: String?
    /// What named the source (for `--by source`).
    public var origin: SourceResolver.Origin
    /// Mail sent as the domain from this source, as DMARC reports count it.
    public var dmarc: DMARCTotals
    /// Sessions to the domain's MX hosts, as TLS reports count them.
    public var tls: TLSTotals
    /// The source IPs behind the DMARC side (for `--by source`), sorted.
    public var sourceIPs: [String]
    /// The strongest reverse DNS evidence among the source IPs.
    public var evidence: ReverseDNSEvidence
    /// The class of the source over the period, when it sent DMARC-reported mail.
    public var verdict: SourceVerdict?

    /// A row; counts start at zero, for a side that has none.
    public init(
        domain: String, source: String, category: String? = nil, service: String? = nil,
        origin: SourceResolver.Origin = .network,
        dmarc: DMARCTotals = .init(), tls: TLSTotals = .init(), sourceIPs: [String] = [],
        evidence: ReverseDNSEvidence = .unknown,
        verdict: SourceVerdict? = nil
    ) {
        self.domain = domain
        self.source = source
        self.category = category
        self.service = service
        self.origin = origin
        self.dmarc = dmarc
        self.tls = tls
        self.sourceIPs = sourceIPs
        self.evidence = evidence
        self.verdict = verdict
    }

    /// The service name where known, else the key (organisational domain or network).
    public var displayName: String { service ?? source }
}

/// How the correlation is keyed.
public enum CorrelationKey: String, Sendable, CaseIterable {
    /// DMARC rows by the source of their IP; TLS sessions by their reporter.
    case source
    /// Both sides by reporter: "our relationship with Google".
    case reporter
}

/// Builds the correlation table from store aggregates; resolution happens here, at query time,
/// so a changed source map needs no re-import.
public struct CorrelationBuilder: Sendable {
    /// Names sources from the source map, the catalogue and the Public Suffix List.
    public var resolver: SourceResolver
    /// The reverse DNS cache by IP (filled by `mailtally enrich`); empty when none is known.
    public var reverseDNS: [String: ReverseDNSEntry]

    /// A builder over a resolver and the cached reverse DNS names.
    public init(resolver: SourceResolver, reverseDNS: [String: ReverseDNSEntry] = [:]) {
        self.resolver = resolver
        self.reverseDNS = reverseDNS
    }

    /// The source of a DMARC source IP, named by its forward-confirmed PTR name only.
    public func source(forIP ip: String) -> SourceResolver.Source {
        resolver.source(forIP: ip, ptr: reverseDNS[ip]?.confirmedName)
    }

    /// The source of every distinct IP of `aggregates`, each resolved once.
    public func sources(of aggregates: [DMARCSourceAggregate]) -> [String: SourceResolver.Source] {
        var sources: [String: SourceResolver.Source] = [:]
        for aggregate in aggregates where sources[aggregate.sourceIP] == nil {
            sources[aggregate.sourceIP] = source(forIP: aggregate.sourceIP)
        }
        return sources
    }

    /// The reverse DNS evidence of one IP.
    public func evidence(forIP ip: String) -> ReverseDNSEvidence { reverseDNS[ip]?.evidence ?? .unknown }

    /// The reporter key of a DMARC report's organisation and address.
    public func reporterKey(orgName: String, email: String?) -> String {
        resolver.dmarcReporter(orgName: orgName, email: email)
    }

    /// The correlation table.
    /// - Parameter dmarcReportCounts: distinct DMARC reports per domain and row key, when the
    ///   store counted them; otherwise the report sets of the aggregates are joined here.
    /// - Parameter resolvedSources: sources already resolved by IP (see ``sources(of:)``), so
    ///   that a caller that needed them first does not resolve every IP twice.
    public func rows(
        by key: CorrelationKey, dmarc: [DMARCSourceAggregate], tls: [TLSReporterAggregate],
        dmarcReportCounts: [String: [String: Int64]]? = nil, resolvedSources: [String: SourceResolver.Source] = [:]
    ) -> [CorrelationRow] {
        switch key {
        case .source:
            var keying = BySource(builder: self, sourceOfIP: resolvedSources)
            return rows(keyedBy: &keying, dmarc: dmarc, tls: tls, dmarcReportCounts: dmarcReportCounts)
        case .reporter:
            var keying = ByReporter(builder: self)
            return rows(keyedBy: &keying, dmarc: dmarc, tls: tls, dmarcReportCounts: dmarcReportCounts)
        }
    }

    /// The table with DMARC rows keyed by `keying`; TLS rows are always keyed by reporter.
    func rows<Keying: DMARCRowKeying>(
        keyedBy keying: inout Keying, dmarc: [DMARCSourceAggregate], tls: [TLSReporterAggregate],
        dmarcReportCounts: [String: [String: Int64]]?
    ) -> [CorrelationRow] {
        var table = RowAccumulators()
        for aggregate in dmarc {
            let source = keying.source(of: aggregate)
            let index = table.slot(aggregate.domain, key: source.key) { row(aggregate.domain, source) }
            keying.note(aggregate, in: &table.accumulators[index].row)
            table.accumulators[index].row.dmarc.merge(aggregate.totals)
            if !aggregate.reports.isEmpty { table.accumulators[index].dmarcReports.formUnion(aggregate.reports) }
            if !aggregate.sourceIP.isEmpty { table.accumulators[index].ips.insert(aggregate.sourceIP) }
        }
        for aggregate in tls {
            let name = resolver.tlsReporter(organization: aggregate.organization, contactInfo: aggregate.contactInfo)
            let index = table.slot(aggregate.domain, key: name) { row(aggregate.domain, named(name)) }
            table.accumulators[index].row.tls.merge(aggregate.totals)
            table.accumulators[index].tlsReports.formUnion(aggregate.reports)
        }
        var rows: [CorrelationRow] = []
        rows.reserveCapacity(table.accumulators.count)
        for entry in table.accumulators {
            var row = entry.row
            row.dmarc.reports =
                dmarcReportCounts.map { $0[row.domain]?[row.source] ?? 0 } ?? Int64(entry.dmarcReports.count)
            row.tls.reports = Int64(entry.tlsReports.count)
            keying.finish(&row, addresses: entry.ips)
            rows.append(row)
        }
        // Domain, then volume (messages and sessions), then name: the biggest sources first.
        return rows.sorted { a, b in
            if a.domain != b.domain { return a.domain < b.domain }
            let va = a.dmarc.messages.saturatingAdd(a.tls.sessions)
            let vb = b.dmarc.messages.saturatingAdd(b.tls.sessions)
            return va != vb ? va > vb : a.source < b.source
        }
    }
}

/// The rows being summed, one per (domain, key). They live in an array and are changed in
/// place: taking one out of a dictionary and putting it back would copy its sets every time.
struct RowAccumulators {
    struct Accumulator {
        var row: CorrelationRow
        var dmarcReports: Set<Int64> = []
        var tlsReports: Set<Int64> = []
        var ips: Set<String> = []
    }

    struct Key: Hashable {
        var domain: String
        var source: String
    }

    var accumulators: [Accumulator] = []
    var slots: [Key: Int] = [:]

    /// The index of the row of `domain` and `key`, made with `makeRow` when it is new.
    mutating func slot(_ domain: String, key name: String, _ makeRow: () -> CorrelationRow) -> Int {
        let key = Key(domain: domain, source: name)
        if let index = slots[key] { return index }
        accumulators.append(Accumulator(row: makeRow()))
        slots[key] = accumulators.count - 1
        return accumulators.count - 1
    }
}

/// How DMARC aggregates are keyed into rows: what `--by` names (docs/correlation.md).
protocol DMARCRowKeying {
    /// The source whose row an aggregate adds to.
    mutating func source(of aggregate: DMARCSourceAggregate) -> SourceResolver.Source
    /// Adds what an aggregate says about its row beyond the counts.
    func note(_ aggregate: DMARCSourceAggregate, in row: inout CorrelationRow)
    /// Completes a row once every aggregate is in: its addresses and its class, where the key
    /// has them.
    mutating func finish(_ row: inout CorrelationRow, addresses: Set<String>)
}

/// DMARC rows by the source of their IP, with the addresses, the reverse DNS evidence and the
/// class of each source.
struct BySource: DMARCRowKeying {
    let builder: CorrelationBuilder
    var sourceOfIP: [String: SourceResolver.Source]
    /// Each domain's own organisational domain, found once.
    var ownDomains: [String: String] = [:]

    init(builder: CorrelationBuilder, sourceOfIP: [String: SourceResolver.Source]) {
        self.builder = builder
        self.sourceOfIP = sourceOfIP
    }

    mutating func source(of aggregate: DMARCSourceAggregate) -> SourceResolver.Source {
        if let known = sourceOfIP[aggregate.sourceIP] { return known }
        let source = builder.source(forIP: aggregate.sourceIP)
        sourceOfIP[aggregate.sourceIP] = source
        return source
    }

    func note(_ aggregate: DMARCSourceAggregate, in row: inout CorrelationRow) {
        row.evidence = min(row.evidence, builder.evidence(forIP: aggregate.sourceIP))
    }

    mutating func finish(_ row: inout CorrelationRow, addresses: Set<String>) {
        row.sourceIPs = addresses.sorted()
        // The domain's own organisational domain: its own servers, a known sender.
        if row.origin == .reverseDNS && row.category == nil {
            let own =
                ownDomains[row.domain] ?? builder.resolver.publicSuffixList.organizationalDomain(of: row.domain)
            ownDomains[row.domain] = own
            if row.source == own { row.category = SourceCategory.own.name }
        }
        let source = SourceResolver.Source(
            key: row.source, category: row.category, service: row.service, origin: row.origin)
        row.verdict = SourceClassifier.classify(row.dmarc, source: source, evidence: row.evidence)
    }
}

/// DMARC rows by reporter: "our relationship with Google". Rows keep no addresses or class.
struct ByReporter: DMARCRowKeying {
    let builder: CorrelationBuilder
    struct Reporter: Hashable {
        var orgName: String
        var email: String?
    }

    var sourceOfReporter: [Reporter: SourceResolver.Source] = [:]

    init(builder: CorrelationBuilder) { self.builder = builder }

    mutating func source(of aggregate: DMARCSourceAggregate) -> SourceResolver.Source {
        let reporter = Reporter(orgName: aggregate.reporterOrgName, email: aggregate.reporterEmail)
        if let known = sourceOfReporter[reporter] { return known }
        let source = builder.named(
            builder.resolver.dmarcReporter(orgName: aggregate.reporterOrgName, email: aggregate.reporterEmail))
        sourceOfReporter[reporter] = source
        return source
    }

    func note(_ aggregate: DMARCSourceAggregate, in row: inout CorrelationRow) {}

    func finish(_ row: inout CorrelationRow, addresses: Set<String>) { row.sourceIPs = [] }
}

extension CorrelationBuilder {
    /// A reporter (or any key that is not an IP's source) with what the catalogue knows of it.
    func named(_ key: String) -> SourceResolver.Source {
        let entry = resolver.known(key)
        return SourceResolver.Source(
            key: key, category: entry?.category.name, service: entry?.service,
            origin: entry == nil ? .reverseDNS : .catalogue)
    }

    func row(_ domain: String, _ source: SourceResolver.Source) -> CorrelationRow {
        CorrelationRow(
            domain: domain, source: source.key, category: source.category, service: source.service,
            origin: source.origin)
    }
}
