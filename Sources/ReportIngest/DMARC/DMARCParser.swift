import ReportModel

/// Parses DMARC aggregate report XML (RFC 7489, RFC 9990 and the pre-RFC draft) in one pass.
///
/// The parser streams libxml2's SAX2 events and never builds a tree. It matches elements by local
/// name in any namespace and any order, trims text, folds enumerations to lowercase, skips
/// `<extension>` blocks and unknown elements without looking inside, and tolerates one stray
/// element wrapped around `<feedback>` (IKEA's unclosed `<xs:schema>`). Any other malformed XML
/// rejects the whole report. Undeclared or UTF-8-declared documents with invalid UTF-8 are read
/// again as windows-1252 (then ISO-8859-1, which maps every byte).
package struct DMARCParser: Sendable {
    /// Caps on field size, record count and results per record: reports come from strangers.
    public var limits: IngestLimits
    /// Where the records of a large report wait for the store (one per batch of inputs).
    public var spillArea: RecordSpillArea

    /// A parser; its spill area should be the one its batch of inputs shares.
    public init(limits: IngestLimits = .standard, spillArea: RecordSpillArea = RecordSpillArea()) {
        self.limits = limits
        self.spillArea = spillArea
    }

    /// Parses one XML document held in memory.
    /// - Throws: ``IngestError`` with code `malformed-xml`, `forbidden-xml`, `not-a-report`,
    ///   `missing-field`, `invalid-value` or `too-large`, and the place in the document.
    public func parse(_ bytes: [UInt8]) throws(IngestError) -> AggregateReport {
        try bytes.withBytes { (buffer) throws(IngestError) -> AggregateReport in
            try parse(
                head: Array(buffer.prefix(ContainerUnwrapper.headBytes)),
                complete: buffer.count <= ContainerUnwrapper.headBytes
            ) {
                BufferSource(buffer)
            }
        }
    }

    /// Parses one XML document read a chunk at a time from `open()`, which may be called again
    /// to read it in a fallback encoding.
    /// - Parameters:
    ///   - head: the document's first bytes (its prolog, to look for a DOCTYPE and the
    ///     declared encoding).
    ///   - complete: whether `head` is the whole document.
    func parse(head: [UInt8], complete: Bool, open: () throws(IngestError) -> any ChunkSource) throws(IngestError)
        -> AggregateReport
    {
        switch XMLDeclaration.documentType(in: head, complete: complete) {
        case .present:
            throw IngestError(.forbiddenXML, "DOCTYPE declarations are not accepted (no DTDs, no entities)")
        case .undecided:
            throw IngestError(
                .forbiddenXML, "the prolog runs past the first \(head.count) bytes (no DTDs, no entities)")
        case .absent:
            break
        }
        let declared = XMLDeclaration.encoding(in: head)?.lowercased()
        var encodings: [String?] = [nil]
        if let utf16 = XMLDeclaration.undeclaredUTF16(head) {
            // libxml2 recognises UTF-16 without a byte-order mark only by "<?": with no XML
            // declaration either, the encoding is named for it.
            encodings = [utf16]
        } else if declared == nil || declared == "utf-8" || declared == "utf8" {
            encodings += ["windows-1252", "iso-8859-1"]
        }
        var firstFailure: XMLEventParser.ParseFailure?
        for encoding in encodings {
            let outcome = Result { () throws(AttemptFailure) -> AggregateReport in
                let source: any ChunkSource
                do throws(IngestError) { source = try open() } catch { throw .rejected(error) }
                return try attempt(source, encoding: encoding)
            }
            switch outcome {
            case .success(let report): return report
            case .failure(.rejected(let error)): throw error
            case .failure(.encoding(let failure)): if firstFailure == nil { firstFailure = failure }
            case .failure(.unreadable(let error)):
                // A fallback encoding that cannot convert these bytes: try the next one.
                if encoding == nil { throw error }
            }
        }
        let failure = firstFailure.map(\.summary) ?? "unreadable text encoding"
        throw IngestError(.malformedXML, "invalid characters for the declared encoding: \(failure)")
    }

    enum AttemptFailure: Error {
        /// Not decodable in this encoding: worth another try in a fallback encoding.
        case encoding(XMLEventParser.ParseFailure)
        case rejected(IngestError)
        /// libxml2 gave up without saying why (an encoder that cannot convert the bytes).
        case unreadable(IngestError)
    }

    private func attempt(_ source: any ChunkSource, encoding: String?) throws(AttemptFailure) -> AggregateReport {
        let parser = XMLEventParser(builder: ReportBuilder(limits: limits, spillArea: spillArea))
        // A report that fails gives back the records it held in the batch's count.
        var succeeded = false
        defer { if !succeeded { _ = spillArea.hold(-parser.builder.heldRecords) } }
        do {
            try parser.parse(source, encoding: encoding)
            try parser.builder.finish()
        } catch let error as XMLReadError {
            if error.failure.isEncodingError { throw .encoding(error.failure) }
            if parser.builder.isComplete, parser.builder.hasWrapper {
                // IKEA: a stray, unclosed element wrapped around a complete <feedback>. The
                // report itself was read whole; the error concerns only the wrapper.
            } else if error.failure.code == -1 {
                throw .unreadable(IngestError(.malformedXML, error.failure.summary))
            } else {
                throw .rejected(IngestError(.malformedXML, error.failure.summary))
            }
        } catch let error as IngestError {
            throw .rejected(error)
        } catch {
            throw .rejected(IngestError(.malformedXML, "\(error)"))
        }
        do {
            let report = try parser.builder.makeReport()
            succeeded = true
            return report
        } catch let error as IngestError {
            throw .rejected(error)
        } catch {
            throw .rejected(IngestError(.malformedXML, "\(error)"))
        }
    }
}

