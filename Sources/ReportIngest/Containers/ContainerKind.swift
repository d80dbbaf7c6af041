/// The outer format of a byte string, recognised by its magic bytes, never by name or type.
public enum ContainerKind: String, Hashable, Sendable {
    /// gzip (RFC 1952), as most reporters send.
    case gzip
    /// A zip archive (Microsoft, Yahoo), one or more entries.
    case zip
    /// A bare zlib stream (RFC 1950), as some gateways send and the store keeps raw inputs.
    case zlib
    /// Not compressed: the bytes are the document itself (or junk).
    case plain

    /// Recognises the format of `bytes` from its first bytes.
    public static func sniff(_ bytes: some Collection<UInt8>) -> ContainerKind {
        var iterator = bytes.makeIterator()
        guard let b0 = iterator.next(), let b1 = iterator.next() else { return .plain }
        if b0 == 0x1F && b1 == 0x8B { return .gzip }
        if b0 == 0x50 && b1 == 0x4B, let b2 = iterator.next(), let b3 = iterator.next(),
            (b2 == 0x03 && b3 == 0x04) || (b2 == 0x05 && b3 == 0x06)
        {
            return .zip
        }
        // RFC 1950 header: deflate with a window of at most 32 KiB, header checksum, no dictionary.
        if b0 & 0x0F == 8, b0 >> 4 <= 7, (UInt16(b0) << 8 | UInt16(b1)) % 31 == 0, b1 & 0x20 == 0 {
            return .zlib
        }
        return .plain
    }
}
