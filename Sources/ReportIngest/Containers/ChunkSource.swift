import CZlibShim

/// Bytes read a chunk at a time, so that no layer of an input (a gzip member, a zip entry, the
/// document inside) is ever held whole: each call hands the next chunk, valid until the next
/// call, and an empty chunk at the end.
protocol ChunkSource: AnyObject {
    func next() throws(IngestError) -> UnsafeRawBufferPointer
}

extension ChunkSource {
    /// Everything left, refusing more than `limit` bytes (`what` names them in the error).
    func readAll(limit: Int, what: String) throws(IngestError) -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let chunk = try next()
            if chunk.isEmpty { return bytes }
            guard chunk.count <= limit - bytes.count else {
                throw IngestError(.tooLarge, "\(what) exceeds \(limit) bytes")
            }
            bytes.append(contentsOf: chunk)
        }
    }

    /// The first `count` bytes (fewer when the source is shorter).
    func head(_ count: Int) throws(IngestError) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            let chunk = try next()
            if chunk.isEmpty { break }
            bytes.append(contentsOf: chunk.prefix(count - bytes.count))
        }
        return bytes
    }
}

/// Bytes already in memory, handed out in slices. The caller keeps the memory alive and
/// unchanged while the source is read.
final class BufferSource: ChunkSource {
    private let base: UnsafeRawBufferPointer
    private var offset = 0
    private let chunkSize: Int
    /// Told each range once it has been read (the call after it was handed out): a mapped file
    /// gives back the pages behind it (``MappedInput``).
    private let release: ((Range<Int>) -> Void)?
    private var released = 0

    init(_ base: UnsafeRawBufferPointer, chunkSize: Int = 256 << 10, release: ((Range<Int>) -> Void)? = nil) {
        self.base = base
        self.chunkSize = chunkSize
        self.release = release
    }

    func next() -> UnsafeRawBufferPointer {
        if let release, offset > released {
            release(released..<offset)
            released = offset
        }
        let count = min(chunkSize, base.count - offset)
        guard count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
    }
}

/// How many decompressed bytes one input may produce, across every layer and entry (a zip of
/// gzip bombs once had a full cap per entry and per layer).
public final class DecompressionBudget {
    let limit: Int
    private(set) var used = 0

    /// A budget of `limit` bytes, shared by every layer and entry of one input (or one message).
    public init(limit: Int) {
        self.limit = limit
    }

    func charge(_ count: Int) throws(IngestError) {
        guard count <= limit - used else {
            throw IngestError(.tooLarge, "decompressed data exceeds \(limit) bytes")
        }
        used += count
    }

    /// Forgets what was charged since `mark`: a document read again (in another encoding) is
    /// not new data.
    func rewind(to mark: Int) {
        used = min(used, mark)
    }
}

/// Inflates a gzip (one or more members), zlib or raw deflate stream as it is read, charging
/// every byte it produces to the input's budget.
final class InflateSource: ChunkSource {
    private let inner: any ChunkSource
    private let format: Inflater.Format
    private let budget: DecompressionBudget
    private let code: IngestError.Code
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer
    private var finished = false
    /// The last call filled the output buffer: zlib may have more without new input.
    private var outputWasFull = false
    /// Input bytes taken in so far, for error messages.
    private var consumed = 0
    /// The rest of an inner chunk joined to a byte left over from the previous one (a gzip
    /// member that starts across two chunks).
    private var joined = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    static let outputSize = 64 << 10

