/// What a decompressed document is, judged from its first meaningful bytes.
package enum DocumentKind: String, Hashable, Sendable {
    /// Starts with `<` (after a byte-order mark and white space), or is UTF-16 XML.
    case xml
    /// Starts with `{`.
    case json
    /// Anything else: empty files, `unused` (Yahoo 2023), binary junk.
    case junk

    /// Judges by the first byte past a byte-order mark and white space (UTF-16 too); empty is junk.
    public static func sniff(_ bytes: [UInt8]) -> DocumentKind {
        var index = 0
        let count = bytes.count
        if count >= 2 {
            // UTF-16 with a BOM, or without one: "<\0" / "\0<".
            let (b0, b1) = (bytes[0], bytes[1])
            if (b0 == 0xFE && b1 == 0xFF) || (b0 == 0xFF && b1 == 0xFE) {
                return utf16Kind(bytes, littleEndian: b0 == 0xFF, from: 2)
            }
            if b0 == 0x3C && b1 == 0x00 { return .xml }
            if b0 == 0x00 && b1 == 0x3C { return .xml }
        }
        if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        while index < count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            case UInt8(ascii: "<"): return .xml
            case UInt8(ascii: "{"): return .json
            default: return .junk
            }
        }
        return .junk
    }

    private static func utf16Kind(_ bytes: [UInt8], littleEndian: Bool, from start: Int) -> DocumentKind {
        var index = start
        while index + 1 < bytes.count {
            let unit =
                littleEndian
                ? UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
                : UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
            switch unit {
            case 0x20, 0x09, 0x0A, 0x0D: index += 2
            case 0x3C: return .xml
            case 0x7B: return .json
            default: return .junk
            }
        }
        return .junk
    }
}
