import ReportModel

/// Names sending sources per brief §3: the user's source map, then a PTR name reduced to its
/// organisational domain and passed through the alias map, else the IP's network.
public struct SourceResolver: Sendable {
    public var sourceMap: SourceMap
    public var publicSuffixList: PublicSuffixList
    public var aliases: [String: String]

    public init(sourceMap: SourceMap = SourceMap(), publicSuffixList: PublicSuffixList = PublicSuffixList(), aliases: [String: String] = SourceAliases.shipped) {
        self.sourceMap = sourceMap
        self.publicSuffixList = publicSuffixList
        self.aliases = aliases
    }

    /// A resolved source: its key and, when a rule gave one, its category.
    public struct Source: Hashable, Sendable {
        public var key: String
        public var category: String?
    }

    /// The source of a DMARC row's `source_ip`.
    /// - Parameter ptr: the cached PTR name of the IP, when known.
    public func source(forIP ip: String, ptr: String? = nil) -> Source {
        let bytes = IPNetwork.parseAddress(ip)
        if let bytes, let rule = sourceMap.rule(forIP: bytes) { return Source(key: rule.source, category: rule.category) }
        if let ptr, !ptr.isEmpty {
            if let rule = sourceMap.rule(forPTR: ptr) { return Source(key: rule.source, category: rule.category) }
            return Source(key: alias(publicSuffixList.organizationalDomain(of: ptr)), category: nil)
        }
        if let network = IPNetwork.defaultNetwork(of: ip) { return Source(key: network.description, category: nil) }
        return Source(key: ip.isEmpty ? "unknown" : ip.lowercased(), category: nil)
    }

    /// The reporter of a TLS report (and so the source of all its sessions): the organisational
    /// domain of `contact-info` (an address or a URI), else of the organisation name when it is
    /// a domain, else the lowercased organisation name; then the alias map.
    public func tlsReporter(organization: String, contactInfo: String?) -> String {
        if let contact = contactInfo, let domain = Self.domain(ofContact: contact) {
            return alias(publicSuffixList.organizationalDomain(of: domain))
        }
        let name = organization.trimmingSpaces().lowercased()
        if Self.looksLikeDomain(name) { return alias(publicSuffixList.organizationalDomain(of: name)) }
        return alias(name)
    }

    /// The reporter of a DMARC report (for `--by reporter`): the organisational domain of
    /// `report_metadata/email`, else the lowercased `org_name`; then the alias map.
    public func dmarcReporter(orgName: String, email: String?) -> String {
        if let email, let domain = Self.domain(ofContact: email) {
            return alias(publicSuffixList.organizationalDomain(of: domain))
        }
        return alias(orgName.trimmingSpaces().lowercased())
    }

    public func alias(_ domain: String) -> String { aliases[domain] ?? domain }

    /// The domain of an e-mail address or a URI (`mailto:`, `https://host/path`).
    static func domain(ofContact text: String) -> String? {
        var value = text.trimmingSpaces().lowercased()
        if let scheme = value.range(of: "://") {
            value = String(value[scheme.upperBound...])
            value = String(value.split(separator: "/").first ?? "")
            value = String(value.split(separator: ":").first ?? "")
            value = String(value.split(separator: "@").last ?? "")
            return looksLikeDomain(value) ? value : nil
        }
        if let domain = ReportMetadata.domain(ofAddress: value), looksLikeDomain(domain) { return domain }
        return nil
    }

    static func looksLikeDomain(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { label in
            !label.isEmpty && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        } && labels.last?.allSatisfy(\.isLetter) == true
    }
}
