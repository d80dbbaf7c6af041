import Foundation
import Logging
import ReportIngest
import ReportModel
import ReportStore

/// Reads inputs, extracts and parses their reports, and stores them with the ingest log.
///
/// One bad input never stops the batch: its failure is logged with the reason, its bytes are
/// kept, and the next input goes on. Inputs whose bytes were seen before are not parsed again.
public struct IngestPipeline {
    public let store: ReportStore
    public var limits: IngestLimits
    public var logger: Logger

    public init(store: ReportStore, limits: IngestLimits = .standard, logger: Logger) {
        self.store = store
        self.limits = limits
        self.logger = logger
    }

    /// Ingests every file under `paths`.
    /// - Parameter progress: called after each input with (inputs done, inputs in all).
    /// - Throws: ``StoreError`` when the database fails; input problems are results, not errors.
    public func run(
        paths: [String], command: String = "ingest", progress: ((Int, Int) -> Void)? = nil
    ) throws(StoreError) -> IngestSummary {
        let (files, problems) = InputWalker.files(for: paths)
        var summary = IngestSummary()
        let runID = try store.startRun(command: command)
        for (path, reason) in problems {
            summary.inputs += 1
            summary.count(try logUnreadable(path, reason: reason, runID: runID))
        }
        for (index, file) in files.enumerated() {
            summary.inputs += 1
            for outcome in try ingest(file: file, runID: runID) {
                summary.count(outcome)
                logger.debug("\(outcome.input) \(outcome.part): \(outcome.status.rawValue)")
            }
            progress?(index + 1, files.count)
        }
        try store.finishRun(runID)
        return summary
    }

    /// Ingests one input file (or `-`): an mbox (starts with `From `), one message (starts with
    /// a header field), or a bare report file. Recognised by content, never by name.
    func ingest(file: String, runID: Int64) throws(StoreError) -> [LoggedOutcome] {
        let handle: FileHandle
        var prefix: [UInt8]
        do {
            handle = try Self.open(file)
            prefix = [UInt8](try handle.read(upToCount: 64 << 10) ?? Data())
        } catch {
            return [try logUnreadable(file, reason: "\(error)", runID: runID)]
        }
        defer { if file != "-" { try? handle.close() } }

        if prefix.starts(with: MboxReader.fromPrefix) {
            let reader = MboxReader(handle: handle, prefix: prefix, maxMessageBytes: limits.maxReportBytes)
            var outcomes: [LoggedOutcome] = []
            while let message = reader.next() {
                if let error = message.error {
                    let label = MessageProvenance(number: message.number).label + " at byte \(message.offset)"
                    outcomes.append(try logUnreadable(file, part: label, code: error.code.name, reason: error.detail, runID: runID))
                    continue
                }
                outcomes += try ingest(message: message.bytes, number: message.number, input: file, runID: runID)
            }
            return outcomes
        }

        let bytes: [UInt8]
        do {
            bytes = try Self.readRest(handle, after: prefix, limit: limits.maxReportBytes)
        } catch {
            return [try logUnreadable(file, reason: "\(error)", runID: runID)]
        }
        if MailHeaders.looksLikeMessage(bytes[...]) {
            return try ingest(message: bytes, number: nil, input: file, runID: runID)
        }
        return try ingest(report: bytes, input: file, runID: runID)
    }

    /// A bare report file: containers unwrapped, documents parsed, bytes kept.
    func ingest(report bytes: [UInt8], input file: String, runID: Int64) throws(StoreError) -> [LoggedOutcome] {
        let digest = ReportExtractor.sha256(bytes)
        if try store.knownInput(sha256: digest) == .done {
            return [try store.logSeenInput(file, sha256: digest, runID: runID)]
        }
        let outcomes = ReportExtractor(limits: limits).extract(bytes).map(Self.outcome)
        let stored = ReportExtractor.storedForm(of: bytes)
        let input = StoredInput(input: file, sha256: digest, size: bytes.count, encoding: stored.encoding, bytes: stored.bytes)
        return try store.record(input, outcomes: outcomes, runID: runID)
    }

