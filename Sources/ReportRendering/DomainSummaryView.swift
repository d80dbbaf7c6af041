import ReportAnalysis
import ReportModel

/// A domain summary with the columns every tabular format shares.
public struct DomainSummaryView: Sendable {
    /// The domain's DMARC and TLS totals over the selected period.
    public var summary: DomainSummary
    /// Disposition names to show as columns, in order, across all domains.
    public var dispositionColumns: [Disposition]
    /// The domain's biggest sending sources (correlation rows by source with a DMARC side),
    /// biggest first: the first ``topSourceCount``.
    public var sources: [CorrelationRow]
    /// Sources and messages per class, in class order, over all the domain's sources; classes
    /// without sources are left out.
    public var classTallies: [SourceClassTally]
    /// The domain's findings, as the pack gives them for the same period (JSON only).
    public var findings: [Finding] = []
    /// The latest live transport check of the domain, when it was ever checked.
    public var transport: TransportCheck?

    /// How many of the biggest sources a view keeps.
    public static let topSourceCount = 10

    /// - Parameter sources: the domain's correlation rows by source (all of them: the classes
    ///   are counted over all, and only the biggest are kept).
    public init(summary: DomainSummary, dispositionColumns: [Disposition], sources: [CorrelationRow] = []) {
        self.summary = summary
        self.dispositionColumns = dispositionColumns
        let sending = sources.filter { $0.dmarc.messages > 0 }
        classTallies = SourceClassTally.tally(sending)
        self.sources = Array(
            sending.sorted { ($0.dmarc.messages, $1.source) > ($1.dmarc.messages, $0.source) }.prefix(
                Self.topSourceCount))
    }

    /// Disposition names to show as columns for these summaries: `none`, `quarantine`,
    /// `reject` first, then any other value seen, alphabetically.
    public static func dispositionColumns(for summaries: [DomainSummary]) -> [Disposition] {
        let standard: [Disposition] = [.monitor, .quarantine, .reject]
        let seen = Set(summaries.flatMap { $0.dmarc.disposition.keys })
        return standard + seen.subtracting(standard).sorted { $0.rawValue < $1.rawValue }
    }

    /// "authorised 3 sources, 3,995 messages; suspicious 1 source, 44 messages".
    var classLine: String {
        classTallies.map { tally in
            "\(tally.sourceClass.rawValue) \(Count.of(tally.sources, "source")), \(Count.messages(tally.messages))"
        }.joined(separator: "; ")
    }

    /// The biggest sources as "name: class, messages, pass rate" lines, at most `limit`.
    func sourceLines(limit: Int = 8) -> [(label: String, value: String)] {
        sources.prefix(limit).map { row in
            let name = row.service.map { "\($0) (\(row.source))" } ?? row.source
            var value = "\(Count.messages(row.dmarc.messages)), \(Percent.format(row.dmarc.passRate)) pass"
            if let verdict = row.verdict { value = "\(verdict.sourceClass.rawValue): " + value }
            return (name, value)
        }
    }

    /// A column as text and Markdown show it: `dmarc pass rate`, and a disposition marked as
    /// one (`disposition: pass`, not a bare `pass` beside `dmarc pass`).
    static func label(_ name: String) -> String {
        if name.hasPrefix("disposition_") { return "disposition: " + name.dropFirst("disposition_".count) }
        return name.replacingOccurrences(of: "_", with: " ")
    }

    /// Header and cells of the summary table shared by text, Markdown and CSV. Text and
    /// Markdown (`percentages`) show counts with thousands separators; CSV plain numbers.
    /// - Parameter classColumns: the CSV form: fixed columns whatever the data holds (every
    ///   standard disposition and `other`, every registered TLS result type and `other`, every
    ///   class), so a spreadsheet can read them by position.
    static func table(_ views: [DomainSummaryView], percentages: Bool, classColumns: Bool = false) -> (
        header: [String], rows: [[String]]
    ) {
        let standard = Disposition.standard
        let dispositions =
            classColumns ? standard : views.first?.dispositionColumns ?? [.monitor, .quarantine, .reject]
        var header = ["domain", "dmarc_reports", "messages", "dmarc_pass", "spf_aligned_pass", "dkim_aligned_pass"]
        header += dispositions.map { "disposition_\($0.rawValue)" } + (classColumns ? ["disposition_other"] : [])
        header += ["tls_reports", "successful_sessions", "failed_sessions"]
        if percentages {
            header.insert("dmarc_pass_rate", at: 4)
            header.append("tls_success_rate")
        }
        header.append("mta_sts_mode")
        if classColumns {
            header += SourceClass.allCases.flatMap { ["\($0.rawValue)_sources", "\($0.rawValue)_messages"] }
            header += TLSResultType.registered.map { "tls_failed_\($0.rawValue)" } + ["tls_failed_other"]
        }
        let rows = views.map { view -> [String] in
            let s = view.summary
            let count: (Int64) -> String = { percentages ? Count.grouped($0) : "\($0)" }
            var row = [
                s.domain.isEmpty ? "(no policy domain)" : s.domain, count(s.dmarc.reports), count(s.dmarc.messages),
                count(s.dmarc.dmarcPass),
                count(s.dmarc.spfAlignedPass), count(s.dmarc.dkimAlignedPass),
            ]
            if classColumns {
                let other = s.dmarc.disposition.filter { !standard.contains($0.key) }.values
                row += standard.map { "\(s.dmarc.disposition[$0] ?? 0)" } + ["\(ReportCounts.sum(other))"]
            } else {
                row += dispositions.map { count(s.dmarc.disposition[$0] ?? 0) }
            }
            row += [count(s.tls.reports), count(s.tls.successfulSessions), count(s.tls.failedSessions)]
            if percentages {
                row.insert(Percent.format(s.dmarc.passRate), at: 4)
                row.append(Percent.format(s.tls.successRate))
            }
            row.append(s.tlsBreakdown?.stsMode?.rawValue ?? "")
            guard classColumns else { return row }
            let tallies = Dictionary(uniqueKeysWithValues: view.classTallies.map { ($0.sourceClass, $0) })
            row += SourceClass.allCases.flatMap { ["\(tallies[$0]?.sources ?? 0)", "\(tallies[$0]?.messages ?? 0)"] }
            let registered = TLSResultType.registered.map(\.rawValue)
            row += registered.map { "\(s.tls.failuresByResultType[$0] ?? 0)" }
            row.append("\(ReportCounts.sum(s.tls.failuresByResultType.filter { !registered.contains($0.key) }.values))")
            return row
        }
        return (header, rows)
    }
}
