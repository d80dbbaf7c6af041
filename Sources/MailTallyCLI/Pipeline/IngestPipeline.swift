import Foundation
import Logging
import ReportIngest
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
            let outcome = LoggedOutcome(input: path, part: "", status: .failed, kind: nil, code: "input", reason: reason)
            try store.logUnreadable(outcome, runID: runID)
            summary.count(outcome)
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

    /// Ingests one input file (or `-`).
    func ingest(file: String, runID: Int64) throws(StoreError) -> [LoggedOutcome] {
        let bytes: [UInt8]
        do {
            bytes = try Self.read(file, limit: limits.maxReportBytes)
        } catch {
            let outcome = LoggedOutcome(input: file, part: "", status: .failed, kind: nil, code: "input", reason: "\(error)")
            try store.logUnreadable(outcome, runID: runID)
            return [outcome]
        }
        let digest = ReportExtractor.sha256(bytes)
        if try store.knownInput(sha256: digest) == .done {
            return [try store.logSeenInput(file, sha256: digest, runID: runID)]
        }
        let documents = ReportExtractor(limits: limits).extract(bytes)
        let outcomes: [PartOutcome] = documents.map { document in
            switch document {
            case .dmarc(let report, let part): .dmarc(report, part: part)
            case .tls(let report, let part): .tls(report, part: part)
            case .failed(let part, let error): .failed(part: part, code: error.code.name, reason: error.detail)
            }
        }
        let stored = ReportExtractor.storedForm(of: bytes)
        let input = StoredInput(input: file, sha256: digest, size: bytes.count, encoding: stored.encoding, bytes: stored.bytes)
        return try store.record(input, outcomes: outcomes, runID: runID)
    }

    /// Reads a whole file (or standard input for `-`), refusing files over `limit` bytes.
    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard data.count <= limit else { throw InputError("standard input exceeds \(limit) bytes") }
            return [UInt8](data)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes[.size] as? Int, size > limit {
            throw InputError("file of \(size) bytes exceeds \(limit) bytes")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError("cannot open file") }
        defer { try? handle.close() }
        let data = try handle.readToEnd() ?? Data()
        return [UInt8](data)
    }
}

struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
