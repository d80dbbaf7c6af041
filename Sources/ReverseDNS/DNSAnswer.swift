import CCAres
import ReportAnalysis
import ReportModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading DNS answers with c-ares' own parsers; the only hand-written part is the walk over
/// the answer records for their TTL, which c-ares does not expose for PTR answers.
enum DNSAnswer {
    /// The valid host names of a PTR answer, lowercased, without the trailing dot, at most 16.
    static func ptrNames(_ answer: UnsafeMutablePointer<UInt8>, _ length: Int, address: [UInt8], family: Int32)
        -> [String]
    {
        var host: UnsafeMutablePointer<hostent>?
        let status = address.withUnsafeBytes { bytes in
            ares_parse_ptr_reply(answer, Int32(length), bytes.baseAddress, Int32(bytes.count), family, &host)
        }
        guard status == ARES_SUCCESS, let host else { return [] }
        defer { ares_free_hostent(host) }
        var names: [String] = []
        if let name = host.pointee.h_name { names.append(String(cString: name)) }
        if var alias = host.pointee.h_aliases {
            while let name = alias.pointee, names.count < 64 {
                names.append(String(cString: name))
                alias += 1
            }
        }
        var seen: Set<String> = []
        return names.compactMap(DNSName.normalized).filter { seen.insert($0).inserted }.prefix(16).map { $0 }
    }

    /// The addresses of an A (IPv4) or AAAA (IPv6) answer, as bytes.
    static func addresses(_ answer: UnsafeMutablePointer<UInt8>, _ length: Int, family: Int32) -> [[UInt8]] {
        var count: Int32 = 32
        if family == AF_INET {
            var records = [ares_addrttl](repeating: ares_addrttl(), count: Int(count))
            guard ares_parse_a_reply(answer, Int32(length), nil, &records, &count) == ARES_SUCCESS else { return [] }
            return records.prefix(Int(count)).map { record in withUnsafeBytes(of: record.ipaddr) { Array($0) } }
        }
        var records = [ares_addr6ttl](repeating: ares_addr6ttl(), count: Int(count))
        guard ares_parse_aaaa_reply(answer, Int32(length), nil, &records, &count) == ARES_SUCCESS else { return [] }
        return records.prefix(Int(count)).map { record in withUnsafeBytes(of: record.ip6addr) { Array($0) } }
    }

    /// The smallest TTL among the answer records of `type`.
    static func minimumTTL(_ answer: UnsafeMutablePointer<UInt8>, _ length: Int, type: UInt16) -> Int64? {
        guard length >= 12 else { return nil }
        func u16(_ at: Int) -> Int { Int(answer[at]) << 8 | Int(answer[at + 1]) }
        func skipName(_ offset: inout Int) -> Bool {
            var name: UnsafeMutablePointer<CChar>?
            var encoded = 0
            guard offset < length,
                ares_expand_name(answer + offset, answer, Int32(length), &name, &encoded) == ARES_SUCCESS
            else { return false }
            ares_free_string(name)
            offset += encoded
            return true
        }
        var offset = 12
        for _ in 0..<u16(4) {
            guard skipName(&offset) else { return nil }
            offset += 4
        }
        var smallest: Int64?
        for _ in 0..<u16(6) {
            guard skipName(&offset), offset + 10 <= length else { return smallest }
            let ttl = Int64(UInt32(u16(offset + 4)) << 16 | UInt32(u16(offset + 6)))
            if u16(offset) == Int(type) { smallest = min(smallest ?? ttl, ttl) }
            offset += 10 + u16(offset + 8)
        }
        return smallest
    }
}

/// IP text to bytes (the parser the source map uses) and to its reverse (in-addr.arpa /
/// ip6.arpa) name.
enum IPAddress {
    /// The bytes and address family of an IPv4 or IPv6 address; IPv4-mapped IPv6 becomes IPv4.
    static func parse(_ text: String) -> (bytes: [UInt8], family: Int32)? {
        IPNetwork.parseAddress(text).map { ($0, $0.count == 4 ? AF_INET : AF_INET6) }
    }

    static func reverseName(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa" }
        let hex = Array("0123456789abcdef")
        var nibbles: [String] = []
        for byte in bytes.reversed() {
            nibbles.append(String(hex[Int(byte & 0x0F)]))
            nibbles.append(String(hex[Int(byte >> 4)]))
        }
        return nibbles.joined(separator: ".") + ".ip6.arpa"
    }
}

/// The answer readers (PTR, A/AAAA, MX, TXT, TLSA) on arbitrary bytes, for the fuzzer (`scripts/fuzz 60 dns`): DNS answers
/// come from the network and are as hostile as report files.
public enum DNSAnswerFuzzing {
    /// Runs every answer reader on `bytes`, as IPv4 and IPv6 answers: it must return, never crash.
    public static func exercise(_ bytes: [UInt8]) {
        var buffer = bytes
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeMutableBufferPointer { answer in
            guard let base = answer.baseAddress else { return }
            _ = DNSAnswer.ptrNames(base, answer.count, address: [192, 0, 2, 1], family: AF_INET)
            _ = DNSAnswer.ptrNames(base, answer.count, address: [UInt8](repeating: 0x20, count: 16), family: AF_INET6)
            _ = DNSAnswer.addresses(base, answer.count, family: AF_INET)
            _ = DNSAnswer.addresses(base, answer.count, family: AF_INET6)
            _ = DNSAnswer.minimumTTL(base, answer.count, type: 12)
            for type in [DNSRecordType.a, .aaaa, .mx, .txt, .tlsa] {
                _ = DNSRecordReader.read(UnsafeBufferPointer(answer), type: type)
            }
        }
    }
}
