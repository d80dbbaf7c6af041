import ReportAnalysis
import ReportModel

/// The Markdown page and the tables of one domain in the stakeholder pack.
public struct DomainPage: Sendable {
    /// The page in Markdown.
    public var markdown: String
    /// Every table the page shows, each written as a CSV file beside it.
    public var tables: [PackTable]
    /// The plain-words summary at the top of the page (also at the top of the HTML page).
    public var summary: ExecutiveSummary

    /// The page of `report`; `fileStem` names its CSV files (`example.com-sources.csv`).
    public init(_ report: DomainReport, fileStem: String) {
        summary = ExecutiveSummary(report)
        var page = DomainPageSections(report: report, fileStem: fileStem)
        page.title()
        page.summary(summary)
        page.findings()
        page.headline()
        page.policy()
        page.sources()
        page.sourceDetails()
        page.tls()
        page.transport()
        page.correlation()
        page.reporters()
        page.authentication()
        page.daily()
        page.trends()
        page.csvLinks()
        markdown = page.markdown
        tables = page.tables
    }

    /// A domain as pages name it: a report without a policy domain is named as such.
    public static func name(of domain: String) -> String { domain.isEmpty ? "(no policy domain)" : domain }

    // MARK: Tables

    static func headline(_ report: DomainReport) -> PackTable {
        let now = report.summary
        let before = report.previous
        var rows: [[String]] = []
        var shown: [[String]] = []
        func count(_ label: String, _ value: Int64, _ previous: Int64?) {
            rows.append([
                label, "\(value)", previous.map { "\($0)" } ?? "", previous.map { "\(value.saturatingAdd(-$0))" } ?? "",
                previous.map { Change.percent(from: $0, to: value) } ?? "",
            ])
            shown.append([
                label, Count.grouped(value), previous.map(Count.grouped) ?? "",
                previous.map { Change.count(from: $0, to: value) } ?? "", "",
            ])
        }
        func rate(_ label: String, _ value: Double?, _ previous: Double??) {
            let points = previous.map { Change.pointsValue(from: $0, to: value) } ?? ""
            rows.append([label, Percent.format(value), previous.map { Percent.format($0) } ?? "", points, ""])
            shown.append([
                label, Percent.format(value), previous.map { Percent.format($0) } ?? "",
                previous.map { Change.points(from: $0, to: value) } ?? "", "",
            ])
        }
        let ratio: (Int64, Int64) -> Double? = { part, whole in whole > 0 ? Double(part) / Double(whole) : nil }
        count("DMARC reports", now.dmarc.reports, before?.dmarc.reports)
        count("messages", now.dmarc.messages, before?.dmarc.messages)
        rate("DMARC pass rate", now.dmarc.passRate, before.map { $0.dmarc.passRate })
        rate(
            "SPF aligned", ratio(now.dmarc.spfAlignedPass, now.dmarc.messages),
            before.map { ratio($0.dmarc.spfAlignedPass, $0.dmarc.messages) })
        rate(
            "DKIM aligned", ratio(now.dmarc.dkimAlignedPass, now.dmarc.messages),
            before.map { ratio($0.dmarc.dkimAlignedPass, $0.dmarc.messages) })
        count("failing and delivered", now.dmarc.failedDelivered, before?.dmarc.failedDelivered)
        count(
            "quarantined or rejected", now.dmarc.failedStopped,
            before.map(\.dmarc.failedStopped))
        count("TLS reports", now.tls.reports, before?.tls.reports)
        count("TLS sessions", now.tls.sessions, before?.tls.sessions)
        rate("TLS success rate", now.tls.successRate, before.map { $0.tls.successRate })
        var table = PackTable(
            name: "headline", title: "Headline figures",
            header: ["figure", "this_period", "previous_period", "change", "change_percent"],
            rows: rows, labels: ["figure", "this period", "previous period", "change", "change %"], detailColumns: [])
        table.displayRows = shown
        table.hiddenColumns = [4]
        return table
    }

