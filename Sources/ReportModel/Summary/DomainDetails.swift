/// Figures of one UTC day for a domain: the daily series of the stakeholder pack.
public struct DailyFigures: Hashable, Sendable {
    /// The day number (days since 1970-01-01 UTC).
    public var day: Int64
    /// DMARC counts spread onto this day (docs/counting.md, "Date ranges").
    public var dmarc: DMARCTotals
    /// TLS-RPT session counts spread onto this day.
    public var tls: TLSTotals

    /// Makes a day's figures, empty unless given.
    public init(day: Int64, dmarc: DMARCTotals = .init(), tls: TLSTotals = .init()) {
        self.day = day
        self.dmarc = dmarc
        self.tls = tls
    }
}

/// A published DMARC policy as reporters saw it, with when it was first and last seen.
public struct PolicyObservation: Hashable, Sendable {
    /// The published record as compared between reports: one observation per distinct policy.
    public var policy: PublishedPolicy
    /// The begin of the earliest report that saw it (seconds since the epoch).
    public var firstSeen: Int64
    /// The begin of the latest report that saw it: when it was last known in force.
    public var lastSeen: Int64
    /// How many reports saw it.
    public var reports: Int64
    /// The `np` (RFC 9990) the latest report that gave one saw; not part of ``policy``, which
    /// is compared between reports, some of which leave `np` out.
    public var reportedNP: Disposition?
    /// The begin of the report that gave ``reportedNP``.
    public var reportedNPSince: Int64 = .min

    /// Makes an observation; ``reportedNP`` is filled in as reports are read.
    public init(policy: PublishedPolicy, firstSeen: Int64, lastSeen: Int64, reports: Int64) {
        self.policy = policy
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.reports = reports
    }

    /// `p=none sp=none pct=100 adkim=r aspf=r`, the tags that were published.
    public var tags: String {
        let pairs: [(String, String?)] = [
            ("p", policy.p?.rawValue), ("sp", policy.sp?.rawValue), ("np", (reportedNP ?? policy.np)?.rawValue),
            ("pct", policy.pct),
            ("adkim", policy.adkim?.rawValue), ("aspf", policy.aspf?.rawValue), ("t", policy.testing?.rawValue),
        ]
        return pairs.compactMap { key, value in value.map { "\(key)=\($0)" } }.joined(separator: " ")
    }
}

/// Who signs and who passes SPF for a domain's mail, and why receivers overrode the policy.
public struct AuthenticationBreakdown: Hashable, Sendable {
    /// Messages per DKIM signing domain and selector (`example.com` / `s1`), with how many passed.
    public var dkim: [Key: Counts]
    /// Messages per SPF domain checked (the envelope domain, or the HELO name where that was
    /// the scope), with how many passed.
    public var spf: [Key: Counts]
    /// Messages per override reason type.
    public var overrideReasons: [String: Int64]

    /// A DKIM signing domain and selector, or an SPF domain (with an empty selector).
    public struct Key: Hashable, Sendable, Comparable {
        /// The DKIM `d=` domain, or the domain SPF checked.
        public var domain: String
        /// The DKIM selector; empty for SPF.
        public var selector: String
        /// Makes a key; leave out `selector` for SPF.
        public init(domain: String, selector: String = "") {
            self.domain = domain
            self.selector = selector
        }
        /// Orders by domain, then selector, for stable tables.
        public static func < (a: Key, b: Key) -> Bool { (a.domain, a.selector) < (b.domain, b.selector) }
    }

    /// Messages seen with one key, and how many of them had a raw (unaligned) `pass`.
    public struct Counts: Hashable, Sendable {
        /// Messages with this signature or SPF check.
        public var messages: Int64 = 0
        /// Those whose raw result was `pass`.
        public var passed: Int64 = 0
        /// Makes counts, zero unless given.
        public init(messages: Int64 = 0, passed: Int64 = 0) {
            self.messages = messages
            self.passed = passed
        }
    }

    /// Makes a breakdown, empty unless given.
    public init(dkim: [Key: Counts] = [:], spf: [Key: Counts] = [:], overrideReasons: [String: Int64] = [:]) {
        self.dkim = dkim
        self.spf = spf
        self.overrideReasons = overrideReasons
    }
}

/// Failed TLS sessions of one kind from one sending MTA, as reporters itemised them.
public struct TLSFailureGroup: Hashable, Sendable {
    /// The sending MTA's address, when the reporter gave one (Microsoft does not).
    public var sendingMTAIP: String?
    /// The RFC 8460 `result-type` as received (`certificate-expired`, ...).
    public var resultType: String
    /// Which of our MX hosts the sessions failed at, when the reporter said.
    public var receivingMX: String?
    /// The reporting organisation.
    public var reporter: String
    /// Failed sessions, spread over the period's days like every count.
    public var failedSessions: Int64
    /// The sending MTA's source name and PTR name, filled in when the pack is assembled.
    public var source: String?
    /// The PTR name alone (see ``source``), when reverse DNS has one cached.
    public var ptr: String?

    /// Makes a group as the store sums it; ``source`` and ``ptr`` are filled in later.
    public init(
        sendingMTAIP: String?, resultType: String, receivingMX: String?, reporter: String, failedSessions: Int64
    ) {
        self.sendingMTAIP = sendingMTAIP
        self.resultType = resultType
        self.receivingMX = receivingMX
        self.reporter = reporter
        self.failedSessions = failedSessions
    }
}

