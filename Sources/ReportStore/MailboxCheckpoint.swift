/// How far one IMAP mailbox has been read: while its UIDVALIDITY holds, every message with a
/// UID up to ``lastUID`` was stored (or logged as failed) in an earlier transaction, so a run
/// fetches only the messages above it (docs/imap.md, "Resuming").
public struct MailboxCheckpoint: Sendable, Hashable {
    /// The account, `imaps://user@host[:port]`.
    public var account: String
    /// The mailbox, in UTF-8.
    public var mailbox: String
    /// The mailbox's UIDVALIDITY when it was read: another value means the UIDs were renumbered.
    public var uidValidity: Int64
    /// The highest UID read.
    public var lastUID: Int64

    /// A checkpoint as the reader made it.
    public init(account: String, mailbox: String, uidValidity: Int64, lastUID: Int64) {
        self.account = account
        self.mailbox = mailbox
        self.uidValidity = uidValidity
        self.lastUID = lastUID
    }
}
