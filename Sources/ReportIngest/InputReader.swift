#if canImport(Glibc)
    import Glibc
#endif

/// Reads an open file descriptor in chunks. A read error is an ``IngestError`` with errno's
/// text, never the end of the file: an input cut short by a failing disk must not be taken as
/// read whole (and skipped on every later run).
public final class InputReader {
    private let descriptor: Int32
    /// Bytes handed back before the descriptor is read again.
    private var pending: [UInt8]

    /// - Parameter prefix: bytes already read from the descriptor, returned first.
    public init(descriptor: Int32, prefix: [UInt8] = []) {
        self.descriptor = descriptor
        self.pending = prefix
    }

    /// Up to `count` bytes; empty at the end of the file.
    public func read(upTo count: Int) throws(IngestError) -> [UInt8] {
        if !pending.isEmpty {
            let take = min(count, pending.count)
            let head = Array(pending.prefix(take))
            pending.removeFirst(take)
            return head
        }
        var chunk = [UInt8](repeating: 0, count: count)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
            if got >= 0 {
                chunk.removeLast(count - got)
                return chunk
            }
            let code = errno
            // A signal the command handles (SIGINT, SIGTERM) interrupts the read: the command
            // stops there. No other signal is caught, so no other one interrupts a read.
            if code == EINTR { throw IngestError(.read, "read interrupted by a signal") }
            throw IngestError(.read, "read error: \(String(cString: strerror(code)))")
        }
    }

    /// Hands bytes back, to be read first.
    public func unread(_ bytes: [UInt8]) {
        pending = bytes + pending
    }

    /// Everything left, refusing more than `limit` bytes in all.
    public func readAll(limit: Int) throws(IngestError) -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let chunk = try read(upTo: 1 << 20)
            if chunk.isEmpty { return bytes }
            guard chunk.count <= limit - bytes.count else {
                throw IngestError(.tooLarge, "input exceeds \(limit) bytes")
            }
            bytes.append(contentsOf: chunk)
        }
    }
}
