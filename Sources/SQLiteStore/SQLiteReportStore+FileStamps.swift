import Foundation
import GRDB
import ReportStore

extension SQLiteReportStore {
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

    /// The stamps of every file read whole before, each whole.
    public func fileStampList() throws(StoreError) -> [FileStamp] {
        try read("reading input file stamps") { db in
            try Row.fetchAll(db, sql: "SELECT path, size, mtime_ns, inode FROM input_file ORDER BY path").map {
                FileStamp(path: $0[0], size: $0[1], modifiedNanoseconds: $0[2], inode: $0[3])
            }
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

    /// How far every IMAP mailbox has been read.
    public func mailboxCheckpoints() throws(StoreError) -> [MailboxCheckpoint] {
        try read("reading mailbox checkpoints") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT account, mailbox, uid_validity, last_uid FROM mailbox_checkpoint ORDER BY account, mailbox"
            ).map { MailboxCheckpoint(account: $0[0], mailbox: $0[1], uidValidity: $0[2], lastUID: $0[3]) }
        }
    }

    /// Within ingest's transaction: each checkpoint moves forward, or starts again under a new
    /// UIDVALIDITY.
    static func saveCheckpoints(_ checkpoints: [MailboxCheckpoint], in db: Database) throws {
        let now = Int64(Date().timeIntervalSince1970)
        for checkpoint in checkpoints {
            try db.execute(
                sql: """
                    INSERT INTO mailbox_checkpoint (account, mailbox, uid_validity, last_uid, updated_at)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(account, mailbox) DO UPDATE SET
                        last_uid = CASE WHEN uid_validity = excluded.uid_validity
                            THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END,
                        uid_validity = excluded.uid_validity, updated_at = excluded.updated_at
                    """,
                arguments: [checkpoint.account, checkpoint.mailbox, checkpoint.uidValidity, checkpoint.lastUID, now])
        }
    }
}
