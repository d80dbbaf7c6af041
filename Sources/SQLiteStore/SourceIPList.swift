/// The distinct source IPs of one DMARC report, packed into one text column
/// (`dmarc_report_ips.source_ips`): one per line, in the order first seen. An address that is
/// hostile text rather than an address may hold a backslash or a line feed: they are written
/// `\\` and `\n`. One row per report instead of one per (report, IP) is what makes ingest
/// cheap; the correlation reads the lines back to count distinct reports per source.
struct SourceIPList {
    private(set) var packed: [UInt8] = []
    private(set) var count = 0

    /// Adds `ip` as the next line.
    mutating func append(_ ip: String) {
        if count > 0 { packed.append(0x0A) }
        count += 1
        for byte in ip.utf8 {
            switch byte {
            case 0x5C: packed += [0x5C, 0x5C]
            case 0x0A: packed += [0x5C, UInt8(ascii: "n")]
            default: packed.append(byte)
            }
        }
    }

    /// Calls `body` with the bytes of each address of a packed list, in order; they are valid
    /// during the call only.
    static func forEachAddress(in packed: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        for index in 0...packed.count where index == packed.count || packed[index] == 0x0A {
            let line = UnsafeBufferPointer(rebasing: packed[start..<index])
            if line.contains(0x5C) { unescape(line).withUnsafeBufferPointer(body) } else { body(line) }
            start = index + 1
        }
    }

    private static func unescape(_ line: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.count)
        var escaped = false
        for byte in line {
            if escaped {
                bytes.append(byte == UInt8(ascii: "n") ? 0x0A : byte)
                escaped = false
            } else if byte == 0x5C {
                escaped = true
            } else {
                bytes.append(byte)
            }
        }
        return bytes
    }
}
