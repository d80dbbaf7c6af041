import ReportAnalysis

/// One table of the stakeholder pack: shown in the Markdown and HTML pages and written as its
/// own CSV. The CSV keeps machine names (`dmarc_pass_rate`) and plain numbers; the pages show
/// labels people read (`DMARC pass rate`), numbers with thousands separators, and move long
/// lists (addresses, reasons) out of the row into a line of their own, so every table fits a
/// 1280-pixel screen and an A4 page.
public struct PackTable: Sendable {
    /// The CSV file's suffix: `sources` gives `example.com-sources.csv`.
    public var name: String
    /// The heading the pages show above the table.
    public var title: String
    /// CSV column names.
    public var header: [String]
    /// The CSV's cells, every row, numbers plain; the pages show the first `pageRowLimit`.
    public var rows: [[String]]
    /// Columns of text, aligned left (the others hold numbers).
    public var textColumns: Set<Int>
    /// Column labels on the pages (default: the CSV names with spaces).
    public var labels: [String]
    /// Columns shown on a line of their own under each row on the pages (long lists).
    public var detailColumns: [Int]
    /// Column groups over the page's columns, left to right (label, number of columns), for
    /// tables that join two kinds of figures (the correlation's two directions).
    public var groups: [(label: String, span: Int)]
    /// One sentence the pages show above the table.
    public var note: String?
    /// Columns only the CSV holds (the pages show the same figure another way, or elsewhere).
    public var hiddenColumns: Set<Int> = []
    /// Labels under ``groups`` in HTML, where the group says what ``labels`` prefix.
    public var shortLabels: [String]?
    /// The cells the pages show instead of the CSV's, row for row (`+6 (+12.0%)` for `6`).
    public var displayRows: [[String]]?

    /// A table whose labels default to the CSV names with spaces; `textColumns` defaults to the first column.
    public init(
        name: String, title: String, header: [String], rows: [[String]], textColumns: Set<Int> = [0],
        labels: [String]? = nil,
        detailColumns: [Int] = [], groups: [(label: String, span: Int)] = [], note: String? = nil
    ) {
        self.name = name
        self.title = title
        self.header = header
        self.rows = rows
        self.textColumns = textColumns
        self.labels = labels ?? header.map { $0.replacingOccurrences(of: "_", with: " ") }
        self.detailColumns = detailColumns
        self.groups = groups
        self.note = note
    }

    /// Rows a page shows; the CSV file always holds every row.
    static let pageRowLimit = 100

    /// The rows a page shows: the first ``pageRowLimit`` (tables are sorted biggest first).
    var pageRows: ArraySlice<[String]> { rows.prefix(Self.pageRowLimit) }

    /// The same table with `columns` left to the CSV.
    func hiding(_ columns: Set<Int>) -> PackTable {
        var table = self
        table.hiddenColumns.formUnion(columns)
        return table
    }

    /// The columns a page shows in the row itself.
    var pageColumns: [Int] { header.indices.filter { !detailColumns.contains($0) && !hiddenColumns.contains($0) } }

    /// The rows a page shows, as it shows them (before number formatting).
    var shownRows: ArraySlice<[String]> { (displayRows ?? rows).prefix(Self.pageRowLimit) }

    /// A cell as a page shows it: counts with thousands separators.
    func pageCell(_ row: [String], _ column: Int) -> String {
        guard column < row.count else { return "" }
        let cell = row[column]
        guard displayRows == nil, !textColumns.contains(column), let value = Int64(cell) else { return cell }
        return Count.grouped(value)
    }

    /// "label: value" for each non-empty detail column of `row`.
    func details(of row: [String]) -> [(label: String, value: String)] {
        detailColumns.compactMap { column in
            guard column < row.count, !row[column].isEmpty else { return nil }
            return (labels[column], row[column])
        }
    }

    /// "The first 100 of 1,234 rows; name.csv holds them all.", when the page leaves rows out.
    func omittedNote(csv: String) -> String? {
        rows.count > Self.pageRowLimit
            ? "The first \(Self.pageRowLimit) of \(Count.grouped(rows.count)) rows; \(csv) holds them all." : nil
    }

    var markdown: String {
        let columns = pageColumns
        var text = note.map { "\(Escape.markdown($0))\n\n" } ?? ""
        let shownText = Set(columns.indices.filter { textColumns.contains(columns[$0]) })
        text += MarkdownTable.render(
            header: columns.map { labels[$0] }, rows: shownRows.map { row in columns.map { pageCell(row, $0) } },
            textColumns: shownText)
        let withDetails = shownRows.filter { !details(of: $0).isEmpty }
        if !withDetails.isEmpty {
            text += "\n"
            for row in withDetails {
                let name = columns.first.map { pageCell(row, $0) } ?? ""
                text +=
                    "- **\(Escape.markdown(name))**: "
                    + details(of: row).map { "\(Escape.markdown($0.label)): \(Escape.markdown($0.value))" }.joined(
                        separator: "; ") + "\n"
            }
        }
        return text
    }

    var csv: String { CSVTable.render(header: header, rows: rows) }
}
