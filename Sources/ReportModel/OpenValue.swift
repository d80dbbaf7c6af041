/// A protocol value that a reporter writes as free text and that the specification enumerates.
///
/// Conforming types are open: any received value is kept (``rawValue``), compared in a
/// normalised form (trimmed, lowercased, known aliases mapped), so an unseen value never aborts
/// a report. The static members name the values the RFCs define.
public protocol OpenValue: RawRepresentable, Hashable, Sendable, CustomStringConvertible
where RawValue == String {
    /// Builds a value from normalised text, as it is stored.
    init(rawValue: String)
    /// Spellings seen in the wild that mean a defined value (`hardfail` → `fail`).
    static var aliases: [String: String] { get }
}

extension OpenValue {
    /// No aliases by default: only types whose values reporters spell in other ways list any.
    public static var aliases: [String: String] { [:] }

    /// Normalises received text: trims white space, lowercases and maps known aliases.
    ///
    /// Returns `nil` for empty text, which reporters send for "no value" (`<result/>`).
    public init?(normalizing text: String) {
        // Most values arrive folded already (`pass`, `none`): no trimming, no lowercasing.
        let isFolded =
            !text.isEmpty
            && text.utf8.allSatisfy {
                (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F
            }
        let folded = isFolded ? text : text.trimmedWhitespace().lowercased()
        guard !folded.isEmpty else { return nil }
        self.init(rawValue: Self.aliases[folded] ?? folded)
    }

    /// The normalised text, so values print as they are stored.
    public var description: String { rawValue }
}

extension String {
    /// The text without leading and trailing ASCII or Unicode white space.
    public func trimmedWhitespace() -> String {
        // The common case, checked on the bytes: starts and ends with a printable ASCII
        // character, so there is nothing to trim (any Unicode space starts with a byte >= 0x80).
        // Read from the contiguous UTF-8 of a native string: `utf8.last` alone walks indices.
        let printableEnds =
            utf8.withContiguousStorageIfAvailable { bytes in
                guard let head = bytes.first, let tail = bytes.last else { return false }
                return (0x21...0x7E).contains(head) && (0x21...0x7E).contains(tail)
            } ?? false
        if printableEnds { return self }
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        guard let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
