/// One response from an IMAP server, as far as this client needs to understand it
/// (RFC 3501, section 7). Anything else the server sends is kept as ``other(_:)``.
public enum IMAPResponse: Equatable, Sendable {
    /// `+ text`: the server waits for the rest of a command.
    case continuation(String)
    /// `TAG OK|NO|BAD [CODE] text`: a command ended.
    case tagged(tag: String, status: IMAPStatus, code: IMAPResponseCode?, text: String)
    /// `* OK|NO|BAD|BYE|PREAUTH [CODE] text`.
    case status(IMAPStatus, code: IMAPResponseCode?, text: String)
    /// `* CAPABILITY …`, upper-cased.
    case capability([String])
    /// `* LIST (attributes) delimiter name`; the name as it came on the wire.
    case list(attributes: [String], delimiter: String?, name: [UInt8])
    /// `* SEARCH n…`.
    case search([UInt32])
    /// `* n EXISTS`.
    case exists(UInt32)
    /// `* n EXPUNGE`.
    case expunge(UInt32)
    /// `* n FETCH (…)`.
    case fetch(sequence: UInt32, IMAPFetchData)
    /// Untagged data this client does not use (`FLAGS`, `RECENT`, …), by its first words.
    case other(String)
}

/// The status word of a status response.
public enum IMAPStatus: String, Equatable, Sendable {
    case ok = "OK"
    case no = "NO"
    case bad = "BAD"
    case bye = "BYE"
    case preauth = "PREAUTH"
}

/// A response code (`[UIDVALIDITY 3857529045]`, `[AUTHENTICATIONFAILED]`, `[LIMIT]`).
public struct IMAPResponseCode: Equatable, Sendable {
    /// The code's name, upper-cased.
    public var name: String
    /// What follows the name, as it came.
    public var argument: String

    /// A code as the server gave it.
    public init(name: String, argument: String) {
        self.name = name
        self.argument = argument
    }

    /// The argument as a 32-bit number (UIDVALIDITY, UIDNEXT), when it is one.
    public var number: UInt32? { UInt32(argument) }
}

/// What one `FETCH` response carries, of what this client asks for.
public struct IMAPFetchData: Equatable, Sendable {
    /// The message's UID.
    public var uid: UInt32?
    /// `RFC822.SIZE`.
    public var size: Int?
    /// `BODY[]` (or `BODY[]<0>`, the answer to a fetch capped in bytes): the message.
    public var body: [UInt8]?
    /// `FLAGS`.
    public var flags: [String]?

    /// Nothing known yet.
    public init(uid: UInt32? = nil, size: Int? = nil, body: [UInt8]? = nil, flags: [String]? = nil) {
        self.uid = uid
        self.size = size
        self.body = body
        self.flags = flags
    }
}

