import Dispatch
import ReportIngest
import ReportStore

/// The inputs of one batch: read, then hashed and parsed on every core (below the writer's
/// priority, see ``ParsingPriority``) and handed to the writer when the batch is full (or at
/// the end). A ``BatchWriter`` stores batches on its own thread while the next ones are read
/// and parsed, several batches to a transaction.
final class IngestBatch {
    /// A batch holds at most this many inputs...
    static let maxUnits = 256
    /// ...or this many bytes of input.
    static let maxBytes = 32 << 20

    let pipeline: IngestPipeline
    let runID: Int64
    private var units: [IngestPipeline.Unit] = []
    private var unitBytes = 0
    /// Work that needs no parsing (unreadable inputs), stored with the batch.
    private var ready: [PendingInput] = []
    /// Files read whole into this batch alone, recorded with it unless one of their inputs fails.
    private var stamps: [FileStamp] = []
    /// How far IMAP mailboxes are read once this batch is stored, committed with it.
    private var checkpoints: [MailboxCheckpoint] = []
    /// Log rows committed and not yet taken: kept only while ``keepsCommittedRows`` (an IMAP
    /// mailbox moves mail once its rows are committed).
    private var committedRows: [LoggedOutcome] = []
    /// Whether committed log rows are kept for ``takeCommittedRows()``.
    var keepsCommittedRows = false
    /// Batches handed to the writer so far.
    private(set) var flushes = 0
    var summary = IngestSummary()
    /// Messages and bytes read so far, for progress.
    private(set) var messagesRead = 0
    private(set) var bytesRead: Int64 = 0
    /// Called after each batch is handed to the writer.
    var onFlush: (() -> Void)?
    /// Inputs with a failure in any part, so far.
    private(set) var failedInputs: Set<String> = []
    private let writer: BatchWriter

    init(pipeline: IngestPipeline, runID: Int64) {
        self.pipeline = pipeline
        self.runID = runID
        writer = BatchWriter(store: pipeline.store, runID: runID)
    }

    deinit {
        // A run that stopped on an error: the writer commits what it was given and stops.
        writer.close()
    }

    var isFull: Bool { units.count >= Self.maxUnits || unitBytes >= Self.maxBytes || ready.count >= Self.maxUnits }

    func add(_ unit: IngestPipeline.Unit) {
        units.append(unit)
        unitBytes += unit.size
        bytesRead += Int64(unit.size)
        if case .message = unit.kind { messagesRead += 1 }
    }

    func add(_ pending: PendingInput) {
        ready.append(pending)
    }

    func add(_ stamp: FileStamp) {
        stamps.append(stamp)
    }

    func add(_ checkpoint: MailboxCheckpoint) {
        checkpoints.append(checkpoint)
    }

    /// The log rows committed since the last call (with ``keepsCommittedRows``).
    func takeCommittedRows() -> [LoggedOutcome] {
        defer { committedRows = [] }
        return committedRows
    }

    /// Parses everything waiting and hands it to the writer.
    /// - Parameter wait: wait for the write (and every earlier one) to finish.
    func flush(wait: Bool = false) throws(StoreError) {
        guard !units.isEmpty || !ready.isEmpty || !stamps.isEmpty || !checkpoints.isEmpty else {
            if wait { try collect() }
            return
        }
        units.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes its own unit only.
            nonisolated(unsafe) let slots = buffer
            ParsingPriority.concurrentPerform(iterations: slots.count) { index in
                // A mapped input was hashed as it was copied.
                if slots[index].mapped == nil { slots[index].digest = ReportExtractor.sha256(slots[index].bytes) }
            }
        }
        let known = try pipeline.store.knownInputs(units.map(\.digest))
        let work = units
        let limits = pipeline.limits
        let spillArea = RecordSpillArea()
        var results = [PendingInput?](repeating: nil, count: work.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes its own slot only.
            nonisolated(unsafe) let slots = buffer
            ParsingPriority.concurrentPerform(iterations: work.count) { index in
                let unit = work[index]
                slots[index] =
                    known[unit.digest] == .done
                    ? .seen(input: unit.input, part: IngestPipeline.seenLabel(unit), sha256: unit.digest)
                    : IngestPipeline.parse(unit, limits: limits, spillArea: spillArea)
            }
        }
        let batch = StoreBatch(inputs: ready + results.compactMap { $0 }, stamps: stamps, checkpoints: checkpoints)
        units.removeAll(keepingCapacity: true)
        unitBytes = 0
        ready.removeAll(keepingCapacity: true)
        stamps.removeAll(keepingCapacity: true)
        checkpoints.removeAll()
        flushes += 1
        try writer.submit(batch)
        count(writer.takeCommitted())
        onFlush?()
        if wait { try collect() }
    }

    /// Commits everything submitted, waits for the writer and counts its outcomes.
    private func collect() throws(StoreError) {
        count(try writer.finish())
    }

    private func count(_ outcomes: [LoggedOutcome]) {
        if keepsCommittedRows { committedRows += outcomes }
        for outcome in outcomes {
            summary.count(outcome)
            if outcome.status == .failed { failedInputs.insert(outcome.input) }
            pipeline.logger.debug("\(outcome.input) \(outcome.part): \(outcome.status.rawValue)")
        }
    }
}
