import ReportModel

/// One row of the correlation table (brief §3): how a source's mail to us authenticates, and
/// how its sessions to our MX hosts fare. Either side is zero when absent.
public struct CorrelationRow: Hashable, Sendable {
    public var domain: String
    public var source: String
    /// From the source map, when a rule named one.
    public var category: String?
    public var dmarc: DMARCTotals
    public var tls: TLSTotals
    /// The source IPs behind the DMARC side (for `--by source`), sorted.
    public var sourceIPs: [String]

    public init(domain: String, source: String, category: String? = nil, dmarc: DMARCTotals = .init(), tls: TLSTotals = .init(), sourceIPs: [String] = []) {
        self.domain = domain
        self.source = source
        self.category = category
        self.dmarc = dmarc
        self.tls = tls
        self.sourceIPs = sourceIPs
    }
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
    public var resolver: SourceResolver
    /// Cached PTR names by IP (filled by enrichment); empty when none are known.
    public var ptrNames: [String: String]

    public init(resolver: SourceResolver, ptrNames: [String: String] = [:]) {
        self.resolver = resolver
        self.ptrNames = ptrNames
    }

    /// The source key of a DMARC source IP, as `rows(by: .source, ...)` names it.
    public func sourceKey(forIP ip: String) -> String {
        resolver.source(forIP: ip, ptr: ptrNames[ip]).key
    }

    /// The reporter key of a DMARC report's organisation and address.
    public func reporterKey(orgName: String, email: String?) -> String {
        resolver.dmarcReporter(orgName: orgName, email: email)
    }

    /// The correlation table.
    /// - Parameter dmarcReportCounts: distinct DMARC reports per domain and row key, when the
    ///   store counted them; otherwise the report sets of the aggregates are joined here.
    public func rows(
        by key: CorrelationKey, dmarc: [DMARCSourceAggregate], tls: [TLSReporterAggregate],
        dmarcReportCounts: [String: [String: Int64]]? = nil
    ) -> [CorrelationRow] {
        struct Accumulator {
            var row: CorrelationRow
            var dmarcReports: Set<Int64> = []
            var tlsReports: Set<Int64> = []
            var ips: Set<String> = []
        }
        var table: [String: [String: Accumulator]] = [:]
        for aggregate in dmarc {
            let name: String
            var category: String?
            switch key {
            case .source:
                let source = resolver.source(forIP: aggregate.sourceIP, ptr: ptrNames[aggregate.sourceIP])
                name = source.key
                category = source.category
            case .reporter:
                name = resolver.dmarcReporter(orgName: aggregate.reporterOrgName, email: aggregate.reporterEmail)
            }
            var entry = table[aggregate.domain]?[name] ?? Accumulator(row: CorrelationRow(domain: aggregate.domain, source: name))
            if entry.row.category == nil { entry.row.category = category }
            entry.row.dmarc.merge(aggregate.totals)
            entry.dmarcReports.formUnion(aggregate.reports)
            if !aggregate.sourceIP.isEmpty { entry.ips.insert(aggregate.sourceIP) }
            table[aggregate.domain, default: [:]][name] = entry
        }
        for aggregate in tls {
            let name = resolver.tlsReporter(organization: aggregate.organization, contactInfo: aggregate.contactInfo)
            var entry = table[aggregate.domain]?[name] ?? Accumulator(row: CorrelationRow(domain: aggregate.domain, source: name))
            entry.row.tls.merge(aggregate.totals)
            entry.tlsReports.formUnion(aggregate.reports)
            table[aggregate.domain, default: [:]][name] = entry
        }
        var rows: [CorrelationRow] = []
        for (_, sources) in table {
            for (_, entry) in sources {
                var row = entry.row
                row.dmarc.reports = dmarcReportCounts.map { $0[row.domain]?[row.source] ?? 0 } ?? Int64(entry.dmarcReports.count)
                row.tls.reports = Int64(entry.tlsReports.count)
                row.sourceIPs = key == .source ? entry.ips.sorted() : []
                rows.append(row)
            }
        }
        // Domain, then volume (messages and sessions), then name: the biggest sources first.
        return rows.sorted { a, b in
            if a.domain != b.domain { return a.domain < b.domain }
            let va = a.dmarc.messages &+ a.tls.sessions
            let vb = b.dmarc.messages &+ b.tls.sessions
            return va != vb ? va > vb : a.source < b.source
        }
    }
}

extension DMARCTotals {
    /// Adds another set of totals (reports are counted by the caller).
    public mutating func merge(_ other: DMARCTotals) {
        messages &+= other.messages
        dmarcPass &+= other.dmarcPass
        spfAlignedPass &+= other.spfAlignedPass
        dkimAlignedPass &+= other.dkimAlignedPass
        for (key, value) in other.disposition { disposition[key, default: 0] &+= value }
    }
}

extension TLSTotals {
    public mutating func merge(_ other: TLSTotals) {
        successfulSessions &+= other.successfulSessions
        failedSessions &+= other.failedSessions
        for (key, value) in other.failuresByResultType { failuresByResultType[key, default: 0] &+= value }
    }
}
