import ReportModel

/// The header section of a message or MIME part (RFC 5322, section 2.2), unfolded.
public struct MailHeaders: Sendable {
    /// Fields in order: lowercased name, unfolded raw value (not yet RFC 2047-decoded).
    public private(set) var fields: [(name: String, value: String)] = []

    /// The most bytes a header section may take (a hostile mbox has 10 MB header lines).
    public static let maxBytes = 1 << 20

    /// The first value of a field, by case-insensitive name.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        return fields.first { $0.name == key }?.value
    }

    /// A field's value with RFC 2047 encoded words decoded, trimmed.
    public func decoded(_ name: String) -> String? {
        self[name].map { EncodedWords.decode($0).trimmedWhitespace() }
    }

    /// Splits `bytes` into headers and body. The header section ends at the first empty line;
    /// a section with no empty line is all headers. Lines that are not fields are ignored
    /// (an mbox `From ` line, junk).
    /// - Returns: the headers and the index where the body starts.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(IngestError) -> (MailHeaders, Int) {
        var headers = MailHeaders()
        var index = bytes.startIndex
        let end = bytes.endIndex
        var current: [UInt8] = []
        var bodyStart = end
        func flush() {
            defer { current.removeAll(keepingCapacity: true) }
            guard let colon = current.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return }
            let nameBytes = current[..<colon]
            // Field names are printable ASCII without spaces; Trustwave's "ContentType:" passes.
            guard nameBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return }
            let name = String(decoding: nameBytes, as: UTF8.self).lowercased()
            let valueBytes = current[(colon + 1)...]
            headers.fields.append((name, Self.text(valueBytes).trimmedWhitespace()))
        }
        while index < end {
            // One physical line, without its line ending (looked for no further than the cap).
            var lineEnd = index
            let searchEnd = min(end, bytes.startIndex + maxBytes + 2)
            while lineEnd < searchEnd && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd == searchEnd && searchEnd < end {
                throw IngestError(.tooLarge, "header section exceeds \(maxBytes) bytes")
            }
            let next = lineEnd < end ? lineEnd + 1 : end
            var contentEnd = lineEnd
            if contentEnd > index && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            // Checked at the end of each line, so that one endless line (with no blank line
            // after it) is refused like many lines.
            if contentEnd - bytes.startIndex > maxBytes {
                throw IngestError(.tooLarge, "header section exceeds \(maxBytes) bytes")
            }
            if contentEnd == index {  // empty line: end of headers
                bodyStart = next
                break
            }
            let first = bytes[index]
            if (first == 0x20 || first == 0x09) && !current.isEmpty {
                current.append(0x20)
                current.append(contentsOf: bytes[index..<contentEnd].drop { $0 == 0x20 || $0 == 0x09 })
            } else {
                flush()
                current.append(contentsOf: bytes[index..<contentEnd])
            }
            index = next
        }
        flush()
        return (headers, bodyStart)
    }

    /// Header bytes as text: UTF-8 where valid, else Latin-1 (each byte one character).
    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    /// Whether `bytes` begin like a message: a header field (`Name: value`, the name made of
    /// letters, digits and `-`) on the first line. JSON (`{"a":`) and XML never do.
    public static func looksLikeMessage(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        guard index < bytes.endIndex, (bytes[index] | 0x20) >= UInt8(ascii: "a"),
            (bytes[index] | 0x20) <= UInt8(ascii: "z")
        else {
            return false
        }
        while index < bytes.endIndex && index - bytes.startIndex < 1000 {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") { return true }
            let isNameByte =
                (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_")
            guard isNameByte else { return false }
            index += 1
        }
        return false
    }
}
