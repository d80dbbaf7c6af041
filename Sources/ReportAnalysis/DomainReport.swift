import ReportModel

/// Everything the stakeholder pack says about one domain over one period.
public struct DomainReport: Sendable {
    /// The policy domain the report is about.
    public var domain: String
    /// The UTC days it covers, both inclusive.
    public var period: DayPeriod
    /// The period of the same length just before, for the headline changes.
    public var previousPeriod: DayPeriod?
    /// The domain's DMARC and TLS totals over ``period``.
    public var summary: DomainSummary
    /// The same totals over ``previousPeriod``, for the headline changes; nil when not compared.
    public var previous: DomainSummary?
    /// Correlation rows of this domain, by source.
    public var sources: [CorrelationRow]
    /// Source keys with DMARC messages in the days before the period (``knownSourcesWindow``
    /// of them): a source outside this set is new.
    public var knownSources: Set<String>
    /// How many days before the period ``knownSources`` covers; nil when not looked at.
    public var knownSourcesWindow: Int?
    /// Reports counted in the period whose date range is flagged.
    public var flaggedReports: [FlaggedReport]
    /// How complete the period's last day probably is, when it was estimated.
    public var completeness: Completeness?
    /// Pass rate and volume over longer spans, ending with the period.
    public var trends: [LongTrend]
    /// What the mail of the biggest and the failing sources looked like.
    public var sourceDetails: [SourceDetail] = []
    /// Correlation rows of this domain, by reporter.
    public var reporters: [CorrelationRow]
    /// The domain's figures day by day over the period, for the daily table and the charts.
    public var daily: [DailyFigures]
    /// The policies reporters saw published for the domain, with when they saw each.
    public var policies: [PolicyObservation]
    /// Messages by DKIM and SPF result, and the receivers' override reasons.
    public var authentication: AuthenticationBreakdown
    /// TLS failures as reporters itemised them, with the sending MTA named where known.
    public var tlsFailures: [TLSFailureGroup]
    /// The live transport check stored by the end of the period, with what it is compared with;
    /// nil when the domain was never checked (`mailtally check`, docs/transport.md).
    public var transport: TransportEvidence?
    /// What the pack says about the domain, most severe first (docs/findings.md, "Findings"); worked out
    /// by the initialiser from everything else.
    public var findings: [Finding]

    /// Gathers a domain's figures and works out its ``findings`` from them, under `thresholds`.
    public init(
        domain: String, period: DayPeriod, previousPeriod: DayPeriod?, summary: DomainSummary, previous: DomainSummary?,
        sources: [CorrelationRow], knownSources: Set<String> = [], knownSourcesWindow: Int? = nil,
        reporters: [CorrelationRow],
        daily: [DailyFigures], policies: [PolicyObservation], authentication: AuthenticationBreakdown,
        tlsFailures: [TLSFailureGroup] = [], flaggedReports: [FlaggedReport] = [], completeness: Completeness? = nil,
        trends: [LongTrend] = [], transport: TransportEvidence? = nil, thresholds: FindingThresholds = .init()
    ) {
        self.domain = domain
        self.period = period
        self.previousPeriod = previousPeriod
        self.summary = summary
        self.previous = previous
        self.sources = sources
        self.knownSources = knownSources
        self.knownSourcesWindow = knownSourcesWindow
        self.flaggedReports = flaggedReports
        self.completeness = completeness
        self.trends = trends
        self.reporters = reporters
        self.daily = daily
        self.policies = policies
        self.authentication = authentication
        self.tlsFailures = tlsFailures
        self.transport = transport
        self.findings = []
        self.findings = FindingRules(thresholds: thresholds).findings(for: self)
    }

    /// The report with `check` as its latest transport check (the one before it kept as the
    /// previous), its findings worked out again: what `check --no-store` shows.
    public func replacingTransport(_ check: TransportCheck, thresholds: FindingThresholds = .init()) -> DomainReport {
        var report = self
        let old = transport
        report.transport = TransportEvidence(
            latest: check, previous: old?.latest,
            testingSince: check.mtaSTS.policy.value?.mode == .testing
                ? (old?.testingSince ?? check.checkedAt) : nil, window: old?.window)
        report.findings = FindingRules(thresholds: thresholds).findings(for: report)
        return report
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
        entry.knownSources = []
        entry.trends = []
        entry.sourceDetails = []
        return entry
    }

