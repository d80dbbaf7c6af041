/// One table of the stakeholder pack: shown in the Markdown page and written as its own CSV.
public struct PackTable: Sendable {
    /// The CSV file's suffix: `sources` gives `example.com-sources.csv`.
    public var name: String
    public var title: String
    public var header: [String]
    public var rows: [[String]]
    /// Columns aligned left in Markdown (the others hold numbers).
    public var textColumns: Set<Int>

    public init(name: String, title: String, header: [String], rows: [[String]], textColumns: Set<Int> = [0]) {
        self.name = name
        self.title = title
        self.header = header
        self.rows = rows
        self.textColumns = textColumns
    }

    /// Rows a page shows; the CSV file always holds every row.
    static let pageRowLimit = 100

    /// The rows a page shows: the first ``pageRowLimit`` (tables are sorted biggest first).
    var pageRows: ArraySlice<[String]> { rows.prefix(Self.pageRowLimit) }

    /// "… and 1,234 more rows in name.csv", when the page leaves rows out.
    func omittedNote(csv: String) -> String? {
        rows.count > Self.pageRowLimit ? "The first \(Self.pageRowLimit) of \(rows.count) rows; \(csv) holds them all." : nil
    }

    var markdown: String { MarkdownTable.render(header: header, rows: Array(pageRows), textColumns: textColumns) }
    var csv: String { CSVTable.render(header: header, rows: rows) }
}
