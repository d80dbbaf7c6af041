/// The DNS TXT records and the MTA-STS policy `mailtally check` reads, parsed into typed values
/// (docs/transport.md lists what is checked in each). Every parser takes text from strangers: it
/// returns a problem in words, never traps, and keeps at most a bounded number of items.

/// Why a record or policy could not be read.
public struct RecordProblem: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The reason, in one sentence.
    public var reason: String
    /// A problem saying `reason`.
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// `tag=value` lists (DMARC, MTA-STS, TLS-RPT records): tags lowercased, values trimmed; the
/// first of a repeated tag wins.
enum TagList {
    static func parse(_ text: String, maxTags: Int = 64) -> [(tag: String, value: String)] {
        var tags: [(String, String)] = []
        for part in text.split(separator: ";", omittingEmptySubsequences: true).prefix(maxTags) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let tag = String(pair[0]).trimmedWhitespace().lowercased()
            guard !tag.isEmpty, !tags.contains(where: { $0.0 == tag }) else { continue }
            tags.append((tag, pair.count == 2 ? String(pair[1]).trimmedWhitespace() : ""))
        }
        return tags
    }

    static func value(_ tags: [(tag: String, value: String)], _ tag: String) -> String? {
        tags.first { $0.tag == tag }?.value
    }
}

/// A DMARC record (`_dmarc.DOMAIN`, RFC 7489 section 6.3).
public struct DMARCRecord: Hashable, Sendable, Codable {
    /// `p`: what receivers should do with failing mail.
    public var policy: Disposition
    /// `sp`: the same for subdomains, when given.
    public var subdomainPolicy: Disposition?
    /// `np`: the same for non-existent subdomains (RFC 9091), when given.
    public var nonexistentPolicy: Disposition?
    /// `pct`: the share of failing mail the policy applies to (100 when not given).
    public var percent: Int
    /// `adkim` and `aspf` (relaxed when not given).
    public var dkimAlignment: AlignmentMode
    public var spfAlignment: AlignmentMode
    /// `rua`: where aggregate reports go (URIs as written, size suffixes dropped).
    public var aggregateReportURIs: [String]
    /// `ruf`: where failure reports go.
    public var failureReportURIs: [String]
    /// Mistakes receivers work around (a broken p= read as none, a pct out of range read as
    /// 100), when there are any.
    public var notes: [String]?

    /// Parses the record's text as receivers do. Fails when it does not start with `v=DMARC1`, or
    /// when `p` is missing or unknown and there is no `rua` to fall back on.
    public init(parsing text: String) throws(RecordProblem) {
        let tags = TagList.parse(text)
        // RFC 7489 section 6.3: the version must match exactly.
        guard let first = tags.first, first.tag == "v", first.value == "DMARC1" else {
            throw RecordProblem("it does not start with v=DMARC1")
        }
        aggregateReportURIs = Self.uris(TagList.value(tags, "rua"))
        failureReportURIs = Self.uris(TagList.value(tags, "ruf"))
        var notes: [String] = []
        func disposition(_ tag: String) -> (value: Disposition?, valid: Bool) {
            guard let text = TagList.value(tags, tag) else { return (nil, true) }
            guard let value = Disposition(normalizing: text), [.monitor, .quarantine, .reject].contains(value) else {
                return (nil, false)
            }
            return (value, true)
        }
        let p = disposition("p")
        let sp = disposition("sp")
        // RFC 7489 section 6.6.3: a missing or broken p (or a broken sp) with a usable rua is
        // read as p=none; without a rua the record is not applied at all.
        if p.value == nil || !sp.valid {
            let what =
                p.value == nil
                ? (TagList.value(tags, "p").map { "p=\($0.prefix(40)) is not none, quarantine or reject" }
                    ?? "it has no p= tag")
                : "sp=\(TagList.value(tags, "sp")?.prefix(40) ?? "") is not none, quarantine or reject"
            guard !aggregateReportURIs.isEmpty else { throw RecordProblem(what + ", and no rua: receivers ignore it") }
            notes.append(what + ": receivers read it as p=none")
            policy = .monitor
            subdomainPolicy = nil
        } else {
            policy = p.value ?? .monitor
            subdomainPolicy = sp.value
        }
        let np = disposition("np")
        if !np.valid {
            notes.append("np=\(TagList.value(tags, "np")?.prefix(40) ?? "") is not valid: receivers ignore it")
        }
        nonexistentPolicy = np.value
        percent = 100
        if let text = TagList.value(tags, "pct") {
            if let value = Int(text), (0...100).contains(value) {
                percent = value
            } else {
                notes.append("pct=\(text.prefix(20)) is not a number from 0 to 100: receivers use 100")
            }
        }
        self.notes = notes.isEmpty ? nil : notes
        dkimAlignment = TagList.value(tags, "adkim").flatMap(AlignmentMode.init(normalizing:)) ?? .relaxed
        spfAlignment = TagList.value(tags, "aspf").flatMap(AlignmentMode.init(normalizing:)) ?? .relaxed
    }

