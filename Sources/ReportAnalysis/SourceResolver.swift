import ReportModel

/// Names sending sources per docs/correlation.md: the user's source map, then a forward-confirmed PTR name
/// (a catalogue entry when the name is a known sender's, else its organisational domain passed
/// through the alias map), else the IP's network. The catalogue adds a service name and category.
public struct SourceResolver: Sendable {
    /// The user's rules (`--source-map`), asked before anything else.
    public var sourceMap: SourceMap
    /// The known senders: service names and categories by PTR domain.
    public var catalogue: SourceCatalogue
    /// Organisational domains that stand for another (`outlook.com` is `microsoft.com`), from the catalogue.
    public var aliases: [String: String]
    private let suffixes: LazyPublicSuffixList

    /// The Public Suffix List (parsed when first needed, if it was given lazily).
    public var publicSuffixList: PublicSuffixList { suffixes.list }

    /// A resolver over a Public Suffix List already parsed.
    public init(
        sourceMap: SourceMap = SourceMap(), publicSuffixList: PublicSuffixList = PublicSuffixList(),
        catalogue: SourceCatalogue = .shipped
    ) {
        self.init(
            sourceMap: sourceMap, lazyPublicSuffixList: LazyPublicSuffixList(publicSuffixList), catalogue: catalogue)
    }

    /// A resolver that parses the Public Suffix List only when a PTR name or a reporter first needs it.
    public init(
        sourceMap: SourceMap = SourceMap(), lazyPublicSuffixList: LazyPublicSuffixList,
        catalogue: SourceCatalogue = .shipped
    ) {
        self.sourceMap = sourceMap
        self.suffixes = lazyPublicSuffixList
        self.catalogue = catalogue
        self.aliases = catalogue.aliases
    }

    /// What named a source.
    public enum Origin: String, Sendable {
        /// A rule of the user's source map.
        case sourceMap = "source-map"
        /// A confirmed PTR name under a catalogue domain.
        case catalogue
        /// A confirmed PTR name of a sender the catalogue does not know.
        case reverseDNS = "reverse-dns"
        /// No name: the IP's network.
        case network
    }

    /// A resolved source: its key (docs/correlation.md) and what is known about it.
    public struct Source: Hashable, Sendable {
        /// The source key (docs/correlation.md, "The source key"): a map's source, an organisational
        /// domain or a network.
        public var key: String
        /// From the source map when a rule gave one, else from the catalogue.
        public var category: String?
        /// The catalogue's service name, when the source is a known sender.
        public var service: String?
        /// What named it.
        public var origin: Origin

        /// A resolved source; `category` and `service` only when something names them.
        public init(key: String, category: String? = nil, service: String? = nil, origin: Origin) {
            self.key = key
            self.category = category
            self.service = service
            self.origin = origin
        }

        /// The service name where known, else the key (organisational domain or network).
        public var displayName: String { service ?? key }
    }

    /// The source of a DMARC row's `source_ip`.
    /// - Parameter ptr: the IP's forward-confirmed PTR name, when known. An unconfirmed name
    ///   must not be passed: anyone can publish `mail.google.com` for their own address.
    public func source(forIP ip: String, ptr: String? = nil) -> Source {
        let bytes = IPNetwork.parseAddress(ip)
        if let bytes, let rule = sourceMap.rule(forIP: bytes) { return source(of: rule) }
        if let ptr, !ptr.isEmpty {
            if let rule = sourceMap.rule(forPTR: ptr) { return source(of: rule) }
            if let entry = catalogue.entry(forHostName: ptr) {
                return Source(
                    key: entry.source, category: entry.category.name, service: entry.service, origin: .catalogue)
            }
            let key = alias(publicSuffixList.organizationalDomain(of: ptr))
            let entry = catalogue.entry(forSource: key)
            return Source(key: key, category: entry?.category.name, service: entry?.service, origin: .reverseDNS)
        }
        if let network = IPNetwork.defaultNetwork(of: ip) { return Source(key: network.description, origin: .network) }
        return Source(key: ip.isEmpty ? "unknown" : ip.lowercased(), origin: .network)
    }

    /// The catalogue's name and category for a source key (a reporter, or a source map's source).
    public func known(_ key: String) -> SourceCatalogue.Entry? {
        catalogue.entry(forSource: key) ?? catalogue.entry(forHostName: key).flatMap { $0.source == key ? $0 : nil }
    }

    private func source(of rule: SourceMap.Rule) -> Source {
        let entry = known(rule.source)
        // The map's own spelling names the source unless the catalogue knows the service.
        let written = rule.name.isEmpty || rule.name == rule.source ? nil : rule.name
        return Source(
            key: rule.source, category: rule.category ?? entry?.category.name, service: entry?.service ?? written,
            origin: .sourceMap)
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

    /// The name the catalogue's aliases give `domain` (`outlook.com` is `microsoft.com`), else `domain` itself.
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
        return labels.count >= 2
            && labels.allSatisfy { label in
                !label.isEmpty && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
            } && labels.last?.allSatisfy(\.isLetter) == true
    }
}
