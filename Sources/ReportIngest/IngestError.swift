/// Why an input, or one report inside it, could not be imported.
///
/// Tests and callers match on ``code``; ``detail`` says what was wrong and where (element path,
/// byte offset, zip entry), for people.
public struct IngestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. Open, so that codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let gzip = Code("gzip")
        public static let zlib = Code("zlib")
        public static let zip = Code("zip")
        public static let tooLarge = Code("too-large")
        public static let nestedTooDeep = Code("nested-too-deep")
        public static let notAReport = Code("not-a-report")
        public static let malformedXML = Code("malformed-xml")
        public static let forbiddenXML = Code("forbidden-xml")
        public static let missingField = Code("missing-field")
        public static let invalidValue = Code("invalid-value")
        public static let malformedJSON = Code("malformed-json")
        /// The input could not be read (a disk or file-system error).
        public static let read = Code("read")
    }

    public let code: Code
    /// What went wrong, with its location.
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `gzip: unexpected end of data`: the message shown to users and stored in the ingest log.
    public var description: String { "\(code.name): \(detail)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