    init(_ inner: any ChunkSource, format: Inflater.Format, budget: DecompressionBudget) throws(IngestError) {
        self.inner = inner
        self.format = format
        self.budget = budget
        code = format == .gzip ? .gzip : format == .zlib ? .zlib : .zip
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(byteCount: Self.outputSize, alignment: 16)
        let windowBits = format == .gzip ? 16 + MAX_WBITS : format == .zlib ? MAX_WBITS : -MAX_WBITS
        guard czlib_inflateInit2(stream, windowBits) == Z_OK else {
            throw IngestError(code, "cannot initialise zlib")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
        joined.deallocate()
    }

    func next() throws(IngestError) -> UnsafeRawBufferPointer {
        while !finished {
            // zlib may hold output it had no room for (a match or literal cut at the end of the
            // buffer): after a full buffer, inflate once more before asking for input.
            if stream.pointee.avail_in == 0 && !outputWasFull {
                let chunk = try inner.next()
                guard let base = chunk.baseAddress, !chunk.isEmpty else {
                    throw IngestError(code, consumed == 0 ? "no data" : "unexpected end of data at byte \(consumed)")
                }
                feed(base, chunk.count)
            }
            stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(Self.outputSize)
            let before = Int(stream.pointee.avail_in)
            let status = CZlibShim.inflate(stream, Z_NO_FLUSH)
            consumed += before - Int(stream.pointee.avail_in)
            let produced = Self.outputSize - Int(stream.pointee.avail_out)
            outputWasFull = produced == Self.outputSize
            switch status {
            case Z_STREAM_END:
                if try !anotherMemberFollows() {
                    finished = true
                    try drainInner()
                }
            case Z_OK:
                break
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                break  // more input is needed
            case Z_BUF_ERROR:
                throw IngestError(code, "no progress at byte \(consumed)")
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw IngestError(code, "\(message) at byte \(consumed)")
            }
            if produced > 0 {
                try budget.charge(produced)
                return UnsafeRawBufferPointer(rebasing: output[0..<produced])
            }
        }
        return UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// Reads what follows the stream to its end, so that the layer below finishes too (a zip
    /// entry checks its CRC-32 at its end: trailing bytes after a gzip member must not skip it).
    private func drainInner() throws(IngestError) {
        while try !inner.next().isEmpty {}
    }

    private func feed(_ base: UnsafeRawPointer, _ count: Int) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(clamping: count)
    }

    /// After a gzip member: whether another member starts next (bytes after the last member
    /// that do not start one are ignored: Mimecast appends CRLF). Resets zlib for it.
    private func anotherMemberFollows() throws(IngestError) -> Bool {
        guard format == .gzip else { return false }
        var left = Int(stream.pointee.avail_in)
        if left == 0 {
            let chunk = try inner.next()
            guard let base = chunk.baseAddress, !chunk.isEmpty else { return false }
            feed(base, chunk.count)
            left = chunk.count
        }
        guard let next = stream.pointee.next_in, next[0] == 0x1F else { return false }
        if left == 1 {
            // The second magic byte is in the next chunk: join the two.
            let chunk = try inner.next()
            guard !chunk.isEmpty, chunk[0] == 0x8B else { return false }
            joined.deallocate()
            joined = .allocate(byteCount: chunk.count + 1, alignment: 1)
            joined[0] = 0x1F
            UnsafeMutableRawBufferPointer(rebasing: joined[1...]).copyMemory(from: chunk)
            if let base = joined.baseAddress { feed(base, joined.count) }
        } else if next[1] != 0x8B {
            return false
        }
        guard inflateReset(stream) == Z_OK else { throw IngestError(code, "cannot reset zlib") }
        return true
    }
}

/// Checks a zip entry's CRC-32 as it is read: a mismatch is an error at its end, before the
/// document that was read from it counts.
final class CRCCheckedSource: ChunkSource {
    private let inner: any ChunkSource
    private let expected: UInt32
    private let name: String
    private var crc: UInt = 0
    private var done = false

    init(_ inner: any ChunkSource, expected: UInt32, name: String) {
        self.inner = inner
        self.expected = expected
        self.name = name
    }

    func next() throws(IngestError) -> UnsafeRawBufferPointer {
        let chunk = try inner.next()
        if chunk.isEmpty {
            if !done, UInt32(truncatingIfNeeded: crc) != expected {
                throw IngestError(.zip, "entry \(name): CRC-32 mismatch")
            }
            done = true
            return chunk
        }
        crc = crc32(crc, chunk.baseAddress?.assumingMemoryBound(to: Bytef.self), UInt32(chunk.count))
        return chunk
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes`, keeping the body's typed error.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws(IngestError) -> Result) throws(IngestError) -> Result
    {
        let outcome: Swift.Result<Result, IngestError> = withUnsafeBytes { buffer in
            Swift.Result { () throws(IngestError) -> Result in try body(buffer) }
        }
        return try outcome.get()
    }
}
