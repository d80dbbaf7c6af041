#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Canonical text for IP addresses, so that `2001:DB8::1` and `2001:db8:0::1` are one source.
enum IPAddressText {
    /// The RFC 5952 / dotted-quad form of `text`, or the trimmed text when it is not an address.
    static func canonical(_ text: String) -> String {
        let trimmed = text.trimmedWhitespace()
        var v4 = in_addr()
        // glibc's inet_pton takes only four decimal parts without leading zeros: the text it
        // accepts is already the canonical form.
        if inet_pton(AF_INET, trimmed, &v4) == 1 { return trimmed }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, trimmed, &v6) == 1 { return format(AF_INET6, &v6) ?? trimmed }
        return trimmed
    }

    private static func format(_ family: Int32, _ address: UnsafeRawPointer) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(cString: buffer)
    }
}
