/// A document taken out of its containers: the bytes of one report, and where they were found.
package struct Payload: Hashable, Sendable {
    /// The decompressed document.
    public var bytes: [UInt8]
    /// The way in, outermost first: `gzip`, `zip:dir/report.xml`, `gzip/gzip`. Empty for a plain input.
    public var path: String

    /// Makes a payload (no checks).
    public init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }
}
