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

extension ReportStore {
    /// The stamps of every file read whole before, by path.
    public func fileStamps() throws(StoreError) -> [String: FileStamp] {
        try read("reading input file stamps") { db in
            var stamps: [String: FileStamp] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT path, size, mtime_ns, inode FROM input_file")
            while let row = try rows.next() {
                let stamp = FileStamp(path: row[0], size: row[1], modifiedNanoseconds: row[2], inode: row[3])
                stamps[stamp.path] = stamp
            }
            return stamps
        }
    }

    /// Records files read whole with no failure, in one transaction.
    public func saveFileStamps(_ stamps: [FileStamp]) throws(StoreError) {
        guard !stamps.isEmpty else { return }
        try write("recording input file stamps") { db in
            let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO input_file (path, size, mtime_ns, inode) VALUES (?, ?, ?, ?)")
            for stamp in stamps {
                try statement.execute(arguments: [stamp.path, stamp.size, stamp.modifiedNanoseconds, stamp.inode])
            }
        }
    }
}
