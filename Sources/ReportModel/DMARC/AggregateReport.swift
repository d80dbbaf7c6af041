/// A DMARC aggregate report (RFC 7489 Appendix C, RFC 9990), as parsed from one XML document.
///
/// One model serves both schemas and the pre-RFC draft: fields that only one of them has are
/// optional. Text is trimmed; enumerations are ``OpenValue``s, so unknown values survive.
public struct AggregateReport: Hashable, Sendable {
    /// `report_metadata`: the reporter, the report's id and the period it covers.
    public var metadata: ReportMetadata
    /// `policy_published`: the DMARC record the receiver applied; its domain keys every count.
    public var policy: PublishedPolicy
    /// The records held in memory: all of them, unless the report was too large to hold
    /// (then the first ones are in ``spilledRecords`` and these come after them).
    public var records: [AggregateRecord]
    /// The first records of a report too large to hold in memory, kept aside by the parser and
    /// read back once, in order, by the store (see ``forEachRecord(_:)``).
    public var spilledRecords: (any RecordStream)?
    /// `<version>` as written (absent in most real reports; `0.1`, `1.0` and `2.0` are seen).
    public var version: String?
    /// The namespace URI of `<feedback>`, when declared.
    public var namespace: String?

    /// Makes a report from parsed values (no checks: the parser validates).
    public init(
        metadata: ReportMetadata, policy: PublishedPolicy, records: [AggregateRecord],
        version: String? = nil, namespace: String? = nil, spilledRecords: (any RecordStream)? = nil
    ) {
        self.metadata = metadata
        self.policy = policy
        self.records = records
        self.spilledRecords = spilledRecords
        self.version = version
        self.namespace = namespace
    }

    /// The namespace of RFC 9990 reports.
    public static let rfc9990Namespace = "urn:ietf:params:xml:ns:dmarc-2.0"

    /// Whether the report follows RFC 9990: its namespace, or a field only RFC 9990 defines.
    ///
    /// `np` alone does not count: Google sends it in RFC 7489-shaped reports.
    public var isRFC9990: Bool {
        namespace == Self.rfc9990Namespace || policy.testing != nil || policy.discoveryMethod != nil
            || metadata.generator != nil
    }

    /// The sum of `count` over all records.
    public var messageCount: Int64 {
        ReportCounts.sum(records.lazy.map(\.count)).saturatingAdd(spilledRecords?.messages ?? 0)
    }

    /// The number of records, those kept aside included.
    public var recordCount: Int { records.count + (spilledRecords?.count ?? 0) }

    /// Calls `body` with every record in document order: those kept aside first.
    public func forEachRecord(_ body: (AggregateRecord) throws -> Void) throws {
        try spilledRecords?.forEach(body)
        for record in records { try body(record) }
    }

    /// Compares by value, and spilled records by identity: their file is never read to compare.
    public static func == (a: Self, b: Self) -> Bool {
        a.metadata == b.metadata && a.policy == b.policy && a.records == b.records && a.version == b.version
            && a.namespace == b.namespace && a.spilledRecords === b.spilledRecords
    }

    /// Hashes what `==` compares: spilled records by identity.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(metadata)
        hasher.combine(policy)
        hasher.combine(records)
        hasher.combine(version)
        hasher.combine(namespace)
        hasher.combine(spilledRecords.map { ObjectIdentifier($0) })
    }
}

/// Records kept out of memory (a file the parser wrote), read back in order.
public protocol RecordStream: AnyObject, Sendable {
    /// How many records it holds.
    var count: Int { get }
    /// The sum of their counts.
    var messages: Int64 { get }
    /// Calls `body` with each record, in order. May be called more than once.
    func forEach(_ body: (AggregateRecord) throws -> Void) throws
}

/// `report_metadata`: who reported, which report, and for what period.
public struct ReportMetadata: Hashable, Sendable {
    /// `org_name`, else the domain of ``email`` (never empty): the reporter when no address is given.
    public var orgName: String
    /// `email`: the reporter's address; its organisational domain is the reporter (``reporterKey(_:)``).
    public var email: String?
    /// `extra_contact_info`: other ways to reach the reporter, as written.
    public var extraContactInfo: String?
    /// `report_id`, the reporter's own id for the report: part of the duplicate key (docs/counting.md).
    public var reportID: String
    /// The period covered, as written (part of the duplicate key); counts use ``DateRange/countedSpan(arrival:)``.
    public var dateRange: DateRange
    /// `error` entries: problems the reporter had making the report (the first 100 are kept).
    public var errors: [String]
    /// RFC 9990 `generator`: the software that wrote the report.
    public var generator: String?

