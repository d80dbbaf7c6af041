import CLibXML2
import Glibc
import ReportModel

/// Streams one XML document through libxml2's SAX2 push parser into a ``ReportBuilder``: the
/// only place that calls libxml2. No tree is built and no node is allocated per element; the
/// builder sees element starts and ends and text, and the content of the elements it skips is
/// parsed (it must be well-formed) but never handed to it.
///
/// Untrusted input rules: no network (`XML_PARSE_NONET`), no DTD loading, no entity
/// substitution (a DOCTYPE or an entity reference is refused), the caps of libxml2's tree
/// builder on depth (256) and text node size (10 MB) apply, and libxml2 prints nothing: its
/// first fatal error is kept for the caller.
final class XMLEventParser {
    /// An error libxml2 reported, with where it happened.
    struct ParseFailure {
        var code: Int32
        var message: String
        var line: Int32
        var column: Int32

        var isEncodingError: Bool {
            code == XML_ERR_INVALID_CHAR.rawValue || code == XML_ERR_INVALID_ENCODING.rawValue
                || (code >= XML_I18N_NO_NAME.rawValue && code <= XML_I18N_NO_OUTPUT.rawValue)
                || code == XML_ERR_UNSUPPORTED_ENCODING.rawValue || code == XML_IO_ENCODER.rawValue
        }

        var summary: String { "\(message) (line \(line), column \(column))" }

        /// libxml2 stopped without saying why (an encoder that cannot convert the bytes).
        static let unexplained = ParseFailure(code: -1, message: "unreadable XML", line: 0, column: 0)
    }

    /// Bytes handed to libxml2 per call: its own buffer never holds more than this beyond
    /// what it has not parsed yet.
    private static let chunkSize = 256 << 10
    /// The first call hands over less, as libxml2's own reader does: until it has read the XML
    /// declaration, libxml2 2.9 mishandles a large chunk when the encoding was set beforehand.
    private static let firstChunkSize = 512
    /// libxml2's tree builder refuses deeper documents (`xmlParserMaxDepth`) and longer text
    /// nodes (`XML_MAX_TEXT_LENGTH`); its push parser alone checks neither, so this class does.
    static let maxDepth = 256
    static let maxTextBytes = 10_000_000

    private static let initialize: Void = {
        xmlInitParser()
        cxml_silence_global_errors()
    }()

    // Only this object's own callbacks touch its state, one at a time on one thread: no
    // dynamic exclusivity checks on every event.
    @exclusivity(unchecked) private(set) var builder: ReportBuilder
    @exclusivity(unchecked) private var parser: xmlParserCtxtPtr?
    /// Elements open inside the one the builder asked to skip (0: not skipping).
    @exclusivity(unchecked) private var skipping = 0
    /// Elements open, the one being started excluded.
    @exclusivity(unchecked) private var depth = 0
    /// Bytes of text since the last element start or end (skipped elements' text included).
    @exclusivity(unchecked) private var textBytes = 0
    /// What the builder threw; the parser was stopped there.
    @exclusivity(unchecked) private var thrown: (any Error)?
    private var fatal: ParseFailure?
    private var first: ParseFailure?
    /// The first failure to convert the bytes from their encoding. libxml2 goes on with the
    /// text converted so far and its later errors are about that, so this one comes first.
    private var encodingFailure: ParseFailure?

    init(builder: ReportBuilder) {
        self.builder = builder
    }

