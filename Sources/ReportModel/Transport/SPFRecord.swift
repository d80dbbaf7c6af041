/// An SPF record (RFC 7208) read for what costs DNS lookups: the terms that make a receiver ask
/// DNS count against a limit of 10 per check, and more than 2 of them answering nothing is a
/// permanent error too (section 4.6.4). Mechanisms after `all` are never reached, and
/// `redirect=` is ignored when the record has `all`: neither counts.
public struct SPFRecord: Hashable, Sendable, Codable {
    /// A term that makes a receiver query DNS.
    public struct LookupTerm: Hashable, Sendable, Codable {
        /// Which mechanism or modifier.
        public enum Kind: String, Hashable, Sendable, Codable {
            case include, a, mx, ptr, exists, redirect
        }

        /// Which.
        public var kind: Kind
        /// Its domain, when one is written and has no macro; nil for `a`, `mx` and `ptr` of the
        /// domain itself, and for domains with macros (`%{i}`), which only a receiver can expand.
        public var domain: String?
        /// Whether the domain holds a macro.
        public var hasMacro: Bool
    }

    /// The terms that query DNS, in the order written (at most 64 kept).
    public var lookupTerms: [LookupTerm]
    /// The `all` mechanism's qualifier (`-`, `~`, `?`, `+`), when the record has one.
    public var allQualifier: String?

    /// Parses `v=spf1 ...`. Fails when the text is not an SPF record.
    public init(parsing text: String) throws(RecordProblem) {
        let terms = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let version = terms.first, version.lowercased() == "v=spf1" else {
            throw RecordProblem("it does not start with v=spf1")
        }
        lookupTerms = []
        allQualifier = nil
        for term in terms.dropFirst().prefix(256) {
            var body = Substring(term.lowercased())
            var qualifier = "+"
            if let first = body.first, "+-~?".contains(first) {
                qualifier = String(first)
                body = body.dropFirst()
            }
            if body == "all" {
                allQualifier = qualifier
                continue
            }
            let nameEnd = body.firstIndex(where: { $0 == ":" || $0 == "=" || $0 == "/" }) ?? body.endIndex
            guard let kind = LookupTerm.Kind(rawValue: String(body[..<nameEnd])) else { continue }
            let separator = nameEnd < body.endIndex ? body[nameEnd] : nil
            // `redirect=` is the one modifier that queries; mechanisms take `:` (and `/` for a prefix).
            guard (kind == .redirect) == (separator == "=") else { continue }
            // Mechanisms after `all` are never evaluated (RFC 7208 section 5.1).
            if allQualifier != nil && kind != .redirect { continue }
            var argument = ""
            if separator == ":" || separator == "=" {
                argument = String(body[body.index(after: nameEnd)...].split(separator: "/").first ?? "")
            }
            if (kind == .include || kind == .exists || kind == .redirect) && argument.isEmpty {
                throw RecordProblem("\(kind.rawValue) has no domain")
            }
            let hasMacro = argument.contains("%")
            let domain = hasMacro || argument.isEmpty ? nil : DNSName.normalized(argument)
            if lookupTerms.count < 64 { lookupTerms.append(LookupTerm(kind: kind, domain: domain, hasMacro: hasMacro)) }
        }
        // With `all` in the record, `redirect=` is ignored (section 6.1).
        if allQualifier != nil { lookupTerms.removeAll { $0.kind == .redirect } }
    }

    /// Whether a TXT string is an SPF record (`v=spf1` alone or followed by a space).
    public static func isSPF(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower == "v=spf1" || lower.hasPrefix("v=spf1 ")
    }
}
