import Foundation
import NIOCore

/// Rows for `COPY … FROM STDIN` in PostgreSQL's text format: a tab between values, a newline
/// after each row, `\N` for NULL, and backslash escapes for the characters the format uses.
/// Bulk rows go to the server this way, in one stream per table and batch, never one statement
/// per row.
struct CopyRows {
    /// The encoded rows.
    private(set) var buffer = ByteBuffer()
    /// How many rows were added.
    private(set) var count = 0
    private var atRowStart = true

    /// Adds a text value (NUL, which PostgreSQL's text cannot hold, as U+FFFD: see
    /// ``PostgresText/storable(_:)``).
    mutating func add(_ value: String?) {
        separate()
        guard let value else {
            buffer.writeStaticString("\\N")
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            case 0: buffer.writeBytes([0xEF, 0xBF, 0xBD])
            default: buffer.writeInteger(byte)
            }
        }
    }

    /// Adds an array of text, as PostgreSQL's array literal (`{"a","b"}`, each element quoted,
    /// `"` and `\` escaped), itself escaped as a text value.
    mutating func add(array: [String]) {
        var literal = "{"
        for (index, element) in array.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.unicodeScalars.append(character)
            }
            literal += "\""
        }
        literal += "}"
        add(literal)
    }

    /// How many bytes the rows take so far.
    var byteCount: Int { buffer.readableBytes }

    /// Adds a whole number.
    mutating func add(_ value: Int64?) {
        separate()
        guard let value else {
            buffer.writeStaticString("\\N")
            return
        }
        buffer.writeString(String(value))
    }

    /// Adds a truth value.
    mutating func add(_ value: Bool) {
        separate()
        buffer.writeStaticString(value ? "t" : "f")
    }

    /// Ends the row.
    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        count += 1
        atRowStart = true
    }

    private mutating func separate() {
        if atRowStart {
            atRowStart = false
        } else {
            buffer.writeInteger(UInt8(ascii: "\t"))
        }
    }
}

/// Text as PostgreSQL keeps it.
enum PostgresText {
    /// `text` without NUL: PostgreSQL's text cannot hold the NUL character, which a report's
    /// JSON can (`\u0000`); it is kept as U+FFFD, the replacement character (docs/postgresql.md).
    static func storable(_ value: String?) -> String? {
        guard let value, value.utf8.contains(0) else { return value }
        return value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}")
    }
}
