import ReportModel

/// One leaf of a message's MIME tree, transfer-decoded.
package struct MailPart: Sendable, Hashable {
    /// IMAP-style part number: `1` for a single-part body, `2.1` for the first child of part 2.
    public var path: String
    /// `type/subtype`, lowercased.
    public var contentType: String
    /// From `Content-Disposition: filename` or `Content-Type: name`, decoded.
    public var filename: String?
    /// The body, base64 or quoted-printable decoded.
    public var bytes: [UInt8]
}

/// A message taken apart: its headers, its leaf parts, and whether it is a DMARC failure report.
package struct ParsedMessage: Sendable {
    /// The top-level header fields.
    public var headers: MailHeaders
    /// The leaf parts in order, those of forwarded messages included.
    public var parts: [MailPart]
    /// An ARF failure report (`multipart/report; report-type=feedback-report`), not an aggregate one.
    public var isFailureReport: Bool
}

/// Our small MIME parser (RFC 2045–2047, 2231, 6522): headers, nested multiparts and forwarded
/// messages, base64 and quoted-printable. Bounded: part count and nesting depth are capped.
package struct MIMEParser: Sendable {
    /// The most MIME entities one message may hold, forwarded ones included (`too-large` past it).
    public static let maxParts = 100_000
    /// The deepest nesting of multiparts and forwarded messages (`nested-too-deep` past it).
    public static let maxDepth = 16

    /// A parser; it keeps no state between messages.
    public init() {}

    /// Takes one message apart; throws when a cap is passed or a header section is too large.
    public func parse(_ bytes: ArraySlice<UInt8>) throws(IngestError) -> ParsedMessage {
        let (headers, bodyStart) = try MailHeaders.parse(bytes)
        var walk = Walk()
        try walk.entity(headers: headers, body: bytes[bodyStart...], path: "", depth: 0)
        return ParsedMessage(headers: headers, parts: walk.parts, isFailureReport: walk.isFailureReport)
    }

    private struct Walk {
        var parts: [MailPart] = []
        var isFailureReport = false
        var count = 0

        mutating func entity(headers: MailHeaders, body: ArraySlice<UInt8>, path: String, depth: Int)
            throws(IngestError)
        {
            count += 1
            guard count <= MIMEParser.maxParts else {
                throw IngestError(.tooLarge, "more than \(MIMEParser.maxParts) MIME parts")
            }
            guard depth <= MIMEParser.maxDepth else {
                throw IngestError(.nestedTooDeep, "MIME parts nested more than \(MIMEParser.maxDepth) deep")
            }
            let type = HeaderParameters(parsing: headers["content-type"] ?? headers["contenttype"] ?? "text/plain")
            if type.value == "message/feedback-report"
                || (type.value == "multipart/report" && type["report-type"]?.lowercased() == "feedback-report")
            {
                isFailureReport = true
                return
            }
            if type.value.hasPrefix("multipart/"), let boundary = type["boundary"], !boundary.isEmpty {
                let children = MultipartSplitter.split(body, boundary: Array(boundary.utf8))
                for (index, child) in children.enumerated() {
                    let (childHeaders, start) = try MailHeaders.parse(child)
                    let childPath = path.isEmpty ? "\(index + 1)" : "\(path).\(index + 1)"
                    try entity(headers: childHeaders, body: child[start...], path: childPath, depth: depth + 1)
                }
                return
            }
            let leafPath = path.isEmpty ? "1" : path
            if type.value == "message/rfc822" || type.value == "message/global" {
                let decoded = Self.decode(body, encoding: headers["content-transfer-encoding"])
                let (inner, start) = try MailHeaders.parse(decoded[...])
                let innerBody = Array(decoded[start...])
                try entity(headers: inner, body: innerBody[...], path: leafPath, depth: depth + 1)
                return
            }
            let disposition = headers["content-disposition"].map(HeaderParameters.init(parsing:))
            let filename = disposition?["filename"] ?? type["name"]
            parts.append(
                MailPart(
                    path: leafPath, contentType: type.value, filename: filename,
                    bytes: Self.decode(body, encoding: headers["content-transfer-encoding"])))
        }

        static func decode(_ body: ArraySlice<UInt8>, encoding: String?) -> [UInt8] {
            switch encoding?.trimmedWhitespace().lowercased() {
            case "base64"?: TransferDecoding.base64(body)
            case "quoted-printable"?: TransferDecoding.quotedPrintable(body)
            default: Array(body)
            }
        }
    }
}

/// Splits a multipart body on its boundary (RFC 2046, section 5.1.1): preamble and epilogue ignored,
/// LF or CRLF line ends, and a missing close delimiter tolerated (the last part runs to the end).
enum MultipartSplitter {
    static func split(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> [ArraySlice<UInt8>] {
        let delimiter: [UInt8] = [0x2D, 0x2D] + boundary
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        let end = body.endIndex
        while lineStart < end {
            var lineEnd = lineStart
            while lineEnd < end && body[lineEnd] != 0x0A { lineEnd += 1 }
            let next = lineEnd < end ? lineEnd + 1 : end
            if body[lineStart] == 0x2D, isDelimiter(body, from: lineStart, to: lineEnd, delimiter: delimiter) {
                if let start = partStart {
                    // The line break before the delimiter belongs to the delimiter.
                    var stop = lineStart
                    if stop > start && body[stop - 1] == 0x0A { stop -= 1 }
                    if stop > start && body[stop - 1] == 0x0D { stop -= 1 }
                    parts.append(body[start..<max(start, stop)])
                }
                let afterDelimiter = lineStart + delimiter.count
                let closes =
                    afterDelimiter + 1 < end && body[afterDelimiter] == 0x2D && body[afterDelimiter + 1] == 0x2D
                if closes { return parts }
                partStart = next
            }
            lineStart = next
        }
        if let start = partStart, start < end { parts.append(body[start..<end]) }
        return parts
    }

    private static func isDelimiter(_ body: ArraySlice<UInt8>, from start: Int, to lineEnd: Int, delimiter: [UInt8])
        -> Bool
    {
        guard lineEnd - start >= delimiter.count else { return false }
        for offset in 0..<delimiter.count where body[start + offset] != delimiter[offset] { return false }
        // After the delimiter: optional "--", then only white space.
        var index = start + delimiter.count
        if index + 1 < lineEnd && body[index] == 0x2D && body[index + 1] == 0x2D { index += 2 }
        while index < lineEnd {
            guard body[index] == 0x20 || body[index] == 0x09 || body[index] == 0x0D else { return false }
            index += 1
        }
        return true
    }
}