    /// Whether the period holds no report at all for the domain.
    public var isEmpty: Bool { summary.dmarc.reports == 0 && summary.tls.reports == 0 }
}

/// How complete a day's reports probably are: reporters send a day's report one to three days
/// late, so a pack written the morning after has heard from some of the usual ones only.
public struct Completeness: Hashable, Sendable {
    /// The day estimated.
    public var day: Int64
    /// Reporters that covered at least half the days of the baseline before `day`.
    public var usual: [String]
    /// Usual reporters with a report covering `day`.
    public var heard: [String]
    /// Reporters covering `day` that are not usual ones.
    public var others: [String]

    /// The usual reporters not heard from yet.
    public var missing: [String] { usual.filter { !heard.contains($0) } }

    /// Whether every usual reporter has reported (or there are none to wait for).
    public var isComplete: Bool { missing.isEmpty }

    /// The days before `day` that say who reports usually.
    public static let baselineDays: Int64 = 14

    /// - Parameter reporterDays: for each reporter, the days its reports cover, over at least
    ///   the baseline and `day`.
    public static func estimate(day: Int64, reporterDays: [String: Set<Int64>]) -> Completeness {
        let baseline = (day - baselineDays)...(day - 1)
        var usual: [String] = []
        var heard: [String] = []
        var others: [String] = []
        for (reporter, days) in reporterDays {
            let covered = days.filter { baseline.contains($0) }.count
            let isUsual = Int64(covered) * 2 >= baselineDays
            if isUsual { usual.append(reporter) }
            if days.contains(day) {
                if isUsual { heard.append(reporter) } else { others.append(reporter) }
            }
        }
        return Completeness(day: day, usual: usual.sorted(), heard: heard.sorted(), others: others.sorted())
    }

    /// "3 of 4 usual reporters have reported for 2026-12-05 (still to come: yahoo! inc.)".
    public var sentence: String {
        let date = DayPeriod.isoDate(ofDay: day)
        if usual.isEmpty {
            return "No reporter sends reports for this domain every day yet; nothing to wait for on \(date)."
        }
        if isComplete { return "All \(usual.count) usual reporters have reported for \(date)." }
        return "\(heard.count) of \(usual.count) usual reporters have reported for \(date) (still to come: "
            + missing.joined(separator: ", ") + "); late reports are added when the pack is written again."
    }
}

/// Pass rate and volume per bucket (day or month) over a long span, for the trend tables.
public struct LongTrend: Hashable, Sendable {
    /// What one point of a trend covers.
    public enum Bucket: String, Sendable {
        /// A UTC day; a calendar month.
        case day, month
    }
    /// `Last 90 days` or `Last 12 months`.
    public var title: String
    /// What each of ``points`` covers.
    public var bucket: Bucket
    /// One entry per bucket, oldest first: its first day and its totals.
    public var points: [(firstDay: Int64, dmarc: DMARCTotals, tls: TLSTotals)]

    /// A trend; `points` oldest first.
    public init(title: String, bucket: Bucket, points: [(firstDay: Int64, dmarc: DMARCTotals, tls: TLSTotals)]) {
        self.title = title
        self.bucket = bucket
        self.points = points
    }

    /// Equal when title, bucket and every point match (tuples rule out a synthesised `Equatable`).
    public static func == (a: LongTrend, b: LongTrend) -> Bool {
        a.title == b.title && a.bucket == b.bucket && a.points.count == b.points.count
            && zip(a.points, b.points).allSatisfy {
                $0.firstDay == $1.firstDay && $0.dmarc == $1.dmarc && $0.tls == $1.tls
            }
    }

    /// Hashes only the title and the number of points: cheap, and consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(title)
        hasher.combine(points.count)
    }
}

/// One source's DMARC records grouped by what they say (``RecordGroup``): the drill-down.
public struct SourceDetail: Hashable, Sendable {
    /// The source as the tables name it, and its key.
    public var name: String
    /// Its source key (docs/correlation.md, "The source key").
    public var key: String
    /// Its class over the period; nil when it sent no DMARC-reported mail.
    public var sourceClass: SourceClass?
    /// Its records grouped by what they say, biggest first (the store caps how many).
    public var groups: [RecordGroup]

    /// A source's drill-down as the pack shows it.
    public init(name: String, key: String, sourceClass: SourceClass?, groups: [RecordGroup]) {
        self.name = name
        self.key = key
        self.sourceClass = sourceClass
        self.groups = groups
    }
}