/// Reads one whole response (as ``IMAPFramer`` cut it) into an ``IMAPResponse``.
public struct IMAPResponseParser {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    /// Parses `bytes`, one whole response with its CRLF.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(IMAPProtocolError) -> IMAPResponse {
        var parser = IMAPResponseParser(bytes: bytes)
        return try parser.response()
    }

    /// Parses a response held in an array (tests, the fuzzer).
    public static func parse(_ bytes: [UInt8]) throws(IMAPProtocolError) -> IMAPResponse {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(IMAPProtocolError) -> IMAPResponse in try parse(raw) }
        }
        return try result.get()
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private var atEnd: Bool { position >= bytes.count || bytes[position] == 0x0D || bytes[position] == 0x0A }
    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func response() throws(IMAPProtocolError) -> IMAPResponse {
        if current == UInt8(ascii: "+") {
            position += 1
            skipSpace()
            return .continuation(restOfLine())
        }
        let tag = word()
        guard !tag.isEmpty else { throw IMAPProtocolError("a response without a tag: \(preview)") }
        try space()
        if tag != "*" {
            let (status, code, text) = try statusBody()
            guard status != .bye, status != .preauth else {
                throw IMAPProtocolError("a tagged \(status.rawValue): \(preview)")
            }
            return .tagged(tag: tag, status: status, code: code, text: text)
        }
        let firstStart = position
        let first = word()
        if let number = UInt32(first) {
            try space()
            let kind = word().uppercased()
            switch kind {
            case "EXISTS": return .exists(number)
            case "EXPUNGE": return .expunge(number)
            case "FETCH":
                try space()
                return .fetch(sequence: number, try fetchData())
            default: return .other("\(number) \(kind)")
            }
        }
        // Back to the word's first byte (its text may hold replacement characters, which are
        // longer than the bytes they replaced).
        position = firstStart
        switch first.uppercased() {
        case "OK", "NO", "BAD", "BYE", "PREAUTH":
            let (status, code, text) = try statusBody()
            return .status(status, code: code, text: text)
        case "CAPABILITY":
            _ = word()
            return .capability(restOfLine().split(separator: " ").map { $0.uppercased() })
        case "SEARCH":
            _ = word()
            var numbers: [UInt32] = []
            while !atEnd {
                try space()
                // A trailing space before CRLF is common enough to forgive.
                if atEnd { break }
                let value = word()
                guard let number = UInt32(value) else { throw IMAPProtocolError("a SEARCH result '\(value)'") }
                numbers.append(number)
            }
            return .search(numbers)
        case "LIST":
            _ = word()
            try space()
            guard case .list(let attributes) = try value() else {
                throw IMAPProtocolError("a LIST response without attributes: \(preview)")
            }
            try space()
            let delimiter: String?
            switch try value() {
            case .string(let text): delimiter = String(decoding: text, as: UTF8.self)
            case .nilValue: delimiter = nil
            default: throw IMAPProtocolError("a LIST response without a delimiter: \(preview)")
            }
            try space()
            let name: [UInt8]
            switch try value() {
            case .string(let text): name = text
            case .atom(let text): name = Array(text.utf8)
            default: throw IMAPProtocolError("a LIST response without a name: \(preview)")
            }
            return .list(
                attributes: attributes.compactMap { if case .atom(let text) = $0 { text } else { nil } },
                delimiter: delimiter, name: name)
        default:
            return .other(String(restOfLine().prefix(80)))
        }
    }

    /// `OK [CODE args] text`.
    private mutating func statusBody() throws(IMAPProtocolError) -> (IMAPStatus, IMAPResponseCode?, String) {
        let word = self.word()
        guard let status = IMAPStatus(rawValue: word.uppercased()) else {
            throw IMAPProtocolError("an unknown status '\(word.prefix(40))'")
        }
        skipSpace()
        var code: IMAPResponseCode?
        if current == UInt8(ascii: "[") {
            position += 1
            let start = position
            while let byte = current, byte != UInt8(ascii: "]"), byte != 0x0D, byte != 0x0A { position += 1 }
            guard current == UInt8(ascii: "]") else { throw IMAPProtocolError("an unclosed response code: \(preview)") }
            let inside = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            position += 1
            skipSpace()
            let parts = inside.split(separator: " ", maxSplits: 1)
            code = IMAPResponseCode(
                name: parts.first.map { $0.uppercased() } ?? "", argument: parts.count > 1 ? String(parts[1]) : "")
        }
        return (status, code, restOfLine())
    }

    /// `(UID 5 RFC822.SIZE 120 BODY[] {120}…)`.
    private mutating func fetchData() throws(IMAPProtocolError) -> IMAPFetchData {
        guard case .list(let items) = try value() else { throw IMAPProtocolError("a FETCH without a list: \(preview)") }
        var data = IMAPFetchData()
        var index = 0
        while index + 1 < items.count {
            guard case .atom(let name) = items[index] else {
                throw IMAPProtocolError("a FETCH item that is not a name: \(preview)")
            }
            let item = items[index + 1]
            switch name.uppercased() {
            case "UID":
                guard case .atom(let text) = item, let uid = UInt32(text), uid > 0 else {
                    throw IMAPProtocolError("a FETCH with a bad UID: \(preview)")
                }
                data.uid = uid
            case "RFC822.SIZE":
                guard case .atom(let text) = item, let size = Int(text), size >= 0 else {
                    throw IMAPProtocolError("a FETCH with a bad RFC822.SIZE: \(preview)")
                }
                data.size = size
            case "BODY[]", "RFC822", "BODY[]<0>":
                switch item {
                case .string(let body): data.body = body
                case .nilValue: data.body = []
                default: throw IMAPProtocolError("a FETCH with a bad BODY[]: \(preview)")
                }
            case "FLAGS":
                guard case .list(let flags) = item else {
                    throw IMAPProtocolError("a FETCH with bad FLAGS: \(preview)")
                }
                data.flags = flags.compactMap { if case .atom(let text) = $0 { text } else { nil } }
            default: break
            }
            index += 2
        }
        return data
    }

    private indirect enum Value {
        case atom(String)
        case string([UInt8])
        case nilValue
        case list([Value])
    }

    /// One value: a quoted string, a literal, NIL, an atom (with any `[section]`), or a list.
    private mutating func value(depth: Int = 0) throws(IMAPProtocolError) -> Value {
        guard depth < 16 else { throw IMAPProtocolError("lists nested too deep: \(preview)") }
        guard let byte = current else { throw IMAPProtocolError("a response that ends too soon: \(preview)") }
        switch byte {
        case UInt8(ascii: "("):
            position += 1
            var items: [Value] = []
            while current != UInt8(ascii: ")") {
                if !items.isEmpty { try space() }
                if current == UInt8(ascii: ")") { break }
                items.append(try value(depth: depth + 1))
            }
            position += 1
            return .list(items)
        case UInt8(ascii: "\""):
            position += 1
            var text: [UInt8] = []
            while true {
                guard let next = current, next != 0x0D, next != 0x0A else {
                    throw IMAPProtocolError("an unclosed quoted string: \(preview)")
                }
                position += 1
                if next == UInt8(ascii: "\"") { break }
                if next == UInt8(ascii: "\\"), let escaped = current {
                    position += 1
                    text.append(escaped)
                } else {
                    text.append(next)
                }
            }
            return .string(text)
        case UInt8(ascii: "{"):
            let start = position
            while let next = current, next != 0x0A { position += 1 }
            let lineEnd = position
            guard
                lineEnd < bytes.count,
                let length = try IMAPFramer.literalLength(endingLineAt: lineEnd, in: bytes, lineStart: start),
                lineEnd + 1 + length <= bytes.count
            else { throw IMAPProtocolError("a bad literal: \(preview)") }
            let body = Array(UnsafeRawBufferPointer(rebasing: bytes[(lineEnd + 1)..<(lineEnd + 1 + length)]))
            position = lineEnd + 1 + length
            return .string(body)
        default:
            let text = atom()
            guard !text.isEmpty else { throw IMAPProtocolError("an unexpected character in: \(preview)") }
            return text.uppercased() == "NIL" ? .nilValue : .atom(text)
        }
    }

    /// Atom characters, with a `[section]` (spaces and all) kept inside the atom.
    private mutating func atom() -> String {
        let start = position
        while let byte = current {
            if byte == UInt8(ascii: "[") {
                while let inner = current, inner != UInt8(ascii: "]"), inner != 0x0A { position += 1 }
                if current == UInt8(ascii: "]") { position += 1 }
                continue
            }
            guard byte > 0x20, byte != 0x7F, byte != UInt8(ascii: "("), byte != UInt8(ascii: ")"),
                byte != UInt8(ascii: "{"), byte != UInt8(ascii: "\"")
            else { break }
            position += 1
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// Characters up to a space or the end of the line.
    private mutating func word() -> String {
        let start = position
        while let byte = current, byte != 0x20, byte != 0x0D, byte != 0x0A { position += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private mutating func space() throws(IMAPProtocolError) {
        guard current == 0x20 else { throw IMAPProtocolError("a space expected in: \(preview)") }
        position += 1
    }

    private mutating func skipSpace() {
        while current == 0x20 { position += 1 }
    }

    private mutating func restOfLine() -> String {
        let start = position
        while let byte = current, byte != 0x0D, byte != 0x0A { position += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// The start of the response, for error messages (never a message body: literals are long
    /// and come after the first line).
    private var preview: String {
        var end = 0
        while end < bytes.count, end < 120, bytes[end] != 0x0D, bytes[end] != 0x0A { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
    }
}
