import Foundation
import ReportModel
import ReportStore

/// What `mailtally copy` did, and whether both stores now say the same.
struct StoreCopyOutcome: Encodable {
    /// Raw inputs in the source.
    var inputs = 0
    /// Raw inputs copied by this run.
    var copied = 0
    /// Raw inputs the destination held already (an earlier, interrupted copy).
    var alreadyThere = 0
    /// Reverse DNS entries, file stamps and mailbox checkpoints copied.
    var reverseDNS = 0
    var fileStamps = 0
    var mailboxCheckpoints = 0
    /// Live transport checks copied, for the store's domains (docs/transport.md).
    var transportChecks = 0
    /// What the two stores hold, side by side: the same when the copy is whole.
    var compared: [Comparison] = []
    /// The run's outcomes, as ingest counts them.
    var summary = IngestSummary()

    /// One figure of both stores.
    struct Comparison: Encodable {
        var what: String
        var source: Int64
        var destination: Int64
    }

    var differences: [Comparison] { compared.filter { $0.source != $0.destination } }
}

extension IngestPipeline {
    /// Copies this pipeline's store into `destination`: every raw input (chunks included) parsed
    /// again as `reparse` does, with its arrival time, so that the reports, their rollups and
    /// the log rows are the destination's own and its unique keys settle duplicates; then the
    /// reverse DNS cache and the file stamps. An input the destination holds already is left
    /// alone, so a copy that stopped can be run again and goes on where it stopped. Ends by
    /// comparing what both stores hold.
    func copy(to destination: any MailTallyStore, progress: ((Int, Int) -> Void)? = nil) throws(StoreError)
        -> StoreCopyOutcome
    {
        var outcome = StoreCopyOutcome()
        outcome.inputs = try store.rawInputCount()
        let limits = limits
        let source = store
        outcome.summary = try writeStoredBatches(
            into: destination, command: "copy", replacing: false, progress: progress
        ) { stored throws(StoreError) in
            let known = try destination.knownInputs(stored.map(\.sha256))
            let missing = stored.filter { known[$0.sha256] == nil }
            outcome.alreadyThere += stored.count - missing.count
            outcome.copied += missing.count
            return Self.parseAgain(missing, limits: limits, store: source) { raw, pending in
                guard case .parsed(var input, let outcomes) = pending else { return }
                input.firstSeen = raw.firstSeen
                if raw.chunks > 0 { input.chunks = SourceStoreChunks(store: source, id: raw.id) }
                pending = .parsed(input, outcomes)
            }
        }
        guard outcome.summary.interrupted == nil else { return outcome }
        let names = Array(try store.reverseDNS().values)
        try destination.saveReverseDNS(names)
        outcome.reverseDNS = names.count
        let stamps = try store.fileStampList()
        try destination.saveFileStamps(stamps)
        outcome.fileStamps = stamps.count
        // The destination holds every message read, so it has read the mailboxes as far.
        let checkpoints = try store.mailboxCheckpoints()
        if !checkpoints.isEmpty {
            var pending: StoreBatch? = StoreBatch(inputs: [], checkpoints: checkpoints)
            _ = try destination.recordBatches(runID: nil) {
                defer { pending = nil }
                return pending
            }
        }
        outcome.mailboxCheckpoints = checkpoints.count
        // The live checks of each domain, all of them: the history the packs compare with.
        for domain in try store.domains() {
            let checks = try store.transportChecks(domains: [domain], through: .max, limit: 100_000)
            try destination.recordTransportChecks(checks)
            outcome.transportChecks += checks.count
        }
        outcome.compared = try Self.compare(store, destination)
        return outcome
    }

    /// What both stores hold: raw inputs, reports, messages and sessions per policy domain.
    static func compare(_ source: any MailTallyStore, _ destination: any MailTallyStore) throws(StoreError)
        -> [StoreCopyOutcome.Comparison]
    {
        func figures(_ store: any MailTallyStore) throws(StoreError) -> [(String, Int64)] {
            var figures = [("raw inputs", Int64(try store.rawInputCount()))]
            let dmarc = try store.dmarcTotals()
            let tls = try store.tlsTotals()
            for domain in try store.domains() {
                figures.append(("\(domain): DMARC reports", dmarc[domain]?.reports ?? 0))
                figures.append(("\(domain): messages", dmarc[domain]?.messages ?? 0))
                figures.append(("\(domain): TLS reports", tls[domain]?.reports ?? 0))
                figures.append(("\(domain): TLS sessions", tls[domain]?.sessions ?? 0))
            }
            figures.append(("reverse DNS entries", Int64(try store.reverseDNS().count)))
            return figures
        }
        let before = Dictionary(try figures(source), uniquingKeysWith: { a, _ in a })
        let after = try figures(destination)
        var seen: Set<String> = []
        var compared: [StoreCopyOutcome.Comparison] = []
        for (what, value) in after {
            seen.insert(what)
            compared.append(.init(what: what, source: before[what] ?? 0, destination: value))
        }
        for (what, value) in before where !seen.contains(what) {
            compared.append(.init(what: what, source: value, destination: 0))
        }
        return compared
    }
}

/// A large stored input's chunks, read from the store that holds them when the destination
/// stores them: never the whole input in memory.
struct SourceStoreChunks: RawInputChunks {
    let store: any MailTallyStore
    let id: Int64

    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try store.rawInputChunks(of: id) { chunk in try chunk.withUnsafeBytes { try body($0) } }
    }
}