    /// Makes metadata from parsed values (no checks: the parser validates).
    public init(
        orgName: String, email: String? = nil, extraContactInfo: String? = nil, reportID: String,
        dateRange: DateRange, errors: [String] = [], generator: String? = nil
    ) {
        self.orgName = orgName
        self.email = email
        self.extraContactInfo = extraContactInfo
        self.reportID = reportID
        self.dateRange = dateRange
        self.errors = errors
        self.generator = generator
    }

    /// The reporter as used in the duplicate key (docs/counting.md, "Duplicates"): the
    /// organisational domain of the report address, else the lowercased organisation name. By
    /// the address first: the same report re-sent under another `org_name` (seen in the wild:
    /// `google.com`, then `fred.com`) is still one report.
    ///
    /// Without a Public Suffix List the address's whole domain is the key: the last two labels
    /// would join unrelated reporters (`a.co.uk`, `b.co.uk`).
    public func reporterKey(_ suffixes: PublicSuffixList) -> String {
        if let domain = email.flatMap(Self.domain(ofAddress:)) {
            return suffixes.isLoaded ? suffixes.organizationalDomain(of: domain) : domain
        }
        return orgName.trimmedWhitespace().lowercased()
    }

    /// The domain part of an e-mail address (`mailto:` prefixes and angle brackets tolerated).
    public static func domain(ofAddress address: String) -> String? {
        var text = address.trimmedWhitespace().lowercased()
        if text.hasPrefix("mailto:") { text.removeFirst("mailto:".count) }
        text = String(text.split(separator: ",").first ?? "")
        guard let at = text.lastIndex(of: "@") else { return nil }
        let domain = text[text.index(after: at)...].filter { $0 != ">" && !$0.isWhitespace }
        return domain.isEmpty ? nil : String(domain)
    }
}

/// `policy_published`: the DMARC record the receiver found for the domain.
public struct PublishedPolicy: Hashable, Sendable {
    /// Lowercased, without a trailing dot.
    public var domain: String
    /// `adkim`: the DKIM alignment mode; `nil` when left out (then relaxed).
    public var adkim: AlignmentMode?
    /// `aspf`: the SPF alignment mode; `nil` when left out (then relaxed).
    public var aspf: AlignmentMode?
    /// `p`: what the owner asks receivers to do with the domain's failing mail.
    public var p: Disposition?
    /// `sp`: the same for subdomains; `nil` when left out (then ``p`` applies).
    public var sp: Disposition?
    /// RFC 9990: policy for non-existent subdomains.
    public var np: Disposition?
    /// RFC 7489 only; RFC 9990 removed it. Kept as text when not a number.
    public var pct: String?
    /// `fo`: when the owner wants failure reports (RFC 7489), kept as written.
    public var fo: String?
    /// RFC 9990 `t`: whether the owner published the policy in test mode.
    public var testing: TestingFlag?
    /// RFC 9990: how the receiver found the policy record (Public Suffix List or DNS tree walk).
    public var discoveryMethod: DiscoveryMethod?

    /// Makes a policy from parsed values; `domain` must already be normalised (``normalizedDomain(_:)``).
    public init(
        domain: String, adkim: AlignmentMode? = nil, aspf: AlignmentMode? = nil, p: Disposition? = nil,
        sp: Disposition? = nil, np: Disposition? = nil, pct: String? = nil, fo: String? = nil,
        testing: TestingFlag? = nil, discoveryMethod: DiscoveryMethod? = nil
    ) {
        self.domain = domain
        self.adkim = adkim
        self.aspf = aspf
        self.p = p
        self.sp = sp
        self.np = np
        self.pct = pct
        self.fo = fo
        self.testing = testing
        self.discoveryMethod = discoveryMethod
    }

    /// A policy domain as keyed everywhere: trimmed, lowercased, without a trailing dot.
    public static func normalizedDomain(_ text: String) -> String {
        var domain = text.trimmedWhitespace().lowercased()
        while domain.hasSuffix(".") { domain.removeLast() }
        return domain
    }
}