    /// Mail sent as the domain, one row per source; addresses and the class's reason on a line
    /// of their own on the pages.
    static func sources(_ report: DomainReport) -> PackTable {
        PackTable(
            name: "sources", title: "Mail sent as \(name(of: report.domain)), by source (DMARC)",
            header: [
                "source", "class", "messages", "dmarc_pass", "dmarc_pass_rate", "spf_aligned_pass", "dkim_aligned_pass",
                "failed_delivered",
                "quarantined", "rejected", "relayed", "ips", "why",
            ],
            rows: report.sources.filter { $0.dmarc.messages > 0 }.map { row in
                [
                    row.displayName, row.verdict?.sourceClass.rawValue ?? "", "\(row.dmarc.messages)",
                    "\(row.dmarc.dmarcPass)",
                    Percent.format(row.dmarc.passRate), "\(row.dmarc.spfAlignedPass)", "\(row.dmarc.dkimAlignedPass)",
                    "\(row.dmarc.failedDelivered)", "\(row.dmarc.disposition[.quarantine] ?? 0)",
                    "\(row.dmarc.disposition[.reject] ?? 0)", "\(row.dmarc.relayed)",
                    row.sourceIPs.prefix(8).joined(separator: " ")
                        + (row.sourceIPs.count > 8 ? " and \(row.sourceIPs.count - 8) more" : ""),
                    row.verdict?.reason ?? "",
                ]
            },
            textColumns: [0, 1, 11, 12],
            labels: [
                "source", "class", "messages", "DMARC pass", "pass rate", "SPF aligned", "DKIM aligned",
                "failing, delivered",
                "quarantined", "rejected", "relayed", "addresses", "why this class",
            ],
            detailColumns: [11, 12]
        ).hiding([3, 10])
    }

    static let detailHeader = [
        "source", "messages", "reports", "dmarc", "header_from", "envelope_from", "dkim_signatures", "spf_checks",
        "dkim_aligned", "spf_aligned",
        "disposition", "overrides", "ips",
    ]
    static let detailLabels = [
        "source", "messages", "reports", "DMARC", "header From", "envelope From", "DKIM signatures", "SPF checks",
        "DKIM aligned", "SPF aligned",
        "disposition", "overrides", "addresses",
    ]
    static let detailTextColumns: Set<Int> = Set([0] + Array(3..<13))

    static func detailCells(_ group: RecordGroup) -> [String] { [""] + RecordGroupTable.cells(group) }

    /// The drill-down of the biggest and failing sources, one CSV for all (with the source).
    static func sourceDetails(_ report: DomainReport) -> PackTable {
        var rows: [[String]] = []
        for detail in report.sourceDetails {
            for group in detail.groups {
                var cells = detailCells(group)
                cells[0] = detail.name
                rows.append(cells)
            }
        }
        return PackTable(
            name: "source-details", title: "What each source's mail looked like", header: detailHeader, rows: rows,
            textColumns: detailTextColumns,
            labels: detailLabels, detailColumns: [12])
    }

    static func tlsTables(_ report: DomainReport) -> [PackTable] {
        let tls = report.summary.tls
        guard tls.reports > 0 else { return [] }
        let byType = PackTable(
            name: "tls-result-types", title: "TLS failures by result type",
            header: ["result_type", "category", "failed_sessions"],
            rows: tls.failuresByResultType.rankedByValue()
                .map { [$0.key, TLSResultType(rawValue: $0.key).category.rawValue, "\($0.value)"] },
            textColumns: [0, 1], labels: ["result type", "category", "failed sessions"])
        let byMX = PackTable(
            name: "tls-mx", title: "TLS failures by receiving MX", header: ["receiving_mx", "failed_sessions"],
            rows: (report.summary.tlsBreakdown?.failuresByReceivingMX ?? [:]).sorted {
                $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
            }
            .map { [$0.key.isEmpty ? "(not given)" : $0.key, "\($0.value)"] },
            labels: ["receiving MX", "failed sessions"])
        let bySender = PackTable(
            name: "tls-failures", title: "TLS failures by sending MTA",
            header: [
                "sending_mta_ip", "sending_source", "ptr_name", "result_type", "receiving_mx", "reporter",
                "failed_sessions",
            ],
            rows: report.tlsFailures.map { detail in
                [
                    detail.sendingMTAIP ?? "(not given)", detail.source ?? "", detail.ptr ?? "", detail.resultType,
                    detail.receivingMX ?? "",
                    detail.reporter, "\(detail.failedSessions)",
                ]
            },
            textColumns: [0, 1, 2, 3, 4, 5],
            labels: [
                "sending MTA", "its source", "PTR name", "result type", "receiving MX", "reporter", "failed sessions",
            ], detailColumns: [2])
        return [byType, byMX, bySender]
    }

