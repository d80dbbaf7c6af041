import ReportModel

/// A structured header value with parameters: `multipart/report; report-type="tlsrpt"`.
///
/// Parameter names are lowercased. RFC 2231 continuations (`name*0`, `name*1*`) are joined in
/// numeric order whatever their order in the header, percent-decoded where marked (`*`), in the
/// charset named by the first section; RFC 2047 encoded words inside quoted values (a common
/// violation) are decoded too.
package struct HeaderParameters: Sendable, Hashable {
    /// The value before the first `;`, trimmed and lowercased (`multipart/report`, `attachment`).
    public var value: String
    /// Parameters by lowercased name, RFC 2231 sections joined and decoded (`boundary`, `filename`).
    public var parameters: [String: String]

    /// Parses a header value; never fails: a token without `=` is skipped.
    public init(parsing text: String) {
        var tokens = Self.split(text)
        value = tokens.isEmpty ? "" : tokens.removeFirst().trimmedWhitespace().lowercased()
        var simple: [String: String] = [:]
        var sections: [String: [(index: Int, encoded: Bool, text: String)]] = [:]
        for token in tokens {
            guard let equals = token.utf8.firstIndex(of: UInt8(ascii: "=")) else { continue }
            var name = String(token[..<equals]).trimmedWhitespace().lowercased()
            let raw = Self.unquote(String(token[token.index(after: equals)...]).trimmedWhitespace())
            var encoded = false
            if name.hasSuffix("*") {
                encoded = true
                name.removeLast()
            }
            if let star = name.utf8.lastIndex(of: UInt8(ascii: "*")), let index = Int(name[name.index(after: star)...])
            {
                sections[String(name[..<star]), default: []].append((index, encoded, raw))
            } else if encoded {
                sections[name, default: []].append((0, true, raw))
            } else if simple[name] == nil {
                simple[name] = raw
            }
        }
        for (name, parts) in sections {
            let ordered = parts.sorted { $0.index < $1.index }
            var charset = ""
            var bytes: [UInt8] = []
            for (position, part) in ordered.enumerated() {
                var text = Substring(part.text)
                if part.encoded && position == 0 {
                    // charset'language'value
                    let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if pieces.count == 3 {
                        charset = String(pieces[0])
                        text = pieces[2]
                    }
                }
                bytes += part.encoded ? Self.percentDecode(text) : Array(text.utf8)
            }
            simple[name] = Charset.decode(bytes, charset: charset)
        }
        parameters = simple.mapValues { Self.mayHoldEncodedWords($0) ? EncodedWords.decode($0) : $0 }
    }

    /// The parameter `name`, whatever its case.
    public subscript(name: String) -> String? { parameters[name.lowercased()] }

    /// Whether `text` holds `=?`, the start of an RFC 2047 encoded word.
    static func mayHoldEncodedWords(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?") { return true }
            previous = byte
        }
        return false
    }

    /// Splits on `;` outside quoted strings. Works on bytes: the quote, the backslash and the
    /// semicolon are ASCII, and a byte of a multi-byte character is never one of them.
    static func split(_ text: String) -> [String] {
        var tokens: [String] = []
        let bytes = Array(text.utf8)
        var start = 0
        var quoted = false
        var escaped = false
        for (index, byte) in bytes.enumerated() {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") && quoted {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if byte == UInt8(ascii: ";") && !quoted {
                tokens.append(String(decoding: bytes[start..<index], as: UTF8.self))
                start = index + 1
            }
        }
        let last = String(decoding: bytes[start...], as: UTF8.self)
        if !last.trimmedWhitespace().isEmpty || tokens.isEmpty { tokens.append(last) }
        return tokens
    }

    /// The text of a quoted string, its backslash escapes resolved; other text as it is (an
    /// opening quote with no closing one is dropped).
    static func unquote(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else {
            return bytes.first == UInt8(ascii: "\"") ? String(decoding: bytes.dropFirst(), as: UTF8.self) : text
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var escaped = false
        for byte in bytes.dropFirst().dropLast() {
            if escaped {
                output.append(byte)
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func percentDecode(_ text: Substring) -> [UInt8] {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let value = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                output.append(value)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }
}
