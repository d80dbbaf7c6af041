import GRDB

/// What `stat` says about an input file: enough to tell it has not changed since it was read.
public struct FileStamp: Hashable, Sendable {
    public var path: String
    public var size: Int64
    public var modifiedNanoseconds: Int64
    public var inode: Int64

    public init(path: String, size: Int64, modifiedNanoseconds: Int64, inode: Int64) {
        self.path = path
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.inode = inode
    }
}

/// The stamps of the files read whole before, held compactly: by a 64-bit hash of the path, not
/// the path (100,000 paths took 30 MB). Two paths with one hash and one stamp are the same
/// file (one inode, same size and time), so a hash collision can never skip a changed file.
public struct FileStampIndex: Sendable {
    private struct Stat: Hashable, Sendable {
        var size, modifiedNanoseconds, inode: Int64
    }

    private var stats: [Int: [Stat]] = [:]

    public init() {}

    private static func key(_ path: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: path)
        return hasher.finalize()
    }

    mutating func insert(path: UnsafeRawBufferPointer, size: Int64, modifiedNanoseconds: Int64, inode: Int64) {
        stats[Self.key(path), default: []].append(
            Stat(size: size, modifiedNanoseconds: modifiedNanoseconds, inode: inode))
    }

    /// Whether a file with this path and stamp was read whole before.
    public func contains(_ stamp: FileStamp) -> Bool {
        var path = stamp.path
        let key = path.withUTF8 { Self.key(UnsafeRawBufferPointer($0)) }
        let stat = Stat(size: stamp.size, modifiedNanoseconds: stamp.modifiedNanoseconds, inode: stamp.inode)
        return stats[key]?.contains(stat) ?? false
    }
}

extension ReportStore {
    /// The stamps of every file read whole before.
    public func fileStamps() throws(StoreError) -> FileStampIndex {
        try read("reading input file stamps") { db in
            var index = FileStampIndex()
            try RawRows(try db.makeStatement(sql: "SELECT path, size, mtime_ns, inode FROM input_file")).forEach {
                row in
                index.insert(
                    path: UnsafeRawBufferPointer(row.bytes(0)), size: row.integer(1),
                    modifiedNanoseconds: row.integer(2),
                    inode: row.integer(3))
            }
            return index
        }
    }

    /// Records files read whole with no failure, in one transaction.
    public func saveFileStamps(_ stamps: [FileStamp]) throws(StoreError) {
        guard !stamps.isEmpty else { return }
        try write("recording input file stamps") { db in try Self.saveFileStamps(stamps, in: db) }
    }

    /// Within ingest's transaction: an upsert run `OR FAIL`, so SQLite opens no statement
    /// journal for it, bound with the C API.
    static func saveFileStamps(_ stamps: [FileStamp], in db: Database) throws {
        let insert = try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO input_file (path, size, mtime_ns, inode) VALUES (?, ?, ?, ?)
                ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode
                """)
        for stamp in stamps {
            try insert.run(
                .text(stamp.path), .integer(stamp.size), .integer(stamp.modifiedNanoseconds), .integer(stamp.inode))
        }
    }
}
