/// DMARC messages from one source IP, as the store aggregates them for a policy domain.
public struct DMARCSourceAggregate: Hashable, Sendable {
    public var domain: String
    public var sourceIP: String
    /// The report's `org_name` and `email`, for `--by reporter`.
    public var reporterOrgName: String
    public var reporterEmail: String?
    /// Distinct reports that carry this (domain, IP, reporter).
    public var reports: Set<Int64>
    public var totals: DMARCTotals

    public init(
        domain: String, sourceIP: String, reporterOrgName: String, reporterEmail: String?, reports: Set<Int64>,
        totals: DMARCTotals
    ) {
        self.domain = domain
        self.sourceIP = sourceIP
        self.reporterOrgName = reporterOrgName
        self.reporterEmail = reporterEmail
        self.reports = reports
        self.totals = totals
    }
}

/// TLS sessions reported by one organisation for a policy domain.
public struct TLSReporterAggregate: Hashable, Sendable {
    public var domain: String
    public var organization: String
    public var contactInfo: String?
    public var reports: Set<Int64>
    public var totals: TLSTotals

    public init(domain: String, organization: String, contactInfo: String?, reports: Set<Int64>, totals: TLSTotals) {
        self.domain = domain
        self.organization = organization
        self.contactInfo = contactInfo
        self.reports = reports
        self.totals = totals
    }
}
