import Foundation
import MailNetwork
import ReportIngest
import ReportStore

/// An IMAP mailbox to ingest: the account, how to log in, which roots to trust, and where to
/// move mail once its reports are stored (docs/imap.md).
public struct IMAPInbox: Sendable {
    /// The account and mailbox.
    public var account: IMAPAccount
    /// Where the password or token comes from, asked at every (re)connection.
    public var credentials: IMAPCredentialSource
    /// The certificate checks.
    public var trust: MailTLSTrust
    /// Where messages go once their reports are stored (or were stored before); nil: they stay.
    public var moveTo: String?
    /// Where messages go that failed; nil: they stay.
    public var failedTo: String?

    /// An inbox as the options or the configuration file give it.
    public init(
        account: IMAPAccount, credentials: IMAPCredentialSource, trust: MailTLSTrust, moveTo: String? = nil,
        failedTo: String? = nil
    ) {
        self.account = account
        self.credentials = credentials
        self.trust = trust
        self.moveTo = moveTo
        self.failedTo = failedTo
    }

    /// Whether mail is moved, so that the mailbox is opened read-write.
    var moves: Bool { moveTo != nil || failedTo != nil }
}

/// What a mailbox gave in one run, for the summary.
public struct MailboxOutcome: Sendable, Encodable, Equatable {
    /// `imaps://user@host/INBOX`.
    public var mailbox: String
    /// Messages fetched (new ones, and those fetched again to be moved).
    public var fetched = 0
    /// Messages moved to the move folder, and to the failed folder.
    public var moved = 0
    public var movedFailed = 0
    /// Why the mailbox could not be read to its end, when it could not.
    public var error: String?

    private enum CodingKeys: String, CodingKey {
        case mailbox, fetched, moved
        case movedFailed = "moved_failed"
        case error
    }
}

/// Reads one IMAP mailbox into an ingest batch: only the messages above the stored checkpoint,
/// in batches bounded by count and bytes, with the checkpoint committed beside each batch's
/// reports, and messages moved only after the transaction holding them committed
/// (docs/imap.md).
struct IMAPIngest {
    let inbox: IMAPInbox
    let store: any MailTallyStore
    let limits: IngestLimits
    /// Seconds between the attempts to connect again after a drop; as many attempts as values.
    var backoff: [TimeInterval] = [1, 2, 4, 8, 16]
    /// Messages whose sizes are asked in one command.
    static let sizeQueryCount = 1000

    /// Reads the mailbox into `batch`, reconnecting after a drop; the outcome says how far it
    /// got and why it stopped, if it did.
    /// - Throws: only ``StoreError``: a mailbox that cannot be read is an outcome, not an error.
    func run(into batch: IngestBatch) throws(StoreError) -> MailboxOutcome {
        var outcome = MailboxOutcome(mailbox: inbox.account.mailboxName)
        var attempt = 0
        while true {
            do throws(MailNetworkError) {
                let client = try connect()
                defer { client.logout() }
                try read(with: client, into: batch, outcome: &outcome)
                return outcome
            } catch {
                // What was fetched before the drop is stored, with its checkpoint, before the
                // next attempt starts again from the store's checkpoint.
                try batch.flush(wait: true)
                // Stored but not moved: the next session fetches them again and moves them.
                _ = batch.takeCommittedRows()
                let retry = error.isTransient || ["LIMIT", "UNAVAILABLE", "INUSE"].contains(error.code ?? "")
                guard retry, attempt < backoff.count, !Interruption.requested else {
                    outcome.error = "\(inbox.account.mailboxName): \(error.message)"
                    return outcome
                }
                Thread.sleep(forTimeInterval: backoff[attempt])
                attempt += 1
            }
        }
    }

    func connect() throws(MailNetworkError) -> IMAPClient {
        let credentials = try inbox.credentials.resolve()
        return try IMAPClient(
            account: inbox.account, credentials: credentials, trust: inbox.trust,
            maxMessageBytes: limits.maxMessageBytes)
    }

