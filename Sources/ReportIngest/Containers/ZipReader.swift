import CZlibShim

/// Reads the entries of a zip archive in memory (or mapped from a file) (PKWARE APPNOTE: end of central directory,
/// central directory, local headers; stored and deflated entries, CRC-32 checked).
///
/// Written here rather than taken from ZIPFoundation, whose in-memory archives crashed on a
/// hostile offset and leaked on every failed open under `scripts/fuzz`. Every offset and size
/// read from the archive is checked against the bytes before use; sizes the archive declares
/// are never trusted for allocation.
struct ZipReader {
    struct Entry {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: Int
        var localHeaderOffset: Int
        var isDirectory: Bool { name.hasSuffix("/") }
    }

    /// The archive; the caller keeps it alive while the reader and its sources are used.
    let bytes: UnsafeRawBufferPointer
    let entries: [Entry]

    init(_ bytes: UnsafeRawBufferPointer, maxEntries: Int) throws(IngestError) {
        self.bytes = bytes
        guard let end = Self.findEndOfCentralDirectory(bytes) else {
            throw IngestError(.zip, "no end of central directory record (truncated or not a zip archive)")
        }
        let count = Int(Self.u16(bytes, end + 10))
        let directorySize = Int(Self.u32(bytes, end + 12))
        let directoryOffset = Int(Self.u32(bytes, end + 16))
        guard count != 0xFFFF, directoryOffset != 0xFFFF_FFFF else {
            throw IngestError(.zip, "zip64 archives are not supported")
        }
        guard count <= maxEntries else { throw IngestError(.zip, "more than \(maxEntries) entries") }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw IngestError(.zip, "central directory lies outside the archive")
        }
        var entries: [Entry] = []
        var position = directoryOffset
        for index in 0..<count {
            guard position <= bytes.count - 46, Self.u32(bytes, position) == 0x0201_4B50 else {
                throw IngestError(.zip, "central directory entry \(index + 1) is damaged")
            }
            let nameLength = Int(Self.u16(bytes, position + 28))
            let extraLength = Int(Self.u16(bytes, position + 30))
            let commentLength = Int(Self.u16(bytes, position + 32))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= bytes.count else {
                throw IngestError(.zip, "central directory entry \(index + 1) runs past the archive")
            }
            let name = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[(position + 46)..<(position + 46 + nameLength)]),
                as: UTF8.self)
            entries.append(
                Entry(
                    name: name, method: Self.u16(bytes, position + 10), flags: Self.u16(bytes, position + 8),
                    crc: Self.u32(bytes, position + 16), compressedSize: Int(Self.u32(bytes, position + 20)),
                    localHeaderOffset: Int(Self.u32(bytes, position + 42))))
            position = next
        }
        self.entries = entries
    }

    /// A source of an entry's contents, inflated as it is read and charged to `budget`; its
    /// CRC-32 is checked at its end.
    /// - Parameter release: told each range of the archive read (a mapped file gives back its pages).
    func contents(of entry: Entry, budget: DecompressionBudget, release: ((Range<Int>) -> Void)? = nil)
        throws(IngestError) -> any ChunkSource
    {
        guard entry.flags & 1 == 0 else { throw IngestError(.zip, "entry \(entry.name) is encrypted") }
        let header = entry.localHeaderOffset
        guard header <= bytes.count - 30, Self.u32(bytes, header) == 0x0403_4B50 else {
            throw IngestError(.zip, "entry \(entry.name): local header is damaged")
        }
        let start = header + 30 + Int(Self.u16(bytes, header + 26)) + Int(Self.u16(bytes, header + 28))
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw IngestError(.zip, "entry \(entry.name): data runs past the archive")
        }
        let data = BufferSource(
            UnsafeRawBufferPointer(rebasing: bytes[start..<(start + entry.compressedSize)]),
            release: release.map { release in
                { range in release((start + range.lowerBound)..<(start + range.upperBound)) }
            })
        let inner: any ChunkSource
        switch entry.method {
        case 0:
            try budget.charge(entry.compressedSize)
            inner = data
        case 8:
            inner = try InflateSource(data, format: .raw, budget: budget)
        default:
            throw IngestError(.zip, "entry \(entry.name): compression method \(entry.method) is not supported")
        }
        return CRCCheckedSource(inner, expected: entry.crc, name: entry.name)
    }

    static func findEndOfCentralDirectory<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Int?
    where Bytes.Index == Int {
        guard bytes.count >= 22 else { return nil }
        let lowest = max(0, bytes.count - 22 - 65_535)
        var position = bytes.count - 22
        while position >= lowest {
            if bytes[position] == 0x50 && u32(bytes, position) == 0x0605_4B50 { return position }
            position -= 1
        }
        return nil
    }

    static func u16<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ offset: Int) -> UInt16
    where Bytes.Index == Int {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func u32<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ offset: Int) -> UInt32
    where Bytes.Index == Int {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(
            bytes[offset + 3]) << 24
    }
}
