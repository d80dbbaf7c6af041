import Crypto
import ReportModel

/// What one document inside an input turned out to be.
public enum ExtractedDocument: Sendable {
    /// A DMARC aggregate report, found at `part` of the input.
    case dmarc(AggregateReport, part: String)
    /// An SMTP TLS report, found at `part`.
    case tls(TLSReport, part: String)
    /// A part that should have held a report and could not be read, with why.
    case failed(part: String, error: IngestError)
    /// Not a report and not a broken one: a text file (a README, notes) met in a folder.
    /// `kind` says what it was (`text`).
    case skipped(part: String, kind: OutcomeKind, reason: String)
}

/// Turns the bytes of one input (a report file, or later a mail part) into parsed reports:
/// containers unwrapped, each document sniffed and parsed. No I/O, no shared state.
public struct ReportExtractor: Sendable {
    /// Caps applied to each input's containers and reports.
    public var limits: IngestLimits
    /// Where the records of large reports wait for the store: one per batch of inputs, so that
    /// the batch's records in memory are bounded whatever its inputs hold.
    public var spillArea: RecordSpillArea

    /// An extractor whose large reports spill to the batch's `spillArea`.
    public init(limits: IngestLimits = .standard, spillArea: RecordSpillArea = RecordSpillArea()) {
        self.limits = limits
        self.spillArea = spillArea
    }

    /// Every document in `bytes`, parsed or with the reason it could not be.
    public func extract(_ bytes: [UInt8], budget: DecompressionBudget? = nil) -> [ExtractedDocument] {
        bytes.withUnsafeBytes { extract($0, budget: budget) }
    }

    /// Every document in `input`, parsed or with the reason it could not be. Each is read as a
    /// stream through its containers: memory does not grow with what they inflate to.
    /// - Parameter release: told each range of `input` that has been read (see ``MappedInput``).
    /// - Parameter budget: the decompression budget of the whole input, when `input` is one
    ///   part of it (a message's parts share their message's).
    public func extract(
        _ input: UnsafeRawBufferPointer, release: ((Range<Int>) -> Void)? = nil, budget: DecompressionBudget? = nil
    ) -> [ExtractedDocument] {
        var documents: [ExtractedDocument] = []
        // What is plainly not a report, met as a file of its own: skipped with its kind.
        if budget == nil, let kind = Self.otherKind(input) {
            return [.skipped(part: "", kind: kind.kind, reason: kind.reason)]
        }
        let budget = budget ?? DecompressionBudget(limit: limits.maxReportBytes)
        // A plain input (no container) of text that is neither XML nor JSON is not a report.
        let plainText = ContainerKind.sniff(Array(input.prefix(4))) == .plain && Self.isText(input.prefix(4096))
        do {
            try ContainerUnwrapper(limits: limits).walk(input, budget: budget, release: release) { document in
                let parsed = parse(document)
                if plainText, document.path.isEmpty, DocumentKind.sniff(document.head) == .junk, !document.head.isEmpty
                {
                    documents.append(
                        .skipped(
                            part: "", kind: .text,
                            reason: "not a report: text starting with \(Self.preview(document.head))"))
                } else {
                    documents.append(parsed)
                }
            }
        } catch {
            documents.append(.failed(part: "", error: error))
        }
        return documents
    }

    private func parse(_ document: FoundDocument) -> ExtractedDocument {
        let complete = document.head.count < ContainerUnwrapper.headBytes
        switch DocumentKind.sniff(document.head) {
        case .xml:
            do throws(IngestError) {
                let parser = DMARCParser(limits: limits, spillArea: spillArea)
                let report = try parser.parse(head: document.head, complete: complete, open: document.open)
                return .dmarc(report, part: document.path)
            } catch {
                return .failed(part: document.path, error: error)
            }
        case .json:
            do throws(IngestError) {
                // Decoded whole: the cap comes first.
                let bytes = try document.open().readAll(limit: limits.maxJSONBytes, what: "TLS-RPT JSON document")
                return .tls(try TLSReportParser(limits: limits).parse(bytes), part: document.path)
            } catch {
                return .failed(part: document.path, error: error)
            }
        case .junk:
            let error = IngestError(
                .notAReport, "content is neither XML nor JSON (starts with \(Self.preview(document.head)))")
            return .failed(part: document.path, error: error)
        }
    }

