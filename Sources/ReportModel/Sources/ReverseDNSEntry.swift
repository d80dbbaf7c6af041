/// What reverse DNS said about one IP address, as `mailtally enrich` caches it.
public struct ReverseDNSEntry: Hashable, Sendable {
    /// The outcome of the PTR lookup.
    public enum Status: String, Sendable, CaseIterable {
        /// The IP has PTR names (confirmed or not: see ``ReverseDNSEntry/confirmedName``).
        case found
        /// NXDOMAIN: no reverse zone entry for the IP.
        case notFound = "nxdomain"
        /// The name exists but holds no PTR record.
        case noData = "nodata"
        /// No answer within the timeout and retries.
        case timeout
        /// Any other failure (SERVFAIL, REFUSED, a malformed answer).
        case failed
    }

    /// The address looked up, as the reports give it: the cache's key.
    public var ip: String
    /// How the PTR lookup ended; it decides how long the entry is kept.
    public var status: Status
    /// The PTR names answered, lowercased, without the trailing dot.
    public var names: [String]
    /// The first PTR name whose A or AAAA records include the IP (forward-confirmed).
    public var confirmedName: String?
    /// The smallest TTL of the PTR answer, in seconds, when there was one.
    public var ttl: Int64?
    /// When the lookup ran and when it should be asked again (Unix seconds).
    public var resolvedAt: Int64
    /// When the entry goes stale and `enrich` asks again (from the TTL; sooner for failures).
    public var expiresAt: Int64
    /// The resolver's reason, for failures.
    public var detail: String?

    /// Makes an entry from a lookup or from the cache (no checks).
    public init(
        ip: String, status: Status, names: [String] = [], confirmedName: String? = nil, ttl: Int64? = nil,
        resolvedAt: Int64, expiresAt: Int64, detail: String? = nil
    ) {
        self.ip = ip
        self.status = status
        self.names = names
        self.confirmedName = confirmedName
        self.ttl = ttl
        self.resolvedAt = resolvedAt
        self.expiresAt = expiresAt
        self.detail = detail
    }

    /// The confirmed name, else the first name answered.
    public var name: String? { confirmedName ?? names.first }
    /// Whether a PTR name resolved back to the IP: only such a name names a source (docs/correlation.md).
    public var isConfirmed: Bool { confirmedName != nil }

    /// How sure reverse DNS is about the sender's identity, for classification.
    public var evidence: ReverseDNSEvidence {
        switch status {
        case .found: isConfirmed ? .confirmed : .unconfirmed
        case .notFound, .noData: .none
        case .timeout, .failed: .unknown
        }
    }
}

/// The reverse DNS evidence behind a source, from strongest to weakest.
public enum ReverseDNSEvidence: String, Sendable, Comparable {
    /// A PTR name that resolves back to the IP.
    case confirmed
    /// A PTR name that does not resolve back: anyone can claim one.
    case unconfirmed
    /// DNS answered: no PTR name.
    case none
    /// Never looked up, or the lookup failed.
    case unknown

    private var rank: Int {
        switch self {
        case .confirmed: 0
        case .unconfirmed: 1
        case .none: 2
        case .unknown: 3
        }
    }

    /// Stronger evidence sorts first: `confirmed`, `unconfirmed`, `none`, `unknown`.
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}
