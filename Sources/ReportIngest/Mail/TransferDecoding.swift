/// Content-Transfer-Encoding decoders, lenient the way real senders need.
package enum TransferDecoding {
    private static let base64Values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8).enumerated()
        {
            table[Int(byte)] = UInt8(index)
        }
        table[Int(UInt8(ascii: "-"))] = 62  // URL-safe alphabet, seen in the wild
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// Base64, skipping every byte outside the alphabet (line breaks, spaces, junk), stopping at
    /// padding, and tolerating missing padding.
    public static func base64(_ input: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in input {
            if byte == UInt8(ascii: "=") { break }
            let value = base64Values[Int(byte)]
            if value == 0xFF { continue }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }

    /// Quoted-printable: `=XX` escapes and soft line breaks (`=` before CRLF or LF); malformed
    /// escapes are kept as written.
    public static func quotedPrintable(_ input: ArraySlice<UInt8>, underscoreIsSpace: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = input.startIndex
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        while index < input.endIndex {
            let byte = input[index]
            if byte == UInt8(ascii: "=") {
                let next = index + 1
                if next < input.endIndex && input[next] == 0x0A {
                    index = next + 1
                    continue
                }
                if next + 1 < input.endIndex && input[next] == 0x0D && input[next + 1] == 0x0A {
                    index = next + 2
                    continue
                }
                // "=" followed by trailing white space and then a line break is also a soft break.
                var probe = next
                while probe < input.endIndex && (input[probe] == 0x20 || input[probe] == 0x09) { probe += 1 }
                if probe > next && probe < input.endIndex && (input[probe] == 0x0A || input[probe] == 0x0D) {
                    index =
                        input[probe] == 0x0D && probe + 1 < input.endIndex && input[probe + 1] == 0x0A
                        ? probe + 2 : probe + 1
                    continue
                }
                if next + 1 < input.endIndex, let high = hex(input[next]), let low = hex(input[next + 1]) {
                    output.append(high << 4 | low)
                    index = next + 2
                    continue
                }
                output.append(byte)
            } else if underscoreIsSpace && byte == UInt8(ascii: "_") {
                output.append(0x20)
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }
}
