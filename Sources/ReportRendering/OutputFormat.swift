/// What every query command can write: one case per `--format` value.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Aligned tables for a terminal.
    case text
    /// GitHub-flavoured Markdown tables.
    case md
    /// RFC 4180 CSV, with formula-looking cells neutralised.
    case csv
    /// The JSON contract of docs/output.md.
    case json
}

/// Writes domain summaries in one format.
public protocol SummaryRenderer: Sendable {
    /// The whole document for `summaries`, one domain each; an empty selection still gives a whole document.
    func render(_ summaries: [DomainSummaryView]) -> String
}

extension OutputFormat {
    /// The renderer for this format; text tables fit `width` columns when it is given.
    public func summaryRenderer(width: Int? = nil) -> any SummaryRenderer {
        switch self {
        case .text: TextSummaryRenderer(width: width)
        case .md: MarkdownSummaryRenderer()
        case .csv: CSVSummaryRenderer()
        case .json: JSONSummaryRenderer()
        }
    }
}
