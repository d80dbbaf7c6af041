import ReportAnalysis
import ReportModel

/// The pack's index across domains: one summary in plain words, then one row per domain.
enum IndexSummary {
    static let header = [
        "domain", "messages", "dmarc_pass_rate", "failing_delivered", "tls_sessions", "tls_success_rate", "critical", "warnings", "first_action",
    ]
    static let labels = [
        "domain", "messages", "DMARC pass rate", "failing, delivered", "TLS sessions", "TLS success rate", "critical", "warnings",
        "first thing to do",
    ]
    static let textColumns: Set<Int> = [0, 8]

    /// A domain's row (its name first, as a page names it).
    static func cells(_ report: DomainReport) -> [String] {
        let summary = report.summary
        return [
            DomainPage.name(of: report.domain), Count.grouped(summary.dmarc.messages), Percent.format(summary.dmarc.passRate),
            Count.grouped(summary.dmarc.failedDelivered), Count.grouped(summary.tls.sessions), Percent.format(summary.tls.successRate),
            "\(report.findings.filter { $0.severity == .critical }.count)", "\(report.findings.filter { $0.severity == .warning }.count)",
            report.findings.first { $0.action != nil && $0.severity != .notice }?.action ?? "",
        ]
    }

    /// "3 domains: 4,309 messages, 98.6% passed DMARC; …", then the findings that matter.
    static func lines(_ reports: [DomainReport]) -> [String] {
        var messages: Int64 = 0, pass: Int64 = 0, sessions: Int64 = 0, successful: Int64 = 0, delivered: Int64 = 0
        for report in reports {
            messages.add(saturating: report.summary.dmarc.messages)
            pass.add(saturating: min(report.summary.dmarc.dmarcPass, report.summary.dmarc.messages))
            delivered.add(saturating: report.summary.dmarc.failedDelivered)
            sessions.add(saturating: report.summary.tls.sessions)
            successful.add(saturating: report.summary.tls.successfulSessions)
        }
        var lines: [String] = []
        var first = "\(Count.of(reports.count, "domain")) with reports: \(Count.messages(messages))"
        if messages > 0 { first += ", \(Percent.format(Double(pass) / Double(messages))) passed DMARC, \(Count.grouped(delivered)) failed and were delivered" }
        if sessions > 0 { first += "; \(Count.of(sessions, "TLS session")) to the MX hosts, \(Percent.format(Double(successful) / Double(sessions))) succeeded" }
        lines.append(first + ".")
        for severity in [Finding.Severity.critical, .warning] {
            let affected = reports.filter { $0.findings.contains { $0.severity == severity } }
            guard !affected.isEmpty else { continue }
            let count = affected.reduce(0) { $0 + $1.findings.filter { $0.severity == severity }.count }
            let names = affected.prefix(5).map { DomainPage.name(of: $0.domain) }.joined(separator: ", ") + (affected.count > 5 ? ", …" : "")
            lines.append("\(Count.of(count, severity == .critical ? "critical finding" : "warning")) on \(Count.of(affected.count, "domain")): \(names).")
        }
        if let worst = reports.flatMap({ report in report.findings.map { (report, $0) } }).min(by: { $0.1.severity < $1.1.severity }),
            worst.1.severity != .notice
        {
            lines.append("Most urgent: \(DomainPage.name(of: worst.0.domain)): \(worst.1.text).")
        }
        if reports.allSatisfy({ $0.findings.allSatisfy { $0.severity == .notice } }) { lines.append("Nothing critical and no warnings.") }
        return lines
    }
}
