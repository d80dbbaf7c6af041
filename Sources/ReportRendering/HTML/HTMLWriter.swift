/// A small HTML (and inline SVG) builder. Element and attribute names come from our code;
/// every text and attribute value goes through ``Escape/html(_:)``, so a report field can
/// never become markup. Chosen over a template package: the pages are mostly tables and charts
/// whose geometry is computed in Swift anyway, and Plot has no SVG vocabulary.
struct HTMLWriter {
    private(set) var output = ""

    init() {
        output.reserveCapacity(64 * 1024)
    }

    /// Escaped text.
    mutating func text(_ value: String) {
        output += Escape.html(value)
    }

    /// Markup written by our own code (never a report value).
    mutating func markup(_ trusted: String) {
        output += trusted
    }

    /// `<name a="v">…</name>`, the body written by `content`.
    mutating func element(
        _ name: String, _ attributes: [(String, String)] = [], _ content: (inout HTMLWriter) -> Void = { _ in }
    ) {
        open(name, attributes)
        content(&self)
        output += "</\(name)>"
    }

    /// `<name a="v">text</name>`.
    mutating func element(_ name: String, _ attributes: [(String, String)] = [], text value: String) {
        open(name, attributes)
        text(value)
        output += "</\(name)>"
    }

    /// `<name a="v"/>` (SVG shapes) or `<name a="v">` (HTML void elements).
    mutating func empty(_ name: String, _ attributes: [(String, String)] = [], selfClosing: Bool = true) {
        output += "<\(name)"
        append(attributes)
        output += selfClosing ? "/>" : ">"
    }

    private mutating func open(_ name: String, _ attributes: [(String, String)]) {
        output += "<\(name)"
        append(attributes)
        output += ">"
    }

    private mutating func append(_ attributes: [(String, String)]) {
        for (key, value) in attributes {
            output += " \(key)=\"\(Escape.html(value))\""
        }
    }
}

extension Escape {
    /// Text for HTML and SVG content and attribute values: `& < > " '` as entities, and the
    /// control characters XML forbids replaced, so a value stays text wherever it lands.
    public static func html(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFE
                    || scalar.value == 0xFFFF
                {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
