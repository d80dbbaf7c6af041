import Foundation

/// RFC 2047 encoded words (`=?utf-8?B?...?=`) and the charsets they name.
package enum EncodedWords {
    /// Decodes every encoded word in `text`. Adjacent encoded words separated only by white
    /// space are joined without it; in `Q` encoding `_` is a space. Malformed words stay as written.
    ///
    /// Linear in the length of `text`, whatever it holds: every search for the end of a word
    /// moves forward only (``ForwardSearch``), so a header of a million `=?a?b?c ` fragments
    /// is read once, not once per fragment.
    public static func decode(_ text: String) -> String {
        guard text.contains("=?") else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var question = ForwardSearch(bytes) { bytes, index in bytes[index] == UInt8(ascii: "?") }
        var close = ForwardSearch(bytes) { bytes, index in
            bytes[index] == UInt8(ascii: "?") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "=")
        }
        var space = ForwardSearch(bytes) { bytes, index in bytes[index] == UInt8(ascii: " ") }
        var copied = 0  // bytes before this one are in `output` (or dropped as white space between words)
        var lastWordEnd = -1
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "="), bytes[index + 1] == UInt8(ascii: "?") else {
                index += 1
                continue
            }
            guard let word = parseWord(bytes, at: index, question: &question, close: &close, space: &space) else {
                index += 2
                continue
            }
            let gap = bytes[copied..<index]
            // White space between two encoded words is dropped; any other text is kept.
            if !(lastWordEnd == copied && gap.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A })) {
                output.append(contentsOf: gap)
            }
            output.append(contentsOf: word.text.utf8)
            copied = word.end
            lastWordEnd = word.end
            index = word.end
        }
        output.append(contentsOf: bytes[copied...])
        return String(decoding: output, as: UTF8.self)
    }

    /// The word `=?charset?encoding?payload?=` starting at `start`, and where it ends.
    private static func parseWord(
        _ bytes: [UInt8], at start: Int, question: inout ForwardSearch, close: inout ForwardSearch,
        space: inout ForwardSearch
    ) -> (text: String, end: Int)? {
        guard let charsetEnd = question.first(from: start + 2), charsetEnd + 2 < bytes.count,
            bytes[charsetEnd + 2] == UInt8(ascii: "?")
        else { return nil }
        let payloadStart = charsetEnd + 3
        guard let payloadEnd = close.first(from: payloadStart) else { return nil }
        if let blank = space.first(from: payloadStart), blank < payloadEnd { return nil }
        let charsetBytes = bytes[(start + 2)..<charsetEnd]
        // RFC 2231 language suffix: `utf-8*en`.
        let charset = String(decoding: charsetBytes.prefix { $0 != UInt8(ascii: "*") }, as: UTF8.self)
        let payload = bytes[payloadStart..<payloadEnd]
        let decoded: [UInt8]
        switch bytes[charsetEnd + 1] | 0x20 {
        case UInt8(ascii: "b"): decoded = TransferDecoding.base64(payload)
        case UInt8(ascii: "q"): decoded = TransferDecoding.quotedPrintable(payload, underscoreIsSpace: true)
        default: return nil
        }
        return (Charset.decode(decoded, charset: charset), payloadEnd + 2)
    }
}

/// The first index at or after a position where a predicate holds, for positions asked in
/// increasing order: the search never goes back over bytes it has passed, so all the
/// searches of one text together take one pass.
struct ForwardSearch {
    private let bytes: [UInt8]
    private let matches: ([UInt8], Int) -> Bool
    /// The last answer, and the position it was searched from.
    private var found: Int?
    private var searchedTo = -1

    init(_ bytes: [UInt8], matches: @escaping ([UInt8], Int) -> Bool) {
        self.bytes = bytes
        self.matches = matches
    }

    /// The first matching index `>= position`; positions must not decrease between calls.
    mutating func first(from position: Int) -> Int? {
        if let found, found >= position { return found }
        if found == nil && searchedTo >= bytes.count { return nil }
        var index = max(position, searchedTo + 1)
        while index < bytes.count && !matches(bytes, index) { index += 1 }
        searchedTo = index
        found = index < bytes.count ? index : nil
        return found
    }
}

/// Text in a named charset, with a forgiving fallback.
enum Charset {
    static func decode(_ bytes: [UInt8], charset: String) -> String {
        switch charset.lowercased().trimmingCharacters(in: .whitespaces) {
        case "utf-8", "utf8", "us-ascii", "ascii", "":
            return String(decoding: bytes, as: UTF8.self)
        case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
            return String(bytes.map { Character(Unicode.Scalar($0)) })
        case "windows-1252", "cp1252":
            return String(data: Data(bytes), encoding: .windowsCP1252)
                ?? String(bytes.map { Character(Unicode.Scalar($0)) })
        case "iso-8859-2", "latin2":
            return String(data: Data(bytes), encoding: .isoLatin2) ?? String(decoding: bytes, as: UTF8.self)
        case "utf-16":
            return String(data: Data(bytes), encoding: .utf16) ?? String(decoding: bytes, as: UTF8.self)
        default:
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            return String(bytes.map { Character(Unicode.Scalar($0)) })
        }
    }
}