    /// The correlation: each source's mail sent *as* the domain beside the TLS sessions its
    /// organisation's servers opened *to* the domain's MX hosts. Two directions, said so.
    static func correlation(_ report: DomainReport) -> PackTable {
        let domain = name(of: report.domain)
        let header = [
            "source", "class", "as_domain_messages", "as_domain_dmarc_pass", "as_domain_dmarc_pass_rate",
            "as_domain_spf_aligned_pass",
            "as_domain_dkim_aligned_pass", "as_domain_quarantined", "as_domain_rejected", "to_mx_tls_sessions",
            "to_mx_tls_failed",
            "to_mx_tls_success_rate", "to_mx_top_tls_failure",
        ]
        let rows = report.sources.map { row -> [String] in
            let topFailure = row.tls.failuresByResultType.max { ($0.value, $1.key) < ($1.value, $0.key) }
            return [
                row.displayName, row.verdict?.sourceClass.rawValue ?? "", "\(row.dmarc.messages)",
                "\(row.dmarc.dmarcPass)",
                Percent.format(row.dmarc.passRate), "\(row.dmarc.spfAlignedPass)", "\(row.dmarc.dkimAlignedPass)",
                "\(row.dmarc.disposition[.quarantine] ?? 0)",
                "\(row.dmarc.disposition[.reject] ?? 0)",
                "\(row.tls.sessions)", "\(row.tls.failedSessions)", Percent.format(row.tls.successRate),
                topFailure.map { "\($0.key) \($0.value)" } ?? "",
            ]
        }
        var table = PackTable(
            name: "correlation",
            title: "Both directions by source: mail sent as \(domain), TLS sessions to its MX hosts", header: header,
            rows: rows, textColumns: [0, 1, 12],
            labels: [
                "source", "class", "sent as: messages", "sent as: DMARC pass", "sent as: pass rate",
                "sent as: SPF aligned",
                "sent as: DKIM aligned", "sent as: quarantined", "sent as: rejected", "to MX: TLS sessions",
                "to MX: failed",
                "to MX: success rate", "to MX: top failure",
            ],
            groups: [
                ("", 2), ("Mail sent as \(domain) (DMARC)", 4), ("TLS sessions to \(domain)'s MX hosts (TLS-RPT)", 4),
            ],
            note:
                "Two directions side by side: \"sent as\" counts mail that this source sent with \(domain) in its From (DMARC reports); "
                + "\"to MX\" counts the TLS sessions that the source's organisation opened to \(domain)'s MX hosts when delivering mail "
                + "to you (TLS reports). TLS trouble here is trouble reaching you, not trouble sending as you.")
        table = table.hiding([3, 5, 6])
        table.shortLabels = [
            "source", "class", "messages", "DMARC pass", "pass rate", "SPF aligned", "DKIM aligned", "quarantined",
            "rejected", "TLS sessions",
            "failed", "success rate", "top failure",
        ]
        return table
    }

    static func authenticationTables(_ report: DomainReport) -> [PackTable] {
        let dkim = PackTable(
            name: "dkim", title: "DKIM signatures", header: ["signing_domain", "selector", "messages", "passed"],
            rows: report.authentication.dkim.sorted {
                $0.value.messages != $1.value.messages ? $0.value.messages > $1.value.messages : $0.key < $1.key
            }
            .map { [$0.key.domain, $0.key.selector, "\($0.value.messages)", "\($0.value.passed)"] },
            textColumns: [0, 1], labels: ["signing domain", "selector", "messages", "passed"])
        let spf = PackTable(
            name: "spf", title: "SPF domains", header: ["spf_domain", "messages", "passed"],
            rows: report.authentication.spf.sorted {
                $0.value.messages != $1.value.messages ? $0.value.messages > $1.value.messages : $0.key < $1.key
            }
            .map { [$0.key.domain, "\($0.value.messages)", "\($0.value.passed)"] },
            labels: ["SPF domain", "messages", "passed"])
        let overrides = PackTable(
            name: "overrides", title: "Policy overrides by receivers", header: ["reason", "messages"],
            rows: report.authentication.overrideReasons.sorted {
                $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
            }.map { [$0.key, "\($0.value)"] })
        return [dkim, spf, overrides]
    }

