import Foundation
import ReportModel

/// Aligned columns for a terminal, one row per domain.
public struct TextSummaryRenderer: SummaryRenderer {
    public init() {}

    public func render(_ summaries: [DomainSummaryView]) -> String {
        guard !summaries.isEmpty else { return "No reports in the database for this selection.\n" }
        let (header, rows) = DomainSummaryView.table(summaries, percentages: true)
        let shortHeader = header.map { name in
            name.replacingOccurrences(of: "disposition_", with: "").replacingOccurrences(of: "_", with: " ")
        }
        var out = TextTable(header: shortHeader, rows: rows).render()
        for view in summaries {
            if let line = TLSFailureNote.line(for: view.summary) { out += "\n" + Escape.terminal(line) + "\n" }
        }
        return out
    }
}

/// A Markdown table, one row per domain.
public struct MarkdownSummaryRenderer: SummaryRenderer {
    public init() {}

    public func render(_ summaries: [DomainSummaryView]) -> String {
        guard !summaries.isEmpty else { return "_No reports in the database for this selection._\n" }
        let (header, rows) = DomainSummaryView.table(summaries, percentages: true)
        var out = "| " + header.map(Escape.markdown).joined(separator: " | ") + " |\n"
        out += "|" + header.enumerated().map { $0.offset == 0 ? " --- " : " ---: " }.joined(separator: "|") + "|\n"
        for row in rows {
            out += "| " + row.map(Escape.markdown).joined(separator: " | ") + " |\n"
        }
        for view in summaries {
            if let line = TLSFailureNote.line(for: view.summary) { out += "\n" + Escape.markdown(line) + "\n" }
        }
        return out
    }
}

/// The TLS failures of a domain by result type, and a note when the failure details do not add
/// up to the failure total (reporters need not itemise every failed session; Mail.ru does not).
enum TLSFailureNote {
    static func line(for summary: DomainSummary) -> String? {
        let tls = summary.tls
        guard tls.failedSessions > 0 || !tls.failuresByResultType.isEmpty else { return nil }
        let failures = tls.failuresByResultType.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        var line = "TLS failures for \(summary.domain): \(tls.failedSessions) failed sessions"
        if !failures.isEmpty { line += "; by result type: " + failures.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        let detailed = failures.reduce(Int64(0)) { $0 &+ $1.value }
        if detailed != tls.failedSessions {
            line += ". The failure details add up to \(detailed) sessions, the reported totals to \(tls.failedSessions): both are shown as reported."
        }
        return line
    }
}

/// RFC 4180 CSV with a header row, one row per domain.
public struct CSVSummaryRenderer: SummaryRenderer {
    public init() {}

    public func render(_ summaries: [DomainSummaryView]) -> String {
        let (header, rows) = DomainSummaryView.table(summaries, percentages: false)
        return ([header] + rows).map { $0.map(Escape.csv).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}

/// The JSON contract: `{"domains": [{"domain", "dmarc": {...}, "tls": {...}}]}`.
public struct JSONSummaryRenderer: SummaryRenderer {
    public init() {}

    struct Document: Encodable {
        var domains: [Domain]
    }

    struct Domain: Encodable {
        var domain: String
        var dmarc: DMARC
        var tls: TLS
    }

    struct DMARC: Encodable {
        var reports, messages, dmarc_pass, spf_aligned_pass, dkim_aligned_pass: Int64
        var disposition: [String: Int64]
    }

    struct TLS: Encodable {
        var reports, successful_sessions, failed_sessions: Int64
        var failures_by_result_type: [String: Int64]
    }

    public func render(_ summaries: [DomainSummaryView]) -> String {
        let document = Document(domains: summaries.map { view in
            let s = view.summary
            return Domain(
                domain: s.domain,
                dmarc: DMARC(
                    reports: s.dmarc.reports, messages: s.dmarc.messages, dmarc_pass: s.dmarc.dmarcPass,
                    spf_aligned_pass: s.dmarc.spfAlignedPass, dkim_aligned_pass: s.dmarc.dkimAlignedPass,
                    disposition: s.dmarc.disposition),
                tls: TLS(
                    reports: s.tls.reports, successful_sessions: s.tls.successfulSessions,
                    failed_sessions: s.tls.failedSessions, failures_by_result_type: s.tls.failuresByResultType))
        })
        return JSONOutput.encode(document)
    }
}

/// Pretty, key-sorted JSON with a final newline.
public enum JSONOutput {
    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
