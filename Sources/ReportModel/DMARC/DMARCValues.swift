/// What the receiver did with the messages (`policy_evaluated/disposition`, `p`, `sp`, `np`).
///
/// RFC 9990 adds `pass`; reporters also send values such as `softfail` (rspamd), kept as received.
public struct Disposition: OpenValue {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `none`: no action (monitoring). Not named `none` to stay clear of `Optional.none`.
    public static let monitor = Self(rawValue: "none")
    public static let quarantine = Self(rawValue: "quarantine")
    public static let reject = Self(rawValue: "reject")
    /// RFC 9990: no action, the message passed DMARC under an enforcing policy.
    public static let pass = Self(rawValue: "pass")

    /// The dispositions RFC 7489 and RFC 9990 define: the fixed columns of CSV files (any other
    /// value counts under `other`).
    public static let standard: [Self] = [.monitor, .quarantine, .reject, .pass]
}

extension Disposition: ExpressibleByStringLiteral {
    /// A disposition written in code or tests as received (`"none"`), already normalised.
    public init(stringLiteral value: String) { self.init(rawValue: value) }
}

/// A DMARC-aligned verdict (`policy_evaluated/dkim`, `policy_evaluated/spf`).
public struct AlignedVerdict: OpenValue {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let pass = Self(rawValue: "pass")
    public static let fail = Self(rawValue: "fail")
}

/// A raw DKIM or SPF result from `auth_results` (RFC 8601 §2.7.1 and §2.7.2).
///
/// Aliases seen in real reports are mapped: `unknown` → `temperror`, `error` → `permerror`,
/// `hardfail` → `fail`. Anything else is kept as received.
public struct AuthResult: OpenValue {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let aliases = ["unknown": "temperror", "error": "permerror", "hardfail": "fail"]
    public static let pass = Self(rawValue: "pass")
    public static let fail = Self(rawValue: "fail")
    public static let softfail = Self(rawValue: "softfail")
    public static let neutral = Self(rawValue: "neutral")
    public static let noResult = Self(rawValue: "none")
    public static let policy = Self(rawValue: "policy")
    public static let temperror = Self(rawValue: "temperror")
    public static let permerror = Self(rawValue: "permerror")
}

/// DKIM or SPF identifier alignment mode (`adkim`, `aspf`).
public struct AlignmentMode: OpenValue {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let aliases = ["relaxed": "r", "strict": "s"]
    public static let relaxed = Self(rawValue: "r")
    public static let strict = Self(rawValue: "s")
}

/// The SPF identity that was checked (`scope`).
public struct SPFScope: OpenValue {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let mailFrom = Self(rawValue: "mfrom")
    public static let helo = Self(rawValue: "helo")
}

/// Why the receiver applied another disposition than the policy asked for (`reason/type`).
///
/// RFC 9990 removed `forwarded` and `sampled_out` and added `policy_test_mode`; all are kept.
public struct OverrideReasonType: OpenValue {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let forwarded = Self(rawValue: "forwarded")
    public static let sampledOut = Self(rawValue: "sampled_out")
    public static let trustedForwarder = Self(rawValue: "trusted_forwarder")
    public static let mailingList = Self(rawValue: "mailing_list")
    public static let localPolicy = Self(rawValue: "local_policy")
    public static let policyTestMode = Self(rawValue: "policy_test_mode")
    public static let other = Self(rawValue: "other")
}

/// How the policy record was discovered (RFC 9990 `discovery_method`).
public struct DiscoveryMethod: OpenValue {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let publicSuffixList = Self(rawValue: "psl")
    public static let treeWalk = Self(rawValue: "treewalk")
}

/// The published `t` tag (RFC 9990 `testing`).
public struct TestingFlag: OpenValue {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let no = Self(rawValue: "n")
    public static let yes = Self(rawValue: "y")
}
