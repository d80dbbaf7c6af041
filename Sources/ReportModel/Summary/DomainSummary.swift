/// The totals of one policy domain over a period: the `summary` contract of docs/output.md.
public struct DomainSummary: Hashable, Sendable {
    /// The policy domain (lowercased, no trailing dot): the key of every summary row.
    public var domain: String
    /// DMARC counts over the period.
    public var dmarc: DMARCTotals
    /// TLS-RPT session counts over the period.
    public var tls: TLSTotals
    /// The TLS breakdowns, when they were asked for.
    public var tlsBreakdown: TLSBreakdown?

    /// Makes a summary, empty unless given.
    public init(
        domain: String, dmarc: DMARCTotals = .init(), tls: TLSTotals = .init(), tlsBreakdown: TLSBreakdown? = nil
    ) {
        self.domain = domain
        self.dmarc = dmarc
        self.tls = tls
        self.tlsBreakdown = tlsBreakdown
    }
}

/// DMARC counts per the counting rules of docs/counting.md. Every figure counts messages.
public struct DMARCTotals: Hashable, Sendable {
    /// Distinct reports; ``merge(_:)`` does not add them (the caller counts reports).
    public var reports: Int64
    /// Messages: each report's share of the period (docs/counting.md, "Date ranges").
    public var messages: Int64
    /// Messages with an aligned DKIM or SPF pass.
    public var dmarcPass: Int64
    /// Messages whose SPF passed and aligned.
    public var spfAlignedPass: Int64
    /// Messages whose DKIM passed and aligned.
    public var dkimAlignedPass: Int64
    /// Messages per disposition, every value seen (none, quarantine, reject, pass, ...).
    public var disposition: [Disposition: Int64]
    /// Messages that failed DMARC, per disposition: what receivers did with failing mail.
    public var failedDisposition: [Disposition: Int64] = [:]
    /// Messages that show a relay (``RelayEvidence``): an override reason naming a forwarder or
    /// a list, or a DKIM-only pass with our own SPF failing.
    public var relayed: Int64 = 0

    /// Makes totals; ``failedDisposition`` and ``relayed`` start at zero and are filled by `add`.
    public init(
        reports: Int64 = 0, messages: Int64 = 0, dmarcPass: Int64 = 0, spfAlignedPass: Int64 = 0,
        dkimAlignedPass: Int64 = 0, disposition: [Disposition: Int64] = [:]
    ) {
        self.reports = reports
        self.messages = messages
        self.dmarcPass = dmarcPass
        self.spfAlignedPass = spfAlignedPass
        self.dkimAlignedPass = dkimAlignedPass
        self.disposition = disposition
    }

    /// The share of messages that passed DMARC, or `nil` when there were none.
    public var passRate: Double? { messages > 0 ? Double(dmarcPass) / Double(messages) : nil }

    /// Messages that failed DMARC.
    public var failed: Int64 { max(0, messages - min(dmarcPass, messages)) }
    /// Failing messages the receivers rejected: the policy doing its job.
    public var failedRejected: Int64 { min(failedDisposition[.reject] ?? 0, failed) }
    /// Failing messages the receivers quarantined (spam folder): enforced, but delivered.
    public var failedQuarantined: Int64 {
        min(failedDisposition[.quarantine] ?? 0, failed - failedRejected)
    }
    /// Failing messages the receivers stopped: rejected or quarantined (never more than
    /// ``failed``, so the sum cannot overflow).
    public var failedStopped: Int64 { failedRejected + failedQuarantined }
    /// Failing messages delivered as if they passed (p=none, pct below 100, overrides).
    public var failedDelivered: Int64 { failed - failedStopped }
}

/// TLS-RPT session counts per the counting rules of docs/counting.md.
public struct TLSTotals: Hashable, Sendable {
    /// Distinct TLS reports; ``merge(_:)`` does not add them (the caller counts reports).
    public var reports: Int64
    /// `total-successful-session-count`, summed over policies and reports.
    public var successfulSessions: Int64
    /// `total-failure-session-count`, summed; need not match the failure details.
    public var failedSessions: Int64
    /// Sum of `failed-session-count` per result type over failure details; need not add up to
    /// ``failedSessions``.
    public var failuresByResultType: [String: Int64]

    /// Makes totals, zero unless given.
    public init(
        reports: Int64 = 0, successfulSessions: Int64 = 0, failedSessions: Int64 = 0,
        failuresByResultType: [String: Int64] = [:]
    ) {
        self.reports = reports
        self.successfulSessions = successfulSessions
        self.failedSessions = failedSessions
        self.failuresByResultType = failuresByResultType
    }

    /// All sessions, saturating; rates use the two counts (docs/counting.md, "Counts").
    public var sessions: Int64 { successfulSessions.saturatingAdd(failedSessions) }

    /// The share of sessions that succeeded, or `nil` when there were none.
    /// From the two counts, not from ``sessions``, which saturates.
    public var successRate: Double? {
        sessions > 0 ? Double(successfulSessions) / (Double(successfulSessions) + Double(failedSessions)) : nil
    }
}

extension DMARCTotals {
    /// Adds another set of totals' messages (reports are counted by the caller). Sums
    /// saturate instead of overflowing: counts come from strangers.
    public mutating func merge(_ other: DMARCTotals) {
        messages = messages.saturatingAdd(other.messages)
        dmarcPass = dmarcPass.saturatingAdd(other.dmarcPass)
        spfAlignedPass = spfAlignedPass.saturatingAdd(other.spfAlignedPass)
        dkimAlignedPass = dkimAlignedPass.saturatingAdd(other.dkimAlignedPass)
        relayed = relayed.saturatingAdd(other.relayed)
        for (name, count) in other.disposition {
            disposition[name] = disposition[name, default: 0].saturatingAdd(count)
        }
        for (name, count) in other.failedDisposition {
            failedDisposition[name] = failedDisposition[name, default: 0].saturatingAdd(count)
        }
    }

    /// Adds one group of messages of one disposition with their verdicts. Sums saturate.
    public mutating func add(
        messages count: Int64, dmarcPass pass: Int64, spfPass spf: Int64, dkimPass dkim: Int64,
        relayed relay: Int64 = 0,
        disposition name: Disposition
    ) {
        messages = messages.saturatingAdd(count)
        dmarcPass = dmarcPass.saturatingAdd(pass)
        spfAlignedPass = spfAlignedPass.saturatingAdd(spf)
        dkimAlignedPass = dkimAlignedPass.saturatingAdd(dkim)
        relayed = relayed.saturatingAdd(relay)
        disposition[name] = disposition[name, default: 0].saturatingAdd(count)
        let failing = max(0, count - min(pass, count))
        if failing > 0 { failedDisposition[name] = failedDisposition[name, default: 0].saturatingAdd(failing) }
    }
}

extension TLSTotals {
    /// Adds another set of totals' sessions (reports are counted by the caller), saturating.
    public mutating func merge(_ other: TLSTotals) {
        successfulSessions = successfulSessions.saturatingAdd(other.successfulSessions)
        failedSessions = failedSessions.saturatingAdd(other.failedSessions)
        for (type, count) in other.failuresByResultType {
            failuresByResultType[type] = failuresByResultType[type, default: 0].saturatingAdd(count)
        }
    }
}
