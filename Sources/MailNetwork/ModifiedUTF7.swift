/// IMAP's modified UTF-7 for mailbox names (RFC 3501, section 5.1.3): printable ASCII stands
/// for itself (`&` as `&-`), anything else is UTF-16 in base64 with `,` for `/`, between `&`
/// and `-`. Users write names in UTF-8; only the wire sees this form.
public enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    /// The wire form of a mailbox name.
    public static func encode(_ name: String) -> String {
        var output: [UInt8] = []
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            output.append(UInt8(ascii: "&"))
            var bytes: [UInt8] = []
            for unit in pending { bytes += [UInt8(unit >> 8), UInt8(unit & 0xff)] }
            var index = 0
            while index < bytes.count {
                let chunk = bytes[index..<min(index + 3, bytes.count)]
                let b0 = chunk[chunk.startIndex]
                let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
                let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
                output.append(alphabet[Int(b0 >> 2)])
                output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
                if chunk.count > 1 { output.append(alphabet[Int((b1 & 0x0f) << 2 | b2 >> 6)]) }
                if chunk.count > 2 { output.append(alphabet[Int(b2 & 0x3f)]) }
                index += 3
            }
            output.append(UInt8(ascii: "-"))
            pending = []
        }
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7e {
                flush()
                output.append(UInt8(scalar.value))
                if scalar == "&" { output.append(UInt8(ascii: "-")) }
            } else {
                pending += Array(String(scalar).utf16)
            }
        }
        flush()
        return String(decoding: output, as: UTF8.self)
    }

    /// The name a wire form stands for; nil when it is not valid modified UTF-7 (the caller then
    /// shows the wire form as it came).
    public static func decode(_ wire: some Collection<UInt8>) -> String? {
        var result = ""
        var bytes = Array(wire)[...]
        while let first = bytes.first {
            bytes = bytes.dropFirst()
            guard first == UInt8(ascii: "&") else {
                guard first >= 0x20 && first <= 0x7e else { return nil }
                result.unicodeScalars.append(Unicode.Scalar(first))
                continue
            }
            guard let end = bytes.firstIndex(of: UInt8(ascii: "-")) else { return nil }
            let encoded = bytes[..<end]
            bytes = bytes[(end + 1)...]
            if encoded.isEmpty {
                result += "&"
                continue
            }
            var bits: UInt32 = 0
            var count = 0
            var data: [UInt8] = []
            for byte in encoded {
                guard let value = alphabet.firstIndex(of: byte) else { return nil }
                bits = bits << 6 | UInt32(value)
                count += 6
                if count >= 8 {
                    count -= 8
                    data.append(UInt8((bits >> UInt32(count)) & 0xff))
                }
            }
            // Leftover bits must be zero padding, and the bytes whole UTF-16 units.
            guard bits & ((1 << UInt32(count)) - 1) == 0, data.count % 2 == 0 else { return nil }
            var units: [UInt16] = []
            for index in stride(from: 0, to: data.count, by: 2) {
                units.append(UInt16(data[index]) << 8 | UInt16(data[index + 1]))
            }
            var decoded = ""
            var iterator = units.makeIterator()
            var codec = UTF16()
            loop: while true {
                switch codec.decode(&iterator) {
                case .scalarValue(let scalar):
                    // Printable ASCII must stand for itself, never be encoded.
                    guard !(scalar.value >= 0x20 && scalar.value <= 0x7e) else { return nil }
                    decoded.unicodeScalars.append(scalar)
                case .emptyInput: break loop
                case .error: return nil
                }
            }
            result += decoded
        }
        return result
    }
}
