import ReportModel

// The rules every backend follows when it stores inputs, in plain Swift so that no backend
// copies them into its own dialect (docs/counting.md says each one in words). A backend keeps
// what it must enforce itself (a unique key, an additive upsert) and asks these for the values.

/// The duplicate key of a DMARC aggregate report: one report sent twice (in two mails, or in a
/// zip and again plain) is stored once (docs/counting.md, "Duplicates").
public struct DMARCReportKey: Hashable, Sendable {
    /// The reporter: the organisational domain of its e-mail address, else its lowercased name.
    public var reporter: String
    /// The reporter's own id for the report.
    public var reportID: String
    /// The domain whose policy the report is about.
    public var policyDomain: String
    /// The range the report declares, as given (not the counted span).
    public var begin: Int64
    /// The end of the declared range.
    public var end: Int64

    /// The key of `report`; `suffixes` finds the reporter's organisational domain.
    public init(_ report: AggregateReport, suffixes: PublicSuffixList) {
        reporter = report.metadata.reporterKey(suffixes)
        reportID = report.metadata.reportID
        policyDomain = report.policy.domain
        begin = report.metadata.dateRange.begin
        end = report.metadata.dateRange.end
    }
}

/// The duplicate key of an SMTP TLS report (docs/counting.md, "Duplicates").
public struct TLSReportKey: Hashable, Sendable {
    /// The organisation's name, trimmed and lowercased.
    public var organization: String
    /// The report's id.
    public var reportID: String
    /// The declared range's start.
    public var begin: Int64
    /// The declared range's end.
    public var end: Int64

    /// The key of `report`.
    public init(_ report: TLSReport) {
        organization = report.organizationKey
        reportID = report.reportID
        begin = report.dateRange.begin
        end = report.dateRange.end
    }
}

extension KnownInputState {
    /// The state an input is stored in after an attempt that logged `logged`: failed when any
    /// part failed (the input is then parsed again when it is met again), else done.
    public init(after logged: some Sequence<LoggedOutcome>) {
        self = logged.contains { $0.status == .failed } ? .failed : .done
    }

    /// The state an attempt's parse results call for, before anything is written.
    public init(parsed outcomes: [PartOutcome]) {
        self = outcomes.contains { if case .failed = $0 { true } else { false } } ? .failed : .done
    }
}

extension StoreBatch {
    /// The stamps to record once the batch is stored: a file counts as read only when none of
    /// its inputs failed, so that a failed file is read again on the next run.
    public func stampsToRecord(after logged: [LoggedOutcome]) -> [FileStamp] {
        guard !stamps.isEmpty else { return [] }
        let failed = Set(logged.lazy.filter { $0.status == .failed }.map(\.input))
        return stamps.filter { !failed.contains($0.path) }
    }
}

extension LoggedOutcome {
    /// The log row of an input whose SHA-256 the store already holds: a duplicate, not parsed.
    public static func seenBefore(input: String, part: String) -> Self {
        Self(input: input, part: part, status: .duplicate, kind: nil, code: nil, reason: "input seen before")
    }

    /// The log row of a report the backend tried to store: imported when new, duplicate when
    /// its key was there, failed (code `store`) with the backend's reason when it was refused.
    public static func stored(
        input: String, part: String, kind: OutcomeKind, inserted: Bool, failure: String?
    ) -> Self {
        Self(
            input: input, part: part, status: failure != nil ? .failed : inserted ? .imported : .duplicate,
            kind: kind, code: failure == nil ? nil : "store", reason: failure)
    }
}

/// What a report must satisfy to be stored, checked before anything is written so that no
/// backend needs a savepoint for it.
public enum StorableReport {
    /// Why a DMARC report cannot be stored: a record's count below zero. Every other value is
    /// one the model always has.
    public static func refusal(of report: AggregateReport) -> String? {
        guard let index = report.records.firstIndex(where: { $0.count < 0 }) else { return nil }
        return "record \(index + 1): count \(report.records[index].count) is negative"
    }
}

/// One row's worth of a DMARC record in the per-day rollup: the messages it adds on one UTC day
/// for one source, reporter and disposition (docs/counting.md, "The day spread").
public struct DailyShare: Sendable, Equatable {
    /// The UTC day (days since 1970).
    public var day: Int64
    /// The messages of the record that fall on the day; negative when a reparse takes them away.
    public var messages: Int64
    /// Of those, the ones that passed DMARC (DKIM or SPF aligned and passing).
    public var dmarcPass: Int64
    /// The ones whose aligned SPF passed.
    public var spfPass: Int64
    /// The ones whose aligned DKIM passed.
    public var dkimPass: Int64
    /// The ones the record shows relayed on (``RelayEvidence``).
    public var relayed: Int64

    /// A day's share as ``DailyRollupRule`` makes it.
    @inlinable
    public init(day: Int64, messages: Int64, dmarcPass: Int64, spfPass: Int64, dkimPass: Int64, relayed: Int64) {
        self.day = day
        self.messages = messages
        self.dmarcPass = dmarcPass
        self.spfPass = spfPass
        self.dkimPass = dkimPass
        self.relayed = relayed
    }
}

/// The rollup's rules for one record: the reporter's name as the rollup keys it, the disposition
/// of a record without one, and how its count spreads over the days of the counted span.
public enum DailyRollupRule {
    /// The reporter as the rollup keys it: its name trimmed and lowercased.
    public static func reporterOrg(_ orgName: String) -> String { orgName.trimmedWhitespace().lowercased() }

    /// The disposition a record without one is counted under.
    public static let unknownDisposition = "unknown"

    /// Calls `body` with each day's share of a record of `count` messages over `span` (the
    /// counted span): whole shares summing to `count`, as ``DaySpread`` cuts them. A record of
    /// no messages still marks each day it covers (its source was seen).
    /// - Parameter removing: the negated shares, the exact inverse, for a reparse.
    @inlinable
    public static func forEachShare(
        count: Int64, over span: DateRange, dkim: AlignedVerdict?, spf: AlignedVerdict?, relayed: Bool,
        removing: Bool = false, _ body: (DailyShare) throws -> Void
    ) rethrows {
        let dkimPass = dkim == .pass
        let spfPass = spf == .pass
        for part in DaySpread.spread(count: count, over: span) where part.count > 0 || count == 0 {
            let share = removing ? -part.count : part.count
            try body(
                DailyShare(
                    day: part.day, messages: share, dmarcPass: dkimPass || spfPass ? share : 0,
                    spfPass: spfPass ? share : 0, dkimPass: dkimPass ? share : 0, relayed: relayed ? share : 0))
        }
    }
}
