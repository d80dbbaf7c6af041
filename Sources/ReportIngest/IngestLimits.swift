/// Caps that keep hostile input from exhausting memory or time.
public struct IngestLimits: Hashable, Sendable {
    /// The most bytes one input may decompress to, across all its containers and entries. Real
    /// reports reach hundreds of MB; a report of ``maxRecords`` records with every field takes
    /// a few GB. Memory does not grow with it (everything is streamed): it bounds the work.
    public var maxReportBytes: Int
    /// How many containers may nest (gzip in gzip in zip ...).
    public var maxNestingDepth: Int
    /// The most entries a zip archive may have.
    public var maxZipEntries: Int
    /// The longest text one XML element or JSON string may hold.
    public var maxFieldBytes: Int
    /// The most records one report may hold.
    public var maxRecords: Int
    /// The most bytes one mail message may take, as read from a mailbox: a message is held
    /// whole while it is taken apart, so this bounds memory (mail servers refuse far smaller).
    public var maxMessageBytes: Int
    /// The most bytes one input file may hold, as read (before decompression).
    public var maxInputBytes: Int
    /// The most bytes one TLS-RPT JSON document may hold: it is decoded whole, and real
    /// ones are kilobytes.
    public var maxJSONBytes: Int
    /// The most objects and arrays one TLS-RPT JSON document may hold: decoding costs about a
    /// kilobyte each, whatever their size in bytes (a real report holds a few dozen).
    public var maxJSONContainers: Int
    /// The most bytes a zip archive inside another container may inflate to: it is held in
    /// memory to be read (its directory is at its end).
    public var maxNestedArchiveBytes: Int

    /// Caps with the defaults SECURITY.md lists ("Limits and their defaults"); options and tests change some.
    public init(
        maxReportBytes: Int = 4 << 30, maxNestingDepth: Int = 4, maxZipEntries: Int = 10_000,
        maxFieldBytes: Int = 64 << 10, maxRecords: Int = 10_000_000, maxMessageBytes: Int = 32 << 20,
        maxInputBytes: Int = 4 << 30, maxJSONBytes: Int = 16 << 20, maxJSONContainers: Int = 50_000,
        maxNestedArchiveBytes: Int = 64 << 20
    ) {
        self.maxJSONBytes = maxJSONBytes
        self.maxJSONContainers = maxJSONContainers
        self.maxNestedArchiveBytes = maxNestedArchiveBytes
        self.maxInputBytes = maxInputBytes
        self.maxMessageBytes = maxMessageBytes
        self.maxReportBytes = maxReportBytes
        self.maxNestingDepth = maxNestingDepth
        self.maxZipEntries = maxZipEntries
        self.maxFieldBytes = maxFieldBytes
        self.maxRecords = maxRecords
    }

    /// The defaults: room for the largest real reports, none for decompression bombs.
    public static let standard = IngestLimits()
}
