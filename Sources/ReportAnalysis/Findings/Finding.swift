import ReportModel

/// What a postmaster should know about a domain, with the numbers behind it (docs/findings.md
/// lists every code with its severity). The rules fill in ``facts``; the rendering module says
/// them as a sentence, its evidence and the action to take.
public struct Finding: Hashable, Sendable {
    /// How urgent: `critical` needs action now (mail of ours refused, spoofing delivered in
    /// volume, certificates failing), `warning` needs action soon, `notice` is worth knowing
    /// (the policy doing its job, new sources, readiness).
    public enum Severity: String, Sendable, Comparable, CaseIterable {
        /// The levels, most urgent first.
        case critical, warning, notice

        var rank: Int { self == .critical ? 0 : self == .warning ? 1 : 2 }
        /// Critical sorts first: lists go most severe first.
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// A stable identifier of the rule (`spoofing-delivered`, `tls-certificate-failures`).
    public var code: FindingCode
    /// How urgent it is.
    public var severity: Severity
    /// What the finding is about: the domain, or the MX host or policy it names.
    public var subject: String
    /// The numbers and names the finding states.
    public var facts: FindingFacts

    /// Whether the live transport check found it (docs/findings.md, "Transport findings").
    public var isTransport: Bool {
        if case .transport = facts { return true }
        return false
    }

    /// A finding of a rule.
    public init(code: FindingCode, severity: Severity, subject: String, facts: FindingFacts) {
        self.code = code
        self.severity = severity
        self.subject = subject
        self.facts = facts
    }
}

/// The thresholds the rules use.
public struct FindingThresholds: Sendable {
    /// A drop of the DMARC pass rate by more than this many percentage points is flagged.
    public var passRateDropPoints: Double = 5
    /// A p=none policy with at least this pass rate is ready for enforcement...
    public var readyPassRate: Double = 0.98
    /// ...once at least this many messages were seen.
    public var readyMinimumMessages: Int64 = 100
    /// Failing mail delivered from unauthorised sources is critical from this share of the
    /// domain's messages on (a warning below it).
    public var criticalDeliveredShare: Double = 0.05
    /// How many sources, MX hosts or reports to name in the evidence.
    public var topSources = 5
    /// How many of a source's addresses to show in its line of evidence.
    public var addressesPerSource = 3
    /// How many sources to name in an action ("Fix SPF or DKIM for A, B, C and 2 more").
    public var sourcesNamedInAction = 3

    /// The thresholds docs/findings.md states.
    public init() {}
}

/// The stable identifier of a finding's rule (docs/findings.md has the table): what scripts
/// and the digest key on, so it never changes once published.
public struct FindingCode: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The code as written in JSON, CSV and the pack (`spoofing-delivered`).
    public var rawValue: String

    /// A code from its text; any text is kept, so a code read back from elsewhere survives.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The code as written.
    public var description: String { rawValue }

    /// Codes sort by their text, for stable listings.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Failing mail of unauthorised sources was delivered.
    public static let spoofingDelivered = Self(rawValue: "spoofing-delivered")
    /// Failing mail of unauthorised sources was rejected or quarantined.
    public static let spoofingBlocked = Self(rawValue: "spoofing-blocked")
    /// Receivers refused failing mail of known services sending as the domain.
    public static let knownSenderBlocked = Self(rawValue: "known-sender-blocked")
    /// Failing mail of known services was delivered.
    public static let knownSenderFailing = Self(rawValue: "known-sender-failing")
    /// Mail relayed by forwarders or lists failed DMARC.
    public static let forwardedFailing = Self(rawValue: "forwarded-failing")
    /// Some mail of sources that mostly pass failed DMARC.
    public static let authorisedPartlyFailing = Self(rawValue: "authorised-partly-failing")
    /// Sources sent mail that sent none in the window before.
    public static let newSources = Self(rawValue: "new-sources")
    /// The DMARC pass rate fell against the period before.
    public static let passRateDrop = Self(rawValue: "pass-rate-drop")
    /// TLS sessions failed on the MX certificate.
    public static let tlsCertificateFailures = Self(rawValue: "tls-certificate-failures")
    /// TLS sessions failed, none on the certificate.
    public static let tlsFailures = Self(rawValue: "tls-failures")
    /// MTA-STS is in testing while sessions fail.
    public static let stsTestingFailures = Self(rawValue: "sts-testing-failures")
    /// Senders found no MTA-STS or DANE policy.
    public static let noPolicyFound = Self(rawValue: "no-policy-found")
    /// p=none while nearly all mail passes.
    public static let readyForEnforcement = Self(rawValue: "ready-for-enforcement")
    /// A report states a date range that cannot be right.
    public static let implausibleDateRange = Self(rawValue: "implausible-date-range")
}