    static func trend(_ trend: LongTrend) -> PackTable {
        let monthly = trend.bucket == .month
        return PackTable(
            name: monthly ? "trend-12-months" : "trend-90-days", title: trend.title,
            header: [
                monthly ? "month" : "day", "messages", "dmarc_pass", "dmarc_pass_rate", "tls_sessions",
                "tls_success_rate",
            ],
            rows: trend.points.map { point in
                [
                    monthly
                        ? String(DayPeriod.isoDate(ofDay: point.firstDay).prefix(7))
                        : DayPeriod.isoDate(ofDay: point.firstDay),
                    "\(point.dmarc.messages)", "\(point.dmarc.dmarcPass)", Percent.format(point.dmarc.passRate),
                    "\(point.tls.sessions)",
                    Percent.format(point.tls.successRate),
                ]
            },
            labels: [
                monthly ? "month" : "day", "messages", "DMARC pass", "DMARC pass rate", "TLS sessions",
                "TLS success rate",
            ])
    }

    /// `2026-11-01 to 2026-11-28 (28 days)`, or one day as its date: a period as pages state it.
    public static func describe(_ period: DayPeriod) -> String {
        let days = period.lastDay - period.firstDay + 1
        if days == 1 { return DayPeriod.isoDate(ofDay: period.firstDay) }
        return
            "\(DayPeriod.isoDate(ofDay: period.firstDay)) to \(DayPeriod.isoDate(ofDay: period.lastDay)) (\(days) days)"
    }

    static func date(_ timestamp: Int64) -> String { DayPeriod.isoDate(ofDay: DaySpread.day(of: timestamp)) }
}

/// Changes between two periods, as people read them.
enum Change {
    static func count(from old: Int64, to new: Int64) -> String {
        let difference = new.saturatingAdd(-old)
        let sign = difference > 0 ? "+" : ""
        guard old > 0 else { return difference == 0 ? "0" : "\(sign)\(Count.grouped(difference))" }
        return "\(sign)\(Count.grouped(difference)) (\(percent(from: old, to: new, signed: true))%)"
    }

    /// The change in percent, one decimal: `12.5`, `-3.0` (empty from nothing).
    static func percent(from old: Int64, to new: Int64, signed: Bool = false) -> String {
        guard old > 0 else { return "" }
        // Counts come from strangers: a change of 2^53 against 1 must not trap the conversion.
        let ratio = ((Double(new) - Double(old)) / Double(old) * 1000).rounded()
        let tenths = Int(max(-1e15, min(1e15, ratio)))
        return "\(tenths >= 0 ? (signed ? "+" : "") : "-")\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    static func points(from old: Double?, to new: Double?) -> String {
        guard let old, let new else { return "" }
        let tenths = Int(((new - old) * 1000).rounded())
        return "\(tenths >= 0 ? "+" : "-")\(abs(tenths) / 10).\(abs(tenths) % 10) pt"
    }