    /// Parses the document `source` reads, a chunk at a time.
    /// - Parameter encoding: overrides the document's declared encoding (`windows-1252`).
    /// - Throws: what the builder or the source threw, else ``XMLReadError`` when the document
    ///   is not well-formed (the builder has seen everything before the error).
    func parse(_ source: any ChunkSource, encoding: String?) throws {
        _ = Self.initialize
        // Conversion errors reach no parser context, only this thread's global handler.
        xmlSetStructuredErrorFunc(
            Unmanaged.passUnretained(self).toOpaque(),
            { context, error in
                guard let error else { return }
                XMLEventParser.with(context) { $0.record(error.pointee) }
            })
        defer { cxml_silence_global_errors() }
        // The first four bytes go in with the context, as libxml2's own reader does: they
        // decide the document's encoding unless `encoding` overrides it.
        var start: [CChar] = []
        var chunk = UnsafeRawBufferPointer(start: nil, count: 0)
        while start.count < 4 {
            chunk = try source.next()
            if chunk.isEmpty { break }
            let take = min(4 - start.count, chunk.count)
            start += chunk.prefix(take).map { CChar(bitPattern: $0) }
            chunk = UnsafeRawBufferPointer(rebasing: chunk[take...])
        }
        guard !start.isEmpty else { throw IngestError(.malformedXML, "empty document") }
        var handler = Self.handler
        guard
            let parser = xmlCreatePushParserCtxt(
                &handler, Unmanaged.passUnretained(self).toOpaque(), start, Int32(start.count), nil)
        else { throw XMLReadError(failure: .unexplained) }
        self.parser = parser
        defer {
            self.parser = nil
            xmlFreeParserCtxt(parser)
        }
        xmlCtxtUseOptions(
            parser, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue))
        if let encoding, let converter = xmlFindCharEncodingHandler(encoding) {
            xmlSwitchToEncoding(parser, converter)
        }
        var halted = false
        var first = true
        func feed(_ bytes: UnsafeRawBufferPointer, last: Bool) -> Bool {
            let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
            let code = xmlParseChunk(parser, base, Int32(bytes.count), last ? 1 : 0)
            // -1 (XML_PARSER_EOF): libxml2 halted, with or without reporting an error.
            if code == -1 { halted = true }
            return thrown == nil && !halted && parser.pointee.disableSAX == 0
        }
        reading: while true {
            if chunk.isEmpty {
                do {
                    chunk = try source.next()
                } catch {
                    if thrown == nil { thrown = error }
                    break
                }
                if chunk.isEmpty {
                    _ = feed(chunk, last: true)
                    break
                }
            }
            // Until it has read the XML declaration, libxml2 2.9 mishandles a large chunk when
            // the encoding was set beforehand: the first call hands over less.
            let size = first ? Self.firstChunkSize : Self.chunkSize
            first = false
            let piece = UnsafeRawBufferPointer(rebasing: chunk.prefix(size))
            chunk = UnsafeRawBufferPointer(rebasing: chunk.dropFirst(piece.count))
            if !feed(piece, last: false) { break reading }
        }
        if let thrown { throw thrown }
        if let encodingFailure { throw XMLReadError(failure: encodingFailure) }
        if let fatal { throw XMLReadError(failure: fatal) }
        if parser.pointee.wellFormed == 0 || halted { throw XMLReadError(failure: self.first ?? .unexplained) }
    }

    /// The line libxml2 is on.
    private var line: Int { parser.map { Int(xmlSAX2GetLineNumber(UnsafeMutableRawPointer($0))) } ?? 0 }

    private func stop(_ error: any Error) {
        if thrown == nil { thrown = error }
        if let parser { xmlStopParser(parser) }
    }

    private func startElement(_ name: UnsafePointer<xmlChar>?, namespace: UnsafePointer<xmlChar>?) {
        defer { depth += 1 }
        textBytes = 0
        if depth >= Self.maxDepth, thrown == nil {
            stop(IngestError(.malformedXML, "elements nested more than \(Self.maxDepth) deep (line \(line))"))
        }
        guard skipping == 0, thrown == nil else {
            skipping += 1
            return
        }
        let bytes =
            name.map { UnsafeBufferPointer(start: $0, count: Int(xmlStrlen($0))) }
            ?? UnsafeBufferPointer(start: nil, count: 0)
        do {
            if try builder.startElement(ElementName(bytes: bytes), depth: depth, namespaceURI: namespace) {
                skipping = 1
            }
        } catch {
            stop(error)
        }
    }

    private func endElement() {
        depth -= 1
        textBytes = 0
        guard skipping == 0 else {
            skipping -= 1
            return
        }
        guard thrown == nil else { return }
        do { try builder.endElement() } catch { stop(error) }
    }

    private func characters(_ text: UnsafePointer<xmlChar>?, _ length: Int32) {
        guard thrown == nil, let text, length > 0 else { return }
        textBytes += Int(length)
        if textBytes > Self.maxTextBytes {
            stop(IngestError(.malformedXML, "a text node longer than \(Self.maxTextBytes) bytes (line \(line))"))
            return
        }
        guard skipping == 0 else { return }
        do {
            try builder.appendText(UnsafeBufferPointer(start: text, count: Int(length))) { self.line }
        } catch {
            stop(error)
        }
    }

    private func record(_ error: xmlError) {
        let raw = error.message.map { String(cString: $0) } ?? "error \(error.code)"
        let failure = ParseFailure(
            code: error.code, message: raw.trimmedWhitespace(), line: error.line, column: error.int2)
        if first == nil { first = failure }
        if failure.isEncodingError, encodingFailure == nil { encodingFailure = failure }
        if error.level == XML_ERR_FATAL, fatal == nil { fatal = failure }
    }

    /// Runs `body` on the parser behind a callback's context. The parser outlives the parse
    /// (``parse(_:encoding:)`` holds it), so no retain per event.
    private static func with(_ context: UnsafeMutableRawPointer?, _ body: (XMLEventParser) -> Void) {
        guard let context else { return }
        Unmanaged<XMLEventParser>.fromOpaque(context)._withUnsafeGuaranteedRef(body)
    }

    /// The callbacks: SAX2 (namespace-aware) element events, text of every kind, and a refusal
    /// of whatever could bring in a DTD or an entity's replacement text.
    nonisolated(unsafe) private static let handler: xmlSAXHandler = {
        var sax = xmlSAXHandler()
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { context, localName, _, namespace, _, _, _, _, _ in
            with(context) { $0.startElement(localName, namespace: namespace) }
        }
        sax.endElementNs = { context, _, _, _ in with(context) { $0.endElement() } }
        sax.characters = { context, text, length in with(context) { $0.characters(text, length) } }
        sax.ignorableWhitespace = { context, text, length in with(context) { $0.characters(text, length) } }
        sax.cdataBlock = { context, text, length in with(context) { $0.characters(text, length) } }
        sax.internalSubset = { context, _, _, _ in
            with(context) {
                $0.stop(IngestError(.forbiddenXML, "DOCTYPE declarations are not accepted (line \($0.line))"))
            }
        }
        sax.reference = { context, _ in
            with(context) {
                $0.stop(IngestError(.forbiddenXML, "entity references are not accepted (line \($0.line))"))
            }
        }
        sax.serror = { context, error in
            guard let error else { return }
            with(context) { $0.record(error.pointee) }
        }
        return sax
    }()
}

/// A fatal libxml2 error.
struct XMLReadError: Error {
    var failure: XMLEventParser.ParseFailure
}

/// An element name as libxml2 holds it, compared with literal names byte for byte.
struct ElementName {
    let bytes: UnsafeBufferPointer<UInt8>

    static func == (name: ElementName, literal: StaticString) -> Bool {
        guard name.bytes.count == literal.utf8CodeUnitCount else { return false }
        guard let base = name.bytes.baseAddress else { return literal.utf8CodeUnitCount == 0 }
        return memcmp(base, literal.utf8Start, name.bytes.count) == 0
    }

    /// Pattern matching in a `switch` over literal names.
    static func ~= (literal: StaticString, name: ElementName) -> Bool { name == literal }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
