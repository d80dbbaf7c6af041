import ReportAnalysis
import ReportModel

/// The HTML page of one domain in the stakeholder pack: one self-contained file (styles inline,
/// charts as inline SVG, no script, no external resource) that opens from a mail attachment or
/// a file share, prints, and reads on a phone.
struct HTMLPage {
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

    enum Palette {
        static let pass = "#2e7d32"
        static let failedDelivered = "#f9a825"
        static let quarantined = "#ef6c00"
        static let rejected = "#c62828"
        static let dmarc = "#1565c0"
        static let spf = "#6a1b9a"
        static let dkim = "#00838f"
        static let resultTypes = ["#c62828", "#ef6c00", "#f9a825", "#6a1b9a", "#00838f", "#5d4037"]
        static let other = "#757575"

        static func color(of sourceClass: SourceClass?) -> String {
            switch sourceClass {
            case .authorised: "#2e7d32"
            case .forwarder: "#1565c0"
            case .misconfigured: "#ef6c00"
            case .suspicious: "#c62828"
            case .unknown: "#757575"
            case nil: "#9e9e9e"
            }
        }
    }

    /// The page of `report`, whose Markdown page (for its tables) is `page`.
    static func domain(_ report: DomainReport, page: DomainPage, fileStem: String) -> String {
        var html = HTMLWriter()
        let name = DomainPage.name(of: report.domain)
        document(into: &html, title: "\(name): mail authentication and TLS") { body in
            body.element("header") { header in
                header.element("p", [("class", "crumb")]) { crumb in
                    crumb.element("a", [("href", "index.html")], text: "All domains")
                }
                header.element("h1", text: "\(name): mail authentication and TLS")
                var period = "Period: \(DomainPage.describe(report.period))"
                if let previous = report.previousPeriod {
                    period += " · compared with \(DomainPage.describe(previous))"
                }
                header.element("p", [("class", "period")], text: period)
                if let completeness = report.completeness {
                    header.element(
                        "p", [("class", completeness.isComplete ? "period" : "period incomplete")],
                        text: completeness.sentence)
                }
            }
            summarySection(into: &body, page.summary)
            body.element("section", [("id", "findings")]) { section in
                section.element("h2", text: "Findings")
                if report.findings.isEmpty {
                    section.element("p", text: "Nothing to flag in this period.")
                } else {
                    section.element("ul", [("class", "findings")]) { list in
                        for finding in report.findings {
                            list.element(
                                "li",
                                [
                                    ("class", "finding \(finding.severity.rawValue)"),
                                    ("data-code", finding.code.rawValue),
                                ]
                            ) { item in
                                item.element("span", [("class", "badge")], text: finding.severity.rawValue.uppercased())
                                item.text(" " + finding.text + " ")
                                item.element("code", text: finding.code.rawValue)
                                if !finding.evidence.isEmpty {
                                    item.element("ul") { evidence in
                                        for line in finding.evidence { evidence.element("li", text: line) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if let headline = page.tables.first(where: { $0.name == "headline" }) {
                section(into: &body, table: headline)
            }
            body.element("section", [("id", "charts")]) { section in
                section.element("h2", text: "Trends")
                section.element("div", [("class", "charts")]) { charts(into: &$0, report) }
            }
            for name in [
                "sources", "source-details", "tls-result-types", "tls-mx", "tls-failures", "transport",
                "transport-records",
                "correlation", "reporters",
                "policies", "dkim", "spf",
                "overrides", "daily",
            ] {
                guard let table = page.tables.first(where: { $0.name == name }), !table.rows.isEmpty else { continue }
                if name == "source-details" {
                    sourceDetails(into: &body, report, csv: "\(fileStem)-\(table.name).csv")
                } else {
                    section(into: &body, table: table, csv: "\(fileStem)-\(table.name).csv")
                }
            }
            if !report.trends.isEmpty {
                body.element("section", [("id", "long-trends")]) { section in
                    section.element("h2", text: "Long trends")
                    section.element("div", [("class", "charts")]) { longTrendCharts(into: &$0, report.trends) }
                    for table in page.tables where table.name.hasPrefix("trend-") {
                        section.element("p", [("class", "csv")]) { p in
                            p.text("\(table.title) as CSV: ")
                            p.element(
                                "a", [("href", "\(fileStem)-\(table.name).csv")], text: "\(fileStem)-\(table.name).csv")
                        }
                    }
                }
            }
        }
        return html.output
    }

    /// The plain-words summary and what to do, before any table.
    static func summarySection(into html: inout HTMLWriter, _ summary: ExecutiveSummary) {
        html.element("section", [("id", "summary"), ("class", "summary")]) { section in
            section.element("h2", text: "Summary")
            section.element("dl") { list in
                for line in summary.lines {
                    list.element("dt", text: line.label)
                    list.element("dd", text: line.text)
                }
            }
            if !summary.actions.isEmpty {
                section.element("p", [("class", "actions-title")], text: "What to do:")
                section.element("ol", [("class", "actions")]) { list in
                    for action in summary.actions { list.element("li", text: action) }
                }
            }
        }
    }

    /// One small table per detailed source.
    static func sourceDetails(into html: inout HTMLWriter, _ report: DomainReport, csv: String) {
        html.element("section", [("id", "table-source-details")]) { section in
            section.element("h2", text: "What each source's mail looked like")
            section.element(
                "p", [("class", "note")],
                text:
                    "The biggest sources and the biggest failing ones, their records grouped by what they say (messages counted whole per report; `mailtally records` shows any source)."
            )
            for detail in report.sourceDetails where !detail.groups.isEmpty {
                let table = PackTable(
                    name: "source-details", title: detail.name + (detail.sourceClass.map { " (\($0.rawValue))" } ?? ""),
                    header: DomainPage.detailHeader, rows: detail.groups.map(DomainPage.detailCells),
                    textColumns: DomainPage.detailTextColumns,
                    labels: DomainPage.detailLabels, detailColumns: [12]
                ).hiding([0])
                section.element("h3", text: table.title)
                tableElement(into: &section, table)
            }
            section.element("p", [("class", "csv")]) { p in
                p.text("As CSV: ")
                p.element("a", [("href", csv)], text: csv)
            }
        }
    }

    /// The pack's index: a summary across domains, then one row per domain, linking to its page.
    static func index(
        period: DayPeriod, rows: [(domain: String, stem: String, report: DomainReport)], entries: [IndexSummary.Entry],
        quiet: [String]
    ) -> String {
        var html = HTMLWriter()
        document(into: &html, title: "DMARC and TLS reports") { body in
            body.element("header") { header in
                header.element("h1", text: "DMARC and TLS reports")
                header.element("p", [("class", "period")], text: "Period: \(DomainPage.describe(period))")
            }
            guard !rows.isEmpty else {
                body.element("p", text: "No domain has reports in this period.")
                return
            }
            body.element("section", [("id", "summary"), ("class", "summary")]) { section in
                let summary = IndexSummary.lines(entries)
                section.element("h2", text: "Summary")
                section.element("ul") { list in
                    for line in summary.lines { list.element("li", text: line) }
                }
                if !summary.actions.isEmpty {
                    section.element("p", [("class", "actions-title")], text: "What to do first:")
                    section.element("ol", [("class", "actions")]) { list in
                        for action in summary.actions { list.element("li", text: action) }
                    }
                }
            }
            body.element("div", [("class", "table-wrap")]) { wrap in
                wrap.element("table") { table in
                    table.element("thead") { head in
                        head.element("tr") { tr in
                            for (index, name) in IndexSummary.labels.enumerated() {
                                tr.element(
                                    "th", IndexSummary.textColumns.contains(index) ? [] : [("class", "num")], text: name
                                )
                            }
                        }
                    }
                    table.element("tbody") { tbody in
                        for row in rows {
                            tbody.element("tr") { tr in
                                tr.element("td") {
                                    $0.element(
                                        "a", [("href", "\(row.stem).html")], text: DomainPage.name(of: row.domain))
                                }
                                for (index, cell) in IndexSummary.cells(row.report).enumerated().dropFirst() {
                                    tr.element(
                                        "td", IndexSummary.textColumns.contains(index) ? [] : [("class", "num")],
                                        text: cell)
                                }
                            }
                        }
                    }
                }
            }
            if !quiet.isEmpty {
                body.element(
                    "p",
                    text: "No reports in this period: " + quiet.map(DomainPage.name(of:)).joined(separator: ", ") + ".")
            }
        }
        return html.output
    }

    // MARK: Charts

    static func charts(into html: inout HTMLWriter, _ report: DomainReport) {
        let days = Array(report.period.firstDay...max(report.period.firstDay, report.period.lastDay))
        let byDay = Dictionary(uniqueKeysWithValues: report.daily.map { ($0.day, $0) })
        let figures = days.map { byDay[$0] ?? DailyFigures(day: $0) }

        // Daily volume stacked by outcome: passed, then failed by what the receiver did.
        var passed: [Double?] = []
        var delivered: [Double?] = []
        var quarantined: [Double?] = []
        var rejected: [Double?] = []
        for day in figures {
            let failed = max(0, day.dmarc.messages - day.dmarc.dmarcPass)
            let reject = min(day.dmarc.disposition[.reject] ?? 0, failed)
            let quarantine = min(day.dmarc.disposition[.quarantine] ?? 0, failed - reject)
            passed.append(Double(day.dmarc.dmarcPass))
            delivered.append(Double(failed - reject - quarantine))
            quarantined.append(Double(quarantine))
            rejected.append(Double(reject))
        }
        let hasDMARC = figures.contains { $0.dmarc.messages > 0 }
        SVGChart.stackedBars(
            into: &html, id: "chart-volume", title: "Messages per day by DMARC outcome", days: days,
            series: hasDMARC
                ? [
                    ChartSeries(name: "passed", color: Palette.pass, values: passed),
                    ChartSeries(name: "failed, delivered", color: Palette.failedDelivered, values: delivered),
                    ChartSeries(name: "failed, quarantined", color: Palette.quarantined, values: quarantined),
                    ChartSeries(name: "failed, rejected", color: Palette.rejected, values: rejected),
                ] : [], unit: "messages")

        func rate(_ part: (DailyFigures) -> Int64) -> [Double?] {
            figures.map { $0.dmarc.messages > 0 ? Double(part($0)) / Double($0.dmarc.messages) : nil }
        }
        SVGChart.rateLines(
            into: &html, id: "chart-pass-rate", title: "DMARC pass rate, SPF and DKIM alignment", days: days,
            series: hasDMARC
                ? [
                    ChartSeries(name: "DMARC pass", color: Palette.dmarc, values: rate(\.dmarc.dmarcPass)),
                    ChartSeries(name: "SPF aligned", color: Palette.spf, values: rate(\.dmarc.spfAlignedPass)),
                    ChartSeries(name: "DKIM aligned", color: Palette.dkim, values: rate(\.dmarc.dkimAlignedPass)),
                ] : [])

        let hasTLS = figures.contains { $0.tls.sessions > 0 }
        SVGChart.stackedBars(
            into: &html, id: "chart-tls", title: "TLS sessions per day and success rate", days: days,
            series: hasTLS
                ? [
                    ChartSeries(
                        name: "successful sessions", color: Palette.pass,
                        values: figures.map { Double($0.tls.successfulSessions) }),
                    ChartSeries(
                        name: "failed sessions", color: Palette.rejected,
                        values: figures.map { Double($0.tls.failedSessions) }),
                ] : [], unit: "sessions",
            rate: hasTLS
                ? ChartSeries(name: "success rate", color: Palette.dmarc, values: figures.map { $0.tls.successRate })
                : nil)

        // Failures by result type over time: the biggest types, the rest as "other".
        var totals: [String: Int64] = [:]
        for day in figures { for (type, count) in day.tls.failuresByResultType { totals[type, default: 0] += count } }
        let ranked = totals.rankedByValue().map(\.key)
        let shown = Array(ranked.prefix(Palette.resultTypes.count))
        var typeSeries = shown.enumerated().map { index, type in
            ChartSeries(
                name: type, color: Palette.resultTypes[index],
                values: figures.map { Double($0.tls.failuresByResultType[type] ?? 0) })
        }
        if ranked.count > shown.count {
            let rest = Set(ranked.dropFirst(shown.count))
            typeSeries.append(
                ChartSeries(
                    name: "other", color: Palette.other,
                    values: figures.map { day in
                        Double(day.tls.failuresByResultType.filter { rest.contains($0.key) }.values.reduce(0, +))
                    }))
        }
        SVGChart.stackedBars(
            into: &html, id: "chart-tls-failures", title: "TLS failures per day by result type", days: days,
            series: typeSeries,
            unit: "sessions")

        // The biggest sources, coloured by class.
        let sources = report.sources.filter { $0.dmarc.messages > 0 }.sorted {
            ($0.dmarc.messages, $1.source) > ($1.dmarc.messages, $0.source)
        }.prefix(10)
        let classes = SourceClass.allCases.filter { one in sources.contains { $0.verdict?.sourceClass == one } }
        SVGChart.horizontalBars(
            into: &html, id: "chart-sources", title: "Top sources by messages, coloured by class",
            items: sources.map { row in
                (
                    row.displayName, Double(row.dmarc.messages), Palette.color(of: row.verdict?.sourceClass),
                    row.verdict?.sourceClass.rawValue ?? "unclassified"
                )
            },
            legend: classes.map { ChartSeries(name: $0.rawValue, color: Palette.color(of: $0), values: []) },
            unit: "messages")
    }

    /// The last 90 days and 12 months: volume by DMARC outcome with the pass rate.
    static func longTrendCharts(into html: inout HTMLWriter, _ trends: [LongTrend]) {
        for trend in trends {
            let monthly = trend.bucket == .month
            let days = trend.points.map(\.firstDay)
            let id = monthly ? "chart-trend-months" : "chart-trend-days"
            SVGChart.stackedBars(
                into: &html, id: id, title: "\(trend.title): messages by DMARC outcome and pass rate", days: days,
                series: trend.points.contains { $0.dmarc.messages > 0 }
                    ? [
                        ChartSeries(
                            name: "passed", color: Palette.pass, values: trend.points.map { Double($0.dmarc.dmarcPass) }
                        ),
                        ChartSeries(
                            name: "failed", color: Palette.rejected,
                            values: trend.points.map { Double($0.dmarc.failed) }),
                    ] : [], unit: "messages",
                rate: trend.points.contains { $0.dmarc.messages > 0 }
                    ? ChartSeries(
                        name: "DMARC pass rate", color: Palette.dmarc, values: trend.points.map { $0.dmarc.passRate })
                    : nil,
                monthly: monthly)
        }
    }

    // MARK: Document

    static func section(into html: inout HTMLWriter, table: PackTable, csv: String? = nil) {
        html.element("section", [("id", "table-\(table.name)")]) { section in
            section.element("h2", text: table.title)
            if let note = table.note { section.element("p", [("class", "note")], text: note) }
            tableElement(into: &section, table)
            if let csv, let note = table.omittedNote(csv: csv) { section.element("p", [("class", "csv")], text: note) }
            if let csv {
                section.element("p", [("class", "csv")]) { p in
                    p.text("As CSV: ")
                    p.element("a", [("href", csv)], text: csv)
                }
            }
        }
    }

    /// A table as pages show it: labels, column groups, counts with separators, and the long
    /// lists of a row on a full-width row of their own.
    static func tableElement(into html: inout HTMLWriter, _ table: PackTable) {
        let columns = table.pageColumns
        let labels = table.groups.isEmpty ? table.labels : (table.shortLabels ?? table.labels)
        html.element("div", [("class", "table-wrap")]) { wrap in
            wrap.element("table", [("data-table", table.name)]) { element in
                element.element("thead") { head in
                    if !table.groups.isEmpty {
                        head.element("tr", [("class", "groups")]) { tr in
                            for group in table.groups {
                                tr.element(
                                    "th",
                                    [("colspan", "\(group.span)"), ("scope", "colgroup")]
                                        + (group.label.isEmpty ? [] : [("class", "group")]), text: group.label)
                            }
                        }
                    }
                    head.element("tr") { tr in
                        for column in columns {
                            tr.element(
                                "th",
                                table.textColumns.contains(column)
                                    ? [("scope", "col")] : [("scope", "col"), ("class", "num")], text: labels[column])
                        }
                    }
                }
                element.element("tbody") { body in
                    for row in table.shownRows {
                        let details = table.details(of: row)
                        body.element("tr", details.isEmpty ? [] : [("class", "has-detail")]) { tr in
                            for column in columns {
                                tr.element(
                                    "td", table.textColumns.contains(column) ? [] : [("class", "num")],
                                    text: table.pageCell(row, column))
                            }
                        }
                        if !details.isEmpty {
                            body.element("tr", [("class", "detail")]) { tr in
                                tr.element("td", [("colspan", "\(columns.count)")]) { cell in
                                    for (index, detail) in details.enumerated() {
                                        if index > 0 { cell.text(" · ") }
                                        cell.element("span", [("class", "detail-label")], text: detail.label + ": ")
                                        cell.text(detail.value)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func document(into html: inout HTMLWriter, title: String, body: (inout HTMLWriter) -> Void) {
        html.markup("<!DOCTYPE html>\n")
        html.element("html", [("lang", "en")]) { document in
            document.element("head") { head in
                head.empty("meta", [("charset", "utf-8")], selfClosing: false)
                head.empty(
                    "meta", [("http-equiv", "Content-Security-Policy"), ("content", contentSecurityPolicy)],
                    selfClosing: false)
                head.empty(
                    "meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")],
                    selfClosing: false)
                head.empty("meta", [("name", "generator"), ("content", "MailTally")], selfClosing: false)
                head.element("title", text: title)
                head.element("style") { $0.markup(Stylesheet.css) }
            }
            document.element("body") { page in
                page.element("main") { body(&$0) }
            }
        }
        html.markup("\n")
    }
}

/// The one stylesheet, inline in every page: screen, phone and print.
enum Stylesheet {
    static let css = """
        :root{color-scheme:light;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
        main{max-width:1160px;margin:0 auto;padding:16px 20px 48px}
        h1{font-size:1.6em;margin:.2em 0;overflow-wrap:anywhere}h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
        h3{font-size:1.05em;margin:1.2em 0 .4em}
        .period,.crumb,.csv,.note{color:var(--muted);margin:.2em 0}
        .note{max-width:60em;margin-bottom:.6em}
        .incomplete{color:#8a5300}
        a{color:#0969da;overflow-wrap:anywhere}
        .summary dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 14px;margin:.4em 0}
        .summary dt{font-weight:600}.summary dd{margin:0}
        .actions-title{font-weight:600;margin:.8em 0 .2em}ol.actions{margin:0;padding-left:1.4em}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
        figure.chart{margin:0;padding:10px 12px;border:1px solid var(--line);border-radius:6px;background:var(--bg);break-inside:avoid;min-width:0}
        figcaption{font-weight:600;margin-bottom:6px}
        figure svg{width:100%;height:auto;display:block}
        svg text{font:13px system-ui,"DejaVu Sans",sans-serif;fill:var(--muted)}
        svg text.label{fill:var(--ink)}
        svg line.grid{stroke:#eaeef2;stroke-width:1}
        .legend{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.85em;color:var(--muted)}
        .swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:baseline}
        .empty{color:var(--muted);font-style:italic}
        .table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
        table{border-collapse:collapse;font-size:.88em;width:100%}
        figure.wide{grid-column:1/-1}
        th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
        th{background:var(--soft);font-weight:600}
        th.group{text-align:center;border-left:2px solid var(--bg)}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        td.num{white-space:nowrap}
        tr.has-detail td{border-bottom:none}
        tr.detail td{font-size:.9em;color:var(--muted);padding-top:0}
        .detail-label{font-weight:600}
        code{font-size:.85em;color:var(--muted)}
        ul.findings{padding-left:0;list-style:none}
        li.finding{margin:.5em 0;padding:.4em .6em;border-left:4px solid var(--line);background:var(--soft);overflow-wrap:anywhere}
        li.finding.critical{border-color:#c62828}li.finding.warning{border-color:#ef6c00}li.finding.notice{border-color:#1565c0}
        .badge{font-size:.75em;font-weight:700;letter-spacing:.04em;color:var(--muted)}
        @media (max-width:600px){main{padding:10px}.charts{grid-template-columns:1fr}body{font-size:14px}th,td{padding:3px 5px}
        svg text{font-size:24px}.summary dl{grid-template-columns:1fr}}
        @page{size:A4;margin:12mm}
        @media print{body{font-size:9pt}main{max-width:none;padding:0}.charts{grid-template-columns:1fr 1fr}a{color:inherit;text-decoration:none}
        .table-wrap{overflow:visible}table{font-size:8.5pt}th,td{padding:2px 4px}
        figure.chart,tr{break-inside:avoid}h2,h3{break-after:avoid}}
        """
}
