/// Why an input, or one report inside it, could not be imported.
///
/// Tests and callers match on ``code``; ``detail`` says what was wrong and where (element path,
/// byte offset, zip entry), for people.
public struct IngestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. Open, so that codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable text (`malformed-xml`): stored in the ingest log, shown by `errors`, matched by tests.
        public let name: String
        init(_ name: String) { self.name = name }
        /// The name, so that a code prints as it is logged.
        public var description: String { name }

        /// A gzip stream is corrupt or cut short.
        public static let gzip = Code("gzip")
        /// A zlib stream is corrupt or cut short.
        public static let zlib = Code("zlib")
        /// A zip archive is corrupt, fails its CRC-32, or holds no report.
        public static let zip = Code("zip")
        /// An input passed one of the ``IngestLimits`` (bytes, records, entries, parts).
        public static let tooLarge = Code("too-large")
        /// Containers or MIME parts nest deeper than the caps allow.
        public static let nestedTooDeep = Code("nested-too-deep")
        /// Neither a DMARC `<feedback>` document nor a TLS-RPT JSON object.
        public static let notAReport = Code("not-a-report")
        /// The XML is not well formed: the whole report is refused, never imported in part.
        public static let malformedXML = Code("malformed-xml")
        /// A DOCTYPE: DTDs and entities are refused before libxml2 sees them.
        public static let forbiddenXML = Code("forbidden-xml")
        /// A required field is missing or empty (report id, date range, policy domain, count).
        public static let missingField = Code("missing-field")
        /// A value that cannot be right: a negative count or one above 2^53, impossible dates.
        public static let invalidValue = Code("invalid-value")
        /// Not valid JSON, or nested deeper than ``TLSReportParser/maxDepth``.
        public static let malformedJSON = Code("malformed-json")
        /// The input could not be read (a disk or file-system error).
        public static let read = Code("read")
    }

    /// The kind of failure: all that `==` compares.
    public let code: Code
    /// What went wrong, with its location.
    public let detail: String

    /// An error of kind `code`; `detail` says what was wrong and where.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `gzip: unexpected end of data`: the message shown to users and stored in the ingest log.
    public var description: String { "\(code.name): \(detail)" }

    /// Equal when the codes are: the detail is for people, not for matching.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the code alone, to agree with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
