/// What `stat` says about an input file: enough to tell it has not changed since it was read,
/// so that `ingest` skips a folder's old files without reading them (docs/counting.md).
public struct FileStamp: Hashable, Sendable {
    /// The path as the walk met it.
    public var path: String
    /// Size in bytes.
    public var size: Int64
    /// Last modification, in nanoseconds since 1970.
    public var modifiedNanoseconds: Int64
    /// The inode: a file replaced by another of the same size and time is still told apart.
    public var inode: Int64

    /// A stamp as `stat` gave it.
    public init(path: String, size: Int64, modifiedNanoseconds: Int64, inode: Int64) {
        self.path = path
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.inode = inode
    }
}

/// The stamps of the files read whole before, held compactly: by a 64-bit hash of the path, not
/// the path (a folder of 100,000 files would otherwise hold every path in memory). Two paths with
/// one hash and one stamp are the same file (one inode, same size and time), so a hash collision
/// can never skip a changed file.
public struct FileStampIndex: Sendable {
    private struct Stat: Hashable, Sendable {
        var size, modifiedNanoseconds, inode: Int64
    }

    private var stats: [Int: [Stat]] = [:]

    /// An empty index: nothing was read before.
    public init() {}

    private static func key(_ path: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: path)
        return hasher.finalize()
    }

    /// Adds a stored stamp, its path given as UTF-8 bytes straight from the backend's row (no
    /// string is made for it).
    public mutating func insert(path: UnsafeRawBufferPointer, size: Int64, modifiedNanoseconds: Int64, inode: Int64) {
        stats[Self.key(path), default: []].append(
            Stat(size: size, modifiedNanoseconds: modifiedNanoseconds, inode: inode))
    }

    /// Adds a stamp.
    public mutating func insert(_ stamp: FileStamp) {
        var path = stamp.path
        path.withUTF8 {
            insert(
                path: UnsafeRawBufferPointer($0), size: stamp.size, modifiedNanoseconds: stamp.modifiedNanoseconds,
                inode: stamp.inode)
        }
    }

    /// Whether a file with this path and stamp was read whole before.
    public func contains(_ stamp: FileStamp) -> Bool {
        var path = stamp.path
        let key = path.withUTF8 { Self.key(UnsafeRawBufferPointer($0)) }
        let stat = Stat(size: stamp.size, modifiedNanoseconds: stamp.modifiedNanoseconds, inode: stamp.inode)
        return stats[key]?.contains(stat) ?? false
    }
}
