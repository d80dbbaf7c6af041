import ReportModel

/// What a finding says, as numbers and names. The rules decide and count here; the rendering
/// module turns facts into the sentences people read (text, evidence, action), so wording
/// changes in one place and every format (pack, JSON, digest) says the same.
public enum FindingFacts: Hashable, Sendable {
    /// Failing mail of unauthorised sources delivered, and what the policy in force was.
    case spoofingDelivered(messages: Int64, sources: Int, policy: PolicyInForce, senders: [SourceFigures])
    /// Failing mail of unauthorised sources that receivers rejected or quarantined.
    case spoofingBlocked(
        messages: Int64, sources: Int, rejected: Int64, quarantined: Int64, senders: [SourceFigures])
    /// Failing mail of known services that receivers rejected or quarantined.
    case knownSenderBlocked(
        messages: Int64, sources: Int, domain: String, senders: [SourceFigures], named: NamedSources)
    /// Failing mail of known services that was delivered.
    case knownSenderFailing(messages: Int64, sources: Int, senders: [SourceFigures], named: NamedSources)
    /// Relayed mail that failed.
    case forwardedFailing(messages: Int64, senders: [SourceFigures])
    /// Failing mail of sources that mostly pass.
    case authorisedPartlyFailing(messages: Int64, sources: Int, senders: [SourceFigures])
    /// Sources not seen in the `windowDays` before the period; `shown` are the first of them.
    case newSources(count: Int, windowDays: Int, domain: String, shown: [NewSource])
    /// The pass rate now and in the period before, with the counts behind each.
    case passRateDrop(
        before: Double, now: Double, passed: Int64, messages: Int64, passedBefore: Int64,
        messagesBefore: Int64)
    /// Failed TLS sessions that reporters did not itemise by result type.
    case tlsFailuresUndetailed(failed: Int64, reports: Int64, domain: String)
    /// Failed TLS sessions itemised by result type, none on the certificate.
    case tlsFailures(TLSFailureFigures)
    /// Failed TLS sessions, some on the certificate (`certificate` of them).
    case tlsCertificateFailures(certificate: Int64, TLSFailureFigures)
    /// MTA-STS in testing while sessions fail.
    case stsTestingFailures(failed: Int64, maxAge: Int64?)
    /// Sessions under `no-policy-found`.
    case noPolicyFound(sessions: Int64, reports: Int64, domain: String)
    /// p=none while `rate` of the mail passes.
    case readyForEnforcement(rate: Double, passed: Int64, messages: Int64, tags: String)
    /// Reports whose date ranges cannot be right; `shown` are the first of them.
    case implausibleDateRange(count: Int, shown: [FlaggedReport])
    /// What the live transport check found, joined with the reports.
    case transport(TransportFacts)
}

/// The DMARC policy a domain published, as far as it explains why failing mail was delivered.
public enum PolicyInForce: Hashable, Sendable {
    /// No report gave a policy.
    case unknown
    /// p=none: receivers take no action.
    case monitor
    /// An enforcing policy, with what let failing mail through it: a `pct` below 100, and the
    /// override reasons receivers gave (by type, with their message counts).
    case enforcing(Disposition, pct: Int?, overrides: [Tally])
}

/// One source behind a finding, with the figures its line of evidence states.
public struct SourceFigures: Hashable, Sendable {
    /// The service name, else the source key.
    public var name: String
    /// Its class over the period, when it has one.
    public var sourceClass: SourceClass?
    /// Messages of the source that failed DMARC.
    public var failed: Int64
    /// All messages of the source.
    public var messages: Int64
    /// The messages the finding is about (delivered, stopped, …).
    public var counted: Int64
    /// Its first addresses, and whether it has more.
    public var addresses: [String]
    /// Whether the source has more addresses than ``addresses``.
    public var moreAddresses: Bool

    /// A source's figures, as the rule counted them.
    public init(
        name: String, sourceClass: SourceClass?, failed: Int64, messages: Int64, counted: Int64, addresses: [String],
        moreAddresses: Bool
    ) {
        self.name = name
        self.sourceClass = sourceClass
        self.failed = failed
        self.messages = messages
        self.counted = counted
        self.addresses = addresses
        self.moreAddresses = moreAddresses
    }
}

/// The names of the biggest sources an action names, and how many more there are.
public struct NamedSources: Hashable, Sendable {
    /// The names, biggest first.
    public var names: [String]
    /// How many sources are not named.
    public var more: Int

    /// Names and the count of the rest.
    public init(names: [String], more: Int) {
        self.names = names
        self.more = more
    }
}

/// A source seen for the first time in the period.
public struct NewSource: Hashable, Sendable {
    /// The service name, else the source key.
    public var name: String
    /// Its class over the period, when it has one.
    public var sourceClass: SourceClass?
    /// Its messages in the period.
    public var messages: Int64
    /// The share of its messages that passed DMARC.
    public var passRate: Double?

    /// A new source's figures.
    public init(name: String, sourceClass: SourceClass?, messages: Int64, passRate: Double?) {
        self.name = name
        self.sourceClass = sourceClass
        self.messages = messages
        self.passRate = passRate
    }
}

/// A name with a count: a result type, an MX host, an override reason.
public struct Tally: Hashable, Sendable {
    /// What is counted.
    public var name: String
    /// How many.
    public var count: Int64

    /// A name and its count.
    public init(_ name: String, _ count: Int64) {
        self.name = name
        self.count = count
    }
}

/// The figures behind a TLS failure finding.
public struct TLSFailureFigures: Hashable, Sendable {
    /// The domain whose MX hosts the sessions went to.
    public var domain: String
    /// Failed sessions per result type, certificate failures first, then biggest first.
    public var byResultType: [Tally]
    /// Failed sessions per named MX host, biggest first (the first few).
    public var byMX: [Tally]
    /// The failed sessions reporters itemised by result type.
    public var itemised: Int64
    /// The failed sessions reporters gave in total (may differ from ``itemised``).
    public var total: Int64
    /// The named MX host with the most failed sessions.
    public var worstMX: String?

    /// The figures, as the rule counted them.
    public init(
        domain: String, byResultType: [Tally], byMX: [Tally], itemised: Int64, total: Int64, worstMX: String?
    ) {
        self.domain = domain
        self.byResultType = byResultType
        self.byMX = byMX
        self.itemised = itemised
        self.total = total
        self.worstMX = worstMX
    }
}
