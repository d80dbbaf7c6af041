import Foundation

/// What one live check of a domain found (`mailtally check`, docs/transport.md): its DNS records,
/// its MTA-STS policy and each MX host's STARTTLS. Stored whole with its time, so the pack can
/// show history and later checks can compare (a policy that changed without a new id).
public struct TransportCheck: Hashable, Sendable, Codable {
    /// The domain checked, lowercased.
    public var domain: String
    /// When the check ran, in Unix seconds.
    public var checkedAt: Int64
    /// Whether the resolver validated DNSSEC (the AD bit) on the MX answer.
    public var mxAuthenticated: Bool
    /// The MX lookup.
    public var mx: Lookup<[MXRecord]>
    /// Each MX host, in preference order (at most 10, each once).
    public var hosts: [MXHostCheck]
    /// MX hosts past those checked.
    public var hostsNotChecked: Int {
        get { notChecked ?? 0 }
        set { notChecked = newValue }
    }
    private var notChecked: Int?
    /// `_mta-sts.DOMAIN` and the policy it announces.
    public var mtaSTS: MTASTSCheck
    /// `_smtp._tls.DOMAIN`.
    public var tlsReporting: Lookup<TLSRPTRecord>
    /// `_dmarc.DOMAIN`, with the external report destinations' authorisations.
    public var dmarc: DMARCCheck
    /// The domain's SPF record with its lookup count.
    public var spf: SPFCheck

    /// A check of `domain` at `checkedAt`, the parts filled in by the checker.
    public init(
        domain: String, checkedAt: Int64, mxAuthenticated: Bool, mx: Lookup<[MXRecord]>, hosts: [MXHostCheck],
        mtaSTS: MTASTSCheck, tlsReporting: Lookup<TLSRPTRecord>, dmarc: DMARCCheck, spf: SPFCheck
    ) {
        self.domain = domain
        self.checkedAt = checkedAt
        self.mxAuthenticated = mxAuthenticated
        self.mx = mx
        self.hosts = hosts
        self.mtaSTS = mtaSTS
        self.tlsReporting = tlsReporting
        self.dmarc = dmarc
        self.spf = spf
    }
}

/// The outcome of asking for one thing: found, known to be absent, unreadable, or not learnt
/// (DNS failed or timed out, so nothing can be said).
public enum Lookup<Value: Hashable & Sendable & Codable>: Hashable, Sendable, Codable {
    /// Found and read.
    case found(Value)
    /// Absent: NXDOMAIN, or no record of the kind.
    case absent
    /// Present but not valid: the text, and why.
    case invalid(text: String, problem: RecordProblem)
    /// The lookup failed (timeout, SERVFAIL, refused): nothing known.
    case failed(String)

    /// The value when found.
    public var value: Value? {
        if case .found(let value) = self { return value }
        return nil
    }
}

/// One MX record.
public struct MXRecord: Hashable, Sendable, Codable {
    /// The preference: lower is tried first.
    public var preference: Int
    /// The host, lowercased without the trailing dot; empty for a null MX (RFC 7505).
    public var host: String

    /// An MX record.
    public init(preference: Int, host: String) {
        self.preference = preference
        self.host = host
    }
}

/// One TLSA record (RFC 6698): the certificate usage, the selector, the matching type and the
/// association data.
public struct TLSARecord: Hashable, Sendable, Codable {
    /// 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    public var usage: UInt8
    /// 0 the whole certificate, 1 its SubjectPublicKeyInfo.
    public var selector: UInt8
    /// 0 exact, 1 SHA-256, 2 SHA-512.
    public var matchingType: UInt8
    /// The association data.
    public var data: [UInt8]

    /// A TLSA record.
    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    /// RFC 7672 section 3.1.3: SMTP uses only DANE-TA(2) and DANE-EE(3), with selectors 0 or 1
    /// and matching types 0 to 2; other records are unusable.
    public var isUsableForSMTP: Bool { (2...3).contains(usage) && selector <= 1 && matchingType <= 2 }

    /// The record in presentation form (`3 1 1 ab12...`), the data cut to 16 hex digits.
    public var shown: String {
        let hex = data.prefix(8).map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }
        return "\(usage) \(selector) \(matchingType) \(hex.joined())\(data.count > 8 ? "…" : "")"
    }
}

