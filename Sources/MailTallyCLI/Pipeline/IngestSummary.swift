import Foundation
import ReportRendering
import ReportStore

/// The outcome of one `ingest` run: the JSON contract of docs/output.md.
public struct IngestSummary: Sendable, Encodable, Equatable {
    public struct Imported: Sendable, Encodable, Equatable {
        public var dmarc = 0
        public var tlsrpt = 0
    }

    public struct Failure: Sendable, Encodable, Equatable {
        public var input: String
        public var part: String
        public var reason: String
    }

    public var inputs = 0
    public var imported = Imported()
    public var duplicates = 0
    /// Of the duplicates: files skipped unread, unchanged since a run read them whole.
    public var unchanged = 0
    public var skipped = 0
    public var failed = 0
    public var errors: [Failure] = []
    /// The signal (SIGINT, SIGTERM) that stopped the run before every input was read; what
    /// was read is stored, and a rerun reads the rest.
    public var interrupted: Int32?

    public init() {}

    mutating func count(_ outcome: LoggedOutcome) {
        switch outcome.status {
        case .imported:
            if outcome.kind == "tlsrpt" { imported.tlsrpt += 1 } else { imported.dmarc += 1 }
        case .duplicate: duplicates += 1
        case .skipped: skipped += 1
        case .failed:
            failed += 1
            let reason = [outcome.code, outcome.reason].compactMap { $0 }.joined(separator: ": ")
            errors.append(Failure(input: outcome.input, part: outcome.part, reason: reason))
        }
    }

    /// `12 inputs: 10 imported (9 DMARC, 1 TLS-RPT), 1 duplicate, 0 skipped, 1 failed`.
    public var line: String {
        let total = imported.dmarc + imported.tlsrpt
        return "\(inputs) input\(inputs == 1 ? "" : "s"): \(total) imported (\(imported.dmarc) DMARC, "
            + "\(imported.tlsrpt) TLS-RPT), \(duplicates) duplicate\(duplicates == 1 ? "" : "s"), "
            + "\(skipped) skipped, \(failed) failed"
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

    /// Writes each failure to standard error: `input: part: code: reason`.
    func reportErrors() {
        for failure in errors {
            let place = failure.part.isEmpty ? failure.input : "\(failure.input): \(failure.part)"
            Terminal.error(Escape.terminal("\(place): \(failure.reason)"))
        }
    }
}
