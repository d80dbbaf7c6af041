import Dispatch
import Foundation
import ReportStore

/// Writes parsed batches on a thread of its own, several batches to a transaction: the writer
/// takes the batches that arrive within `commitInterval` of the first into one transaction, then
/// commits. At most one batch waits for it, so parsing stays at most one batch ahead and memory
/// stays flat. Log rows are handed back only once their transaction has committed.
final class BatchWriter: @unchecked Sendable {
    /// How long a transaction stays open for more batches, by default.
    static let defaultCommitInterval: TimeInterval = 1

    private let commitInterval: TimeInterval
    private let store: any MailTallyStore
    private let runID: Int64
    private let replacing: Bool
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var waiting: StoreBatch?
    private var closing = false
    private var running = false
    private var committed: [LoggedOutcome] = []
    private var failure: StoreError?

    /// - Parameter replacing: batches of stored inputs parsed again (`reparse`), whose earlier
    ///   reports each give way to the new ones.
    init(
        store: any MailTallyStore, runID: Int64, replacing: Bool = false,
        commitInterval: TimeInterval = defaultCommitInterval
    ) {
        self.store = store
        self.runID = runID
        self.replacing = replacing
        self.commitInterval = commitInterval
    }

    /// Hands a batch to the writer, waiting while an earlier one still waits.
    /// - Throws: the error that stopped the writer, if it stopped.
    func submit(_ batch: StoreBatch) throws(StoreError) {
        condition.lock()
        defer { condition.unlock() }
        while waiting != nil && failure == nil { condition.wait() }
        if let failure { throw failure }
        waiting = batch
        closing = false
        if !running {
            running = true
            // A thread of its own, never a dispatch worker: those run parsing at a lower
            // priority (ParsingPriority), and the writer must not inherit it.
            let thread = Thread { self.run() }
            thread.name = "mailtally.ingest.writer"
            thread.stackSize = 8 << 20
            thread.start()
        }
        condition.broadcast()
    }

    /// The log rows committed since the last call.
    func takeCommitted() -> [LoggedOutcome] {
        condition.lock()
        defer { condition.unlock() }
        defer { committed.removeAll() }
        return committed
    }

    /// Commits what was submitted and waits for the writer to stop.
    /// - Returns: the log rows not taken yet.
    /// - Throws: the error that stopped the writer, if it stopped.
    func finish() throws(StoreError) -> [LoggedOutcome] {
        condition.lock()
        defer { condition.unlock() }
        closing = true
        condition.broadcast()
        while running { condition.wait() }
        if let failure { throw failure }
        defer { committed.removeAll() }
        return committed
    }

    /// Lets the writer commit what it has and stop, without waiting for it: for a run that
    /// ends on an error before ``finish()``.
    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        condition.unlock()
    }

    /// The writer's loop: one transaction per group of batches, until there is nothing to write.
    private func run() {
        while let first = next(until: nil) {
            let deadline = Date(timeIntervalSinceNow: commitInterval)
            var pending: StoreBatch? = first
            let result = Result { () throws(StoreError) -> [LoggedOutcome] in
                try store.recordBatches(runID: runID, replacing: replacing) {
                    if let batch = pending {
                        pending = nil
                        return batch
                    }
                    return next(until: deadline)
                }
            }
            condition.lock()
            switch result {
            case .success(let rows): committed += rows
            case .failure(let error): failure = error
            }
            let stop = failure != nil
            if stop { running = false }
            condition.broadcast()
            condition.unlock()
            if stop { return }
        }
        condition.lock()
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, waiting for it until `deadline` (without one, until it comes); nil at the
    /// deadline or when closing.
    private func next(until deadline: Date?) -> StoreBatch? {
        condition.lock()
        defer { condition.unlock() }
        // Past the deadline the transaction commits, even with a batch waiting: parsing that
        // keeps up with the writer must not hold one transaction open for the whole run (every
        // kill would lose it all, the WAL would grow with it, and no other writer could get in).
        if let deadline, Date() >= deadline { return nil }
        while waiting == nil && !closing {
            // No far-off date for "forever": Foundation turns the date into nanoseconds since
            // 1970, and `Date.distantFuture` overflows that and traps.
            guard let deadline else {
                condition.wait()
                continue
            }
            if !condition.wait(until: deadline) { break }
        }
        guard let batch = waiting else { return nil }
        waiting = nil
        condition.broadcast()
        return batch
    }
}
