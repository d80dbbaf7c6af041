import ReportModel

/// Everything the stakeholder pack says about one domain over one period.
public struct DomainReport: Sendable {
    public var domain: String
    public var period: DayPeriod
    /// The period of the same length just before, for the headline changes.
    public var previousPeriod: DayPeriod?
    public var summary: DomainSummary
    public var previous: DomainSummary?
    /// Correlation rows of this domain, by source.
    public var sources: [CorrelationRow]
    /// Source keys with DMARC messages in the previous period.
    public var previousSources: Set<String>
    /// Correlation rows of this domain, by reporter.
    public var reporters: [CorrelationRow]
    public var daily: [DailyFigures]
    public var policies: [PolicyObservation]
    public var authentication: AuthenticationBreakdown
    /// TLS failures as reporters itemised them, with the sending MTA named where known.
    public var tlsFailures: [TLSFailureGroup]
    public var findings: [Finding]

    public init(
        domain: String, period: DayPeriod, previousPeriod: DayPeriod?, summary: DomainSummary, previous: DomainSummary?,
        sources: [CorrelationRow], previousSources: Set<String>, reporters: [CorrelationRow], daily: [DailyFigures],
        policies: [PolicyObservation], authentication: AuthenticationBreakdown, tlsFailures: [TLSFailureGroup] = [],
        thresholds: FindingThresholds = .init()
    ) {
        self.domain = domain
        self.period = period
        self.previousPeriod = previousPeriod
        self.summary = summary
        self.previous = previous
        self.sources = sources
        self.previousSources = previousSources
        self.reporters = reporters
        self.daily = daily
        self.policies = policies
        self.authentication = authentication
        self.tlsFailures = tlsFailures
        self.findings = []
        self.findings = FindingRules(thresholds: thresholds).findings(for: self)
    }

    /// The report without its tables (sources, reporters, daily figures): what an index needs.
    public var indexEntry: DomainReport {
        var entry = self
        entry.sources = []
        entry.reporters = []
        entry.daily = []
        entry.policies = []
        entry.authentication = AuthenticationBreakdown()
        entry.tlsFailures = []
        return entry
    }

    /// Whether the period holds no report at all for the domain.
    public var isEmpty: Bool { summary.dmarc.reports == 0 && summary.tls.reports == 0 }
}
