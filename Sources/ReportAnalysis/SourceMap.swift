/// The user's source map (`--source-map FILE`, docs/correlation.md): one rule a line,
/// `network-or-ptr-suffix,source[,category]`, `#` comments.
///
/// ```
/// 209.85.128.0/17,google.com,esp
/// .outbound.protection.outlook.com,microsoft.com,esp
/// ```
public struct SourceMap: Sendable {
    /// One line of the map: a network or a PTR suffix, and the source it names.
    public struct Rule: Sendable, Hashable {
        /// The network the rule matches; nil for a PTR suffix rule.
        public var network: IPNetwork?
        /// A PTR name suffix, lowercased (`.outbound.protection.outlook.com`).
        public var ptrSuffix: String?
        /// The source's key, lowercased (rules naming one source in two spellings join).
        public var source: String
        /// The line's category, lowercased: it wins over the catalogue's; nil when the line gives none.
        public var category: String?
        /// The source's name as the map writes it (`Our CRM`), shown in tables.
        public var name: String = ""
    }

    /// The rules in file order; the most specific match wins, not the first (``rule(forIP:)``, ``rule(forPTR:)``).
    public private(set) var rules: [Rule] = []

    /// An empty map: no rule, so reverse DNS and the catalogue decide.
    public init() {}

    /// Parses the file's text.
    /// - Throws: ``SourceMapError`` naming the line of the first rule that cannot be read.
    public init(text: String) throws(SourceMapError) {
        for (line, fields) in Self.ruleLines(text) {
            guard fields.count >= 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw SourceMapError(line: line, reason: "expected network-or-ptr-suffix,source[,category]")
            }
            let category = fields.count >= 3 && !fields[2].isEmpty ? fields[2].lowercased() : nil
            let source = fields[1].lowercased()
            let name = fields[1]
            if let network = IPNetwork(fields[0]) {
                rules.append(Rule(network: network, ptrSuffix: nil, source: source, category: category, name: name))
            } else if fields[0].contains(where: { $0.isLetter }) && !fields[0].contains("/") {
                rules.append(
                    Rule(
                        network: nil, ptrSuffix: fields[0].lowercased(), source: source, category: category, name: name)
                )
            } else {
                throw SourceMapError(line: line, reason: "'\(fields[0])' is neither a network nor a PTR suffix")
            }
        }
    }

    /// The rule lines of a map or catalogue file: 1-based line number and comma-separated
    /// fields, trimmed, with `#` comments and blank lines left out.
    static func ruleLines(_ text: String, maxFields: Int = Int.max) -> [(line: Int, fields: [String])] {
        // Split on bytes: faster than on Characters, and a CRLF line end (one Character) still
        // ends the line; the CR goes with the trimmed spaces.
        var lines: [(Int, [String])] = []
        for (index, raw) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated()
        {
            let line = String(decoding: raw.prefix { $0 != UInt8(ascii: "#") }, as: UTF8.self).trimmingSpaces()
            if line.isEmpty { continue }
            let fields = line.utf8.split(
                separator: UInt8(ascii: ","), maxSplits: maxFields - 1, omittingEmptySubsequences: false
            )
            .map { String(decoding: $0, as: UTF8.self).trimmingSpaces() }
            lines.append((index + 1, fields))
        }
        return lines
    }

    /// The most specific network rule that contains `ip`.
    public func rule(forIP ip: [UInt8]) -> Rule? {
        rules.filter { $0.network?.contains(ip) == true }.max {
            ($0.network?.prefixLength ?? 0) < ($1.network?.prefixLength ?? 0)
        }
    }

    /// The longest PTR suffix rule that matches `ptr` (a suffix `.x.com` matches `a.x.com`; `x.com`
    /// matches `x.com` and `a.x.com`).
    public func rule(forPTR ptr: String) -> Rule? {
        let name = ptr.lowercased().trimmingSuffixDots()
        return rules.filter { rule in
            guard let suffix = rule.ptrSuffix else { return false }
            if suffix.hasPrefix(".") { return name.hasSuffix(suffix) || name == String(suffix.dropFirst()) }
            return name == suffix || name.hasSuffix("." + suffix)
        }.max { ($0.ptrSuffix?.count ?? 0) < ($1.ptrSuffix?.count ?? 0) }
    }
}

/// Why a source map could not be read: the command stops and names the line to fix.
public struct SourceMapError: Error, CustomStringConvertible, Sendable {
    /// The 1-based line number in the file.
    public var line: Int
    /// What is wrong with the line.
    public var reason: String
    /// `source map line N: reason`, as the command prints it.
    public var description: String { "source map line \(line): \(reason)" }
}

extension String {
    func trimmingSuffixDots() -> String {
        var text = self
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