/// Looks at the prolog of an XML document (before the root element) without parsing it.
enum XMLDeclaration {
    enum DocumentType { case absent, present, undecided }

    /// Whether a `<!DOCTYPE` comes before the root element (after the declaration, comments and
    /// processing instructions). Reports never carry one; refusing it up front keeps DTDs and
    /// entity declarations away from libxml2 altogether. `undecided` when the prolog runs past
    /// the end of `bytes` and they are not the whole document.
    static func documentType(in bytes: [UInt8], complete: Bool = true) -> DocumentType {
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let count = bytes.count
        func starts(_ text: StaticString, at position: Int) -> Bool {
            let length = text.utf8CodeUnitCount
            guard position + length <= count else { return false }
            return text.withUTF8Buffer { pattern in
                for offset in 0..<length where bytes[position + offset] != pattern[offset] { return false }
                return true
            }
        }
        while index < count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D:
                index += 1
            case UInt8(ascii: "<"):
                if starts("<!DOCTYPE", at: index) { return .present }
                if !complete && index + 9 > count { return .undecided }
                let terminator: StaticString
                if starts("<?", at: index) {
                    terminator = "?>"
                } else if starts("<!--", at: index) {
                    terminator = "-->"
                } else {
                    return .absent
                }
                index += 2
                while index < count && !starts(terminator, at: index) { index += 1 }
                index += terminator.utf8CodeUnitCount
            default:
                return .absent
            }
        }
        return complete ? .absent : .undecided
    }

    /// `UTF-16LE` or `UTF-16BE` for a document in UTF-16 with neither a byte-order mark nor an
    /// XML declaration (it starts with `<` and a letter, each a 16-bit unit), else nil.
    static func undeclaredUTF16(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 4 else { return nil }
        func isNameStart(_ byte: UInt8) -> Bool {
            (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
        }
        if bytes[0] == 0x3C, bytes[1] == 0, isNameStart(bytes[2]), bytes[3] == 0 { return "UTF-16LE" }
        if bytes[0] == 0, bytes[1] == 0x3C, bytes[2] == 0, isNameStart(bytes[3]) { return "UTF-16BE" }
        return nil
    }

    /// Finds the encoding named in an XML declaration, if any.
    static func encoding(in bytes: [UInt8]) -> String? {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let head = bytes[start..<min(bytes.count, start + 256)]
        guard head.starts(with: Array("<?xml".utf8)), let close = head.firstIndex(of: UInt8(ascii: ">")) else {
            return nil
        }
        let declaration = String(decoding: head[head.startIndex..<close], as: UTF8.self)
        guard let range = declaration.range(of: "encoding") else { return nil }
        let rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        let value = rest.dropFirst().prefix { $0 != quote }
        return value.isEmpty ? nil : String(value)
    }
}
