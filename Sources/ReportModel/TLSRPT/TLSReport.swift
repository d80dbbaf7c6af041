/// An SMTP TLS report (RFC 8460): a sender's account of TLS sessions to the domain's MX hosts.
public struct TLSReport: Hashable, Sendable {
    /// `organization-name`: who reported, as written (``organizationKey`` is the duplicate key's form).
    public var organizationName: String
    /// `[start, end)` in seconds since the epoch, UTC. An end written as `23:59:59` is read as
    /// the end of that second, so a one-day report covers exactly one UTC day.
    public var dateRange: DateRange
    /// `contact-info`, when given: it names the reporter for correlation (docs/correlation.md).
    public var contactInfo: String?
    /// `report-id`: with the organisation and range, the duplicate key (docs/counting.md).
    public var reportID: String
    /// Each policy the sender applied, with its sessions.
    public var policies: [TLSPolicyResult]

    /// Makes a report from parsed values (no checks: the parser validates).
    public init(
        organizationName: String, dateRange: DateRange, contactInfo: String?, reportID: String,
        policies: [TLSPolicyResult]
    ) {
        self.organizationName = organizationName
        self.dateRange = dateRange
        self.contactInfo = contactInfo
        self.reportID = reportID
        self.policies = policies
    }

    /// The organisation as used in the duplicate key: trimmed and lowercased.
    public var organizationKey: String { organizationName.trimmedWhitespace().lowercased() }
}

/// One applied policy with its session counts and failure details.
public struct TLSPolicyResult: Hashable, Sendable {
    /// What the sender found and applied.
    public var policy: TLSPolicy
    /// `total-successful-session-count`: 0 to 2^53 (docs/counting.md, "Counts").
    public var successfulSessions: Int64
    /// `total-failure-session-count`; the failure details need not add up to it.
    public var failedSessions: Int64
    /// `failure-details`, itemised by result type and host; some reporters give none.
    public var failureDetails: [TLSFailureDetail]

    /// Makes a result from parsed values (no checks: the parser validates).
    public init(policy: TLSPolicy, successfulSessions: Int64, failedSessions: Int64, failureDetails: [TLSFailureDetail])
    {
        self.policy = policy
        self.successfulSessions = successfulSessions
        self.failedSessions = failedSessions
        self.failureDetails = failureDetails
    }

    /// The sum of `failed-session-count` over the details; need not equal ``failedSessions``.
    public var detailedFailures: Int64 { ReportCounts.sum(failureDetails.lazy.map(\.failedSessionCount)) }
}

/// `policy`: what the sender found and applied.
public struct TLSPolicy: Hashable, Sendable {
    /// `policy-type`: which mechanism the sender applied.
    public var type: TLSPolicyType
    /// `policy-string`, one element per line or TLSA record (Microsoft's double-encoded array
    /// already unpacked).
    public var strings: [String]
    /// Lowercased, without a trailing dot; `nil` when the reporter left it out.
    public var domain: String?
    /// `mx-host` / `mx-host-pattern`, as a list.
    public var mxHosts: [String]

    /// Makes a policy from parsed values; `domain` must already be normalised.
    public init(type: TLSPolicyType, strings: [String] = [], domain: String?, mxHosts: [String] = []) {
        self.type = type
        self.strings = strings
        self.domain = domain
        self.mxHosts = mxHosts
    }

    /// The MTA-STS `mode` from an sts policy string (`enforce`, `testing`, `none`).
    public var stsMode: MTASTSMode? { stsValue(of: "mode").flatMap(MTASTSMode.init(normalizing:)) }

    /// The MTA-STS `max_age` in seconds, when it is a number.
    public var stsMaxAge: Int64? { stsValue(of: "max_age").flatMap { Int64($0) } }

    private func stsValue(of key: String) -> String? {
        guard type == .sts else { return nil }
        for line in strings {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, String(parts[0]).trimmedWhitespace().lowercased() == key {
                return String(parts[1]).trimmedWhitespace()
            }
        }
        return nil
    }
}

/// The broad kind of a policy or failure: which mechanism it concerns.
public enum TLSCategory: String, Hashable, Sendable, CaseIterable {
    /// MTA-STS (RFC 8461).
    case sts
    /// DANE (RFC 7672): TLSA and DNSSEC.
    case dane
    /// STARTTLS negotiation and certificates, whatever the policy.
    case transport
    /// A policy type or result type that RFC 8460 does not register (kept as reported).
    case other
}

/// `policy-type`: `sts`, `tlsa`, `no-policy-found`, or a value no RFC lists (kept as received).
public struct TLSPolicyType: OpenValue {
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// MTA-STS (RFC 8461).
    public static let sts = Self(rawValue: "sts")
    /// DANE TLSA records (RFC 7672).
    public static let tlsa = Self(rawValue: "tlsa")
    /// Neither: the sender fell back to opportunistic TLS.
    public static let noPolicyFound = Self(rawValue: "no-policy-found")

    /// The mechanism, for grouping; a policy type no RFC lists is `other`.
    public var category: TLSCategory {
        switch rawValue {
        case "sts": .sts
        case "tlsa": .dane
        case "no-policy-found": .transport
        default: .other
        }
    }
}