    /// Comma-separated URIs with an optional `!size` suffix each; at most 16 kept.
    static func uris(_ text: String?) -> [String] {
        guard let text else { return [] }
        return text.split(separator: ",").prefix(16).compactMap { part in
            let uri = String(part.split(separator: "!", maxSplits: 1).first ?? "").trimmedWhitespace()
            return uri.isEmpty ? nil : uri
        }
    }

    /// The domains of the `mailto:` report addresses, lowercased (`reports.vendor.example`).
    public static func mailtoDomains(_ uris: [String]) -> [String] {
        var domains: [String] = []
        for uri in uris where uri.lowercased().hasPrefix("mailto:") {
            let address = uri.dropFirst("mailto:".count).split(separator: "?").first ?? ""
            guard let at = address.lastIndex(of: "@") else { continue }
            let domain = DNSName.normalized(String(address[address.index(after: at)...]))
            if let domain, !domains.contains(domain) { domains.append(domain) }
        }
        return domains
    }
}

/// An SMTP TLS reporting record (`_smtp._tls.DOMAIN`, RFC 8460 section 3).
public struct TLSRPTRecord: Hashable, Sendable, Codable {
    /// `rua`: where senders send their reports (`mailto:` or `https:` URIs).
    public var reportURIs: [String]

    /// Parses the record's text. Fails without `v=TLSRPTv1` first or without a usable `rua`.
    public init(parsing text: String) throws(RecordProblem) {
        let tags = TagList.parse(text)
        guard let first = tags.first, first.tag == "v", first.value == "TLSRPTv1" else {
            throw RecordProblem("it does not start with v=TLSRPTv1")
        }
        let uris = (TagList.value(tags, "rua") ?? "").split(separator: ",").prefix(16).map {
            String($0).trimmedWhitespace()
        }
        reportURIs = uris.filter { $0.lowercased().hasPrefix("mailto:") || $0.lowercased().hasPrefix("https:") }
        guard !reportURIs.isEmpty else { throw RecordProblem("it has no rua= with a mailto: or https: address") }
    }
}

/// An MTA-STS record (`_mta-sts.DOMAIN`, RFC 8461 section 3.1).
public struct MTASTSRecord: Hashable, Sendable, Codable {
    /// `id`: changes whenever the policy does, so senders fetch it again.
    public var id: String

    /// Parses the record's text. Fails without `v=STSv1` first or a valid `id` (1 to 32 letters and digits).
    public init(parsing text: String) throws(RecordProblem) {
        let tags = TagList.parse(text)
        guard let first = tags.first, first.tag == "v", first.value == "STSv1" else {
            throw RecordProblem("it does not start with v=STSv1")
        }
        guard let id = TagList.value(tags, "id"), (1...32).contains(id.utf8.count),
            id.utf8.allSatisfy({
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
            })
        else { throw RecordProblem("its id= is missing or not 1 to 32 letters and digits") }
        self.id = id
    }
}

