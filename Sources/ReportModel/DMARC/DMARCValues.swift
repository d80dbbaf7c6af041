/// What the receiver did with the messages (`policy_evaluated/disposition`, `p`, `sp`, `np`).
///
/// RFC 9990 adds `pass`; reporters also send values such as `softfail` (rspamd), kept as received.
public struct Disposition: OpenValue {
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `none`: no action (monitoring). Not named `none` to stay clear of `Optional.none`.
    public static let monitor = Self(rawValue: "none")
    /// Sent to the spam folder or held: failing mail so treated counts as quarantined.
    public static let quarantine = Self(rawValue: "quarantine")
    /// Refused in the SMTP session: failing mail so treated counts as blocked.
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
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Authenticated, and aligned with the header From: DMARC passes.
    public static let pass = Self(rawValue: "pass")
    /// Not authenticated, or authenticated for a domain not aligned with the header From.
    public static let fail = Self(rawValue: "fail")
}

/// A raw DKIM or SPF result from `auth_results` (RFC 8601, sections 2.7.1 and 2.7.2).
///
/// Aliases seen in real reports are mapped: `unknown` → `temperror`, `error` → `permerror`,
/// `hardfail` → `fail`. Anything else is kept as received.
public struct AuthResult: OpenValue {
    /// The normalised text (trimmed, lowercased, aliases mapped): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Spellings reporters use for defined results; the received one is kept as `receivedResult`.
    public static let aliases = ["unknown": "temperror", "error": "permerror", "hardfail": "fail"]
    /// DKIM: the signature verified; SPF: the host is authorised (alignment not considered).
    public static let pass = Self(rawValue: "pass")
    /// DKIM: the signature did not verify; SPF: the domain says the host is not authorised.
    public static let fail = Self(rawValue: "fail")
    /// SPF `~all`: probably not authorised; for our own domain, a sign of a relay (``RelayEvidence``).
    public static let softfail = Self(rawValue: "softfail")
    /// SPF `?all`: the domain says nothing about the host.
    public static let neutral = Self(rawValue: "neutral")
    /// `none`: no SPF record, or no signature to check. Not named `none`, like ``Disposition/monitor``.
    public static let noResult = Self(rawValue: "none")
    /// `policy`: the check ran, but the receiver's local policy did not accept its result.
    public static let policy = Self(rawValue: "policy")
    /// A transient error, mostly DNS (also received as `unknown`): a retry may succeed.
    public static let temperror = Self(rawValue: "temperror")
    /// A permanent error such as a broken record (also received as `error`).
    public static let permerror = Self(rawValue: "permerror")
}

/// DKIM or SPF identifier alignment mode (`adkim`, `aspf`).
public struct AlignmentMode: OpenValue {
    /// The normalised text (trimmed, lowercased, aliases mapped): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Modes some reporters spell out, mapped to the tag values.
    public static let aliases = ["relaxed": "r", "strict": "s"]
    /// `r`: the organisational domains need only match (the default).
    public static let relaxed = Self(rawValue: "r")
    /// `s`: the domains must be identical.
    public static let strict = Self(rawValue: "s")
}

/// The SPF identity that was checked (`scope`).
public struct SPFScope: OpenValue {
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `mfrom`: the envelope sender's domain was checked.
    public static let mailFrom = Self(rawValue: "mfrom")
    /// `helo`: the HELO/EHLO name was checked (as for bounces, whose MAIL FROM is empty).
    public static let helo = Self(rawValue: "helo")
}

/// Why the receiver applied another disposition than the policy asked for (`reason/type`).
///
/// RFC 9990 removed `forwarded` and `sampled_out` and added `policy_test_mode`; all are kept.
public struct OverrideReasonType: OpenValue {
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The receiver knew the mail was forwarded (RFC 7489 only): counted as relayed (``RelayEvidence``).
    public static let forwarded = Self(rawValue: "forwarded")
    /// Left out of enforcement by the policy's `pct` sampling (RFC 7489 only).
    public static let sampledOut = Self(rawValue: "sampled_out")
    /// Came through a forwarder the receiver trusts: counted as relayed.
    public static let trustedForwarder = Self(rawValue: "trusted_forwarder")
    /// Came through a mailing list, which breaks SPF and often DKIM: counted as relayed.
    public static let mailingList = Self(rawValue: "mailing_list")
    /// The receiver's local policy overrode the published one.
    public static let localPolicy = Self(rawValue: "local_policy")
    /// RFC 9990: the policy is in test mode (`t=y`), so it was not applied as published.
    public static let policyTestMode = Self(rawValue: "policy_test_mode")
    /// Any other reason; the comment may say which.
    public static let other = Self(rawValue: "other")
}

/// How the policy record was discovered (RFC 9990 `discovery_method`).
public struct DiscoveryMethod: OpenValue {
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `psl`: the organisational domain came from the Public Suffix List (as in RFC 7489).
    public static let publicSuffixList = Self(rawValue: "psl")
    /// `treewalk`: the record was found by RFC 9990's DNS tree walk.
    public static let treeWalk = Self(rawValue: "treewalk")
}

/// The published `t` tag (RFC 9990 `testing`).
public struct TestingFlag: OpenValue {
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// `n`: the policy is not in test mode (the default).
    public static let no = Self(rawValue: "n")
    /// `y`: the owner is testing the policy (see ``OverrideReasonType/policyTestMode``).
    public static let yes = Self(rawValue: "y")
}