/// An MTA-STS policy's `mode` (RFC 8461, section 3.2), as the policy string a reporter saw gives it.
public struct MTASTSMode: OpenValue {
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Senders must not deliver over a connection that fails validation.
    public static let enforce = Self(rawValue: "enforce")
    /// Senders deliver anyway and only report failures (`sts-testing-failures`, docs/findings.md).
    public static let testing = Self(rawValue: "testing")
    /// The domain has withdrawn its policy.
    public static let none = Self(rawValue: "none")
}

/// `result-type` (RFC 8460, section 4.3 and the IANA registry), open for values senders invent.
public struct TLSResultType: OpenValue {
    /// The normalised text (trimmed, lowercased): what is stored and compared.
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The MX host did not offer STARTTLS.
    public static let starttlsNotSupported = Self(rawValue: "starttls-not-supported")
    /// The MX certificate does not name the host.
    public static let certificateHostMismatch = Self(rawValue: "certificate-host-mismatch")
    /// The MX certificate has expired.
    public static let certificateExpired = Self(rawValue: "certificate-expired")
    /// The MX certificate does not chain to a trusted root.
    public static let certificateNotTrusted = Self(rawValue: "certificate-not-trusted")
    /// Validation failed for a reason no other type names.
    public static let validationFailure = Self(rawValue: "validation-failure")
    /// A DANE TLSA record was invalid.
    public static let tlsaInvalid = Self(rawValue: "tlsa-invalid")
    /// DNSSEC validation of the MX or TLSA records failed.
    public static let dnssecInvalid = Self(rawValue: "dnssec-invalid")
    /// The sender requires DANE, and the MX host had no DNSSEC-validated TLSA records.
    public static let daneRequired = Self(rawValue: "dane-required")
    /// The MTA-STS policy could not be fetched over HTTPS.
    public static let stsPolicyFetchError = Self(rawValue: "sts-policy-fetch-error")
    /// The MTA-STS policy could not be parsed or did not validate.
    public static let stsPolicyInvalid = Self(rawValue: "sts-policy-invalid")
    /// The certificate of the MTA-STS policy host did not validate.
    public static let stsWebPKIInvalid = Self(rawValue: "sts-webpki-invalid")

    /// Every result type RFC 8460 registers, in its order: the fixed columns of CSV files
    /// (any other value counts under `other`).
    public static let registered: [Self] = [
        .starttlsNotSupported, .certificateHostMismatch, .certificateExpired, .certificateNotTrusted,
        .validationFailure, .tlsaInvalid,
        .dnssecInvalid, .daneRequired, .stsPolicyFetchError, .stsPolicyInvalid, .stsWebPKIInvalid,
    ]

    /// The mechanism the failure concerns, from its prefix; `other` for types no RFC lists.
    public var category: TLSCategory {
        if rawValue.hasPrefix("sts-") { return .sts }
        if rawValue.hasPrefix("tlsa-") || rawValue.hasPrefix("dnssec-") || rawValue.hasPrefix("dane-") { return .dane }
        if rawValue.hasPrefix("starttls-") || rawValue.hasPrefix("certificate-") || rawValue == "validation-failure" {
            return .transport
        }
        return .other
    }

    /// Whether the failure concerns the MX host's certificate.
    public var isCertificateFailure: Bool { rawValue.hasPrefix("certificate-") }
}

/// One `failure-details` entry. Microsoft and Mail.ru leave out the addresses and host names.
public struct TLSFailureDetail: Hashable, Sendable {
    /// `result-type`: why the sessions failed.
    public var resultType: TLSResultType
    /// `sending-mta-ip`: the reporter's host that tried to deliver, when given.
    public var sendingMTAIP: String?
    /// `receiving-mx-hostname`: which of our MX hosts the sender tried.
    public var receivingMXHostname: String?
    /// `receiving-mx-helo`: the name our MX host greeted with.
    public var receivingMXHelo: String?
    /// `receiving-ip`: the address of our MX host that was reached.
    public var receivingIP: String?
    /// `failed-session-count`: 0 to 2^53 (docs/counting.md, "Counts").
    public var failedSessionCount: Int64
    /// `additional-information` (or the prose's `additional-info-uri`).
    public var additionalInformation: String?
    /// `failure-reason-code`: the sender's own code or text, as written.
    public var failureReasonCode: String?

    /// Makes a detail from parsed values (no checks: the parser validates).
    public init(
        resultType: TLSResultType, sendingMTAIP: String? = nil, receivingMXHostname: String? = nil,
        receivingMXHelo: String? = nil, receivingIP: String? = nil, failedSessionCount: Int64,
        additionalInformation: String? = nil, failureReasonCode: String? = nil
    ) {
        self.resultType = resultType
        self.sendingMTAIP = sendingMTAIP
        self.receivingMXHostname = receivingMXHostname
        self.receivingMXHelo = receivingMXHelo
        self.receivingIP = receivingIP
        self.failedSessionCount = failedSessionCount
        self.additionalInformation = additionalInformation
        self.failureReasonCode = failureReasonCode
    }
}
