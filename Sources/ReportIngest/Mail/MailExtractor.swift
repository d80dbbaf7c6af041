import ReportModel

/// What one message held: its provenance, and either the report documents found in its parts
/// or the reason it holds none (no report, or a DMARC failure report).
public struct ExtractedMessage: Sendable {
    /// Where the message came from, kept with every report found in it.
    public var provenance: MessageProvenance
    /// Each document's `part` reads `part 2` or `part 2 zip:report.xml`.
    public var documents: [ExtractedDocument]
    /// Set when the message holds no aggregate report: `(kind, reason)` with kind `no-report` or `arf`.
    public var skipped: (kind: OutcomeKind, reason: String)?
    /// Set when the message itself could not be read.
    public var error: IngestError?
}

/// Finds the reports in a mail message: every MIME leaf whose content (magic bytes first) or
/// declared type or file name says it holds a report is unwrapped and parsed.
public struct MailExtractor: Sendable {
    /// Caps for each part's containers and reports, as for report files.
    public var limits: IngestLimits
    /// Where the records of large reports wait for the store (one per batch of inputs).
    public var spillArea: RecordSpillArea

    /// An extractor whose large reports spill to the batch's `spillArea`.
    public init(limits: IngestLimits = .standard, spillArea: RecordSpillArea = RecordSpillArea()) {
        self.limits = limits
        self.spillArea = spillArea
    }

    /// Media types that carry reports (and the wrong ones real senders use).
    static let reportTypes: Set<String> = [
        "application/gzip", "application/x-gzip", "application/zip", "application/x-zip-compressed",
        "application/x-zip", "application/octet-stream", "text/xml", "application/xml", "application/tlsrpt+gzip",
        "application/tlsrpt+json", "application/tlsrpt", "application/json", "application/zlib",
    ]

    static let reportExtensions = [".xml", ".xml.gz", ".gz", ".zip", ".json", ".json.gz", ".zlib", ".dat"]

    /// The reports in one message; `number` is its place in the mbox. Failures are in the result.
    public func extract(message bytes: ArraySlice<UInt8>, number: Int?) -> ExtractedMessage {
        var provenance = MessageProvenance(number: number)
        let parsed: ParsedMessage
        do {
            parsed = try MIMEParser().parse(bytes)
        } catch {
            return ExtractedMessage(provenance: provenance, documents: [], skipped: nil, error: error)
        }
        let headers = parsed.headers
        provenance.messageID = headers.decoded("message-id")
        provenance.date = headers.decoded("date")
        provenance.from = headers.decoded("from")
        provenance.subject = headers.decoded("subject")
        provenance.tlsReportDomain = headers.decoded("tls-report-domain")
        provenance.tlsReportSubmitter = headers.decoded("tls-report-submitter")
        if parsed.isFailureReport {
            return ExtractedMessage(
                provenance: provenance, documents: [],
                skipped: (.arf, "DMARC failure report (ARF), not an aggregate report"))
        }
        let extractor = ReportExtractor(limits: limits, spillArea: spillArea)
        // One budget for the whole message: its parts may not each inflate to the cap.
        let budget = DecompressionBudget(limit: limits.maxReportBytes)
        var documents: [ExtractedDocument] = []
        for part in parsed.parts where Self.mayHoldReport(part) {
            let label = "part \(part.path)"
            for document in extractor.extract(part.bytes, budget: budget) {
                switch document {
                case .dmarc(let report, let path): documents.append(.dmarc(report, part: Self.join(label, path)))
                case .tls(let report, let path): documents.append(.tls(report, part: Self.join(label, path)))
                case .failed(let path, let error): documents.append(.failed(part: Self.join(label, path), error: error))
                case .skipped: continue  // a text attachment that is not a report
                }
            }
        }
        if documents.isEmpty {
            return ExtractedMessage(
                provenance: provenance, documents: [], skipped: (.noReport, "no report in the message"))
        }
        return ExtractedMessage(provenance: provenance, documents: documents, skipped: nil)
    }

    static func join(_ label: String, _ path: String) -> String { path.isEmpty ? label : "\(label) \(path)" }

    /// Whether a part is worth parsing as a report. Compressed content always is; XML or JSON is
    /// when its type or name says report, or when it reads like one (`<feedback`, `policies`);
    /// anything else only when its type or name says report (then it fails with a reason).
    static func mayHoldReport(_ part: MailPart) -> Bool {
        if ContainerKind.sniff(part.bytes) != .plain { return true }
        let declared =
            (reportTypes.contains(part.contentType) && part.contentType != "application/octet-stream")
            || (part.filename.map { name in reportExtensions.contains { name.lowercased().hasSuffix($0) } } ?? false)
        if declared && !part.bytes.isEmpty { return true }
        guard part.contentType != "text/html" else { return false }
        let head = String(decoding: part.bytes.prefix(4096), as: UTF8.self)
        switch DocumentKind.sniff(part.bytes) {
        case .xml: return head.contains("<feedback") || head.contains(":feedback")
        case .json: return head.contains("\"organization-name\"") || head.contains("\"policies\"")
        case .junk: return false
        }
    }
}