/// One MX host: its addresses, its TLSA records and what its port 25 said.
public struct MXHostCheck: Hashable, Sendable, Codable {
    /// The host.
    public var host: String
    /// Its MX preference.
    public var preference: Int
    /// Its IPv4 and IPv6 addresses (at most 8 of each).
    public var addresses: Lookup<[String]>
    /// `_25._tcp.HOST` TLSA records.
    public var tlsa: Lookup<[TLSARecord]>
    /// Whether the TLSA answer was DNSSEC-validated (the AD bit): DANE counts only then.
    public var tlsaAuthenticated: Bool
    /// What port 25 said; nil when no address was found to try.
    public var probe: SMTPProbeOutcome?
    /// The presented certificate, checked; nil without a TLS handshake.
    public var certificate: CertificateCheck?
    /// The DANE verdict.
    public var dane: DANEOutcome
    /// Whether the MTA-STS policy's mx patterns cover the host; nil without a policy.
    public var coveredByPolicy: Bool?
    /// Where the host name leads when it is an alias (a CNAME, which RFC 2181 section 10.3 says
    /// an MX should not name): TLSA is looked up there first, and the certificate may be for it.
    public var canonicalName: String?

    /// A host's check, filled in by the checker.
    public init(
        host: String, preference: Int, addresses: Lookup<[String]>, tlsa: Lookup<[TLSARecord]>,
        tlsaAuthenticated: Bool, probe: SMTPProbeOutcome?, certificate: CertificateCheck?, dane: DANEOutcome,
        coveredByPolicy: Bool?
    ) {
        self.host = host
        self.preference = preference
        self.addresses = addresses
        self.tlsa = tlsa
        self.tlsaAuthenticated = tlsaAuthenticated
        self.probe = probe
        self.certificate = certificate
        self.dane = dane
        self.coveredByPolicy = coveredByPolicy
    }
}

/// What an MX host's port 25 said to an EHLO, and to STARTTLS when offered. No mail is sent:
/// the probe ends with QUIT before any `MAIL FROM`.
public struct SMTPProbeOutcome: Hashable, Sendable, Codable {
    /// The address connected to (or the last one tried).
    public var address: String
    /// Whether a TCP connection and a 220 greeting came.
    public var connected: Bool
    /// The greeting's first line, cut to 200 characters.
    public var banner: String?
    /// Whether EHLO listed STARTTLS.
    public var offersSTARTTLS: Bool
    /// The TLS version of a completed handshake (`TLSv1.3`).
    public var tlsVersion: String?
    /// Why the probe stopped short: no connection, a refusal, a failed handshake.
    public var problem: String?

    /// A probe's outcome.
    public init(
        address: String, connected: Bool, banner: String?, offersSTARTTLS: Bool, tlsVersion: String?, problem: String?
    ) {
        self.address = address
        self.connected = connected
        self.banner = banner
        self.offersSTARTTLS = offersSTARTTLS
        self.tlsVersion = tlsVersion
        self.problem = problem
    }
}

/// The certificate an MX presented, checked as a sending MTA under MTA-STS would check it.
public struct CertificateCheck: Hashable, Sendable, Codable {
    /// The leaf's subject, as text.
    public var subject: String
    /// The leaf's issuer, as text.
    public var issuer: String
    /// The DNS names of the leaf's subjectAltName (at most 32).
    public var names: [String]
    /// The validity, in Unix seconds.
    public var notBefore: Int64
    public var notAfter: Int64
    /// Whether the chain leads to a trusted root (the system's, or `--ca-file`'s) under RFC 5280
    /// at the time of the check; expiry included.
    public var chainTrusted: Bool
    /// Why it does not, in one sentence.
    public var chainProblem: String?
    /// Whether a name covers the MX host.
    public var namesMatchHost: Bool
    /// SHA-256 of the leaf certificate and of its SubjectPublicKeyInfo, in hex.
    public var certificateSHA256: String
    public var publicKeySHA256: String
    /// Whether the chain leads to a trusted root when dates are set aside: false for an
    /// expired certificate that is also self-signed or from an unknown authority. Nil in checks
    /// stored before it was kept.
    public var chainTrustedApartFromDates: Bool?
    /// Why the chain is untrusted apart from its dates.
    public var untrustedProblem: String?

    /// A checked certificate.
    public init(
        subject: String, issuer: String, names: [String], notBefore: Int64, notAfter: Int64, chainTrusted: Bool,
        chainProblem: String?, namesMatchHost: Bool, certificateSHA256: String, publicKeySHA256: String
    ) {
        self.subject = subject
        self.issuer = issuer
        self.names = names
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.chainTrusted = chainTrusted
        self.chainProblem = chainProblem
        self.namesMatchHost = namesMatchHost
        self.certificateSHA256 = certificateSHA256
        self.publicKeySHA256 = publicKeySHA256
    }

