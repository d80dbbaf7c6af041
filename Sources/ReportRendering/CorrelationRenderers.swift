import Foundation
import ReportAnalysis
import ReportModel

/// Writes a correlation table in one format, piece by piece: rows come in domain order, a group
/// of domains at a time, and what can be written goes out at once (text tables, which need
/// every row's width first, keep their rows as compact text until ``finish(_:)``).
public protocol CorrelationWriter: AnyObject {
    /// Writes (or keeps) the next rows.
    func write(_ rows: [CorrelationRow], to output: (String) -> Void)
    /// Writes the rest: the end of the document, or the message for no rows at all.
    func finish(_ output: (String) -> Void)
}

extension OutputFormat {
    /// The correlation writer for this format; text tables fit `width` columns when it is given.
    public func correlationWriter(by key: CorrelationKey, width: Int? = nil) -> any CorrelationWriter {
        switch self {
        case .text: TextCorrelationWriter(by: key, width: width)
        case .md: MarkdownCorrelationWriter(by: key)
        case .csv: CSVCorrelationWriter(by: key)
        case .json: JSONCorrelationWriter(by: key)
        }
    }
}

/// The correlation's columns, shared by text, Markdown and CSV. The source column shows the
/// service name where known, else the key (organisational domain or network); CSV adds the key.
enum CorrelationTable {
    static let textColumnNames: Set<String> = [
        "domain", "source", "reporter", "class", "source_key", "reporter_key", "service", "category",
        "to_mx_top_tls_failure",
    ]

    /// The two sides are two directions (docs/correlation.md): DMARC counts mail sent *as* the
    /// domain, TLS-RPT counts sessions *to* the domain's MX hosts. Column names say which:
    /// `as_domain_` and `to_mx_`; text and Markdown show them as `as domain` and `to MX`.
    static func header(by key: CorrelationKey, percentages: Bool) -> [String] {
        var header = ["domain", key.rawValue]
        if key == .source { header.append("class") }
        header += [
            "as_domain_messages", "as_domain_dmarc_pass", "as_domain_spf_aligned_pass", "as_domain_dkim_aligned_pass",
            "as_domain_quarantined", "as_domain_rejected", "to_mx_tls_sessions", "to_mx_tls_failed",
            "to_mx_top_tls_failure",
        ]
        if percentages {
            if let pass = header.firstIndex(of: "as_domain_dmarc_pass") {
                header.insert("as_domain_dmarc_pass_rate", at: pass + 1)
            }
            if let failed = header.firstIndex(of: "to_mx_tls_failed") {
                header.insert("to_mx_tls_success_rate", at: failed + 1)
            }
        } else {
            header.insert(contentsOf: ["\(key.rawValue)_key", "service", "category"], at: 2)
            header.insert(contentsOf: ["as_domain_dmarc_reports", "to_mx_tls_reports"], at: key == .source ? 6 : 5)
        }
        return header
    }

    /// A column name as text and Markdown show it: `as domain: messages`, `to MX: tls sessions`.
    static func label(_ name: String) -> String {
        for (prefix, shown) in [("as_domain_", "as domain: "), ("to_mx_", "to MX: ")] where name.hasPrefix(prefix) {
            return shown + name.dropFirst(prefix.count).replacingOccurrences(of: "_", with: " ")
        }
        return name.replacingOccurrences(of: "_", with: " ")
    }

    /// The line above a text or Markdown table that says what each side means.
    static func directions(by key: CorrelationKey) -> String {
        let whose = key == .source ? "each source" : "each reporter's reports"
        return "\"as domain\": mail sent with the domain in its From, as DMARC reports saw it, by \(whose); "
            + "\"to MX\": TLS sessions opened to the domain's MX hosts, as the reporting organisation's TLS reports counted them. "
            + "Two directions side by side: TLS trouble is trouble reaching the domain, not trouble sending as it."
    }

    static func textColumns(_ header: [String]) -> Set<Int> {
        Set(header.indices.filter { textColumnNames.contains(header[$0]) })
    }

