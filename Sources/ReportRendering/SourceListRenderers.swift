import ReportAnalysis
import ReportModel

/// Writes `mailtally sources` in one format.
public struct SourceListRenderer: Sendable {
    public var format: OutputFormat
    public var width: Int?

    public init(format: OutputFormat, width: Int? = nil) {
        self.format = format
        self.width = width
    }

    public func render(_ listings: [SourceListing]) -> String {
        switch format {
        case .json: return json(listings)
        case .csv: return CSVTable.render(header: Self.csvHeader, rows: listings.flatMap(Self.csvRows))
        case .text, .md:
            guard !listings.isEmpty else {
                return format == .md ? "_No DMARC sources in the database for this selection._\n" : "No DMARC sources in the database for this selection.\n"
            }
            var out = ""
            for (domain, group) in Dictionary(grouping: listings, by: \.row.domain).sorted(by: { $0.key < $1.key }) {
                let header = ["source", "service", "category", "class", "messages", "dmarc_pass_rate", "ips", "addresses (PTR name)"]
                let rows = group.map(Self.cells)
                if format == .md {
                    out += "## \(Escape.markdown(domain))\n\n" + MarkdownTable.render(header: header, rows: rows, textColumns: [0, 1, 2, 3, 7]) + "\n"
                } else {
                    out += "\(Escape.terminal(domain))\n" + TextTable(header: header.map { $0.replacingOccurrences(of: "_", with: " ") }, rows: rows, maxWidth: width).render() + "\n"
                }
            }
            return out
        }
    }

    static func cells(_ listing: SourceListing) -> [String] {
        let row = listing.row
        let shown = listing.addresses.prefix(3).map { address in
            address.ip + (address.reverseDNS?.name.map { " (\($0)\(address.reverseDNS?.isConfirmed == true ? "" : ", unconfirmed"))" } ?? "")
        }
        return [
            row.source, row.service ?? "", row.category ?? "", row.verdict?.sourceClass.rawValue ?? "", "\(row.dmarc.messages)",
            Percent.format(row.dmarc.passRate), "\(listing.addresses.count)",
            shown.joined(separator: "; ") + (listing.addresses.count > 3 ? "; …" : ""),
        ]
    }

    static let csvHeader = [
        "domain", "source", "service", "category", "class", "class_reason", "suggested_rule", "ip", "ptr", "ptr_confirmed", "ptr_status",
        "messages", "dmarc_pass",
    ]

    /// One line per address, so a spreadsheet can sort and filter them.
    static func csvRows(_ listing: SourceListing) -> [[String]] {
        let row = listing.row
        return listing.addresses.map { address in
            [
                row.domain, row.source, row.service ?? "", row.category ?? "", row.verdict?.sourceClass.rawValue ?? "", row.verdict?.reason ?? "",
                listing.suggestedRule, address.ip, address.reverseDNS?.name ?? "", address.reverseDNS.map { $0.isConfirmed ? "yes" : "no" } ?? "",
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

    func json(_ listings: [SourceListing]) -> String {
        JSONOutput.encode(Document(sources: listings.map { listing in
            let row = listing.row
            return Source(
                domain: row.domain, source: row.source, service: row.service, category: row.category,
                class: row.verdict?.sourceClass.rawValue, class_reason: row.verdict?.reason, origin: row.origin.rawValue,
                suggested_rule: listing.suggestedRule, dmarc: JSONSummaryRenderer.DMARC(row.dmarc),
                ips: listing.addresses.map { address in
                    Address(
                        ip: address.ip, messages: address.messages, dmarc_pass: address.dmarcPass, ptr: address.reverseDNS?.name,
                        ptr_names: address.reverseDNS?.names, ptr_confirmed: address.reverseDNS?.isConfirmed,
                        ptr_status: address.reverseDNS?.status.rawValue)
                })
        }))
    }
}
