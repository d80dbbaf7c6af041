import ReportAnalysis
import ReportModel

/// The pack's index across domains: one summary in plain words, then one row per domain.
enum IndexSummary {
    static let header = [
        "domain", "messages", "dmarc_pass_rate", "failing_delivered", "tls_sessions", "tls_success_rate", "critical",
        "warnings", "first_action",
    ]
    static let labels = [
        "domain", "messages", "DMARC pass rate", "failing, delivered", "TLS sessions", "TLS success rate", "critical",
        "warnings",
        "first thing to do",
    ]
    static let textColumns: Set<Int> = [0, 8]

    /// A domain's row (its name first, as a page names it).
    static func cells(_ report: DomainReport) -> [String] {
        let summary = report.summary
        return [
            DomainPage.name(of: report.domain), Count.grouped(summary.dmarc.messages),
            Percent.format(summary.dmarc.passRate),
            Count.grouped(summary.dmarc.failedDelivered), Count.grouped(summary.tls.sessions),
            Percent.format(summary.tls.successRate),
            "\(report.findings.filter { $0.severity == .critical }.count)",
            "\(report.findings.filter { $0.severity == .warning }.count)",
            report.findings.first { $0.action != nil && $0.severity != .notice }?.action ?? "",
        ]
    }

    /// What the index's summary needs of one domain, taken while its whole report is at hand.
    struct Entry: Sendable {
        var domain: String
        var dmarc: DMARCTotals
        var tls: TLSTotals
        var policy: Disposition?
        var spoofDelivered: Int64
        var spoofBlocked: Int64
        var findings: [Finding]

        init(_ report: DomainReport) {
            domain = report.domain
            dmarc = report.summary.dmarc
            tls = report.summary.tls
            policy = report.policies.last?.policy.p
            var delivered: Int64 = 0
            var blocked: Int64 = 0
            for row in report.sources where [.suspicious, .unknown].contains(row.verdict?.sourceClass) {
                delivered.add(saturating: row.dmarc.failedDelivered)
                blocked.add(saturating: row.dmarc.failedStopped)
            }
            spoofDelivered = delivered
            spoofBlocked = blocked
            findings = report.findings
        }
    }

    /// The summary across domains, in plain words: volume and authentication, policies and how
    /// enforced they are, spoofing delivered and blocked, TLS, the findings that matter, and
    /// the actions of the most severe ones.
    static func lines(_ entries: [Entry]) -> (lines: [String], actions: [String]) {
        var messages: Int64 = 0
        var pass: Int64 = 0
        var sessions: Int64 = 0
        var successful: Int64 = 0
        var spoofDelivered: Int64 = 0
        var spoofBlocked: Int64 = 0
        for entry in entries {
            messages.add(saturating: entry.dmarc.messages)
            pass.add(saturating: min(entry.dmarc.dmarcPass, entry.dmarc.messages))
            spoofDelivered.add(saturating: entry.spoofDelivered)
            spoofBlocked.add(saturating: entry.spoofBlocked)
            sessions.add(saturating: entry.tls.sessions)
            successful.add(saturating: entry.tls.successfulSessions)
        }
        var lines: [String] = []
        var first = "\(Count.of(entries.count, "domain")) with reports: \(Count.messages(messages))"
        if messages > 0 { first += ", \(Percent.format(Double(pass) / Double(messages))) passed DMARC" }
        lines.append(first + ".")
        let policies = Dictionary(grouping: entries.compactMap(\.policy), by: { $0 })
        if !policies.isEmpty {
            let order: [Disposition] = [.reject, .quarantine, .monitor]
            let known = order.compactMap { p in policies[p].map { "\($0.count) at p=\(p.rawValue)" } }
            let other = policies.filter { !order.contains($0.key) }.values.reduce(0) { $0 + $1.count }
            var line =
                "Policies: " + (known + (other > 0 ? ["\(other) with another value"] : [])).joined(separator: ", ")
            if let monitoring = policies[.monitor]?.count, monitoring > 0 {
                line += " (p=none is monitoring only: receivers deliver failing mail as usual)"
            }
            lines.append(line + ".")
        }
        if spoofDelivered > 0 || spoofBlocked > 0 {
            lines.append(
                "Spoofing: \(Count.messages(spoofDelivered)) from unauthorised sources delivered, \(Count.grouped(spoofBlocked)) stopped by receivers."
            )
        }
        if sessions > 0 {
            lines.append(
                "TLS: \(Percent.format(Double(successful) / Double(sessions))) of \(Count.of(sessions, "session")) to the MX hosts succeeded."
            )
        }
        for severity in [Finding.Severity.critical, .warning] {
            let affected = entries.filter { $0.findings.contains { $0.severity == severity } }
            guard !affected.isEmpty else { continue }
            let count = affected.reduce(0) { $0 + $1.findings.filter { $0.severity == severity }.count }
            let names =
                affected.prefix(5).map { DomainPage.name(of: $0.domain) }.joined(separator: ", ")
                + (affected.count > 5 ? ", …" : "")
            lines.append(
                "\(Count.of(count, severity == .critical ? "critical finding" : "warning")) on \(Count.of(affected.count, "domain")): \(names)."
            )
        }
        if entries.allSatisfy({ $0.findings.allSatisfy { $0.severity == .notice } }) {
            lines.append("Nothing critical and no warnings.")
        }
        // The actions of the most severe findings, across domains, each once.
        var actions: [String] = []
        let ranked = entries.flatMap { entry in entry.findings.map { (entry.domain, $0) } }.enumerated()
            .sorted {
                $0.element.1.severity != $1.element.1.severity
                    ? $0.element.1.severity < $1.element.1.severity : $0.offset < $1.offset
            }
        for (_, (domain, finding)) in ranked where finding.severity != .notice {
            guard let action = finding.action else { continue }
            let line = "\(DomainPage.name(of: domain)): \(action)"
            if !actions.contains(line) { actions.append(line) }
            if actions.count == ExecutiveSummary.actionCount { break }
        }
        return (lines, actions)
    }
}
