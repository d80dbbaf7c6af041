import Dispatch
import ReportIngest
import ReportStore

/// The inputs of one batch: read and hashed, then parsed on every core and stored in one
/// transaction when the batch is full (or at the end).
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
    var summary = IngestSummary()

    init(pipeline: IngestPipeline, runID: Int64) {
        self.pipeline = pipeline
        self.runID = runID
    }

    var isFull: Bool { units.count >= Self.maxUnits || unitBytes >= Self.maxBytes || ready.count >= Self.maxUnits }

    func add(_ unit: IngestPipeline.Unit) {
        units.append(unit)
        unitBytes += unit.bytes.count
    }

    func add(_ pending: PendingInput) {
        ready.append(pending)
    }

    /// Parses and stores everything waiting.
    func flush() throws(StoreError) {
        guard !units.isEmpty || !ready.isEmpty else { return }
        let known = try pipeline.store.knownInputs(units.map(\.digest))
        let work = units
        let limits = pipeline.limits
        var results = [PendingInput?](repeating: nil, count: work.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes its own slot only.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: work.count) { index in
                let unit = work[index]
                slots[index] = known[unit.digest] == .done
                    ? .seen(input: unit.input, part: IngestPipeline.seenLabel(unit), sha256: unit.digest)
                    : IngestPipeline.parse(unit, limits: limits)
            }
        }
        let batch = ready + results.compactMap { $0 }
        units.removeAll(keepingCapacity: true)
        unitBytes = 0
        ready.removeAll(keepingCapacity: true)
        for outcome in try pipeline.store.recordBatch(batch, runID: runID) {
            summary.count(outcome)
            pipeline.logger.debug("\(outcome.input) \(outcome.part): \(outcome.status.rawValue)")
        }
    }
}