/// One `record`: messages from one source IP with one set of results.
public struct AggregateRecord: Hashable, Sendable {
    /// The source address, in canonical form when it parses as an IP, else as received.
    public var sourceIP: String
    /// Messages the record stands for: 0 to 2^53, else the report is refused (docs/counting.md, "Counts").
    public var count: Int64
    /// What the receiver did with the messages; `nil` when the reporter left it out.
    public var disposition: Disposition?
    /// The DMARC-aligned DKIM verdict.
    public var dkim: AlignedVerdict?
    /// The DMARC-aligned SPF verdict.
    public var spf: AlignedVerdict?
    /// Why the receiver applied another disposition than the policy's, if it did (at most 100).
    public var reasons: [OverrideReason]
    /// `header_from`: the domain DMARC was evaluated for; ``RelayEvidence`` takes our organisation from it.
    public var headerFrom: String?
    /// `envelope_from`: the SMTP MAIL FROM domain, when reported.
    public var envelopeFrom: String?
    /// `envelope_to`: the recipient domain, when reported.
    public var envelopeTo: String?
    /// Each DKIM signature's raw result, before alignment (at most 100 per record).
    public var dkimResults: [DKIMAuthResult]
    /// Each SPF check's raw result, before alignment (at most 100); ``RelayEvidence`` reads them.
    public var spfResults: [SPFAuthResult]

    /// Makes a record from parsed values (no checks: the parser validates).
    public init(
        sourceIP: String, count: Int64, disposition: Disposition? = nil, dkim: AlignedVerdict? = nil,
        spf: AlignedVerdict? = nil, reasons: [OverrideReason] = [], headerFrom: String? = nil,
        envelopeFrom: String? = nil, envelopeTo: String? = nil, dkimResults: [DKIMAuthResult] = [],
        spfResults: [SPFAuthResult] = []
    ) {
        self.sourceIP = sourceIP
        self.count = count
        self.disposition = disposition
        self.dkim = dkim
        self.spf = spf
        self.reasons = reasons
        self.headerFrom = headerFrom
        self.envelopeFrom = envelopeFrom
        self.envelopeTo = envelopeTo
        self.dkimResults = dkimResults
        self.spfResults = spfResults
    }

    /// DMARC passes when either aligned verdict is `pass`.
    public var passesDMARC: Bool { dkim == .pass || spf == .pass }
}

/// A `policy_evaluated/reason`.
public struct OverrideReason: Hashable, Sendable {
    /// The reason; `nil` when the receiver gave only a comment.
    public var type: OverrideReasonType?
    /// The receiver's own words, as written.
    public var comment: String?

    /// Makes a reason from parsed values.
    public init(type: OverrideReasonType?, comment: String? = nil) {
        self.type = type
        self.comment = comment
    }
}

/// An `auth_results/dkim` entry: one signature and its raw (unaligned) result.
public struct DKIMAuthResult: Hashable, Sendable {
    /// `d=`: the signing domain; DMARC needs it aligned with the header From.
    public var domain: String?
    /// `s=`: which of the domain's keys signed.
    public var selector: String?
    /// The verification result, normalised (aliases mapped).
    public var result: AuthResult?
    /// The result as received, when it differs from ``result`` (`Pass`, `hardfail`).
    public var receivedResult: String?
    /// `human_result`: the receiver's own words, as written.
    public var humanResult: String?

    /// Makes a result from parsed values.
    public init(
        domain: String?, selector: String? = nil, result: AuthResult?, receivedResult: String? = nil,
        humanResult: String? = nil
    ) {
        self.domain = domain
        self.selector = selector
        self.result = result
        self.receivedResult = receivedResult
        self.humanResult = humanResult
    }
}

/// An `auth_results/spf` entry.
public struct SPFAuthResult: Hashable, Sendable {
    /// The domain SPF was checked for (the MAIL FROM or HELO domain).
    public var domain: String?
    /// Which identity was checked: `mfrom` or `helo`.
    public var scope: SPFScope?
    /// The SPF result, normalised (aliases mapped).
    public var result: AuthResult?
    /// The result as received, when it differs from ``result``.
    public var receivedResult: String?
    /// `human_result`: the receiver's own words, as written.
    public var humanResult: String?

    /// Makes a result from parsed values.
    public init(
        domain: String?, scope: SPFScope? = nil, result: AuthResult?, receivedResult: String? = nil,
        humanResult: String? = nil
    ) {
        self.domain = domain
        self.scope = scope
        self.result = result
        self.receivedResult = receivedResult
        self.humanResult = humanResult
    }
}
