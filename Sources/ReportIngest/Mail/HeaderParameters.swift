import ReportModel

/// A structured header value with parameters: `multipart/report; report-type="tlsrpt"`.
///
/// Parameter names are lowercased. RFC 2231 continuations (`name*0`, `name*1*`) are joined in
/// numeric order whatever their order in the header, percent-decoded where marked (`*`), in the
/// charset named by the first section; RFC 2047 encoded words inside quoted values (a common
/// violation) are decoded too.
public struct HeaderParameters: Sendable, Hashable {
    /// The value before the first `;`, trimmed and lowercased (`multipart/report`, `attachment`).
    public var value: String
    public var parameters: [String: String]

    public init(parsing text: String) {
        var tokens = Self.split(text)
        value = tokens.isEmpty ? "" : tokens.removeFirst().trimmedWhitespace().lowercased()
        var simple: [String: String] = [:]
        var sections: [String: [(index: Int, encoded: Bool, text: String)]] = [:]
        for token in tokens {
            guard let equals = token.firstIndex(of: "=") else { continue }
            var name = String(token[..<equals]).trimmedWhitespace().lowercased()
            let raw = Self.unquote(String(token[token.index(after: equals)...]).trimmedWhitespace())
            var encoded = false
            if name.hasSuffix("*") {
                encoded = true
                name.removeLast()
            }
            if let star = name.lastIndex(of: "*"), let index = Int(name[name.index(after: star)...]) {
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
        parameters = simple.mapValues { $0.contains("=?") ? EncodedWords.decode($0) : $0 }
    }

    public subscript(name: String) -> String? { parameters[name.lowercased()] }

    /// Splits on `;` outside quoted strings.
    static func split(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quoted {
                current.append(character)
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                current.append(character)
            } else if character == ";" && !quoted {
                tokens.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.trimmedWhitespace().isEmpty || tokens.isEmpty { tokens.append(current) }
        return tokens
    }

    static func unquote(_ text: String) -> String {
        guard text.count >= 2, text.first == "\"", text.last == "\"" else {
            return text.first == "\"" ? String(text.dropFirst()) : text
        }
        var output = ""
        var escaped = false
        for character in text.dropFirst().dropLast() {
            if escaped {
                output.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                output.append(character)
            }
        }
        return output
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
