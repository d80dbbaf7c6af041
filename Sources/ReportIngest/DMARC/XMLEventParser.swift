import CLibXML2
import Glibc
import ReportModel

/// A forward-only pull reader over libxml2's `xmlTextReader`: the only place that calls libxml2.
///
/// Untrusted input rules: no network (`XML_PARSE_NONET`), no DTD loading, no entity
/// substitution, libxml2's default caps on depth (256) and text size (10 MB) stay on, and
/// libxml2 prints nothing: the first fatal error is kept for the caller.
final class XMLStreamReader {
    enum NodeType: Int32 {
        case element = 1
        case text = 3
        case cdata = 4
        case entityReference = 5
        case comment = 8
        case documentType = 10
        case whitespace = 13
        case significantWhitespace = 14
        case endElement = 15
        case other = -1
    }

    /// An error libxml2 reported, with where it happened.
    struct ParseFailure {
        var code: Int32
        var message: String
        var line: Int32
        var column: Int32

        var isEncodingError: Bool {
            code == XML_ERR_INVALID_CHAR.rawValue || code == XML_ERR_INVALID_ENCODING.rawValue
                || (code >= XML_I18N_NO_NAME.rawValue && code <= XML_I18N_NO_OUTPUT.rawValue)
                || code == XML_ERR_UNSUPPORTED_ENCODING.rawValue
        }

        var isUnfinishedTag: Bool { code == XML_ERR_TAG_NOT_FINISHED.rawValue }

        var summary: String { "\(message) (line \(line), column \(column))" }
    }

    private final class ErrorSink {
        var fatal: ParseFailure?
        var first: ParseFailure?
    }

    private static let initialize: Void = {
        xmlInitParser()
        cxml_silence_global_errors()
    }()

    private let reader: xmlTextReaderPtr
    private let sink = ErrorSink()

    /// Opens a reader over `buffer`, which must stay alive and unchanged while the reader is used.
    /// - Parameter encoding: overrides the document's declared encoding (`windows-1252`).
    init?(buffer: UnsafeRawBufferPointer, encoding: String?) {
        _ = Self.initialize
        cxml_silence_global_errors()
        guard let base = buffer.baseAddress, buffer.count > 0, buffer.count <= Int(Int32.max) else { return nil }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let pointer = base.assumingMemoryBound(to: CChar.self)
        let created: xmlTextReaderPtr? =
            if let encoding {
                encoding.withCString { xmlReaderForMemory(pointer, Int32(buffer.count), nil, $0, options) }
            } else {
                xmlReaderForMemory(pointer, Int32(buffer.count), nil, nil, options)
            }
        guard let created else { return nil }
        reader = created
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            let sink = Unmanaged<ErrorSink>.fromOpaque(context).takeUnretainedValue()
            let raw = error.pointee.message.map { String(cString: $0) } ?? "error \(error.pointee.code)"
            let failure = ParseFailure(
                code: error.pointee.code, message: raw.trimmedWhitespace(), line: error.pointee.line,
                column: error.pointee.int2)
            if sink.first == nil { sink.first = failure }
            if error.pointee.level == XML_ERR_FATAL, sink.fatal == nil { sink.fatal = failure }
        }, Unmanaged.passUnretained(sink).toOpaque())
    }

    deinit {
        xmlFreeTextReader(reader)
    }

    /// Moves to the next node. Returns `false` at the end of the document.
    /// - Throws: the first fatal error when the document is not well-formed.
    func read() throws(XMLReadError) -> Bool {
        switch xmlTextReaderRead(reader) {
        case 1: return true
        case 0:
            if let fatal = sink.fatal { throw XMLReadError(failure: fatal) }
            return false
        default: throw XMLReadError(failure: sink.fatal ?? sink.first ?? ParseFailure(code: -1, message: "unreadable XML", line: 0, column: 0))
        }
    }

    /// Skips the current element's subtree without reporting its nodes.
    func skipSubtree() throws(XMLReadError) -> Bool {
        switch xmlTextReaderNext(reader) {
        case 1: return true
        case 0: return false
        default: throw XMLReadError(failure: sink.fatal ?? sink.first ?? ParseFailure(code: -1, message: "unreadable XML", line: 0, column: 0))
        }
    }

    var nodeType: NodeType { NodeType(rawValue: xmlTextReaderNodeType(reader)) ?? .other }
    var depth: Int { Int(xmlTextReaderDepth(reader)) }
    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }
    var localName: String { xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? "" }
    /// The local name's bytes, owned by the reader until it moves on: matched without making a String.
    var localNameBytes: ElementName {
        guard let name = xmlTextReaderConstLocalName(reader) else { return ElementName(bytes: UnsafeBufferPointer(start: nil, count: 0)) }
        return ElementName(bytes: UnsafeBufferPointer(start: name, count: Int(xmlStrlen(name))))
    }
    var namespaceURI: String? { xmlTextReaderConstNamespaceUri(reader).map { String(cString: $0) } }
    var value: String { xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? "" }
    var valueLength: Int { xmlTextReaderConstValue(reader).map { Int(xmlStrlen($0)) } ?? 0 }
    var line: Int { Int(xmlTextReaderGetParserLineNumber(reader)) }
}

/// A fatal libxml2 error.
struct XMLReadError: Error {
    var failure: XMLStreamReader.ParseFailure
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
