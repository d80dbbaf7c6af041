import ReportAnalysis
import ReportModel

/// The per-source drill-down: one row per group of alike records (``RecordGroup``), in every
/// output format. The pack's source details use the same columns.
public enum RecordGroupTable {
    /// CSV column names (`records --format csv` puts `source` first); ``labels`` are the same columns
    /// for people.
    public static let header = [
        "messages", "reports", "dmarc", "header_from", "envelope_from", "dkim_signatures", "spf_checks", "dkim_aligned",
        "spf_aligned",
        "disposition", "overrides", "ips",
    ]
    /// Columns of text (the others hold numbers).
    public static let textColumns: Set<Int> = Set(2..<header.count)

    /// Column labels of text and Markdown.
    public static let labels = [
        "messages", "reports", "DMARC", "header From", "envelope From", "DKIM signatures", "SPF checks", "DKIM aligned",
        "SPF aligned",
        "disposition", "overrides", "addresses",
    ]

    /// The cells of a group: counts as plain numbers (CSV), or with separators (`grouped`).
    public static func cells(_ group: RecordGroup, grouped: Bool = false) -> [String] {
        let count: (Int64) -> String = { grouped ? Count.grouped($0) : "\($0)" }
        return [
            count(group.messages), count(group.reports), group.passesDMARC ? "pass" : "fail", group.headerFrom ?? "",
            group.envelopeFrom ?? "",
            group.dkimText, group.spfText, group.alignedDKIM?.rawValue ?? "", group.alignedSPF?.rawValue ?? "",
            group.disposition?.rawValue ?? "", group.reasonsText,
            group.sourceIPs.prefix(5).joined(separator: " ") + (group.sourceIPs.count > 5 ? " …" : ""),
        ]
    }

    /// The groups of one source in `format`, after a line that says which source and period.
    public static func render(
        _ groups: [RecordGroup], source: String, domain: String, period: String, format: OutputFormat, width: Int? = nil
    ) -> String {
        let rows = groups.map { cells($0) }
        let shownRows = groups.map { cells($0, grouped: true) }
        switch format {
        case .csv:
            return CSVTable.render(header: ["source"] + header, rows: rows.map { [source] + $0 })
        case .json:
            struct Document: Encodable {
                var domain, source, period: String
                var groups: [Group]
            }
            struct Group: Encodable {
                var messages, reports: Int64
                var dmarc: String
                var header_from, envelope_from: String?
                var dkim: [[String: String]]
                var spf: [[String: String]]
                var dkim_aligned, spf_aligned, disposition: String?
                var overrides: [[String: String]]
                var ips: [String]
            }
            let document = Document(
                domain: domain, source: source, period: period,
                groups: groups.map { group in
                    Group(
                        messages: group.messages, reports: group.reports, dmarc: group.passesDMARC ? "pass" : "fail",
                        header_from: group.headerFrom, envelope_from: group.envelopeFrom,
                        dkim: group.dkimResults.map {
                            [
                                "domain": $0.domain ?? "", "selector": $0.selector ?? "",
                                "result": $0.result?.rawValue ?? "",
                            ]
                        },
                        spf: group.spfResults.map {
                            [
                                "domain": $0.domain ?? "", "scope": $0.scope?.rawValue ?? "",
                                "result": $0.result?.rawValue ?? "",
                            ]
                        },
                        dkim_aligned: group.alignedDKIM?.rawValue, spf_aligned: group.alignedSPF?.rawValue,
                        disposition: group.disposition?.rawValue,
                        overrides: group.reasons.map {
                            ["type": $0.type?.rawValue ?? "", "comment": $0.comment ?? ""]
                        }, ips: group.sourceIPs)
                })
            return JSONOutput.encode(document)
        case .md:
            let title =
                "**\(Escape.markdown(source))** sending as \(Escape.markdown(domain)), \(Escape.markdown(period))\n\n"
            guard !rows.isEmpty else { return title + "_No DMARC records._\n" }
            return title + MarkdownTable.render(header: labels, rows: shownRows, textColumns: textColumns)
        case .text:
            let title = "\(Escape.terminal(source)) sending as \(Escape.terminal(domain)), \(period)\n"
            guard !rows.isEmpty else { return title + "No DMARC records.\n" }
            return title + TextTable(header: labels, rows: shownRows, maxWidth: width).render()
        }
    }
}
