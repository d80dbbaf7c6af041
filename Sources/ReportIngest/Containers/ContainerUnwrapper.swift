
/// Takes report documents out of gzip, zip and zlib containers, nested to a depth cap.
///
/// Zip archives yield every entry that holds a report; directories, empty entries and entries
/// that are neither XML, JSON nor another container are skipped. Entry names are only labels:
/// nothing is ever written to disk.
public struct ContainerUnwrapper: Sendable {
    public var limits: IngestLimits

    public init(limits: IngestLimits = .standard) {
        self.limits = limits
    }

    /// The documents inside `bytes`, each with its container path.
    /// - Throws: ``IngestError`` when a container is corrupt, too deep or too large, or when a
    ///   zip archive holds no report.
    public func unwrap(_ bytes: [UInt8]) throws(IngestError) -> [Payload] {
        var payloads: [Payload] = []
        try unwrap(bytes, path: [], depth: 0, into: &payloads)
        return payloads
    }

    private func unwrap(_ bytes: [UInt8], path: [String], depth: Int, into payloads: inout [Payload]) throws(IngestError) {
        let kind = ContainerKind.sniff(bytes)
        if kind != .plain && depth >= limits.maxNestingDepth {
            throw IngestError(.nestedTooDeep, "containers nested more than \(limits.maxNestingDepth) deep (\(path.joined(separator: "/")))")
        }
        switch kind {
        case .plain:
            guard bytes.count <= limits.maxReportBytes else {
                throw IngestError(.tooLarge, "document of \(bytes.count) bytes exceeds \(limits.maxReportBytes) bytes")
            }
            payloads.append(Payload(bytes: bytes, path: path.joined(separator: "/")))
        case .gzip:
            let inner = try Inflater.inflate(bytes, format: .gzip, limit: limits.maxReportBytes)
            try unwrap(inner, path: path + ["gzip"], depth: depth + 1, into: &payloads)
        case .zlib:
            let inner = try Inflater.inflate(bytes, format: .zlib, limit: limits.maxReportBytes)
            try unwrap(inner, path: path + ["zlib"], depth: depth + 1, into: &payloads)
        case .zip:
            try unzip(bytes, path: path, depth: depth, into: &payloads)
        }
    }

    private func unzip(_ bytes: [UInt8], path: [String], depth: Int, into payloads: inout [Payload]) throws(IngestError) {
        let archive = try ZipReader(bytes, maxEntries: limits.maxZipEntries)
        var found = 0
        var skipped: [String] = []
        // One budget for the whole archive: overlapping entries cannot multiply it.
        var budget = limits.maxReportBytes
        for entry in archive.entries where !entry.isDirectory {
            let name = Self.label(for: entry.name)
            let contents = try archive.contents(of: entry, limit: budget)
            budget -= contents.count
            guard DocumentKind.sniff(contents) != .junk || ContainerKind.sniff(contents) != .plain else {
                skipped.append(name)
                continue
            }
            found += 1
            try unwrap(contents, path: path + ["zip:\(name)"], depth: depth + 1, into: &payloads)
        }
        if found == 0 {
            let detail = skipped.isEmpty ? "archive holds no file" : "no entry holds a report (\(skipped.prefix(5).joined(separator: ", ")))"
            throw IngestError(.zip, detail)
        }
    }

    /// A printable entry name: control characters replaced, at most 200 characters.
    static func label(for entryPath: String) -> String {
        let cleaned = String(entryPath.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return cleaned.count > 200 ? String(cleaned.prefix(200)) + "…" : cleaned
    }
}