/// An MTA-STS policy as served at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (RFC 8461
/// section 3.2).
public struct MTASTSPolicy: Hashable, Sendable, Codable {
    /// `mode`: enforce, testing or none.
    public var mode: MTASTSMode
    /// `mx`: the patterns the MX hosts must match (`mail.example.com`, `*.example.net`).
    public var mxPatterns: [String]
    /// `max_age`: how long senders may cache the policy, in seconds.
    public var maxAge: Int64

    /// Parses the policy's bytes (key: value lines, CRLF or LF). Fails on a missing or wrong
    /// version, mode or max_age, or when a mode other than none lists no mx.
    public init(parsing bytes: [UInt8]) throws(RecordProblem) {
        guard bytes.count <= 64 << 10 else { throw RecordProblem("it is larger than 64 KiB") }
        guard !bytes.starts(with: [0xEF, 0xBB, 0xBF]) else {
            throw RecordProblem("it starts with a byte-order mark, which the policy's grammar does not allow")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        var fields: [(String, String)] = []
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { continue }
            fields.append((String(pair[0]).trimmedWhitespace(), String(pair[1]).trimmedWhitespace()))
        }
        func value(_ key: String) -> String? { fields.first { $0.0 == key }?.1 }
        guard value("version") == "STSv1" else { throw RecordProblem("its version is not STSv1") }
        guard let modeText = value("mode"), let mode = MTASTSMode(normalizing: modeText),
            [.enforce, .testing, .none].contains(mode)
        else { throw RecordProblem("its mode is missing or not enforce, testing or none") }
        guard let ageText = value("max_age"), let maxAge = Int64(ageText), (0...31_557_600).contains(maxAge) else {
            throw RecordProblem("its max_age is missing or not a number of seconds up to a year")
        }
        self.mode = mode
        self.maxAge = maxAge
        mxPatterns = fields.filter { $0.0 == "mx" }.prefix(64).compactMap { DNSName.pattern($0.1) }
        guard mode == .none || !mxPatterns.isEmpty else { throw RecordProblem("it lists no mx") }
    }

    /// Whether two policies say the same: mode, max_age and the set of patterns (order and
    /// spelling of the file aside).
    public func means(_ other: MTASTSPolicy) -> Bool {
        mode == other.mode && maxAge == other.maxAge && Set(mxPatterns) == Set(other.mxPatterns)
    }

    /// Whether `host` matches one of the patterns: exactly, or `*.` standing for one leftmost label.
    public func covers(_ host: String) -> Bool {
        mxPatterns.contains { DNSName.matches(host, pattern: $0) }
    }
}

/// DNS names as records and policies carry them.
public enum DNSName {
    /// The name lowercased, without trailing dots, when it is a valid host name (letters,
    /// digits, hyphens and underscores; labels of 1 to 63 bytes; at most 253 bytes): what DNS
    /// answers (PTR names, MX hosts) and records (policies, rua) are read with.
    public static func normalized(_ raw: String) -> String? {
        var name = raw.trimmedWhitespace().lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count),
                label.utf8.allSatisfy({
                    (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F
                })
            else { return nil }
        }
        return name
    }

    /// An MTA-STS mx pattern: a name, or `*.` and a name.
    static func pattern(_ raw: String) -> String? {
        let text = raw.trimmedWhitespace().lowercased()
        if text.hasPrefix("*.") { return normalized(String(text.dropFirst(2))).map { "*." + $0 } }
        return normalized(text)
    }

    /// RFC 8461 section 4.1: `*.example.com` matches `mx.example.com`, not `a.mx.example.com`
    /// nor `example.com`; other patterns match exactly.
    public static func matches(_ host: String, pattern: String) -> Bool {
        let host = host.lowercased()
        if pattern.hasPrefix("*.") {
            guard let dot = host.firstIndex(of: ".") else { return false }
            return host[dot...] == pattern.dropFirst(1) && dot > host.startIndex
        }
        return host == pattern
    }
}
