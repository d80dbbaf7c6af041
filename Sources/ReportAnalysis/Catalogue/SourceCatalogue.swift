/// Known senders: PTR base domains mapped to the source they belong to, a category and a
/// service name (the shipped data is in `ShippedCatalogue.swift`).
public struct SourceCatalogue: Sendable {
    /// One catalogue line: a PTR domain, the source it belongs to, and what to call it.
    public struct Entry: Hashable, Sendable {
        /// A domain, matching itself and every name under it.
        public var domain: String
        /// The source key the domain belongs to (`outlook.com` → `microsoft.com`).
        public var source: String
        /// What kind of sender it is, which decides how its failing mail is classed (docs/findings.md,
        /// "Classes of sources").
        public var category: SourceCategory
        /// The name tables show for the source (`Google`, `Amazon SES`).
        public var service: String
    }

    private var byDomain: [String: Entry] = [:]
    private var bySource: [String: Entry] = [:]

    /// An empty catalogue.
    public init() {}

    /// Parses `domain,source,category,service` lines; `#` comments.
    /// - Throws: ``SourceMapError`` naming the first line that cannot be read.
    public init(text: String) throws(SourceMapError) {
        for (line, fields) in SourceMap.ruleLines(text, maxFields: 4) {
            guard fields.count == 4, fields.allSatisfy({ !$0.isEmpty }) else {
                throw SourceMapError(line: line, reason: "expected domain,source,category,service")
            }
            let entry = Entry(
                domain: fields[0].lowercased().trimmingSuffixDots(), source: fields[1].lowercased(),
                category: SourceCategory(fields[2]), service: fields[3])
            byDomain[entry.domain] = entry
            if bySource[entry.source] == nil || entry.domain == entry.source { bySource[entry.source] = entry }
        }
    }

    /// The catalogue shipped with MailTally.
    public static let shipped: SourceCatalogue = {
        do {
            return try SourceCatalogue(text: shippedText)
        } catch {
            preconditionFailure("the shipped source catalogue does not parse: \(error)")
        }
    }()

    /// Every entry, by domain.
    public var entries: [Entry] { byDomain.values.sorted { $0.domain < $1.domain } }

    /// The entry of the longest listed domain that `name` is or ends with.
    public func entry(forHostName name: String) -> Entry? {
        var candidate = Substring(name.lowercased().trimmingSuffixDots())
        while !candidate.isEmpty {
            if let entry = byDomain[String(candidate)] { return entry }
            guard let dot = candidate.firstIndex(of: ".") else { return nil }
            candidate = candidate[candidate.index(after: dot)...]
        }
        return nil
    }

    /// The entry that names a source key (the one whose domain is the key, else any of its domains).
    public func entry(forSource source: String) -> Entry? { bySource[source] }

    /// Domain → source, for every domain whose source differs: the alias map of docs/correlation.md.
    public var aliases: [String: String] {
        var aliases: [String: String] = [:]
        for entry in byDomain.values where entry.domain != entry.source { aliases[entry.domain] = entry.source }
        return aliases
    }
}

/// What kind of sender a source is. Open: a source map may name any category.
public struct SourceCategory: Hashable, Sendable, CustomStringConvertible {
    /// The category as a catalogue or source map line writes it, trimmed and lowercased.
    public let name: String

    /// Any name is accepted: a source map may make up its own categories.
    public init(_ name: String) { self.name = name.trimmingSpaces().lowercased() }

    /// A mailbox provider (Gmail, Outlook): its relayed mail can make it a forwarder.
    public static let mailbox = SourceCategory("mailbox")
    /// An email service provider sending for its customers: never taken for a forwarder.
    public static let esp = SourceCategory("esp")
    /// A marketing or newsletter platform sending for its customers (Mailchimp).
    public static let marketing = SourceCategory("marketing")
    /// An application that mails on its customers' behalf (Salesforce, Zendesk).
    public static let saas = SourceCategory("saas")
    /// A security gateway (Proofpoint, Mimecast): like a mailbox provider, its relayed mail can make it a forwarder.
    public static let gateway = SourceCategory("gateway")
    /// A known forwarder: its sources are classed `forwarder` whatever their counts.
    public static let forwarder = SourceCategory("forwarder")
    /// An ISP's network: anyone's mail, so failing mail from it is suspicious (``isAnyonesNetwork``).
    public static let isp = SourceCategory("isp")
    /// A hosting or cloud network: anyone's mail, like ``isp``.
    public static let hosting = SourceCategory("hosting")
    /// The policy domain's own servers (their PTR names are under its organisational domain).
    public static let own = SourceCategory("own")

    /// Networks whose mail is anyone's: a source there is not a service sending for you.
    public var isAnyonesNetwork: Bool { self == .isp || self == .hosting }

    /// The name, so that a category prints as it is written.
    public var description: String { name }
}
