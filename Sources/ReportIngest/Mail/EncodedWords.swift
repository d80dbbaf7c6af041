import Foundation

/// RFC 2047 encoded words (`=?utf-8?B?...?=`) and the charsets they name.
public enum EncodedWords {
    /// Decodes every encoded word in `text`. Adjacent encoded words separated only by white
    /// space are joined without it; in `Q` encoding `_` is a space. Malformed words stay as written.
    public static func decode(_ text: String) -> String {
        guard text.contains("=?") else { return text }
        var output = ""
        var rest = Substring(text)
        var lastWasEncoded = false
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            let afterStart = rest[start.upperBound...]
            guard let word = parseWord(afterStart) else {
                output += before + "=?"
                rest = afterStart
                lastWasEncoded = false
                continue
            }
            // White space between two encoded words is dropped; any other text is kept.
            if !(lastWasEncoded && before.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })) {
                output += before
            }
            output += word.text
            rest = word.rest
            lastWasEncoded = true
        }
        return output + rest
    }

    private static func parseWord(_ text: Substring) -> (text: String, rest: Substring)? {
        let parts = text.split(separator: "?", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let charset = parts[0].split(separator: "*").first.map(String.init) ?? ""  // RFC 2231 language suffix
        let encoding = parts[1].uppercased()
        guard let close = parts[2].range(of: "?=") else { return nil }
        let payload = parts[2][..<close.lowerBound]
        guard !payload.contains(" ") else { return nil }
        let bytes: [UInt8]
        switch encoding {
        case "B": bytes = TransferDecoding.base64(Array(payload.utf8)[...])
        case "Q": bytes = TransferDecoding.quotedPrintable(Array(payload.utf8)[...], underscoreIsSpace: true)
        default: return nil
        }
        return (Charset.decode(bytes, charset: charset), parts[2][close.upperBound...])
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
            return String(data: Data(bytes), encoding: .windowsCP1252) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
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
