import ReportAnalysis
import ReportModel

/// The Markdown page and the tables of one domain in the stakeholder pack.
public struct DomainPage: Sendable {
    public var markdown: String
    public var tables: [PackTable]

    public init(_ report: DomainReport, fileStem: String) {
        /// A table's Markdown, with a note when the page shows only its first rows.
        func block(_ table: PackTable) -> String {
            table.markdown + (table.omittedNote(csv: "\(fileStem)-\(table.name).csv").map { "\n_\(Escape.markdown($0))_\n" } ?? "")
        }
        var tables: [PackTable] = []
        var md = "# \(Escape.markdown(report.domain)): mail authentication and TLS\n\n"
        md += "Period: \(Self.describe(report.period))"
        if let previous = report.previousPeriod { md += " · compared with \(Self.describe(previous))" }
        md += "\n\n"

        let headline = Self.headline(report)
        tables.append(headline)
        md += "## Headline figures\n\n" + headline.markdown + "\n"

        md += "## Findings\n\n"
        if report.findings.isEmpty {
            md += "Nothing to flag in this period.\n\n"
        } else {
            for finding in report.findings {
                md += "- **\(finding.severity.rawValue.uppercased())** \(Escape.markdown(finding.text))\n"
                for line in finding.evidence { md += "  - \(Escape.markdown(line))\n" }
            }
            md += "\n"
        }

        md += "## Published policy\n\n"
        if report.policies.isEmpty {
            md += "No DMARC report in this period.\n\n"
        } else if report.policies.count == 1, let only = report.policies.first {
            md += "`\(Escape.markdown(only.tags))`, as \(only.reports) report\(only.reports == 1 ? "" : "s") saw it.\n\n"
        } else {
            let policies = PackTable(
                name: "policies", title: "Published policy over time", header: ["policy", "first_seen", "last_seen", "reports"],
                rows: report.policies.map { [$0.tags, Self.date($0.firstSeen), Self.date($0.lastSeen), "\($0.reports)"] },
                textColumns: [0, 1, 2])
            tables.append(policies)
            md += "The published policy changed during the period:\n\n" + policies.markdown + "\n"
        }

        let sources = PackTable(
            name: "sources", title: "DMARC by source",
            header: ["source", "class", "messages", "dmarc_pass", "dmarc_pass_rate", "spf_aligned_pass", "dkim_aligned_pass", "quarantined",
                "rejected", "ips", "why"],
            rows: report.sources.filter { $0.dmarc.messages > 0 }.map { row in
                [row.displayName, row.verdict?.sourceClass.rawValue ?? "", "\(row.dmarc.messages)", "\(row.dmarc.dmarcPass)", Percent.format(row.dmarc.passRate),
                    "\(row.dmarc.spfAlignedPass)", "\(row.dmarc.dkimAlignedPass)", "\(row.dmarc.disposition["quarantine"] ?? 0)",
                    "\(row.dmarc.disposition["reject"] ?? 0)", row.sourceIPs.prefix(5).joined(separator: " ") + (row.sourceIPs.count > 5 ? " …" : ""),
                    row.verdict?.reason ?? ""]
            },
            textColumns: [0, 1, 9, 10])
        tables.append(sources)
        let classes = SourceClassTally.tally(report.sources)
        md += "## DMARC by source\n\n"
        if !classes.isEmpty {
            md += "Sources by class: " + classes.map { tally in
                "**\(tally.sourceClass.rawValue)** \(tally.sources) (\(tally.messages) messages)"
            }.joined(separator: ", ") + ".\n\n"
        }
        md += (sources.rows.isEmpty ? "No DMARC messages in this period.\n" : block(sources)) + "\n"

        let tls = report.summary.tls
        md += "## TLS (SMTP TLS reports)\n\n"
        if tls.reports == 0 {
            md += "No TLS report in this period.\n\n"
        } else {
            for line in TLSSection.lines(for: report.summary) { md += "- \(Escape.markdown(line.label)): \(Escape.markdown(line.value))\n" }
            md += "\n"
            let byType = PackTable(
                name: "tls-result-types", title: "TLS failures by result type", header: ["result_type", "category", "failed_sessions"],
                rows: tls.failuresByResultType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .map { [$0.key, TLSResultType(rawValue: $0.key).category.rawValue, "\($0.value)"] },
                textColumns: [0, 1])
            let byMX = PackTable(
                name: "tls-mx", title: "TLS failures by receiving MX", header: ["receiving_mx", "failed_sessions"],
                rows: (report.summary.tlsBreakdown?.failuresByReceivingMX ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .map { [$0.key.isEmpty ? "(not given)" : $0.key, "\($0.value)"] })
            let bySender = PackTable(
                name: "tls-failures", title: "TLS failures by sending MTA",
                header: ["sending_mta_ip", "sending_source", "ptr_name", "result_type", "receiving_mx", "reporter", "failed_sessions"],
                rows: report.tlsFailures.map { detail in
                    [detail.sendingMTAIP ?? "(not given)", detail.source ?? "", detail.ptr ?? "", detail.resultType, detail.receivingMX ?? "",
                        detail.reporter, "\(detail.failedSessions)"]
                },
                textColumns: [0, 1, 2, 3, 4, 5])
            tables += [byType, byMX, bySender]
            if !byType.rows.isEmpty { md += "### \(byType.title)\n\n" + block(byType) + "\n" }
            if !byMX.rows.isEmpty { md += "### \(byMX.title)\n\n" + block(byMX) + "\n" }
            if !bySender.rows.isEmpty { md += "### \(bySender.title)\n\n" + block(bySender) + "\n" }
        }

        let correlation = PackTable(
            name: "correlation", title: "Sources: DMARC beside TLS",
            header: CorrelationTable.header(by: .source, percentages: true).dropFirst().map { $0 },
            rows: report.sources.map { Array(CorrelationTable.cells($0, by: .source, percentages: true).dropFirst()) },
            textColumns: CorrelationTable.textColumns(Array(CorrelationTable.header(by: .source, percentages: true).dropFirst())))
        tables.append(correlation)
        md += "## Sources: DMARC beside TLS\n\n" + (correlation.rows.isEmpty ? "No sources in this period.\n" : block(correlation)) + "\n"

        let reporters = PackTable(
            name: "reporters", title: "Reporters",
            header: ["reporter", "dmarc_reports", "messages", "dmarc_pass_rate", "tls_reports", "tls_sessions", "tls_success_rate"],
            rows: report.reporters.map { row in
                [row.displayName, "\(row.dmarc.reports)", "\(row.dmarc.messages)", Percent.format(row.dmarc.passRate), "\(row.tls.reports)",
                    "\(row.tls.sessions)", Percent.format(row.tls.successRate)]
            })
        tables.append(reporters)
        md += "## Reporters\n\n" + (reporters.rows.isEmpty ? "No reporters in this period.\n" : block(reporters)) + "\n"

        let dkim = PackTable(
            name: "dkim", title: "DKIM signatures", header: ["signing_domain", "selector", "messages", "passed"],
            rows: report.authentication.dkim.sorted { $0.value.messages != $1.value.messages ? $0.value.messages > $1.value.messages : $0.key < $1.key }
                .map { [$0.key.domain, $0.key.selector, "\($0.value.messages)", "\($0.value.passed)"] },
            textColumns: [0, 1])
        let spf = PackTable(
            name: "spf", title: "SPF domains", header: ["spf_domain", "messages", "passed"],
            rows: report.authentication.spf.sorted { $0.value.messages != $1.value.messages ? $0.value.messages > $1.value.messages : $0.key < $1.key }
                .map { [$0.key.domain, "\($0.value.messages)", "\($0.value.passed)"] })
        let overrides = PackTable(
            name: "overrides", title: "Policy overrides by receivers", header: ["reason", "messages"],
            rows: report.authentication.overrideReasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { [$0.key, "\($0.value)"] })
        tables += [dkim, spf, overrides]
        md += "## Authentication details\n\n"
        for table in [dkim, spf, overrides] where !table.rows.isEmpty { md += "### \(table.title)\n\n" + block(table) + "\n" }
        if dkim.rows.isEmpty && spf.rows.isEmpty && overrides.rows.isEmpty { md += "No authentication details in this period.\n\n" }

        let daily = PackTable(
            name: "daily", title: "Day by day",
            header: ["day", "messages", "dmarc_pass", "spf_aligned_pass", "dkim_aligned_pass", "tls_successful", "tls_failed"],
            rows: report.daily.map { day in
                [DayPeriod.isoDate(ofDay: day.day), "\(day.dmarc.messages)", "\(day.dmarc.dmarcPass)", "\(day.dmarc.spfAlignedPass)",
                    "\(day.dmarc.dkimAlignedPass)", "\(day.tls.successfulSessions)", "\(day.tls.failedSessions)"]
            })
        tables.append(daily)
        md += "## Day by day\n\n" + (daily.rows.isEmpty ? "No data.\n" : block(daily)) + "\n"

        md += "CSV files: " + tables.map { "[\($0.name)](\(fileStem)-\($0.name).csv)" }.joined(separator: ", ") + "\n"
        markdown = md
        self.tables = tables
    }

    static func headline(_ report: DomainReport) -> PackTable {
        let now = report.summary
        let before = report.previous
        func count(_ label: String, _ value: Int64, _ previous: Int64?) -> [String] {
            [label, "\(value)", previous.map { "\($0)" } ?? "", previous.map { Change.count(from: $0, to: value) } ?? ""]
        }
        func rate(_ label: String, _ value: Double?, _ previous: Double??) -> [String] {
            [label, Percent.format(value), previous.map { Percent.format($0) } ?? "", previous.map { Change.points(from: $0, to: value) } ?? ""]
        }
        let ratio: (Int64, Int64) -> Double? = { part, whole in whole > 0 ? Double(part) / Double(whole) : nil }
        return PackTable(
            name: "headline", title: "Headline figures", header: ["figure", "this_period", "previous_period", "change"],
            rows: [
                count("DMARC reports", now.dmarc.reports, before?.dmarc.reports),
                count("messages", now.dmarc.messages, before?.dmarc.messages),
                rate("DMARC pass rate", now.dmarc.passRate, before.map { $0.dmarc.passRate }),
                rate("SPF aligned", ratio(now.dmarc.spfAlignedPass, now.dmarc.messages), before.map { ratio($0.dmarc.spfAlignedPass, $0.dmarc.messages) }),
                rate("DKIM aligned", ratio(now.dmarc.dkimAlignedPass, now.dmarc.messages), before.map { ratio($0.dmarc.dkimAlignedPass, $0.dmarc.messages) }),
                count("quarantined or rejected", (now.dmarc.disposition["quarantine"] ?? 0) + (now.dmarc.disposition["reject"] ?? 0),
                    before.map { ($0.dmarc.disposition["quarantine"] ?? 0) + ($0.dmarc.disposition["reject"] ?? 0) }),
                count("TLS reports", now.tls.reports, before?.tls.reports),
                count("TLS sessions", now.tls.sessions, before?.tls.sessions),
                rate("TLS success rate", now.tls.successRate, before.map { $0.tls.successRate }),
            ])
    }

    public static func describe(_ period: DayPeriod) -> String {
        let days = period.lastDay - period.firstDay + 1
        if days == 1 { return DayPeriod.isoDate(ofDay: period.firstDay) }
        return "\(DayPeriod.isoDate(ofDay: period.firstDay)) to \(DayPeriod.isoDate(ofDay: period.lastDay)) (\(days) days)"
    }

    static func date(_ timestamp: Int64) -> String { DayPeriod.isoDate(ofDay: DaySpread.day(of: timestamp)) }
}

/// Changes between two periods, as people read them.
enum Change {
    static func count(from old: Int64, to new: Int64) -> String {
        let difference = new - old
        let sign = difference > 0 ? "+" : ""
        guard old > 0 else { return difference == 0 ? "0" : "\(sign)\(difference)" }
        let percent = Double(difference) / Double(old) * 100
        let tenths = Int((percent * 10).rounded())
        return "\(sign)\(difference) (\(tenths >= 0 ? "+" : "-")\(abs(tenths) / 10).\(abs(tenths) % 10)%)"
    }

    static func points(from old: Double?, to new: Double?) -> String {
        guard let old, let new else { return "" }
        let tenths = Int(((new - old) * 1000).rounded())
        return "\(tenths >= 0 ? "+" : "-")\(abs(tenths) / 10).\(abs(tenths) % 10) pt"
    }
}
