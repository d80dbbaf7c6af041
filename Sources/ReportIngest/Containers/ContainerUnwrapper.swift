/// A document found inside an input: where it lies, its first bytes (to tell what it is), and
/// a way to read it from its start, again if need be (in another encoding).
struct FoundDocument {
    /// The way in, outermost first: `gzip`, `zip:dir/report.xml`, `gzip/gzip`; empty for a plain input.
    var path: String
    /// The first ``ContainerUnwrapper/headBytes`` bytes (all of them, for a shorter document).
    var head: [UInt8]
    let open: () throws(IngestError) -> any ChunkSource
}

/// Finds the report documents inside gzip, zip and zlib containers, nested to a depth cap, and
/// hands each over as a stream: nothing is inflated whole. Every byte inflated, at any layer
/// and in any entry, is charged to one budget per input (``IngestLimits/maxReportBytes``).
///
/// Zip archives yield every entry that holds a report; directories, empty entries and entries
/// that are neither XML, JSON nor another container are skipped. Entry names are only labels:
/// nothing is ever written to disk. An archive must be in memory to be read (its directory is
/// at its end): an archive inside another container is inflated whole, up to
/// ``IngestLimits/maxNestedArchiveBytes``.
package struct ContainerUnwrapper: Sendable {
    /// Caps on nesting, zip entries and decompressed size.
    public var limits: IngestLimits

    /// What is read of each layer to tell what it is: enough for an XML prolog.
    static let headBytes = 64 << 10

    /// An unwrapper with the given caps.
    public init(limits: IngestLimits = .standard) {
        self.limits = limits
    }

    /// One layer of an input: how to read it, and its bytes when they are in memory.
    private struct Layer {
        let open: () throws(IngestError) -> any ChunkSource
        let memory: UnsafeRawBufferPointer?
        /// Gives back the pages behind a range of ``memory`` once it is read (a mapped file).
        var release: ((Range<Int>) -> Void)? = nil
    }

    /// Calls `visit` with each document of `input`, in order.
    /// - Parameter release: told each range of `input` that has been read (a mapped file gives
    ///   back the pages behind it).
    /// - Throws: ``IngestError`` when a container is corrupt, too deep or too large, or when a
    ///   zip archive holds no report; documents visited before stay visited.
    func walk(
        _ input: UnsafeRawBufferPointer, budget: DecompressionBudget, release: ((Range<Int>) -> Void)? = nil,
        visit: (FoundDocument) throws(IngestError) -> Void
    ) throws(IngestError) {
        let top = Layer(open: { BufferSource(input, release: release) }, memory: input, release: release)
        try walk(top, path: [], depth: 0, budget: budget, visit: visit)
    }

    private func walk(
        _ layer: Layer, path: [String], depth: Int, budget: DecompressionBudget,
        visit: (FoundDocument) throws(IngestError) -> Void
    ) throws(IngestError) {
        let mark = budget.used
        let head = try layer.open().head(Self.headBytes)
        budget.rewind(to: mark)
        let kind = ContainerKind.sniff(head)
        if kind != .plain && depth >= limits.maxNestingDepth {
            throw IngestError(
                .nestedTooDeep,
                "containers nested more than \(limits.maxNestingDepth) deep (\(path.joined(separator: "/")))")
        }
        switch kind {
        case .plain:
            if let memory = layer.memory, memory.count > limits.maxReportBytes {
                throw IngestError(.tooLarge, "document of \(memory.count) bytes exceeds \(limits.maxReportBytes) bytes")
            }
            let open = layer.open
            try visit(
                FoundDocument(path: path.joined(separator: "/"), head: head) {
                    () throws(IngestError) -> any ChunkSource in
                    budget.rewind(to: mark)
                    return try open()
                })
        case .gzip, .zlib:
            let format: Inflater.Format = kind == .gzip ? .gzip : .zlib
            let open = layer.open
            let inner = Layer(
                open: { () throws(IngestError) -> any ChunkSource in
                    try InflateSource(try open(), format: format, budget: budget)
                }, memory: nil)
            try walk(inner, path: path + [kind.rawValue], depth: depth + 1, budget: budget, visit: visit)
        case .zip:
            if let memory = layer.memory {
                try unzip(memory, path: path, depth: depth, budget: budget, release: layer.release, visit: visit)
            } else {
                let bytes = try layer.open().readAll(
                    limit: limits.maxNestedArchiveBytes, what: "a zip archive inside another container")
                try bytes.withBytes { (buffer) throws(IngestError) in
                    try unzip(buffer, path: path, depth: depth, budget: budget, release: nil, visit: visit)
                }
            }
        }
    }

    private func unzip(
        _ bytes: UnsafeRawBufferPointer, path: [String], depth: Int, budget: DecompressionBudget,
        release: ((Range<Int>) -> Void)?,
        visit: (FoundDocument) throws(IngestError) -> Void
    ) throws(IngestError) {
        let archive = try ZipReader(bytes, maxEntries: limits.maxZipEntries)
        var found = 0
        var skipped: [String] = []
        for entry in archive.entries where !entry.isDirectory {
            let name = Self.label(for: entry.name)
            let layer = Layer(
                open: { () throws(IngestError) -> any ChunkSource in
                    try archive.contents(of: entry, budget: budget, release: release)
                },
                memory: nil)
            let mark = budget.used
            // Enough to see past white space and a byte-order mark to the first character.
            let head = try layer.open().head(4096)
            budget.rewind(to: mark)
            guard DocumentKind.sniff(head) != .junk || ContainerKind.sniff(head) != .plain else {
                skipped.append(name)
                continue
            }
            found += 1
            try walk(layer, path: path + ["zip:\(name)"], depth: depth + 1, budget: budget, visit: visit)
        }
        if found == 0 {
            let detail =
                skipped.isEmpty
                ? "archive holds no file" : "no entry holds a report (\(skipped.prefix(5).joined(separator: ", ")))"
            throw IngestError(.zip, detail)
        }
    }

    /// The documents inside `bytes`, each read whole (for tests and the fuzzer; ingest reads
    /// them as streams).
    public func unwrap(_ bytes: [UInt8]) throws(IngestError) -> [Payload] {
        let budget = DecompressionBudget(limit: limits.maxReportBytes)
        var payloads: [Payload] = []
        try bytes.withBytes { (buffer) throws(IngestError) in
            try walk(buffer, budget: budget) { (document) throws(IngestError) in
                let whole = try document.open().readAll(limit: limits.maxReportBytes, what: "document")
                payloads.append(Payload(bytes: whole, path: document.path))
            }
        }
        return payloads
    }

    /// A printable entry name: control characters replaced, at most 200 characters.
    static func label(for entryPath: String) -> String {
        let cleaned = String(entryPath.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return cleaned.count > 200 ? String(cleaned.prefix(200)) + "…" : cleaned
    }
}
