import Foundation
import ReportRendering
import ReportStore

/// The outcome of one `ingest` run: the JSON contract of docs/output.md.
public struct IngestSummary: Sendable, Encodable, Equatable {
    /// Reports stored new, by kind (`imported` in the JSON).
    public struct Imported: Sendable, Encodable, Equatable {
        /// DMARC aggregate reports.
        public var dmarc = 0
        /// SMTP TLS reports.
        public var tlsrpt = 0
    }

    /// One failure as the run reports it (`errors` in the JSON).
    public struct Failure: Sendable, Encodable, Equatable {
        /// The input that failed, as the user named it.
        public var input: String
        /// Where in it (message and MIME part); empty when the input as a whole failed.
        public var part: String
        /// `code: reason`, as logged.
        public var reason: String
        /// Logged before for the same bytes: not a new failure (counted in `known_failures`).
        public var known: Bool

        private enum CodingKeys: String, CodingKey {
            case input, part, reason
        }
    }

    /// Files the run took on, unreadable and unchanged ones too (standard input counts as one; for
    /// `reparse`, the stored inputs read again).
    public var inputs = 0
    /// Reports stored new, by kind.
    public var imported = Imported()
    /// Inputs and reports already stored (same bytes or same report key), files skipped unchanged included.
    public var duplicates = 0
    /// Of the duplicates: files skipped unread, unchanged since a run read them whole.
    public var unchanged = 0
    /// Parts that held no aggregate report (a failure report, a message without a report).
    public var skipped = 0
    /// Every failure of the run, known ones included.
    public var failed = 0
    /// Of the failures: those logged before for the same bytes (docs/output.md). Only new
    /// failures make a run exit with status 1.
    public var knownFailures = 0
    /// Each failure, in the order the log rows came back.
    public var errors: [Failure] = []
    /// What each IMAP mailbox gave, in the order read.
    public var mailboxes: [MailboxOutcome] = []
    /// The signal (SIGINT, SIGTERM) that stopped the run before every input was read; what
    /// was read is stored, and a rerun reads the rest.
    public var interrupted: Int32?

    /// An empty summary, counted up as the log rows come back.
    public init() {}

    mutating func count(_ outcome: LoggedOutcome) {
        switch outcome.status {
        case .imported:
            if outcome.kind == .tlsrpt { imported.tlsrpt += 1 } else { imported.dmarc += 1 }
        case .duplicate: duplicates += 1
        case .skipped: skipped += 1
        case .failed:
            failed += 1
            if outcome.known { knownFailures += 1 }
            let reason = [outcome.code, outcome.reason].compactMap { $0 }.joined(separator: ": ")
            errors.append(Failure(input: outcome.input, part: outcome.part, reason: reason, known: outcome.known))
        }
    }

    /// Failures not logged before for the same bytes.
    public var newFailures: Int { failed - knownFailures }

    /// The mailboxes that could not be read to their end, with why.
    public var mailboxFailures: [String] { mailboxes.compactMap(\.error) }

    /// `13 files read: 13 reports imported (10 DMARC, 3 TLS-RPT), 2 duplicates, 2 skipped (no report), 1 failed`;
    /// with IMAP mailboxes, `…, 20 messages fetched from 1 mailbox (20 moved, 0 to the failed folder): …`.
    /// Files (standard input counts as one) hold reports, messages and parts: the counts after
    /// the colon are of those.
    public var line: String {
        let total = imported.dmarc + imported.tlsrpt
        var read: [String] = []
        if inputs > 0 || mailboxes.isEmpty { read.append("\(Self.count(inputs, "file")) read") }
        if !mailboxes.isEmpty {
            let fetched = mailboxes.reduce(0) { $0 + $1.fetched }
            let moved = mailboxes.reduce(0) { $0 + $1.moved }
            let movedFailed = mailboxes.reduce(0) { $0 + $1.movedFailed }
            var fetchedText = "\(Self.count(fetched, "message")) fetched from \(Self.count(mailboxes.count, "mailbox"))"
            if moved + movedFailed > 0 { fetchedText += " (\(moved) moved, \(movedFailed) to the failed folder)" }
            read.append(fetchedText)
        }
        var text =
            "\(read.joined(separator: ", ")): \(Self.count(total, "report")) imported (\(imported.dmarc) DMARC, "
            + "\(imported.tlsrpt) TLS-RPT), \(Self.count(duplicates, "duplicate")), \(skipped) skipped (no report), \(newFailures) failed"
        if knownFailures > 0 { text += ", \(Self.count(knownFailures, "known failure"))" }
        return text
    }

    static func count(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }

    private enum CodingKeys: String, CodingKey {
        case inputs, imported, duplicates, unchanged, skipped, failed
        case knownFailures = "known_failures"
        case errors, mailboxes, interrupted
    }

    /// The keys of docs/output.md; `mailboxes` only when the run read any, `interrupted` only
    /// when a signal stopped it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(imported, forKey: .imported)
        try container.encode(duplicates, forKey: .duplicates)
        try container.encode(unchanged, forKey: .unchanged)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(failed, forKey: .failed)
        try container.encode(knownFailures, forKey: .knownFailures)
        try container.encode(errors, forKey: .errors)
        if !mailboxes.isEmpty { try container.encode(mailboxes, forKey: .mailboxes) }
        try container.encodeIfPresent(interrupted, forKey: .interrupted)
    }
}

extension IngestSummary {
    /// When the run was stopped by a signal: says so on standard error and exits with 128 plus
    /// its number. Everything counted in the summary was committed.
    func exitIfInterrupted(_ command: String) {
        guard let signal = interrupted else { return }
        Terminal.error(
            "mailtally: \(command) stopped by \(Interruption.name(signal)) after storing what it had read (\(line)); "
                + "run it again to read the rest")
        Foundation.exit(128 + signal)
    }

    /// Writes each new failure to standard error (`input: part: code: reason`), and the known
    /// ones as one line: cron mails what is new, not the same failures every night.
    /// - Parameter all: every failure on its own line, known ones too (`reparse`).
    func reportErrors(all: Bool = false) {
        for failure in errors where all || !failure.known {
            let place = failure.part.isEmpty ? failure.input : "\(failure.input): \(failure.part)"
            Terminal.error(Escape.terminal("\(place): \(failure.reason)"))
        }
        if knownFailures > 0 && !all {
            Terminal.error(
                "mailtally: \(Self.count(knownFailures, "known failure")) (logged before for the same bytes; see `mailtally errors`)"
            )
        }
    }
}
