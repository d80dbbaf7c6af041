import CZlibShim

/// Streaming zlib inflation of gzip members and zlib streams, with a cap on output size.
enum Inflater {
    enum Format {
        /// One or more gzip members; bytes after the last member that do not start another
        /// member are ignored (Mimecast appends CRLF).
        case gzip
        /// One zlib stream (RFC 1950).
        case zlib
        /// Raw deflate data (RFC 1951), as in zip entries.
        case raw
    }

    static let chunkSize = 64 << 10

    /// Inflates `input` completely.
    /// - Throws: ``IngestError/Code/tooLarge`` past `limit` output bytes; ``IngestError/Code/gzip``
    ///   or ``IngestError/Code/zlib`` for corrupt or truncated data.
    static func inflate(_ input: [UInt8], format: Format, limit: Int) throws(IngestError) -> [UInt8] {
        let code: IngestError.Code = format == .gzip ? .gzip : format == .zlib ? .zlib : .zip
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            inflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        let windowBits = format == .gzip ? 16 + MAX_WBITS : format == .zlib ? MAX_WBITS : -MAX_WBITS
        guard czlib_inflateInit2(stream, windowBits) == Z_OK else {
            throw IngestError(code, "cannot initialise zlib")
        }
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(input.count * 4, 4096)))
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer { chunk.deallocate() }

        return try input.withUnsafeBufferPointer { (buffer) throws(IngestError) -> [UInt8] in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                throw IngestError(code, "no data")
            }
            var offset = 0
            var members = 0
            while true {
                stream.pointee.next_in = UnsafeMutablePointer(mutating: base + offset)
                stream.pointee.avail_in = UInt32(clamping: buffer.count - offset)
                var status: Int32 = Z_OK
                repeat {
                    stream.pointee.next_out = chunk
                    stream.pointee.avail_out = UInt32(chunkSize)
                    status = CZlibShim.inflate(stream, Z_NO_FLUSH)
                    let produced = chunkSize - Int(stream.pointee.avail_out)
                    if produced > 0 {
                        guard output.count + produced <= limit else {
                            throw IngestError(.tooLarge, "decompressed data exceeds \(limit) bytes")
                        }
                        output.append(contentsOf: UnsafeBufferPointer(start: chunk, count: produced))
                    }
                    if status == Z_BUF_ERROR, stream.pointee.avail_in == 0 {
                        let consumed = buffer.count - Int(stream.pointee.avail_in)
                        throw IngestError(code, "unexpected end of data at byte \(consumed)")
                    }
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        let consumed = buffer.count - Int(stream.pointee.avail_in)
                        let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw IngestError(code, "\(message) at byte \(consumed)")
                    }
                    if stream.pointee.avail_in == 0 && status != Z_STREAM_END && stream.pointee.avail_out != 0 {
                        let consumed = buffer.count - Int(stream.pointee.avail_in)
                        throw IngestError(code, "unexpected end of data at byte \(consumed)")
                    }
                } while status != Z_STREAM_END
                members += 1
                offset = buffer.count - Int(stream.pointee.avail_in)
                // Another gzip member follows: continue with it. Anything else is trailing junk.
                guard format == .gzip, offset + 1 < buffer.count, base[offset] == 0x1F, base[offset + 1] == 0x8B
                else { break }
                guard inflateReset(stream) == Z_OK else { throw IngestError(code, "cannot reset zlib") }
            }
            return output
        }
    }

    /// Compresses `input` as a raw zlib stream (used to keep raw inputs small in the store).
    /// - Parameter raw: a raw deflate stream, without zlib's header and checksum (a zip entry's).
    static func deflate(_ input: [UInt8], level: Int32 = 6, raw: Bool = false) -> [UInt8]? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            deflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // A window (and hash table) no bigger than the input: zlib clears both for every stream,
        // and for a message of a few kilobytes the full 32 KiB window cost more than the
        // compression. Any zlib reader takes the smaller window.
        let windowBits = min(MAX_WBITS, max(9, Int32(Int.bitWidth - max(input.count - 1, 1).leadingZeroBitCount)))
        guard czlib_deflateInit2(stream, level, raw ? -windowBits : windowBits, min(8, max(2, windowBits - 7))) == Z_OK
        else { return nil }
        let bound = Int(deflateBound(stream, UInt(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status: Int32 = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.pointee.avail_in = UInt32(clamping: source.count)
                stream.pointee.next_out = target.baseAddress
                stream.pointee.avail_out = UInt32(clamping: target.count)
                return CZlibShim.deflate(stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(Int(stream.pointee.avail_out))
        return output
    }
}
