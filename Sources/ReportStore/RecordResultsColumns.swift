import Foundation
import ReportModel

/// A record's DKIM results, SPF results and override reasons, kept in the record's own row as
/// JSON arrays (`dmarc_record.dkim_results`, `spf_results`, `reasons`; NULL when there are
/// none), the same text in every backend. One row per record instead of one per result: rows
/// are what ingest pays for, and SQL still reads them (`json_each` in SQLite, `jsonb` in
/// PostgreSQL).
///
/// Each element is an object with the old tables' column names; absent values are left out.
package enum RecordResultsColumns {
    package static func dkim(_ results: [DKIMAuthResult]) -> [UInt8]? {
        array(results) { json, result in
            json.field("domain", result.domain)
            json.field("selector", result.selector)
            json.field("result", result.result?.rawValue)
            json.field("result_received", result.receivedResult)
            json.field("human_result", result.humanResult)
        }
    }

    package static func spf(_ results: [SPFAuthResult]) -> [UInt8]? {
        array(results) { json, result in
            json.field("domain", result.domain)
            json.field("scope", result.scope?.rawValue)
            json.field("result", result.result?.rawValue)
            json.field("result_received", result.receivedResult)
            json.field("human_result", result.humanResult)
        }
    }

    package static func reasons(_ reasons: [OverrideReason]) -> [UInt8]? {
        array(reasons) { json, reason in
            json.field("type", reason.type?.rawValue)
            json.field("comment", reason.comment)
        }
    }

    /// Reads a `dkim_results` value back; NULL or an empty text is no result.
    package static func dkim(from text: String?) throws -> [DKIMAuthResult] {
        try decode(text).map {
            DKIMAuthResult(
                domain: $0["domain"], selector: $0["selector"], result: $0["result"].map(AuthResult.init(rawValue:)),
                receivedResult: $0["result_received"], humanResult: $0["human_result"])
        }
    }

    package static func spf(from text: String?) throws -> [SPFAuthResult] {
        try decode(text).map {
            SPFAuthResult(
                domain: $0["domain"], scope: $0["scope"].map(SPFScope.init(rawValue:)),
                result: $0["result"].map(AuthResult.init(rawValue:)), receivedResult: $0["result_received"],
                humanResult: $0["human_result"])
        }
    }

    package static func reasons(from text: String?) throws -> [OverrideReason] {
        try decode(text).map {
            OverrideReason(type: $0["type"].map(OverrideReasonType.init(rawValue:)), comment: $0["comment"])
        }
    }

    // MARK: - Writing

    /// Appends one object's members to JSON text kept as UTF-8 bytes (bound to SQLite as they are).
    struct ObjectWriter {
        fileprivate(set) var bytes: [UInt8]
        fileprivate var first = true

        /// Adds `"name":"value"`; nothing when `value` is nil.
        mutating func field(_ name: StaticString, _ value: String?) {
            guard var value else { return }
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            bytes.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(UInt8(ascii: ":"))
            bytes.append(UInt8(ascii: "\""))
            value.withUTF8 { Self.appendEscaped($0, to: &bytes) }
            bytes.append(UInt8(ascii: "\""))
        }

        /// JSON string escaping (RFC 8259, section 7): the quote, the backslash and control characters;
        /// everything else is copied (a Swift string is valid UTF-8).
        static func appendEscaped(_ value: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
            if !value.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: value)
                return
            }
            let hex: StaticString = "0123456789abcdef"
            for byte in value {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(byte)
                case 0..<0x20:
                    for prefix in "\\u00".utf8 { bytes.append(prefix) }
                    bytes.append(hex.utf8Start[Int(byte >> 4)])
                    bytes.append(hex.utf8Start[Int(byte & 0xF)])
                default:
                    bytes.append(byte)
                }
            }
        }
    }

    private static func array<Element>(_ elements: [Element], _ write: (inout ObjectWriter, Element) -> Void)
        -> [UInt8]?
    {
        guard !elements.isEmpty else { return nil }
        var writer = ObjectWriter(bytes: [UInt8(ascii: "[")])
        writer.bytes.reserveCapacity(96 * elements.count)
        for (index, element) in elements.enumerated() {
            if index > 0 { writer.bytes.append(UInt8(ascii: ",")) }
            writer.bytes.append(UInt8(ascii: "{"))
            writer.first = true
            write(&writer, element)
            writer.bytes.append(UInt8(ascii: "}"))
        }
        writer.bytes.append(UInt8(ascii: "]"))
        return writer.bytes
    }

    package static func decode(_ text: String?) throws -> [[String: String]] {
        guard var text, !text.isEmpty else { return [] }
        if let objects = text.withUTF8({ Self.objects(in: $0) }) { return objects }
        // Not the shape written here (an array of flat objects of strings and nulls): the general decoder.
        return try JSONDecoder().decode([[String: String?]].self, from: Data(text.utf8)).map {
            $0.compactMapValues { $0 }
        }
    }

    // MARK: - Reading

    /// Reads an array of flat objects whose values are strings or null, the shape these columns
    /// hold, straight from the bytes; nil for anything else (the caller falls back to
    /// `JSONDecoder`). Null members are left out. Escapes are those of RFC 8259, section 7.
    package static func objects(in bytes: UnsafeBufferPointer<UInt8>) -> [[String: String]]? {
        var objects: [[String: String]] = []
        var object: [String: String] = [:]
        let read = walk(
            bytes, member: { object[$0] = $1 },
            end: {
                objects.append(object)
                object = [:]
            })
        return read ? objects : nil
    }

    /// Calls `body` with the values of `names` in each object of the array (nil where absent or
    /// null), read straight from the bytes, with no dictionary per object; false, with `body`
    /// never called, when the text is not of the shape written here (the caller then falls back
    /// to ``decode(_:)``).
    package static func forEachObject(
        in bytes: UnsafeBufferPointer<UInt8>, names: [String], _ body: ([String?]) -> Void
    )
        -> Bool
    {
        // Every object's values, in order: handed out only once the whole text has been read.
        var values: [String?] = []
        var object = [String?](repeating: nil, count: names.count)
        let read = walk(
            bytes,
            member: { key, value in
                if let slot = names.firstIndex(of: key) { object[slot] = value }
            },
            end: {
                values += object
                for index in object.indices { object[index] = nil }
            })
        guard read else { return false }
        for fields in values.chunks(of: names.count) { body(Array(fields)) }
        return true
    }

    /// The one walk over the shape these columns hold: `member` for each member that is not
    /// null, `end` after each object; false as soon as the text turns out to be of another shape.
    private static func walk(
        _ bytes: UnsafeBufferPointer<UInt8>, member: (String, String) -> Void, end: () -> Void
    ) -> Bool {
        var scanner = Scanner(bytes: bytes)
        guard scanner.take(UInt8(ascii: "[")) else { return false }
        if scanner.take(UInt8(ascii: "]")) { return scanner.atEnd }
        repeat {
            guard scanner.take(UInt8(ascii: "{")) else { return false }
            if !scanner.take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = scanner.string(), scanner.take(UInt8(ascii: ":")) else { return false }
                    if scanner.takeNull() { continue }
                    guard let value = scanner.string() else { return false }
                    member(key, value)
                } while scanner.take(UInt8(ascii: ","))
                guard scanner.take(UInt8(ascii: "}")) else { return false }
            }
            end()
        } while scanner.take(UInt8(ascii: ","))
        return scanner.take(UInt8(ascii: "]")) && scanner.atEnd
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return index == bytes.count
            }
        }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func takeNull() -> Bool {
            skipSpace()
            guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
                bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
            else { return false }
            index += 4
            return true
        }

        /// A JSON string, its escapes resolved; nil when it is not one.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            // The common case: no escape, the bytes are the text.
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                index += 1
            }
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            var text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            var pending: [UInt8] = []
            func flush() {
                if !pending.isEmpty { text += String(decoding: pending, as: UTF8.self) }
                pending.removeAll()
            }
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") {
                    flush()
                    return text
                }
                guard byte == UInt8(ascii: "\\") else {
                    pending.append(byte)
                    continue
                }
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): pending.append(escape)
                case UInt8(ascii: "b"): pending.append(0x08)
                case UInt8(ascii: "f"): pending.append(0x0C)
                case UInt8(ascii: "n"): pending.append(0x0A)
                case UInt8(ascii: "r"): pending.append(0x0D)
                case UInt8(ascii: "t"): pending.append(0x09)
                case UInt8(ascii: "u"):
                    guard let unit = hex4() else { return nil }
                    var scalarValue = UInt32(unit)
                    if (0xD800..<0xDC00).contains(unit) {
                        // A high surrogate must be followed by an escaped low one.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { return nil }
                        index += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                    pending.append(contentsOf: String(Character(scalar)).utf8)
                default:
                    return nil
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt16? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }
    }
}
