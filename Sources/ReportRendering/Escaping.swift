import Foundation

/// Escaping for each output format: report fields come from strangers.
public enum Escape {
    /// One RFC 4180 CSV field. A value that a spreadsheet would read as a formula (leading `=`,
    /// `+`, `-`, `@`, tab or carriage return) gets a leading `'`.
    /// Other control characters (ESC, BEL, C1) become `?`: a CSV file is often read with `cat`.
    public static func csv(_ value: String) -> String {
        let utf8 = value.utf8
        if let first = utf8.first, !"=+-@\t\r".utf8.contains(first),
            !utf8.contains(where: {
                $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 < 0x20 || $0 == 0x7F || $0 == 0xC2
            })
        {
            return value  // the common case: nothing to quote or neutralise
        }
        // A number (`-3`, `+12.5`) is not a formula: spreadsheets must read it as a number.
        if isNumber(utf8) { return value }
        var text = controls(value, keeping: ["\t", "\n", "\r"])
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            text = "'" + text
        }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    /// `[+-]digits[.digits]`: a plain decimal number, the only text starting with + or - that
    /// a CSV cell may carry as it is.
    static func isNumber(_ utf8: String.UTF8View) -> Bool {
        var index = utf8.startIndex
        if index != utf8.endIndex, utf8[index] == UInt8(ascii: "+") || utf8[index] == UInt8(ascii: "-") {
            index = utf8.index(after: index)
        }
        var digits = 0
        var dot = false
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
            } else if byte == UInt8(ascii: "."), !dot, digits > 0 {
                dot = true
            } else {
                return false
            }
            index = utf8.index(after: index)
        }
        return digits > 0 && utf8.last.map { $0 != UInt8(ascii: ".") } ?? false
    }

    /// Text for a Markdown table cell or list item: emphasis, code, links, HTML, entities and
    /// pipes escaped; line breaks become spaces, so a value never starts a block of its own;
    /// other control characters (ESC, BEL, C1) become `?`.
    public static func markdown(_ value: String) -> String {
        // Most values (numbers, domains, addresses) need nothing: check the bytes first.
        if !value.utf8.contains(where: { byte in
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "["),
                UInt8(ascii: "]"),
                UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "|"), UInt8(ascii: "~"), UInt8(ascii: "&"),
                UInt8(ascii: "\n"),
                UInt8(ascii: "\r"), UInt8(ascii: "\t"), 0x00..<0x20, 0x7F, 0xC2:
                true
            default: false
            }
        }) {
            return value
        }
        var out = ""
        out.reserveCapacity(value.count)
        for character in controls(value, keeping: ["\t", "\n", "\r"]) {
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
        controls(value, keeping: [])
    }

    /// `value` with every C0 and C1 control character and DEL, but those in `kept`, replaced
    /// by `?`: a terminal acts on them (titles, screen clears, hyperlinks, bells).
    static func controls(_ value: String, keeping kept: Set<Unicode.Scalar>) -> String {
        func isControl(_ scalar: Unicode.Scalar) -> Bool {
            (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)) && !kept.contains(scalar)
        }
        // Most values hold no control character: they are returned as they are.
        guard value.unicodeScalars.contains(where: isControl) else { return value }
        var out = String.UnicodeScalarView()
        for scalar in value.unicodeScalars { out.append(isControl(scalar) ? "?" : scalar) }
        return String(out)
    }

    /// JSON text with the C1 controls (U+0080 to U+009F) that encoders leave raw written as
    /// `\u0080` escapes: the same JSON value, and nothing a terminal acts on (C0 controls are
    /// escaped by every encoder already). JSON's structure is ASCII, so a 0xC2 lead byte is
    /// always inside a string.
    public static func jsonC1Controls(_ text: String) -> String {
        guard text.utf8.contains(0xC2) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == 0xC2 else {
                out.append(byte)
                continue
            }
            guard let next = iterator.next() else {
                out.append(byte)
                break
            }
            if (0x80...0x9F).contains(next) {
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(next >> 4)], hex[Int(next & 0x0F)]]
            } else {
                out += [byte, next]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

}
