import Foundation
import ReportAnalysis
import ReportModel

/// What the stakeholder pack holds.
public enum PackFormat: String, Sendable, CaseIterable {
    /// A Markdown page and one CSV per table for each domain, and `index.md`.
    case md
    /// One self-contained HTML page with charts for each domain, and `index.html`.
    case html
    /// Both.
    case all

    var markdown: Bool { self != .html }
    var html: Bool { self != .md }
}

/// Writes the stakeholder pack: per domain a Markdown page and one CSV per table, and/or an
/// HTML page with charts, plus an index across domains in each format.
///
/// Domains are added one at a time (``add(_:)``) and written at once, so a pack over many large
/// domains holds one domain in memory, not all; ``finish()`` writes the indexes.
public final class StakeholderPack {
    /// The folder the pack is written to.
    public let folder: URL
    /// The UTC days the pack covers, named in its indexes.
    public let period: DayPeriod
    /// Which pages are written: Markdown, HTML or both (the CSV files always).
    public let format: PackFormat
    /// The paths written so far, relative to ``folder``.
    public private(set) var written: [String] = []
    /// Those whose bytes changed (a file already there with the same bytes is left alone, so a
    /// pack written again after a late report touches only what the report changed).
    public private(set) var changed: [String] = []

    private var stems: Set<String> = []
    private var rows: [[String]] = []
    private var htmlRows: [(domain: String, stem: String, report: DomainReport)] = []
    private var quiet: [String] = []
    private var indexEntries: [IndexSummary.Entry] = []

    /// Creates `folder` if needed.
    public init(folder: URL, period: DayPeriod, format: PackFormat = .md) throws {
        self.folder = folder
        self.period = period
        self.format = format
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Writes one domain's files (a domain with no report in the period gets one line in the index).
    public func add(_ report: DomainReport) throws {
        guard !report.isEmpty else {
            quiet.append(report.domain)
            return
        }
        var stem = Self.fileStem(for: report.domain)
        while stems.contains(stem) { stem += "_" }
        stems.insert(stem)
        let page = DomainPage(report, fileStem: stem)
        // The HTML page links the CSV files, so they are written in every format.
        if format.markdown {
            try write(page.markdown, to: "\(stem).md")
        }
        for table in page.tables {
            try write(table.csv, to: "\(stem)-\(table.name).csv")
        }
        if format.html {
            try write(HTMLPage.domain(report, page: page, fileStem: stem), to: "\(stem).html")
            // The index needs the headline only: keep a report without its tables.
            htmlRows.append((report.domain, stem, report.indexEntry))
        }
        var cells = IndexSummary.cells(report).map(Escape.markdown)
        cells[0] = "[\(cells[0])](\(stem).md)"
        rows.append(cells)
        indexEntries.append(IndexSummary.Entry(report))
    }

    /// Writes the indexes.
    /// - Returns: every path written, relative to ``folder``.
    @discardableResult
    public func finish() throws -> [String] {
        var index = "# DMARC and TLS reports\n\nPeriod: \(DomainPage.describe(period))\n\n"
        if rows.isEmpty {
            index += "No domain has reports in this period.\n"
        } else {
            let summary = IndexSummary.lines(indexEntries)
            index += "## Summary\n\n" + summary.lines.map { "- \(Escape.markdown($0))\n" }.joined() + "\n"
            if !summary.actions.isEmpty {
                index +=
                    "What to do first:\n\n"
                    + summary.actions.enumerated().map { "\($0.offset + 1). \(Escape.markdown($0.element))\n" }.joined()
                    + "\n"
            }
            var table = "| " + IndexSummary.labels.joined(separator: " | ") + " |\n"
            table +=
                "|"
                + IndexSummary.labels.indices.map { IndexSummary.textColumns.contains($0) ? " --- " : " ---: " }.joined(
                    separator: "|") + "|\n"
            for row in rows { table += "| " + row.joined(separator: " | ") + " |\n" }
            index += table
        }
        for domain in quiet {
            index += "\n- \(Escape.markdown(DomainPage.name(of: domain))): no reports in this period."
        }
        if !quiet.isEmpty { index += "\n" }
        if format.markdown {
            try write(index, to: "index.md")
        }
        if format.html {
            try write(
                HTMLPage.index(period: period, rows: htmlRows, entries: indexEntries, quiet: quiet), to: "index.html")
        }
        return written
    }

    /// A file name for a domain: lowercase letters, digits, `.`, `-` and `_` only, never
    /// starting with a dot (a hidden file, the pack's own `.mailtally-pack`) or a dash (an
    /// option to the next command that lists the folder), never the pack's own `index`, at most
    /// 100 characters (domains come from strangers). Two domains with one stem are told apart
    /// by the caller.
    public static func fileStem(for domain: String) -> String {
        var stem = String(
            domain.lowercased().unicodeScalars.map { scalar -> Character in
                let c = Character(scalar)
                return (c.isASCII && (c.isLetter || c.isNumber)) || c == "." || c == "-" ? c : "_"
            })
        stem = stem.replacingOccurrences(of: "..", with: "__")
        if let first = stem.first, first == "." || first == "-" { stem = "_" + stem.dropFirst() }
        if stem.isEmpty { stem = "no-domain" }
        stem = String(stem.prefix(100))
        return Self.reservedStems.contains(stem) ? stem + "_" : stem
    }

    /// Stems of the pack's own files.
    static let reservedStems: Set<String> = ["index"]

    /// Writes `text` as `name` in the folder unless the file already holds exactly it.
    private func write(_ text: String, to name: String) throws {
        let url = folder.appendingPathComponent(name)
        let data = Data(text.utf8)
        written.append(name)
        if let existing = FileManager.default.contents(atPath: url.path), existing == data { return }
        try data.write(to: url, options: .atomic)
        changed.append(name)
    }
}
