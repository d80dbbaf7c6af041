import ReportModel

/// A domain summary with the columns every tabular format shares.
public struct DomainSummaryView: Sendable {
    public var summary: DomainSummary
    /// Disposition names to show as columns, in order, across all domains.
    public var dispositionColumns: [String]

    public init(summary: DomainSummary, dispositionColumns: [String]) {
        self.summary = summary
        self.dispositionColumns = dispositionColumns
    }

    /// Views for a list of summaries, sharing one set of disposition columns
    /// (`none`, `quarantine`, `reject` first, then any other value seen, alphabetically).
    public static func views(for summaries: [DomainSummary]) -> [DomainSummaryView] {
        let standard = ["none", "quarantine", "reject"]
        let seen = Set(summaries.flatMap { $0.dmarc.disposition.keys })
        let columns = standard + seen.subtracting(standard).sorted()
        return summaries.map { DomainSummaryView(summary: $0, dispositionColumns: columns) }
    }

    /// Header and cells of the summary table shared by text, Markdown and CSV.
    static func table(_ views: [DomainSummaryView], percentages: Bool) -> (header: [String], rows: [[String]]) {
        let dispositions = views.first?.dispositionColumns ?? ["none", "quarantine", "reject"]
        var header = ["domain", "dmarc_reports", "messages", "dmarc_pass", "spf_aligned_pass", "dkim_aligned_pass"]
        header += dispositions.map { "disposition_\($0)" }
        header += ["tls_reports", "successful_sessions", "failed_sessions"]
        if percentages {
            header.insert("dmarc_pass_rate", at: 4)
            header.append("tls_success_rate")
        }
        header.append("mta_sts_mode")
        let rows = views.map { view -> [String] in
            let s = view.summary
            var row = [s.domain.isEmpty ? "(no policy domain)" : s.domain, "\(s.dmarc.reports)", "\(s.dmarc.messages)", "\(s.dmarc.dmarcPass)",
                "\(s.dmarc.spfAlignedPass)", "\(s.dmarc.dkimAlignedPass)"]
            row += dispositions.map { "\(s.dmarc.disposition[$0] ?? 0)" }
            row += ["\(s.tls.reports)", "\(s.tls.successfulSessions)", "\(s.tls.failedSessions)"]
            if percentages {
                row.insert(Percent.format(s.dmarc.passRate), at: 4)
                row.append(Percent.format(s.tls.successRate))
            }
            row.append(s.tlsBreakdown?.stsMode ?? "")
            return row
        }
        return (header, rows)
    }
}

enum Percent {
    static func format(_ rate: Double?) -> String {
        guard let rate else { return "–" }
        let tenths = Int((rate * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