    /// One session: opens the mailbox, fetches what is new and what waits to be moved, batch by batch.
    func read(with client: IMAPClient, into batch: IngestBatch, outcome: inout MailboxOutcome)
        throws(MailNetworkError)
    {
        let account = inbox.account
        if let folder = inbox.moveTo { try client.createIfMissing(folder) }
        if let folder = inbox.failedTo { try client.createIfMissing(folder) }
        let state = try client.open(account.mailbox, readOnly: !inbox.moves)
        let checkpoint: MailboxCheckpoint?
        do {
            checkpoint = try store.mailboxCheckpoints().first {
                $0.account == account.accountName && $0.mailbox == account.mailbox
            }
        } catch {
            throw MailNetworkError(.local, "the store could not be read: \(error)")
        }
        // A new UIDVALIDITY renumbered the mailbox: everything is read again, and what was
        // stored before is recognised by its bytes (docs/imap.md).
        let resumeAfter: UInt32 =
            checkpoint.flatMap { $0.uidValidity == Int64(state.uidValidity) ? UInt32(clamping: $0.lastUID) : nil } ?? 0
        // Messages read in an earlier run that are still here wait to be moved (the run
        // stopped after its commit and before its move): fetched again, they are known. Only
        // with a move folder: without one, stored messages stay by design.
        var uids = inbox.moveTo != nil ? try client.uids(through: resumeAfter) : []
        if resumeAfter < UInt32.max { uids += try client.uids(from: resumeAfter + 1) }
        let mover = Mover(client: client, inbox: inbox, uidValidity: state.uidValidity)
        var group: [UInt32] = []
        var groupBytes = 0
        // The checkpoint only passes UIDs handed to the batch (a body stored, or a failure
        // logged), in order: a message the server left out of its answer is asked for again
        // next time rather than skipped.
        var handled: Set<UInt32> = []
        var next = uids.firstIndex { $0 > resumeAfter } ?? uids.count
        var highest = resumeAfter
        var storeFailure: StoreError?

        func name(_ uid: UInt32) -> String { account.messageName(uidValidity: state.uidValidity, uid: uid) }

        func tooLarge(_ uid: UInt32, size: Int) {
            // Never stored: logged as failed under its name, and moved as one.
            batch.add(
                .unreadable(
                    LoggedOutcome(
                        input: name(uid), part: "", status: .failed, kind: nil, code: "too-large",
                        reason: "message of \(size) bytes or more exceeds the \(limits.maxMessageBytes)-byte cap "
                            + "(--max-message-bytes)")))
            mover.expect(uid)
            handled.insert(uid)
        }

        func flushGroup() throws(MailNetworkError) {
            if !group.isEmpty {
                try client.fetch(group, maxBytes: limits.maxMessageBytes) { uid, bytes in
                    if bytes.count > limits.maxMessageBytes {
                        tooLarge(uid, size: bytes.count)
                        return
                    }
                    batch.add(IngestPipeline.Unit(input: name(uid), bytes: bytes, kind: .message(number: nil)))
                    mover.expect(uid)
                    handled.insert(uid)
                    // Sizes are the server's word: memory stays bounded by what arrives.
                    if batch.isFull && storeFailure == nil {
                        do throws(StoreError) { try batch.flush() } catch { storeFailure = error }
                    }
                }
                if let storeFailure { throw MailNetworkError(.local, "the store failed: \(storeFailure)") }
                outcome.fetched += group.count
                group = []
                groupBytes = 0
            }
            while next < uids.count && handled.contains(uids[next]) {
                highest = uids[next]
                next += 1
            }
            if highest > resumeAfter {
                batch.add(
                    MailboxCheckpoint(
                        account: account.accountName, mailbox: account.mailbox,
                        uidValidity: Int64(state.uidValidity), lastUID: Int64(highest)))
            }
            do {
                // Parsing a batch takes a while: the server hears from us meanwhile.
                try KeepAlive.during(client: client) { () throws(StoreError) in try batch.flush() }
            } catch {
                throw MailNetworkError(.local, "the store failed: \(error)")
            }
            try mover.move(batch.takeCommittedRows(), outcome: &outcome)
        }

        var start = 0
        while start < uids.count && !Interruption.requested {
            let slice = Array(uids[start..<min(start + Self.sizeQueryCount, uids.count)])
            start += slice.count
            let sizes = try client.sizes(of: slice)
            for uid in slice {
                // Expunged meanwhile, or left out by the server: asked for again next time.
                guard let size = sizes[uid] else { continue }
                if size > limits.maxMessageBytes {
                    tooLarge(uid, size: size)
                    continue
                }
                if !group.isEmpty, group.count >= IngestBatch.maxUnits || groupBytes + size > IngestBatch.maxBytes {
                    try flushGroup()
                }
                group.append(uid)
                groupBytes += size
            }
            try flushGroup()
        }
        do {
            try batch.flush(wait: true)
        } catch {
            throw MailNetworkError(.local, "the store failed: \(error)")
        }
        try mover.move(batch.takeCommittedRows(), outcome: &outcome)
    }
}

/// The messages of one mailbox waiting for their transaction to commit, and their moves once
/// it has.
final class Mover {
    let client: IMAPClient
    let inbox: IMAPInbox
    let uidValidity: UInt32
    private var names: [String: UInt32] = [:]

    init(client: IMAPClient, inbox: IMAPInbox, uidValidity: UInt32) {
        self.client = client
        self.inbox = inbox
        self.uidValidity = uidValidity
    }

    func expect(_ uid: UInt32) {
        guard inbox.moves else { return }
        names[inbox.account.messageName(uidValidity: uidValidity, uid: uid)] = uid
    }

    /// Moves the committed messages: stored, duplicate or skipped ones to the move folder, those
    /// with a failed part to the failed folder.
    func move(_ committed: [LoggedOutcome], outcome: inout MailboxOutcome) throws(MailNetworkError) {
        guard inbox.moves, !committed.isEmpty else { return }
        var stored: Set<UInt32> = []
        var failed: Set<UInt32> = []
        for row in committed {
            guard let uid = names[row.input] else { continue }
            if row.status == .failed { failed.insert(uid) } else { stored.insert(uid) }
        }
        stored.subtract(failed)
        for uid in stored.union(failed) { names[inbox.account.messageName(uidValidity: uidValidity, uid: uid)] = nil }
        if let folder = inbox.moveTo, !stored.isEmpty {
            try client.move(Array(stored), to: folder)
            outcome.moved += stored.count
        }
        if let folder = inbox.failedTo, !failed.isEmpty {
            try client.move(Array(failed), to: folder)
            outcome.movedFailed += failed.count
        }
    }
}

/// NOOPs every `interval` seconds while `body` runs, so that a long parse does not let the
/// server drop an idle connection.
enum KeepAlive {
    static let interval: TimeInterval = 60

    static func during<T>(client: IMAPClient, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { try? client.noop() }
        timer.resume()
        defer { timer.cancel() }
        return try body()
    }
}
