/// DMARC messages from one source IP, as the store aggregates them for a policy domain.
public struct DMARCSourceAggregate: Hashable, Sendable {
    /// The policy domain the mail was sent as.
    public var domain: String
    /// The records' `source_ip`; the caller resolves it to a source (docs/correlation.md).
    public var sourceIP: String
    /// The report's `org_name` and `email`, for `--by reporter`.
    public var reporterOrgName: String
    /// The report's `email`: for `--by reporter`, its organisational domain comes first.
    public var reporterEmail: String?
    /// Distinct reports that carry this (domain, IP, reporter).
    public var reports: Set<Int64>
    /// The messages' DMARC counts over the period.
    public var totals: DMARCTotals

    /// Makes an aggregate from the store's sums.
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
    /// The policy domain the sessions were for.
    public var domain: String
    /// The report's `organization-name`, as written.
    public var organization: String
    /// `contact-info`, when given: its organisational domain names the reporter (docs/correlation.md).
    public var contactInfo: String?
    /// Store ids of the reports counted, so that distinct reports can be counted per row.
    public var reports: Set<Int64>
    /// The sessions over the period.
    public var totals: TLSTotals

    /// Makes an aggregate from the store's sums.
    public init(domain: String, organization: String, contactInfo: String?, reports: Set<Int64>, totals: TLSTotals) {
        self.domain = domain
        self.organization = organization
        self.contactInfo = contactInfo
        self.reports = reports
        self.totals = totals
    }
}
