/// Figures of one UTC day for a domain: the daily series of the stakeholder pack.
public struct DailyFigures: Hashable, Sendable {
    public var day: Int64
    public var dmarc: DMARCTotals
    public var tls: TLSTotals

    public init(day: Int64, dmarc: DMARCTotals = .init(), tls: TLSTotals = .init()) {
        self.day = day
        self.dmarc = dmarc
        self.tls = tls
    }
}

/// A published DMARC policy as reporters saw it, with when it was first and last seen.
public struct PolicyObservation: Hashable, Sendable {
    public var policy: PublishedPolicy
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var reports: Int64

    public init(policy: PublishedPolicy, firstSeen: Int64, lastSeen: Int64, reports: Int64) {
        self.policy = policy
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.reports = reports
    }

    /// `p=none sp=none pct=100 adkim=r aspf=r`, the tags that were published.
    public var tags: String {
        let pairs: [(String, String?)] = [
            ("p", policy.p?.rawValue), ("sp", policy.sp?.rawValue), ("np", policy.np?.rawValue), ("pct", policy.pct),
            ("adkim", policy.adkim?.rawValue), ("aspf", policy.aspf?.rawValue), ("t", policy.testing?.rawValue),
        ]
        return pairs.compactMap { key, value in value.map { "\(key)=\($0)" } }.joined(separator: " ")
    }
}

/// Who signs and who passes SPF for a domain's mail, and why receivers overrode the policy.
public struct AuthenticationBreakdown: Hashable, Sendable {
    /// Messages per DKIM signing domain and selector (`example.com` / `s1`), with how many passed.
    public var dkim: [Key: Counts]
    /// Messages per SPF domain (the envelope domain), with how many passed.
    public var spf: [Key: Counts]
    /// Messages per override reason type.
    public var overrideReasons: [String: Int64]

    public struct Key: Hashable, Sendable, Comparable {
        public var domain: String
        public var selector: String
        public init(domain: String, selector: String = "") {
            self.domain = domain
            self.selector = selector
        }
        public static func < (a: Key, b: Key) -> Bool { (a.domain, a.selector) < (b.domain, b.selector) }
    }

    public struct Counts: Hashable, Sendable {
        public var messages: Int64 = 0
        public var passed: Int64 = 0
        public init(messages: Int64 = 0, passed: Int64 = 0) {
            self.messages = messages
            self.passed = passed
        }
    }

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
    public var resultType: String
    public var receivingMX: String?
    /// The reporting organisation.
    public var reporter: String
    public var failedSessions: Int64
    /// The sending MTA's source name and PTR name, filled in when the pack is assembled.
    public var source: String?
    public var ptr: String?

    public init(sendingMTAIP: String?, resultType: String, receivingMX: String?, reporter: String, failedSessions: Int64) {
        self.sendingMTAIP = sendingMTAIP
        self.resultType = resultType
        self.receivingMX = receivingMX
        self.reporter = reporter
        self.failedSessions = failedSessions
    }
}