    /// The change in percentage points as a number: `0.5`, `-1.2`.
    static func pointsValue(from old: Double?, to new: Double?) -> String {
        guard let old, let new else { return "" }
        let tenths = Int(((new - old) * 1000).rounded())
        return "\(tenths < 0 ? "-" : "")\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}

/// The domain page written one section at a time, in the order the page shows them: each
/// section adds its Markdown and the tables it shows (every table also becomes a CSV file).
struct DomainPageSections {
    let report: DomainReport
    let fileStem: String
    /// The domain as the page names it.
    let domain: String
    var markdown = ""
    var tables: [PackTable] = []

    init(report: DomainReport, fileStem: String) {
        self.report = report
        self.fileStem = fileStem
        domain = DomainPage.name(of: report.domain)
    }

    /// A table's Markdown, with a note when the page shows only its first rows.
    func block(_ table: PackTable) -> String {
        table.markdown
            + (table.omittedNote(csv: "\(fileStem)-\(table.name).csv").map { "\n_\(Escape.markdown($0))_\n" } ?? "")
    }

    /// A section of one table: its heading, then the table, or `empty` when it has no rows.
    mutating func tableSection(_ table: PackTable, heading: String, empty: String) {
        tables.append(table)
        markdown += "## \(heading)\n\n" + (table.rows.isEmpty ? empty + "\n" : block(table)) + "\n"
    }

    /// The title, the period and how complete its last day probably is.
    mutating func title() {
        markdown += "# \(Escape.markdown(domain)): mail authentication and TLS\n\n"
        markdown += "Period: \(DomainPage.describe(report.period))"
        if let previous = report.previousPeriod { markdown += " · compared with \(DomainPage.describe(previous))" }
        markdown += "\n\n"
        if let completeness = report.completeness { markdown += "_\(Escape.markdown(completeness.sentence))_\n\n" }
    }

    /// The plain-words summary and the first things to do.
    mutating func summary(_ summary: ExecutiveSummary) {
        markdown += "## Summary\n\n"
        for line in summary.lines {
            markdown += "- **\(Escape.markdown(line.label))**: \(Escape.markdown(line.text))\n"
        }
        markdown += "\n"
        if !summary.actions.isEmpty {
            markdown += "What to do:\n\n"
            for (index, action) in summary.actions.enumerated() {
                markdown += "\(index + 1). \(Escape.markdown(action))\n"
            }
            markdown += "\n"
        }
    }

    /// Every finding, most severe first, with its evidence.
    mutating func findings() {
        markdown += "## Findings\n\n"
        if report.findings.isEmpty {
            markdown += "Nothing to flag in this period.\n\n"
            return
        }
        for finding in report.findings {
            markdown +=
                "- **\(finding.severity.rawValue.uppercased())** \(Escape.markdown(finding.text)) (`\(finding.code.rawValue)`)\n"
            for line in finding.evidence { markdown += "  - \(Escape.markdown(line))\n" }
        }
        markdown += "\n"
    }

    /// The headline figures against the period before.
    mutating func headline() {
        let headline = DomainPage.headline(report)
        tables.append(headline)
        markdown += "## Headline figures\n\n" + headline.markdown + "\n"
    }

    /// The published policy, as a table when it changed during the period.
    mutating func policy() {
        markdown += "## Published policy\n\n"
        if report.policies.isEmpty {
            markdown += "No DMARC report in this period.\n\n"
        } else if report.policies.count == 1, let only = report.policies.first {
            markdown += "`\(Escape.markdown(only.tags))`, as \(Count.of(only.reports, "report")) saw it.\n\n"
        } else {
            let policies = PackTable(
                name: "policies", title: "Published policy over time",
                header: ["policy", "first_seen", "last_seen", "reports"],
                rows: report.policies.map {
                    [$0.tags, DomainPage.date($0.firstSeen), DomainPage.date($0.lastSeen), "\($0.reports)"]
                },
                textColumns: [0, 1, 2], labels: ["policy", "first seen", "last seen", "reports"])
            tables.append(policies)
            markdown += "The published policy changed during the period:\n\n" + policies.markdown + "\n"
        }
    }

    /// The sending sources with their classes.
    mutating func sources() {
        let sources = DomainPage.sources(report)
        tables.append(sources)
        let classes = SourceClassTally.tally(report.sources)
        markdown += "## \(sources.title)\n\n"
        if !classes.isEmpty {
            markdown +=
                "Sources by class: "
                + classes.map { tally in
                    "**\(tally.sourceClass.rawValue)** \(Count.grouped(tally.sources)) (\(Count.messages(tally.messages)))"
                }.joined(separator: ", ") + ". Classes and severities are explained in the README.\n\n"
        }
        markdown += (sources.rows.isEmpty ? "No DMARC messages in this period.\n" : block(sources)) + "\n"
    }

    /// What the biggest and the biggest failing sources' mail looked like.
    mutating func sourceDetails() {
        let details = DomainPage.sourceDetails(report)
        tables.append(details)
        guard !report.sourceDetails.isEmpty else { return }
        markdown += "## What each source's mail looked like\n\n"
        markdown +=
            "The biggest sources and the biggest failing ones, their records grouped by what they say "
            + "(messages counted whole per report; `mailtally records` shows any source).\n\n"
        for detail in report.sourceDetails {
            markdown +=
                "### \(Escape.markdown(detail.name))" + (detail.sourceClass.map { " (\($0.rawValue))" } ?? "")
                + "\n\n"
            let table = PackTable(
                name: "", title: "", header: DomainPage.detailHeader, rows: detail.groups.map(DomainPage.detailCells),
                textColumns: DomainPage.detailTextColumns, labels: DomainPage.detailLabels
            ).hiding([0])
            markdown += (detail.groups.isEmpty ? "No records.\n" : table.markdown) + "\n"
        }
    }

    /// TLS sessions to the domain's MX hosts, from SMTP TLS reports.
    mutating func tls() {
        let tls = report.summary.tls
        markdown += "## TLS sessions to the MX hosts of \(Escape.markdown(domain)) (SMTP TLS reports)\n\n"
        if tls.reports == 0 {
            markdown += "No TLS report in this period.\n\n"
        } else {
            for line in TLSSection.lines(for: report.summary) {
                markdown += "- \(Escape.markdown(line.label)): \(Escape.markdown(line.value))\n"
            }
            markdown += "\n"
        }
        let tlsTables = DomainPage.tlsTables(report)
        tables += tlsTables
        for table in tlsTables where !table.rows.isEmpty { markdown += "### \(table.title)\n\n" + block(table) + "\n" }
    }

    /// The live transport check beside the reports (docs/transport.md): the MX hosts, then the records.
    mutating func transport() {
        markdown += "## Transport security (checked live)\n\n"
        guard let check = report.transport?.latest else {
            markdown +=
                "Not checked live yet: `mailtally check \(Escape.markdown(domain))` looks at its MX hosts and records "
                + "now (`nightly` does, unless --offline or --no-check).\n\n"
            return
        }
        let hosts = TransportRenderer.hostTable(
            check, failuresByMX: report.summary.tlsBreakdown?.failuresByReceivingMX ?? [:])
        let records = TransportRenderer.recordTable(check)
        tables += [hosts, records]
        markdown += (hosts.rows.isEmpty ? "No MX host to check.\n" : block(hosts)) + "\n"
        markdown += "### \(records.title)\n\n" + block(records) + "\n"
    }

    /// DMARC beside TLS per source (docs/correlation.md).
    mutating func correlation() {
        let correlation = DomainPage.correlation(report)
        tableSection(correlation, heading: correlation.title, empty: "No sources in this period.")
    }

    /// Who reported, with their DMARC and TLS figures.
    mutating func reporters() {
        let reporters = PackTable(
            name: "reporters", title: "Reporters",
            header: [
                "reporter", "dmarc_reports", "messages", "dmarc_pass_rate", "tls_reports", "tls_sessions",
                "tls_success_rate",
            ],
            rows: report.reporters.map { row in
                [
                    row.displayName, "\(row.dmarc.reports)", "\(row.dmarc.messages)",
                    Percent.format(row.dmarc.passRate), "\(row.tls.reports)",
                    "\(row.tls.sessions)", Percent.format(row.tls.successRate),
                ]
            },
            labels: [
                "reporter", "DMARC reports", "messages", "DMARC pass rate", "TLS reports", "TLS sessions",
                "TLS success rate",
            ])
        tableSection(reporters, heading: "Reporters", empty: "No reporters in this period.")
    }

    /// Who signs, who passes SPF, and why receivers overrode the policy.
    mutating func authentication() {
        let authentication = DomainPage.authenticationTables(report)
        tables += authentication
        markdown += "## Authentication details\n\n"
        for table in authentication where !table.rows.isEmpty {
            markdown += "### \(table.title)\n\n" + block(table) + "\n"
        }
        if authentication.allSatisfy(\.rows.isEmpty) { markdown += "No authentication details in this period.\n\n" }
    }

    /// The period day by day.
    mutating func daily() {
        let daily = PackTable(
            name: "daily", title: "Day by day",
            header: [
                "day", "messages", "dmarc_pass", "spf_aligned_pass", "dkim_aligned_pass", "tls_successful",
                "tls_failed",
            ],
            rows: report.daily.map { day in
                [
                    DayPeriod.isoDate(ofDay: day.day), "\(day.dmarc.messages)", "\(day.dmarc.dmarcPass)",
                    "\(day.dmarc.spfAlignedPass)",
                    "\(day.dmarc.dkimAlignedPass)", "\(day.tls.successfulSessions)", "\(day.tls.failedSessions)",
                ]
            },
            labels: ["day", "messages", "DMARC pass", "SPF aligned", "DKIM aligned", "TLS successful", "TLS failed"])
        tableSection(daily, heading: "Day by day", empty: "No data.")
    }

    /// The long trends, when the pack has them.
    mutating func trends() {
        let trends = report.trends.map(DomainPage.trend)
        tables += trends
        guard !trends.isEmpty else { return }
        markdown += "## Long trends\n\n"
        for table in trends {
            markdown += "### \(table.title)\n\n"
            // Ninety rows read better as the HTML page's chart: the Markdown page links the CSV.
            markdown +=
                table.rows.count > 24
                ? "In [\(fileStem)-\(table.name).csv](\(fileStem)-\(table.name).csv).\n\n" : table.markdown + "\n"
        }
    }

    /// Links to every table's CSV file.
    mutating func csvLinks() {
        markdown +=
            "CSV files: " + tables.map { "[\($0.name)](\(fileStem)-\($0.name).csv)" }.joined(separator: ", ") + "\n"
    }
}