    static func cells(_ row: CorrelationRow, by key: CorrelationKey, percentages: Bool) -> [String] {
        let topFailure = row.tls.failuresByResultType.max { ($0.value, $1.key) < ($1.value, $0.key) }
        var cells = [row.domain, row.displayName]
        if key == .source { cells.append(row.verdict?.sourceClass.rawValue ?? "") }
        // Text and Markdown (`percentages`) for people: counts with separators; CSV plain numbers.
        let count: (Int64) -> String = { percentages ? Count.grouped($0) : "\($0)" }
        cells += [
            count(row.dmarc.messages), count(row.dmarc.dmarcPass), count(row.dmarc.spfAlignedPass),
            count(row.dmarc.dkimAlignedPass), count(row.dmarc.disposition[.quarantine] ?? 0),
            count(row.dmarc.disposition[.reject] ?? 0),
            count(row.tls.sessions), count(row.tls.failedSessions),
            topFailure.map { "\($0.key) \(count($0.value))" } ?? "",
        ]
        let pass = key == .source ? 4 : 3
        if percentages {
            cells.insert(Percent.format(row.dmarc.passRate), at: pass + 1)
            cells.insert(Percent.format(row.tls.successRate), at: pass + 8)
        } else {
            cells.insert(contentsOf: [row.source, row.service ?? "", row.category ?? ""], at: 2)
            cells.insert(contentsOf: ["\(row.dmarc.reports)", "\(row.tls.reports)"], at: key == .source ? 6 : 5)
        }
        return cells
    }
}

/// An aligned text table under a line that says what the two sides count. Rows are kept until
/// ``finish(_:)``: the column widths need every row.
public final class TextCorrelationWriter: CorrelationWriter {
    private let key: CorrelationKey
    private var table: TextTable

    /// `width`: the terminal's columns, when known; a wider table is written as one block per row.
    public init(by key: CorrelationKey, width: Int? = nil) {
        self.key = key
        let header = CorrelationTable.header(by: key, percentages: true).map(CorrelationTable.label)
        table = TextTable(header: header, maxWidth: width)
    }

    /// Keeps the rows; nothing is written before ``finish(_:)``.
    public func write(_ rows: [CorrelationRow], to output: (String) -> Void) {
        for row in rows { table.append(CorrelationTable.cells(row, by: key, percentages: true)) }
    }

    /// Writes the line on directions and the table, or one sentence when no row came.
    public func finish(_ output: (String) -> Void) {
        guard !table.isEmpty else { return output("No reports in the database for this selection.\n") }
        output(CorrelationTable.directions(by: key) + "\n\n")
        table.render(output)
    }
}

/// A Markdown table written as the rows come, under an italic line that says what the two sides count.
public final class MarkdownCorrelationWriter: CorrelationWriter {
    private let key: CorrelationKey
    private let header: [String]
    private var started = false

    /// A writer for the table keyed by `key`.
    public init(by key: CorrelationKey) {
        self.key = key
        header = CorrelationTable.header(by: key, percentages: true)
    }

    /// Writes the rows at once; the line on directions and the header go before the first ones.
    public func write(_ rows: [CorrelationRow], to output: (String) -> Void) {
        guard !rows.isEmpty else { return }
        if !started { output("_\(Escape.markdown(CorrelationTable.directions(by: key)))_\n\n") }
        output(
            MarkdownTable.render(
                header: started ? nil : header.map(CorrelationTable.label),
                rows: rows.map { CorrelationTable.cells($0, by: key, percentages: true) },
                textColumns: CorrelationTable.textColumns(header)))
        started = true
    }

    /// Says in italics that there was nothing when no row came; else everything is written already.
    public func finish(_ output: (String) -> Void) {
        if !started { output("_No reports in the database for this selection._\n") }
    }
}

/// CSV with the fixed columns of docs/output.md: plain numbers, and the key, service and category
/// beside the name.
public final class CSVCorrelationWriter: CorrelationWriter {
    private let key: CorrelationKey
    private var started = false

