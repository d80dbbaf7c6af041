import Foundation
import ReportModel

// The store as the commands see it: a few protocols in the model's types, no SQL and no
// database library in their signatures (docs/architecture.md). A backend (SQLite today) conforms
// to ``MailTallyStore``; the shared rules it follows are in IngestRules.swift.

/// Where ingest writes: runs, inputs with their reports and log rows, and file stamps.
public protocol ReportRecorder: AnyObject, Sendable {
    /// Starts an ingest run (`command` is the command's name) and returns its id for the log.
    func startRun(command: String) throws(StoreError) -> Int64
    /// Marks a run finished.
    func finishRun(_ id: Int64) throws(StoreError)
    /// The known states of many inputs at once, by SHA-256: a done input is not parsed again.
    func knownInputs(_ digests: [[UInt8]]) throws(StoreError) -> [[UInt8]: KnownInputState]
    /// Stores batches in one transaction, as `next` hands them over, until it returns nil: each
    /// report all in or all out, duplicates changing nothing (docs/counting.md).
    /// - Parameter replacing: the inputs were stored before and are parsed again (`reparse`):
    ///   the reports each gave are taken out, with their part of the rollups, first.
    /// - Returns: the log rows of every batch, in order, once they are committed.
    func recordBatches(runID: Int64?, replacing: Bool, next: () -> StoreBatch?) throws(StoreError)
        -> [LoggedOutcome]
    /// The stamps of every file read whole before.
    func fileStamps() throws(StoreError) -> FileStampIndex
    /// The same stamps, each whole, for copying a store.
    func fileStampList() throws(StoreError) -> [FileStamp]
    /// Records files read whole with no failure, in one transaction.
    func saveFileStamps(_ stamps: [FileStamp]) throws(StoreError)
    /// How far every IMAP mailbox has been read, by account and mailbox.
    func mailboxCheckpoints() throws(StoreError) -> [MailboxCheckpoint]
    /// Readies the store for replacing many inputs' reports (a backend may build indexes that
    /// only a reparse needs and ingest would pay for on every report).
    func prepareForReparse() throws(StoreError)
    /// Undoes ``prepareForReparse()``.
    func finishReparse() throws(StoreError)
}

extension ReportRecorder {
    /// Stores batches as new inputs (see ``recordBatches(runID:replacing:next:)``).
    public func recordBatches(runID: Int64?, next: () -> StoreBatch?) throws(StoreError) -> [LoggedOutcome] {
        try recordBatches(runID: runID, replacing: false, next: next)
    }
}

/// The raw inputs the store keeps and what became of them: for `reparse` and `errors`.
public protocol StoredInputs: AnyObject, Sendable {
    /// The number of stored raw inputs.
    func rawInputCount() throws(StoreError) -> Int
    /// Stored raw inputs in store order after `after` (0 for the first): at most `limit`, and no
    /// more once their bytes reach `maxBytes`, so a reparse holds a bounded amount in memory.
    func rawInputs(after: Int64, limit: Int, maxBytes: Int) throws(StoreError) -> [StoredRawInput]
    /// Calls `body` with each stored chunk of a large input, in order, in its stored encoding.
    func rawInputChunks(of id: Int64, _ body: ([UInt8]) throws -> Void) throws(StoreError)
    /// Inputs whose last attempt failed, oldest first.
    func failedInputs() throws(StoreError) -> [FailedInput]
    /// What the store has to tell since it was last asked (a migration that merged reports),
    /// oldest first; each notice is told once.
    func takeNotices() throws(StoreError) -> [String]
}

/// The questions the summaries, correlations and packs ask (docs/counting.md for how each
/// count is made). `domains` empty means every domain; `period` nil means all time.
public protocol ReportQueries: AnyObject, Sendable {
    /// The policy domains with reports, sorted.
    func domains() throws(StoreError) -> [String]
    /// A number that changes whenever anything is stored, so that a pack can tell it is current.
    func contentGeneration() throws(StoreError) -> Int64
    /// The UTC days the stored reports cover, nil for an empty store.
    func coveredDays() throws(StoreError) -> DayPeriod?
    /// DMARC totals per policy domain.
    func dmarcTotals(domains: [String], period: DayPeriod?) throws(StoreError) -> [String: DMARCTotals]
    /// DMARC totals per domain and source IP, for the correlation.
    func dmarcSourceAggregates(domains: [String], period: DayPeriod?) throws(StoreError) -> [DMARCSourceAggregate]
    /// Distinct reports per domain and correlation key (`keyOfIP` maps a source IP to its key).
    func dmarcReportCounts(domains: [String], period: DayPeriod?, keyOfIP: [String: String]) throws(StoreError)
        -> [String: [String: Int64]]
    /// Reports per domain and reporter.
    func dmarcReportsByReporter(domains: [String], period: DayPeriod?) throws(StoreError)
        -> [(domain: String, orgName: String, email: String?, reports: Int64)]
    /// A domain's figures day by day over `period`.
    func dailyFigures(domain: String, period: DayPeriod) throws(StoreError) -> [DailyFigures]
    /// The policies reporters saw published for a domain, with when they saw each.
    func policyObservations(domain: String, period: DayPeriod?) throws(StoreError) -> [PolicyObservation]
    /// Messages by DKIM and SPF result; `overridesOnly` keeps those a receiver overrode.
    func authenticationBreakdown(domain: String, period: DayPeriod?, overridesOnly: Bool) throws(StoreError)
        -> AuthenticationBreakdown
    /// Reports whose dates were implausible and were counted on a span of their own.
    func flaggedReports(domains: [String], period: DayPeriod?) throws(StoreError) -> [FlaggedReport]
    /// The UTC days each reporter sent reports for, by reporter: for completeness.
    func reporterDays(domain: String, period: DayPeriod) throws(StoreError) -> [String: Set<Int64>]
    /// The records of one domain grouped by source (`sourceOfIP` maps an IP to its source),
    /// at most `limit` groups per source, biggest first.
    func recordGroups(domain: String, sourceOfIP: [String: String], period: DayPeriod?, limit: Int)
        throws(StoreError) -> [String: [RecordGroup]]
    /// TLS session totals per policy domain.
    func tlsTotals(domains: [String], period: DayPeriod?) throws(StoreError) -> [String: TLSTotals]
    /// TLS sessions per domain by policy type and MTA-STS mode.
    func tlsBreakdowns(domains: [String], period: DayPeriod?) throws(StoreError) -> [String: TLSBreakdown]
    /// A domain's TLS failures grouped by result type, receiving MX and sending address.
    func tlsFailureDetails(domain: String, period: DayPeriod?) throws(StoreError) -> [TLSFailureGroup]
    /// TLS sessions per domain and reporter.
    func tlsReporterAggregates(domains: [String], period: DayPeriod?) throws(StoreError) -> [TLSReporterAggregate]
}

