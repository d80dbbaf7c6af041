import Foundation
import ReportAnalysis
import ReportModel

/// Writes a correlation table in one format.
public protocol CorrelationRenderer: Sendable {
    func render(_ rows: [CorrelationRow], by key: CorrelationKey) -> String
}

extension OutputFormat {
    public func correlationRenderer(width: Int? = nil) -> any CorrelationRenderer {
        switch self {
        case .text: TextCorrelationRenderer(width: width)
        case .md: MarkdownCorrelationRenderer()
        case .csv: CSVCorrelationRenderer()
        case .json: JSONCorrelationRenderer()
        }
    }
}

/// The correlation's columns, shared by text, Markdown and CSV. The source column shows the
/// service name where known, else the key (organisational domain or network); CSV adds the key.
enum CorrelationTable {
    static let textColumnNames: Set<String> = ["domain", "source", "reporter", "class", "source_key", "service", "category", "top_tls_failure"]

    static func header(by key: CorrelationKey, percentages: Bool) -> [String] {
        var header = ["domain", key.rawValue]
        if key == .source { header.append("class") }
        header += ["messages", "dmarc_pass", "spf_aligned_pass", "dkim_aligned_pass",
            "quarantined", "rejected", "tls_sessions", "tls_failed", "top_tls_failure"]
        if percentages {
            if let pass = header.firstIndex(of: "dmarc_pass") { header.insert("dmarc_pass_rate", at: pass + 1) }
            if let failed = header.firstIndex(of: "tls_failed") { header.insert("tls_success_rate", at: failed + 1) }
        } else {
            header.insert(contentsOf: ["\(key.rawValue)_key", "service", "category"], at: 2)
            header.insert(contentsOf: ["dmarc_reports", "tls_reports"], at: key == .source ? 6 : 5)
        }
        return header
    }

    static func textColumns(_ header: [String]) -> Set<Int> {
        Set(header.indices.filter { textColumnNames.contains(header[$0]) })
    }

    static func cells(_ row: CorrelationRow, by key: CorrelationKey, percentages: Bool) -> [String] {
        let topFailure = row.tls.failuresByResultType.max { ($0.value, $1.key) < ($1.value, $0.key) }
        var cells = [row.domain, row.displayName]
        if key == .source { cells.append(row.verdict?.sourceClass.rawValue ?? "") }
        cells += ["\(row.dmarc.messages)", "\(row.dmarc.dmarcPass)", "\(row.dmarc.spfAlignedPass)",
            "\(row.dmarc.dkimAlignedPass)", "\(row.dmarc.disposition["quarantine"] ?? 0)", "\(row.dmarc.disposition["reject"] ?? 0)",
            "\(row.tls.sessions)", "\(row.tls.failedSessions)", topFailure.map { "\($0.key) \($0.value)" } ?? ""]
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

public struct TextCorrelationRenderer: CorrelationRenderer {
    public var width: Int?

    public init(width: Int? = nil) {
        self.width = width
    }

    public func render(_ rows: [CorrelationRow], by key: CorrelationKey) -> String {
        guard !rows.isEmpty else { return "No reports in the database for this selection.\n" }
        let header = CorrelationTable.header(by: key, percentages: true).map { $0.replacingOccurrences(of: "_", with: " ") }
        return TextTable(header: header, rows: rows.map { CorrelationTable.cells($0, by: key, percentages: true) }, maxWidth: width).render()
    }
}

public struct MarkdownCorrelationRenderer: CorrelationRenderer {
    public init() {}

    public func render(_ rows: [CorrelationRow], by key: CorrelationKey) -> String {
        guard !rows.isEmpty else { return "_No reports in the database for this selection._\n" }
        let header = CorrelationTable.header(by: key, percentages: true)
        return MarkdownTable.render(
            header: header, rows: rows.map { CorrelationTable.cells($0, by: key, percentages: true) }, textColumns: CorrelationTable.textColumns(header))
    }
}

public struct CSVCorrelationRenderer: CorrelationRenderer {
    public init() {}

    public func render(_ rows: [CorrelationRow], by key: CorrelationKey) -> String {
        CSVTable.render(header: CorrelationTable.header(by: key, percentages: false), rows: rows.map { CorrelationTable.cells($0, by: key, percentages: false) })
    }
}

/// The JSON contract: `{"by", "rows": [{"domain", "source", "dmarc": {...}, "tls": {...}}]}`.
public struct JSONCorrelationRenderer: CorrelationRenderer {
    public init() {}

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

    public func render(_ rows: [CorrelationRow], by key: CorrelationKey) -> String {
        JSONOutput.encode(Document(by: key.rawValue, rows: rows.map { row in
            Row(
                domain: row.domain, source: row.source, category: row.category, service: row.service,
                class: row.verdict?.sourceClass.rawValue, class_reason: row.verdict?.reason,
                source_ips: key == .source ? row.sourceIPs : nil,
                dmarc: JSONSummaryRenderer.DMARC(row.dmarc), tls: JSONSummaryRenderer.TLS(row.tls, breakdown: nil))
        }))
    }
}

/// A Markdown table with escaped cells; numeric columns right-aligned.
public enum MarkdownTable {
    public static func render(header: [String], rows: [[String]], textColumns: Set<Int> = [0]) -> String {
        var out = "| " + header.map(Escape.markdown).joined(separator: " | ") + " |\n"
        out += "|" + header.indices.map { textColumns.contains($0) ? " --- " : " ---: " }.joined(separator: "|") + "|\n"
        for row in rows { out += "| " + row.map(Escape.markdown).joined(separator: " | ") + " |\n" }
        return out
    }
}

/// RFC 4180 CSV: CRLF line ends, quoted fields where needed, formula cells neutralised.
public enum CSVTable {
    public static func render(header: [String], rows: [[String]]) -> String {
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
        append(header)
        rows.forEach(append)
        return text
    }
}
