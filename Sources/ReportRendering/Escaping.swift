import Foundation

/// Escaping for each output format: report fields come from strangers.
public enum Escape {
    /// One RFC 4180 CSV field. A value that a spreadsheet would read as a formula (leading `=`,
    /// `+`, `-`, `@`, tab or carriage return) gets a leading `'`.
    public static func csv(_ value: String) -> String {
        let utf8 = value.utf8
        if let first = utf8.first, !"=+-@\t\r".utf8.contains(first),
            !utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D })
        {
            return value  // the common case: nothing to quote or neutralise
        }
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            text = "'" + text
        }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    /// Text for a Markdown table cell or list item: emphasis, code, links, HTML, entities and
    /// pipes escaped; line breaks become spaces, so a value never starts a block of its own.
    public static func markdown(_ value: String) -> String {
        // Most values (numbers, domains, addresses) need nothing: check the bytes first.
        if !value.utf8.contains(where: { byte in
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "["), UInt8(ascii: "]"),
                UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"), UInt8(ascii: "~"), UInt8(ascii: "&"), UInt8(ascii: "\n"),
                UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                true
            default: false
            }
        }) {
            return value
        }
        var out = ""
        out.reserveCapacity(value.count)
        for character in value {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&":
                out.append("\\")
                out.append(character)
            case "\n", "\r", "\t":
                out.append(" ")
            default:
                out.append(character)
            }
        }
        return out
    }

    /// Text for a terminal: control characters (escape sequences included) replaced.
    public static func terminal(_ value: String) -> String {
        // Most values hold no control character: they are returned as they are.
        func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) }
        guard value.unicodeScalars.contains(where: isControl) else { return value }
        return String(value.unicodeScalars.map { scalar -> Character in isControl(scalar) ? "?" : Character(scalar) })
    }

}
