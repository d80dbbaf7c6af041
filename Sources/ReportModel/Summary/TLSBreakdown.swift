/// Where a domain's TLS sessions succeed and fail: by policy, receiving MX, reporter.
public struct TLSBreakdown: Hashable, Sendable {
    /// Session counts for one key (a policy type, an MX host, a reporter).
    public struct Sessions: Hashable, Sendable {
        /// Distinct reports with this key.
        public var reports: Int64
        /// Sessions that succeeded.
        public var successful: Int64
        /// Sessions that failed.
        public var failed: Int64

        /// Makes counts, zero unless given.
        public init(reports: Int64 = 0, successful: Int64 = 0, failed: Int64 = 0) {
            self.reports = reports
            self.successful = successful
            self.failed = failed
        }
    }

    /// Sessions per policy type (`sts`, `tlsa`, `no-policy-found`, ...).
    public var byPolicyType: [String: Sessions]
    /// Failed sessions per receiving MX host name from the failure details; reporters that give
    /// none (Microsoft, Mail.ru) count under an empty name.
    public var failuresByReceivingMX: [String: Int64]
    /// Sessions per reporting organisation.
    public var byReporter: [String: Sessions]
    /// The MTA-STS mode of the most recent report that applied an sts policy, with its max_age.
    public var stsMode: MTASTSMode?
    /// That policy's `max_age` in seconds, when a number.
    public var stsMaxAge: Int64?
    /// Every MTA-STS mode seen in the period.
    public var stsModesSeen: [MTASTSMode]
    /// Sum of `failed-session-count` over all failure details (may differ from the totals).
    public var detailedFailures: Int64

    /// Makes a breakdown, empty unless given.
    public init(
        byPolicyType: [String: Sessions] = [:], failuresByReceivingMX: [String: Int64] = [:],
        byReporter: [String: Sessions] = [:], stsMode: MTASTSMode? = nil, stsMaxAge: Int64? = nil,
        stsModesSeen: [MTASTSMode] = [], detailedFailures: Int64 = 0
    ) {
        self.byPolicyType = byPolicyType
        self.failuresByReceivingMX = failuresByReceivingMX
        self.byReporter = byReporter
        self.stsMode = stsMode
        self.stsMaxAge = stsMaxAge
        self.stsModesSeen = stsModesSeen
        self.detailedFailures = detailedFailures
    }
}
