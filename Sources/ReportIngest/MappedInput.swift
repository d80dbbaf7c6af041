import Glibc

/// An input file mapped into memory instead of read: a report of hundreds of megabytes is
/// hashed, parsed and stored from the mapping, a chunk at a time, and the pages behind each
/// chunk are given back once it is done (``release(_:)``), so memory stays flat whatever the
/// file's size. The file must not change while it is mapped (an input being written to is
/// read again on the next run, as its stamp changes).
public final class MappedInput: @unchecked Sendable {
    /// The whole file, valid while this object lives; empty for an empty file.
    public let bytes: UnsafeRawBufferPointer
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps `size` bytes of `descriptor` (which may be closed after).
    public init(descriptor: Int32, size: Int) throws(IngestError) {
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw IngestError(.read, "cannot map the file: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        _ = madvise(base, size, MADV_SEQUENTIAL)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Gives back the whole pages inside `range` (offsets into ``bytes``): the next access
    /// reads them again from the file.
    public func release(_ range: Range<Int>) {
        guard let base = bytes.baseAddress else { return }
        let start = (range.lowerBound + Self.pageSize - 1) / Self.pageSize * Self.pageSize
        let end = range.upperBound == bytes.count ? bytes.count : range.upperBound / Self.pageSize * Self.pageSize
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// Calls `body` with the file a chunk at a time, giving back each chunk's pages after it.
    public func forEachChunk(size: Int = 8 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + size)
            try body(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            release(offset..<end)
            offset = end
        }
    }
}