    /// Whole days from `now` until the certificate expires; negative once it has.
    public func daysUntilExpiry(at now: Int64) -> Int64 {
        let seconds = notAfter - now
        return seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
    }
}

/// DANE for one MX host (RFC 7672).
public enum DANEOutcome: String, Hashable, Sendable, Codable {
    /// No TLSA records.
    case notPublished = "not-published"
    /// TLSA records, but the answer was not DNSSEC-validated: senders ignore them, and so does
    /// the check (a validating resolver is needed to say more).
    case unauthenticated
    /// Validated TLSA records, none of them usable for SMTP (PKIX usages 0 and 1).
    case unusable
    /// A usable record matches the presented certificate or chain.
    case matched
    /// Usable records, none matching: DANE senders refuse to deliver.
    case mismatched
    /// Validated TLSA records, but no certificate was presented to compare with.
    case notCompared = "not-compared"
    /// The TLSA lookup failed (SERVFAIL, timeout): DANE senders defer mail when that happens
    /// in a signed zone (RFC 7672 section 2.2).
    case lookupFailed = "lookup-failed"
}

/// `_mta-sts.DOMAIN` and the policy.
public struct MTASTSCheck: Hashable, Sendable, Codable {
    /// The TXT record.
    public var record: Lookup<MTASTSRecord>
    /// The policy fetched over HTTPS; `.absent` when there is no record to announce it.
    public var policy: Lookup<MTASTSPolicy>
    /// SHA-256 of the policy's bytes, in hex: a change with the same id is a mistake.
    public var policySHA256: String?

    /// The MTA-STS part of a check.
    public init(record: Lookup<MTASTSRecord>, policy: Lookup<MTASTSPolicy>, policySHA256: String?) {
        self.record = record
        self.policy = policy
        self.policySHA256 = policySHA256
    }
}

/// `_dmarc.DOMAIN` and the external destinations of its reports.
public struct DMARCCheck: Hashable, Sendable, Codable {
    /// One `rua` destination outside the domain and whether it agreed to take reports
    /// (`DOMAIN._report._dmarc.DESTINATION`, RFC 7489 section 7.1).
    public struct ExternalDestination: Hashable, Sendable, Codable {
        /// The destination's domain.
        public var domain: String
        /// true: authorised; false: no authorisation record; nil: the lookup failed.
        public var authorised: Bool?

        /// A destination.
        public init(domain: String, authorised: Bool?) {
            self.domain = domain
            self.authorised = authorised
        }
    }

    /// The record.
    public var record: Lookup<DMARCRecord>
    /// Every `rua` domain outside the checked domain's organisation.
    public var externalDestinations: [ExternalDestination]
    /// The organisational domain whose record applies, when the domain has none of its own.
    public var inheritedFrom: String?

    /// The DMARC part of a check.
    public init(record: Lookup<DMARCRecord>, externalDestinations: [ExternalDestination]) {
        self.record = record
        self.externalDestinations = externalDestinations
    }
}

/// The domain's SPF record and what evaluating it costs.
public struct SPFCheck: Hashable, Sendable, Codable {
    /// The record; `.invalid` also for two SPF records (a permerror).
    public var record: Lookup<SPFRecord>
    /// DNS lookups a receiver makes, includes and redirects followed (RFC 7208 limit: 10).
    public var lookups: Int
    /// Lookups answered with nothing (limit: 2).
    public var voidLookups: Int
    /// Terms with macros, which only a receiver can expand: each counted once, not followed.
    public var macroTerms: Int
    /// What the walk met: an include that failed, loops or has no record, or the walk's own bound.
    public var problems: [String]
    /// The first problem that makes receivers return permerror (an include with no record or a
    /// broken one), when there is one.
    public var permanentError: String?

    /// The SPF part of a check.
    public init(
        record: Lookup<SPFRecord>, lookups: Int, voidLookups: Int, macroTerms: Int, problems: [String],
        permanentError: String? = nil
    ) {
        self.record = record
        self.lookups = lookups
        self.voidLookups = voidLookups
        self.macroTerms = macroTerms
        self.problems = problems
        self.permanentError = permanentError
    }
}

extension Disposition: Codable {}
extension AlignmentMode: Codable {}
extension MTASTSMode: Codable {}