    /// One mail message: its report parts parsed, the message kept with its provenance.
    func ingest(message bytes: [UInt8], number: Int?, input file: String, runID: Int64) throws(StoreError) -> [LoggedOutcome] {
        let digest = ReportExtractor.sha256(bytes)
        if try store.knownInput(sha256: digest) == .done {
            // Seen before: only the headers are read, to name the message in the log.
            let messageID = (try? MailHeaders.parse(bytes[...]))?.0.decoded("message-id")
            let label = MessageProvenance(number: number, messageID: messageID).label
            return [try store.logSeenInput(file, part: label, sha256: digest, runID: runID)]
        }
        let extracted = MailExtractor(limits: limits).extract(message: bytes[...], number: number)
        let outcomes = Self.outcomes(of: extracted)
        let stored = ReportExtractor.storedForm(of: bytes)
        let input = StoredInput(
            input: file, sha256: digest, size: bytes.count, encoding: stored.encoding, bytes: stored.bytes,
            message: extracted.provenance)
        return try store.record(input, outcomes: outcomes, runID: runID)
    }

    /// Parses every stored raw input again (after an upgrade of the parsers), replacing the
    /// reports each one gave; inputs that failed before may now be imported.
    public func reparse(progress: ((Int, Int) -> Void)? = nil) throws(StoreError) -> IngestSummary {
        var summary = IngestSummary()
        let runID = try store.startRun(command: "reparse")
        let inputs = try store.rawInputs()
        for (index, raw) in inputs.enumerated() {
            summary.inputs += 1
            guard let stored = try store.rawInput(sha256: raw.sha256) else { continue }
            let bytes: [UInt8]
            do {
                bytes = try ReportExtractor.original(fromStored: stored.bytes, encoding: stored.encoding)
            } catch {
                summary.count(LoggedOutcome(input: raw.input, part: "", status: .failed, kind: nil, code: error.code.name, reason: "stored bytes: \(error.detail)"))
                continue
            }
            var outcomes: [PartOutcome]
            var message: MessageProvenance?
            if MailHeaders.looksLikeMessage(bytes[...]) {
                let extracted = MailExtractor(limits: limits).extract(message: bytes[...], number: raw.messageNumber)
                message = extracted.provenance
                outcomes = Self.outcomes(of: extracted)
            } else {
                outcomes = ReportExtractor(limits: limits).extract(bytes).map(Self.outcome)
            }
            let input = StoredInput(
                input: raw.input, sha256: raw.sha256, size: bytes.count, encoding: stored.encoding, bytes: stored.bytes, message: message)
            for outcome in try store.replaceReports(of: input, outcomes: outcomes, runID: runID) { summary.count(outcome) }
            progress?(index + 1, inputs.count)
        }
        try store.finishRun(runID)
        return summary
    }

    /// The store outcomes of one message's documents, each part named after the message.
    static func outcomes(of extracted: ExtractedMessage) -> [PartOutcome] {
        let label = extracted.provenance.label
        if let error = extracted.error { return [.failed(part: label, code: error.code.name, reason: error.detail)] }
        if let skipped = extracted.skipped { return [.skipped(part: label, kind: skipped.kind, reason: skipped.reason)] }
        return extracted.documents.map { document in
            switch outcome(document) {
            case .dmarc(let report, let part): .dmarc(report, part: "\(label) \(part)")
            case .tls(let report, let part): .tls(report, part: "\(label) \(part)")
            case .failed(let part, let code, let reason): .failed(part: "\(label) \(part)", code: code, reason: reason)
            case .skipped(let part, let kind, let reason): .skipped(part: "\(label) \(part)", kind: kind, reason: reason)
            }
        }
    }

    static func outcome(_ document: ExtractedDocument) -> PartOutcome {
        switch document {
        case .dmarc(let report, let part): .dmarc(report, part: part)
        case .tls(let report, let part): .tls(report, part: part)
        case .failed(let part, let error): .failed(part: part, code: error.code.name, reason: error.detail)
        }
    }

    func logUnreadable(_ file: String, part: String = "", code: String = "input", reason: String, runID: Int64) throws(StoreError) -> LoggedOutcome {
        let outcome = LoggedOutcome(input: file, part: part, status: .failed, kind: nil, code: code, reason: reason)
        try store.logUnreadable(outcome, runID: runID)
        return outcome
    }

    static func open(_ path: String) throws -> FileHandle {
        if path == "-" { return FileHandle.standardInput }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let handle = FileHandle(forReadingAtPath: path)
        else { throw InputError("cannot open file") }
        return handle
    }

    /// The rest of a file after `prefix`, refusing more than `limit` bytes in all.
    static func readRest(_ handle: FileHandle, after prefix: [UInt8], limit: Int) throws -> [UInt8] {
        var bytes = prefix
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            guard bytes.count + chunk.count <= limit else { throw InputError("input exceeds \(limit) bytes") }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}

struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
