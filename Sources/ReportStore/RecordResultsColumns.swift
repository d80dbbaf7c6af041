import Foundation
import ReportModel

/// A record's DKIM results, SPF results and override reasons, kept in the record's own row as
/// JSON arrays (`dmarc_record.dkim_results`, `spf_results`, `reasons`; NULL when there are
/// none). One row per record instead of one per result: rows are what ingest pays for, and
/// SQLite's `json_each` still reads them in SQL, e.g.
/// `SELECT k.value ->> 'selector' FROM dmarc_record d, json_each(d.dkim_results) k`.
///
/// Each element is an object with the old tables' column names; absent values are left out.
enum RecordResultsColumns {
    static func dkim(_ results: [DKIMAuthResult]) -> [UInt8]? {
        array(results) { json, result in
            json.field("domain", result.domain)
            json.field("selector", result.selector)
            json.field("result", result.result?.rawValue)
            json.field("result_received", result.receivedResult)
            json.field("human_result", result.humanResult)
        }
    }

    static func spf(_ results: [SPFAuthResult]) -> [UInt8]? {
        array(results) { json, result in
            json.field("domain", result.domain)
            json.field("scope", result.scope?.rawValue)
            json.field("result", result.result?.rawValue)
            json.field("result_received", result.receivedResult)
            json.field("human_result", result.humanResult)
        }
    }

    static func reasons(_ reasons: [OverrideReason]) -> [UInt8]? {
        array(reasons) { json, reason in
            json.field("type", reason.type?.rawValue)
            json.field("comment", reason.comment)
        }
    }

    /// Reads a `dkim_results` value back; NULL or an empty text is no result.
    static func dkim(from text: String?) throws -> [DKIMAuthResult] {
        try decode(text).map {
            DKIMAuthResult(
                domain: $0["domain"], selector: $0["selector"], result: $0["result"].map(AuthResult.init(rawValue:)),
                receivedResult: $0["result_received"], humanResult: $0["human_result"])
        }
    }

    static func spf(from text: String?) throws -> [SPFAuthResult] {
        try decode(text).map {
            SPFAuthResult(
                domain: $0["domain"], scope: $0["scope"].map(SPFScope.init(rawValue:)),
                result: $0["result"].map(AuthResult.init(rawValue:)), receivedResult: $0["result_received"],
                humanResult: $0["human_result"])
        }
    }

    static func reasons(from text: String?) throws -> [OverrideReason] {
        try decode(text).map { OverrideReason(type: $0["type"].map(OverrideReasonType.init(rawValue:)), comment: $0["comment"]) }
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

        /// JSON string escaping (RFC 8259 §7): the quote, the backslash and control characters;
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

    private static func array<Element>(_ elements: [Element], _ write: (inout ObjectWriter, Element) -> Void) -> [UInt8]? {
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

    private static func decode(_ text: String?) throws -> [[String: String]] {
        guard let text, !text.isEmpty else { return [] }
        return try JSONDecoder().decode([[String: String?]].self, from: Data(text.utf8)).map { $0.compactMapValues { $0 } }
    }
}
