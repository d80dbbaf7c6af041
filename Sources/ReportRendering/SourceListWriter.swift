import ReportAnalysis
import ReportModel

/// Writes `mailtally sources` in one format, piece by piece: listings come in domain order, a
/// group of whole domains at a time, and each group is written at once (text and Markdown hold
/// a table per domain).
public final class SourceListWriter {
    /// The format written.
    public let format: OutputFormat
    /// The terminal's columns for text tables, when known.
    public let width: Int?
    private var started = false
    private var document = StreamedJSONArray(empty: Document(sources: []))

    /// A writer of `format`; text tables fit `width` columns when it is given.
    public init(format: OutputFormat, width: Int? = nil) {
        self.format = format
        self.width = width
    }

    /// Writes the next listings: whole domains, in domain order.
    public func write(_ listings: [SourceListing], to output: (String) -> Void) {
        defer { if !listings.isEmpty { started = true } }
        switch format {
        case .json:
            for chunk in listings.chunks(of: 1000) { output(document.elements(chunk.map(Self.jsonSource))) }
        case .csv:
            output(CSVTable.render(header: started ? nil : Self.csvHeader, rows: listings.flatMap(Self.csvRows)))
            started = true
        case .text, .md:
            var start = listings.startIndex
            while start < listings.endIndex {
                let domain = listings[start].row.domain
                let end = listings[start...].firstIndex { $0.row.domain != domain } ?? listings.endIndex
                let header = [
                    "source", "service", "category", "class", "messages", "DMARC pass rate", "ips",
                    "addresses (PTR name)",
                ]
                let rows = listings[start..<end].map(Self.cells)
                if format == .md {
                    output(
                        "## \(Escape.markdown(domain))\n\n"
                            + MarkdownTable.render(header: header, rows: rows, textColumns: [0, 1, 2, 3, 7]) + "\n")
                } else {
                    let table = TextTable(header: header, rows: rows, maxWidth: width)
                    output("\(Escape.terminal(domain))\n" + table.render() + "\n")
                }
                start = end
            }
        }
    }

    /// Writes the rest: the end of the document, or the message for no sources at all.
    public func finish(_ output: (String) -> Void) {
        switch format {
        case .json: output(document.end())
        case .csv: if !started { write([], to: output) }
        case .text: if !started { output("No DMARC sources in the database for this selection.\n") }
        case .md: if !started { output("_No DMARC sources in the database for this selection._\n") }
        }
    }

    static func cells(_ listing: SourceListing) -> [String] {
        let row = listing.row
        let shown = listing.addresses.prefix(3).map { address in
            address.ip
                + (address.reverseDNS?.name.map {
                    " (\($0)\(address.reverseDNS?.isConfirmed == true ? "" : ", unconfirmed"))"
                } ?? "")
        }
        return [
            row.source, row.service ?? "", row.category ?? "", row.verdict?.sourceClass.rawValue ?? "",
            Count.grouped(row.dmarc.messages),
            Percent.format(row.dmarc.passRate), Count.grouped(listing.addresses.count),
            shown.joined(separator: "; ") + (listing.addresses.count > 3 ? "; …" : ""),
        ]
    }

    static let csvHeader = [
        "domain", "source", "service", "category", "class", "class_reason", "suggested_rule", "ip", "ptr",
        "ptr_confirmed", "ptr_status",
        "messages", "dmarc_pass",
    ]

    /// One line per address, so a spreadsheet can sort and filter them.
    static func csvRows(_ listing: SourceListing) -> [[String]] {
        let row = listing.row
        return listing.addresses.map { address in
            [
                row.domain, row.source, row.service ?? "", row.category ?? "", row.verdict?.sourceClass.rawValue ?? "",
                row.verdict?.reason ?? "",
                listing.suggestedRule, address.ip, address.reverseDNS?.name ?? "",
                address.reverseDNS.map { $0.isConfirmed ? "yes" : "no" } ?? "",
                address.reverseDNS?.status.rawValue ?? "not looked up", "\(address.messages)", "\(address.dmarcPass)",
            ]
        }
    }

    struct Document: Encodable {
        var sources: [Source]
    }

    struct Source: Encodable {
        var domain, source: String
        var service, category, `class`, class_reason: String?
        var origin: String
        var suggested_rule: String
        var dmarc: JSONSummaryRenderer.DMARC
        var ips: [Address]
    }

    struct Address: Encodable {
        var ip: String
        var messages, dmarc_pass: Int64
        var ptr: String?
        var ptr_names: [String]?
        var ptr_confirmed: Bool?
        var ptr_status: String?
    }

    static func jsonSource(_ listing: SourceListing) -> Source {
        let row = listing.row
        return Source(
            domain: row.domain, source: row.source, service: row.service, category: row.category,
            class: row.verdict?.sourceClass.rawValue, class_reason: row.verdict?.reason, origin: row.origin.rawValue,
            suggested_rule: listing.suggestedRule, dmarc: JSONSummaryRenderer.DMARC(row.dmarc),
            ips: listing.addresses.map { address in
                Address(
                    ip: address.ip, messages: address.messages, dmarc_pass: address.dmarcPass,
                    ptr: address.reverseDNS?.name,
                    ptr_names: address.reverseDNS?.names, ptr_confirmed: address.reverseDNS?.isConfirmed,
                    ptr_status: address.reverseDNS?.status.rawValue)
            })
    }
}