    /// Files that are plainly something else than a report, by their first bytes: a PDF, an
    /// image. (Text is recognised after sniffing: see ``isText(_:)``. An empty file stays a
    /// failure: it is most often a report whose transfer was cut.)
    static func otherKind(_ input: UnsafeRawBufferPointer) -> (kind: OutcomeKind, reason: String)? {
        let signatures: [(bytes: [UInt8], kind: OutcomeKind, name: String)] = [
            (Array("%PDF-".utf8), .pdf, "a PDF document"), ([0x89, 0x50, 0x4E, 0x47], .image, "a PNG image"),
            ([0xFF, 0xD8, 0xFF], .image, "a JPEG image"), (Array("GIF8".utf8), .image, "a GIF image"),
        ]
        for signature in signatures where input.starts(with: signature.bytes) {
            return (signature.kind, "not a report: \(signature.name)")
        }
        return nil
    }

    /// Whether `bytes` read as text: valid UTF-8 (a character cut at the end allowed) with no
    /// control character but tab, line feed, carriage return and form feed. Text that opens like
    /// markup or JSON (`<`, `{`, `[`) is a broken report, not a text file.
    static func isText(_ bytes: Slice<UnsafeRawBufferPointer>) -> Bool {
        guard
            let first = bytes.first(where: {
                $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF
            }),
            first != UInt8(ascii: "<"), first != UInt8(ascii: "{"), first != UInt8(ascii: "[")
        else { return false }
        if bytes.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x0C || $0 == 0x7F }) {
            return false
        }
        var trimmed = Array(bytes)
        // A multi-byte character cut by the prefix is not invalid.
        for _ in 0..<3 where String(validating: trimmed, as: UTF8.self) == nil && !trimmed.isEmpty {
            trimmed.removeLast()
        }
        return !trimmed.isEmpty && String(validating: trimmed, as: UTF8.self) != nil
    }

    /// A short, printable preview of the first bytes, for error messages.
    static func preview(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "nothing: the document is empty" }
        let head = bytes.prefix(16)
        let printable = head.allSatisfy { $0 >= 0x20 && $0 < 0x7F || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if printable {
            let text = String(decoding: head, as: UTF8.self).replacingControlCharacters()
            return "'\(text)\(bytes.count > 16 ? "…" : "")'"
        }
        return "bytes "
            + head.prefix(8).map { byte in
                let hex = String(byte, radix: 16, uppercase: true)
                return hex.count == 1 ? "0" + hex : hex
            }.joined(separator: " ")
    }

    /// The SHA-256 digest of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// The bytes to keep in the store: zlib-compressed when that saves space and the input is
    /// not already compressed.
    public static func storedForm(of bytes: [UInt8]) -> (encoding: StoredEncoding, bytes: [UInt8]) {
        guard ContainerKind.sniff(bytes) == .plain, bytes.count > 64,
            let packed = Inflater.deflate(bytes, level: 1), packed.count < bytes.count
        else { return (.identity, bytes) }
        return (.zlib, packed)
    }

    /// `bytes` zlib-compressed (level 1, as ``storedForm(of:)``), or nil when that fails.
    public static func deflated(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        Inflater.deflate(Array(bytes), level: 1)
    }

    /// The original bytes from their stored form.
    public static func original(fromStored bytes: [UInt8], encoding: StoredEncoding, limit: Int = 1 << 31)
        throws(IngestError)
        -> [UInt8]
    {
        encoding == .zlib ? try Inflater.inflate(bytes, format: .zlib, limit: limit) : bytes
    }
}

/// SHA-256 of an input read a chunk at a time.
public struct InputHasher {
    private var hasher = SHA256()

    /// Starts a digest of nothing.
    public init() {}

    /// Adds the next chunk of the input.
    public mutating func update(_ bytes: [UInt8]) { hasher.update(data: bytes) }

    /// The SHA-256 of all chunks: an input seen before is not parsed again (docs/counting.md).
    public func finish() -> [UInt8] { Array(hasher.finalize()) }
}

extension String {
    func replacingControlCharacters() -> String {
        String(unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }
}
