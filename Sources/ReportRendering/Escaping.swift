import Foundation

/// Escaping for each output format: report fields come from strangers.
public enum Escape {
    /// One RFC 4180 CSV field. A value that a spreadsheet would read as a formula (leading `=`,
    /// `+`, `-`, `@`, tab or carriage return) gets a leading `'`.
    public static func csv(_ value: String) -> String {
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
        String(value.unicodeScalars.map { scalar -> Character in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : Character(scalar)
        })
    }

}