extension ReportQueries {
    /// DMARC totals of every domain over all time.
    public func dmarcTotals() throws(StoreError) -> [String: DMARCTotals] {
        try dmarcTotals(domains: [], period: nil)
    }

    /// TLS totals of every domain over all time.
    public func tlsTotals() throws(StoreError) -> [String: TLSTotals] {
        try tlsTotals(domains: [], period: nil)
    }

    /// Every message's DKIM and SPF results (see ``authenticationBreakdown(domain:period:overridesOnly:)``).
    public func authenticationBreakdown(domain: String, period: DayPeriod?) throws(StoreError)
        -> AuthenticationBreakdown
    {
        try authenticationBreakdown(domain: domain, period: period, overridesOnly: false)
    }

    /// The records of the given sources, at most `limit` groups in all.
    public func recordGroups(domain: String, sourceIPs: [String], period: DayPeriod?, limit: Int = 1000)
        throws(StoreError) -> [RecordGroup]
    {
        try recordGroups(
            domain: domain, sourceOfIP: Dictionary(sourceIPs.map { ($0, "") }, uniquingKeysWith: { a, _ in a }),
            period: period, limit: limit)[""] ?? []
    }
}

/// The reverse DNS names `enrich` found, cached with their expiry.
public protocol ReverseDNSCache: AnyObject, Sendable {
    /// Every distinct sender address the reports name that has no entry valid at `now`, in text
    /// order, at most `limit` (nil: all).
    func addressesNeedingReverseDNS(now: Int64, limit: Int?) throws(StoreError) -> [String]
    /// Stores lookups, replacing older entries for the same addresses, in one transaction.
    func saveReverseDNS(_ entries: [ReverseDNSEntry]) throws(StoreError)
    /// The cached entries by address, expired ones too (an old name beats none).
    func reverseDNS() throws(StoreError) -> [String: ReverseDNSEntry]
}

/// A held run lock: released when the value is released (or the process ends).
public protocol StoreRunLock: AnyObject, Sendable {}

/// What keeps a store whole and lets runs take turns.
public protocol StoreMaintenance: AnyObject, Sendable {
    /// The store as its user named it (a path), for messages.
    var location: String { get }
    /// Makes everything written so far durable in the store's main file(s), best effort: a
    /// writing command ends with it, so that a copy of the store made afterwards is whole.
    func checkpoint()
    /// Writes a consistent copy to `destination`, which must not exist, while other commands go
    /// on. - Returns: the copy's check ("ok" when sound) and its size in bytes.
    func backup(to destination: String) throws(StoreError) -> (check: String, bytes: Int64)
    /// Takes the store's run lock, so that overlapping nightly runs take turns, waiting up to
    /// `timeout` seconds. - Throws: ``StoreError`` of kind `.locked`, naming the holder, when
    /// the wait runs out.
    func lockRuns(waiting timeout: TimeInterval) throws(StoreError) -> any StoreRunLock
}

/// A whole store: what every command may ask of one, whichever backend keeps it.
public protocol MailTallyStore: ReportRecorder, StoredInputs, ReportQueries, ReverseDNSCache, StoreMaintenance,
    DigestLedger, TransportCheckLog
{}

/// What only tests and tools inside this package ask of a store: integrity checks, stored
/// reports read back whole, single-input writes.
package protocol StoreInspection: MailTallyStore {
    /// The backend's integrity check, with every dangling reference: "ok" for a sound store.
    func integrityCheck() throws(StoreError) -> String
    /// Row counts by table.
    func tableCounts() throws(StoreError) -> [String: Int]
    /// A domain's DMARC reports, read back whole.
    func dmarcReports(domain: String) throws(StoreError) -> [AggregateReport]
    /// A domain's TLS reports, read back whole.
    func tlsReports(domain: String) throws(StoreError) -> [TLSReport]
    /// A stored input's bytes in their stored form.
    func rawInput(sha256: [UInt8]) throws(StoreError) -> (encoding: StoredEncoding, bytes: [UInt8])?
    /// The state of one input, by SHA-256.
    func knownInput(sha256: [UInt8]) throws(StoreError) -> KnownInputState?
    /// Stores one input in a transaction of its own.
    func record(_ input: StoredInput, outcomes: [PartOutcome], runID: Int64?) throws(StoreError) -> [LoggedOutcome]
    /// Parses a stored input again in a transaction of its own.
    func replaceReports(of input: StoredInput, outcomes: [PartOutcome], runID: Int64?) throws(StoreError)
        -> [LoggedOutcome]
}