    /// A writer for the table keyed by `key`.
    public init(by key: CorrelationKey) {
        self.key = key
    }

    /// Writes the rows at once, the header before the first ones.
    public func write(_ rows: [CorrelationRow], to output: (String) -> Void) {
        output(
            CSVTable.render(
                header: started ? nil : CorrelationTable.header(by: key, percentages: false),
                rows: rows.map { CorrelationTable.cells($0, by: key, percentages: false) }))
        started = true
    }

    /// Writes the header alone when no row came, so that the file still has its columns.
    public func finish(_ output: (String) -> Void) {
        if !started { write([], to: output) }
    }
}

/// The JSON contract: `{"by", "rows": [{"domain", "source", "dmarc": {...}, "tls": {...}}]}`.
public final class JSONCorrelationWriter: CorrelationWriter {
    struct Document: Encodable {
        var by: String
        var rows: [Row]
    }

    struct Row: Encodable {
        var domain: String
        var source: String
        var category: String?
        var service: String?
        var `class`: String?
        var class_reason: String?
        var source_ips: [String]?
        var dmarc: JSONSummaryRenderer.DMARC
        var tls: JSONSummaryRenderer.TLS
    }

    private let key: CorrelationKey
    private var document: StreamedJSONArray

    /// What each side counts (docs/output.md).
    static let dmarcDirection = "sent-as-domain"
    static let tlsDirection = "to-domain-mx"

    /// A writer whose document gives `key` as `by`.
    public init(by key: CorrelationKey) {
        self.key = key
        document = StreamedJSONArray(empty: Document(by: key.rawValue, rows: []))
    }

    /// Writes the rows as elements of the document's array, a thousand per string, so that the
    /// output is never held whole.
    public func write(_ rows: [CorrelationRow], to output: (String) -> Void) {
        for chunk in rows.chunks(of: 1000) {
            output(
                document.elements(
                    chunk.map { row in
                        Row(
                            domain: row.domain, source: row.source, category: row.category, service: row.service,
                            class: row.verdict?.sourceClass.rawValue, class_reason: row.verdict?.reason,
                            source_ips: key == .source ? row.sourceIPs : nil,
                            dmarc: JSONSummaryRenderer.DMARC(row.dmarc, direction: Self.dmarcDirection),
                            tls: JSONSummaryRenderer.TLS(row.tls, breakdown: nil, direction: Self.tlsDirection))
                    }))
        }
    }

    /// Closes the array and the document (an empty array when no row came).
    public func finish(_ output: (String) -> Void) {
        output(document.end())
    }
}

/// A Markdown table with escaped cells; numeric columns right-aligned.
public enum MarkdownTable {
    /// - Parameter header: nil for more rows of a table already started.
    public static func render(header: [String]?, rows: [[String]], textColumns: Set<Int> = [0]) -> String {
        var out = ""
        if let header {
            out += "| " + header.map(Escape.markdown).joined(separator: " | ") + " |\n"
            out +=
                "|" + header.indices.map { textColumns.contains($0) ? " --- " : " ---: " }.joined(separator: "|")
                + "|\n"
        }
        for row in rows { out += "| " + row.map(Escape.markdown).joined(separator: " | ") + " |\n" }
        return out
    }
}

/// RFC 4180 CSV: CRLF line ends, quoted fields where needed, formula cells neutralised.
public enum CSVTable {
    /// - Parameter header: nil for more rows of a table already started.
    public static func render(header: [String]?, rows: [[String]]) -> String {
        // One string grown in place: tables of tens of thousands of rows are common.
        var text = ""
        text.reserveCapacity((rows.first?.reduce(0) { $0 + $1.utf8.count + 1 } ?? 16) * (rows.count + 1) + 64)
        func append(_ row: [String]) {
            for (index, cell) in row.enumerated() {
                if index > 0 { text += "," }
                text += Escape.csv(cell)
            }
            text += "\r\n"
        }
        if let header { append(header) }
        rows.forEach(append)
        return text
    }
}
