#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 network (`192.0.2.0/24`, `2001:db8::/48`), for source maps and unnamed sources.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, with the host bits cleared.
    public let address: [UInt8]
    /// How many leading bits of ``address`` are the network: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int

    /// Parses `address/prefix` or a bare address (a host network).
    public init?(_ text: String) {
        let parts = text.trimmingSpaces().split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let bytes = Self.parseAddress(String(first)) else { return nil }
        let maxLength = bytes.count * 8
        let length = parts.count == 2 ? Int(parts[1]) : maxLength
        guard let length, length >= 0, length <= maxLength else { return nil }
        address = Self.mask(bytes, prefixLength: length)
        prefixLength = length
    }

    init(address: [UInt8], prefixLength: Int) {
        self.address = Self.mask(address, prefixLength: prefixLength)
        self.prefixLength = prefixLength
    }

    /// The network an unnamed address is grouped in: /24 for IPv4, /48 for IPv6 (docs/correlation.md).
    public static func defaultNetwork(of ip: String) -> IPNetwork? {
        guard let bytes = parseAddress(ip) else { return nil }
        return IPNetwork(address: bytes, prefixLength: bytes.count == 4 ? 24 : 48)
    }

    /// Whether an address, as bytes from ``parseAddress(_:)``, is in the network; never across IPv4 and IPv6.
    public func contains(_ ip: [UInt8]) -> Bool {
        ip.count == address.count && Self.mask(ip, prefixLength: prefixLength) == address
    }

    /// Whether an address written as text is in the network; false when it does not parse.
    public func contains(_ ip: String) -> Bool {
        Self.parseAddress(ip).map(contains) ?? false
    }

    /// `192.0.2.0/24` or `2001:db8::/48`: how an unnamed source is keyed and shown.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = address.count == 4 ? AF_INET : AF_INET6
        let text: String? = address.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil ? String(cString: buffer) : nil
        }
        return "\(text ?? "?")/\(prefixLength)"
    }

    /// The bytes of an IPv4 or IPv6 address; IPv4-mapped IPv6 becomes IPv4.
    public static func parseAddress(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingSpaces()
        var v4 = in_addr()
        if inet_pton(AF_INET, trimmed, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, trimmed, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return Array(bytes[12...])
            }
            return bytes
        }
        return nil
    }

    static func mask(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        var out = bytes
        for index in 0..<out.count {
            let bitsHere = max(0, min(8, prefixLength - index * 8))
            out[index] &= bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
        return out
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