/// A stored report whose date range is not believed as it stands (``RangeFlags``): kept, and
/// counted over ``counted`` instead (docs/counting.md, "Date ranges").
public struct FlaggedReport: Hashable, Sendable, CustomStringConvertible {
    /// Which of the two report types it is.
    public enum Kind: String, Sendable {
        /// A DMARC aggregate report.
        case dmarc
        /// An SMTP TLS report.
        case tlsrpt = "tls-rpt"
    }
    /// A DMARC aggregate report or a TLS report.
    public var kind: Kind
    /// The policy domain (for a TLS report, the alphabetically first of its policies' domains).
    public var domain: String
    /// The reporting organisation as the report names it (`org_name`, `organization-name`).
    public var reporter: String
    /// The reporter's own id for the report.
    public var reportID: String
    /// The date range as written: kept, as it is part of the duplicate key.
    public var range: DateRange
    /// The span its counts were spread over instead (``DateRange/countedSpan(arrival:)``).
    public var counted: DateRange
    /// Which rules applied: why ``range`` is not believed.
    public var flags: RangeFlags
    /// The input it came from, and when it was stored.
    public var input: String
    /// When it was stored (Unix seconds); 0 until the store sets it.
    public var importedAt: Int64 = 0

    /// Makes an entry from stored values; ``importedAt`` is set separately.
    public init(
        kind: Kind, domain: String, reporter: String, reportID: String, range: DateRange, counted: DateRange,
        flags: RangeFlags,
        input: String
    ) {
        self.kind = kind
        self.domain = domain
        self.reporter = reporter
        self.reportID = reportID
        self.range = range
        self.counted = counted
        self.flags = flags
        self.input = input
    }

    /// "DMARC report 123 from google.com states 1970-01-01 to 2026-11-30 (begins-before-2012);
    /// counted on 2026-11-30".
    public var description: String {
        let kindName = kind == .dmarc ? "DMARC" : "TLS-RPT"
        let stated = "\(kindName) report \(reportID) from \(reporter) states \(Self.describe(range))"
        return "\(stated) (\(flags.names)); counted on \(Self.describe(counted))"
    }

    static func describe(_ range: DateRange) -> String {
        let first = DaySpread.day(of: range.begin)
        let last = DaySpread.day(of: Swift.max(range.begin, range.end - 1))
        return first == last
            ? DayPeriod.isoDate(ofDay: first)
            : "\(DayPeriod.isoDate(ofDay: first)) to \(DayPeriod.isoDate(ofDay: last))"
    }
}

extension RangeFlags {
    /// The flags of their stored form (``names``); unknown names are ignored.
    public init(names: String) {
        self = []
        for name in names.split(separator: ",") {
            switch name {
            case "begins-before-2012": insert(.beginsBefore2012)
            case "ends-in-the-future": insert(.endsInTheFuture)
            case "longer-than-31-days": insert(.tooLong)
            default: continue
            }
        }
    }
}

/// DMARC records of one source alike in everything but their source IP and report: the
/// per-source drill-down (`mailtally records`, the pack's source details).
public struct RecordGroup: Hashable, Sendable {
    /// The header From domain the group's mail carried.
    public var headerFrom: String?
    /// The envelope (MAIL FROM) domain, when reported.
    public var envelopeFrom: String?
    /// Each DKIM signature's raw result.
    public var dkimResults: [DKIMAuthResult]
    /// Each SPF check's raw result.
    public var spfResults: [SPFAuthResult]
    /// The DMARC-aligned DKIM verdict (`policy_evaluated/dkim`).
    public var alignedDKIM: AlignedVerdict?
    /// The DMARC-aligned SPF verdict (`policy_evaluated/spf`).
    public var alignedSPF: AlignedVerdict?
    /// What the receivers did with the mail.
    public var disposition: Disposition?
    /// Why receivers overrode the policy, if they did.
    public var reasons: [OverrideReason]
    /// Messages, whole reports counted (not spread over days).
    public var messages: Int64
    /// Distinct reports and source IPs behind the group.
    public var reports: Int64
    /// The source IPs the group's mail came from.
    public var sourceIPs: [String]

    /// Makes a group from stored values (no checks).
    public init(
        headerFrom: String?, envelopeFrom: String?, dkimResults: [DKIMAuthResult], spfResults: [SPFAuthResult],
        alignedDKIM: AlignedVerdict?, alignedSPF: AlignedVerdict?, disposition: Disposition?, reasons: [OverrideReason],
        messages: Int64, reports: Int64, sourceIPs: [String]
    ) {
        self.headerFrom = headerFrom
        self.envelopeFrom = envelopeFrom
        self.dkimResults = dkimResults
        self.spfResults = spfResults
        self.alignedDKIM = alignedDKIM
        self.alignedSPF = alignedSPF
        self.disposition = disposition
        self.reasons = reasons
        self.messages = messages
        self.reports = reports
        self.sourceIPs = sourceIPs
    }

    /// Whether the group passed DMARC.
    public var passesDMARC: Bool { alignedDKIM == .pass || alignedSPF == .pass }

    /// `example.com s1=pass; mailer.example=fail`: every DKIM signature with its result.
    public var dkimText: String {
        dkimResults.map { result in
            (result.domain ?? "?") + (result.selector.map { " \($0)" } ?? "") + "=" + (result.result?.rawValue ?? "?")
        }.joined(separator: "; ")
    }

    /// `bounce.esp.example=pass (mfrom)`: every SPF check with its result and scope.
    public var spfText: String {
        spfResults.map { result in
            (result.domain ?? "?") + "=" + (result.result?.rawValue ?? "?")
                + (result.scope.map { " (\($0.rawValue))" } ?? "")
        }.joined(separator: "; ")
    }

    /// `forwarded; local_policy: list`: every override reason with its comment.
    public var reasonsText: String {
        reasons.map { reason in (reason.type?.rawValue ?? "?") + (reason.comment.map { ": \($0)" } ?? "") }.joined(
            separator: "; ")
    }
}
