import Foundation
import ReportAnalysis
import ReportModel

/// The nightly digest by mail (docs/digest.md): per domain, the headline figures against the
/// period before, the findings new since the last digest with what to do, those still open in
/// one line, and where the pack is. Plain text and an HTML part of tables and inline styles only
/// (what Gmail and Outlook keep: no SVG, no script, no external image).
public struct Digest: Sendable {
    /// One domain's part.
    public struct Part: Sendable {
        /// The domain's report over the digest's period (findings included).
        public var report: DomainReport
        /// Findings not in the last digest, most severe first.
        public var new: [Finding]
        /// Findings the last digest named already.
        public var stillOpen: [Finding]
        /// Where the domain's pages are (paths or URLs).
        public var links: [String]
        /// Who reported on the domain in the period, with their reports, most first.
        public var reporters: [(name: String, reports: Int64)]

        /// A domain's part.
        public init(
            report: DomainReport, new: [Finding], stillOpen: [Finding], links: [String],
            reporters: [(name: String, reports: Int64)] = []
        ) {
            self.report = report
            self.new = new
            self.stillOpen = stillOpen
            self.links = links
            self.reporters = reporters
        }

        /// `Reporters: Google (3), Österreichische Post AG (1) and 4 more`.
        var reporterLine: String? {
            guard !reporters.isEmpty else { return nil }
            let named = reporters.prefix(5).map { "\($0.name) (\(Count.grouped($0.reports)))" }
            let more = reporters.count > 5 ? " and \(reporters.count - 5) more" : ""
            return "DMARC reports from " + named.joined(separator: ", ") + more
        }
    }

    /// The last day the digest speaks of.
    public var lastDay: Int64
    /// The weekly roll-up: every open finding is listed as news.
    public var weekly: Bool
    /// The domains, in order.
    public var parts: [Part]
    /// What the message carries beside the text, or why it does not (the pack's zip).
    public var attachmentNote: String?

    /// A digest of `parts`.
    public init(lastDay: Int64, weekly: Bool, parts: [Part], attachmentNote: String? = nil) {
        self.lastDay = lastDay
        self.weekly = weekly
        self.parts = parts
        self.attachmentNote = attachmentNote
    }

    /// The findings the subject counts: the new ones (every open one in a weekly roll-up).
    var counted: [Finding] { parts.flatMap { weekly ? $0.new + $0.stillOpen : $0.new } }

    /// `[MailTally] 2 warnings on 3 domains, 2025-12-01` (or `on example.com` for one domain):
    /// the worst severity among the new findings and how many of it.
    public var subject: String {
        let date = DayPeriod.isoDate(ofDay: lastDay)
        // One domain is named; more are counted.
        let domains =
            parts.count == 1
            ? (parts[0].report.domain.isEmpty ? "(no policy domain)" : parts[0].report.domain)
            : "\(parts.count) domains"
        let prefix = weekly ? "[MailTally] week to \(date): " : "[MailTally] "
        let suffix = weekly ? "" : ", \(date)"
        guard let worst = counted.map(\.severity).min() else {
            return "\(prefix)nothing new on \(domains)\(suffix)"
        }
        let count = counted.filter { $0.severity == worst }.count
        let noun: String
        switch worst {
        case .critical: noun = "critical"
        case .warning: noun = count == 1 ? "warning" : "warnings"
        case .notice: noun = count == 1 ? "notice" : "notices"
        }
        return "\(prefix)\(count) \(noun) on \(domains)\(suffix)"
    }

    /// One headline figure: its name, this period and the period before.
    struct Figure {
        var name: String
        var now: String
        var before: String?
    }

    /// Whether the period before had any report: else there is nothing to compare with.
    static func hasPrevious(_ report: DomainReport) -> Bool {
        guard let previous = report.previous else { return false }
        return previous.dmarc.reports > 0 || previous.tls.reports > 0
    }

    static func figures(_ report: DomainReport) -> [Figure] {
        let now = report.summary
        let before = hasPrevious(report) ? report.previous : nil
        var figures = [
            Figure(
                name: "Messages", now: Count.grouped(now.dmarc.messages),
                before: before.map { Count.grouped($0.dmarc.messages) }),
            Figure(
                name: "DMARC pass", now: Percent.format(now.dmarc.passRate),
                before: before.map { Percent.format($0.dmarc.passRate) }),
        ]
        if now.tls.reports > 0 || (before?.tls.reports ?? 0) > 0 {
            figures.append(
                Figure(
                    name: "TLS sessions", now: Count.grouped(now.tls.successfulSessions + now.tls.failedSessions),
                    before: before.map { Count.grouped($0.tls.successfulSessions + $0.tls.failedSessions) }))
            figures.append(
                Figure(
                    name: "TLS success", now: Percent.format(now.tls.successRate),
                    before: before.map { Percent.format($0.tls.successRate) }))
        }
        return figures
    }

    static func periodLine(_ report: DomainReport) -> String {
        let period = report.period
        var line = "\(DayPeriod.isoDate(ofDay: period.firstDay)) to \(DayPeriod.isoDate(ofDay: period.lastDay))"
        if let previous = report.previousPeriod {
            line +=
                ", against \(DayPeriod.isoDate(ofDay: previous.firstDay)) to \(DayPeriod.isoDate(ofDay: previous.lastDay))"
            if !hasPrevious(report) { line += " (no reports then)" }
        }
        return line
    }

    static func openLine(_ findings: [Finding]) -> String {
        findings.map { "\($0.code.rawValue) (\($0.subject))" }.joined(separator: ", ")
    }

    /// The plain-text part.
    public func text() -> String {
        var out =
            weekly
            ? "MailTally: the week to \(DayPeriod.isoDate(ofDay: lastDay))\n"
            : "MailTally: \(DayPeriod.isoDate(ofDay: lastDay))\n"
        for part in parts {
            let report = part.report
            out += "\n\(report.domain.isEmpty ? "(no policy domain)" : report.domain)\n"
            out += "  \(Self.periodLine(report))\n"
            out +=
                "  "
                + Self.figures(report).map { figure in
                    figure.before.map { "\(figure.name) \(figure.now) (was \($0))" } ?? "\(figure.name) \(figure.now)"
                }.joined(separator: "; ") + "\n"
            if let line = part.reporterLine { out += "  \(line)\n" }
            let news = weekly ? part.new + part.stillOpen : part.new
            if news.isEmpty {
                out += "  Nothing new.\n"
            } else {
                out += weekly ? "  Open:\n" : "  New:\n"
                for finding in news {
                    out += "  - [\(finding.severity.rawValue)] \(finding.text)\n"
                    if let action = finding.action { out += "    What to do: \(action)\n" }
                }
            }
            if !weekly && !part.stillOpen.isEmpty { out += "  Still open: \(Self.openLine(part.stillOpen))\n" }
            for link in part.links { out += "  Pack: \(link)\n" }
        }
        if let attachmentNote { out += "\n\(attachmentNote)\n" }
        out += "\nSent by mailtally nightly.\n"
        // Report text comes from strangers: no control character reaches a mail reader.
        return Escape.controls(out, keeping: ["\n"])
    }

    /// The HTML part: tables and inline styles only.
    public func html() -> String {
        let font = "font-family:Arial,Helvetica,sans-serif;color:#1f2328;"
        let colours: [Finding.Severity: String] = [.critical: "#b42318", .warning: "#b54708", .notice: "#175cd3"]
        var out = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>\(Escape.html(subject))</title></head>
            <body style="margin:0;padding:0;background:#f6f8fa;">
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f6f8fa;">
            <tr><td align="center" style="padding:16px;">
            <table role="presentation" width="640" cellpadding="0" cellspacing="0" style="max-width:640px;width:100%;background:#ffffff;border:1px solid #d0d7de;\(font)">
            <tr><td style="padding:16px 20px;font-size:20px;font-weight:bold;\(font)">\(Escape.html(weekly ? "The week to \(DayPeriod.isoDate(ofDay: lastDay))" : "MailTally, \(DayPeriod.isoDate(ofDay: lastDay))"))</td></tr>

            """
        for part in parts {
            let report = part.report
            out += """
                <tr><td style="padding:12px 20px 4px 20px;font-size:17px;font-weight:bold;border-top:1px solid #d0d7de;\(font)">\(Escape.html(report.domain.isEmpty ? "(no policy domain)" : report.domain))</td></tr>
                <tr><td style="padding:0 20px 8px 20px;font-size:12px;color:#57606a;">\(Escape.html(Self.periodLine(report)))</td></tr>
                <tr><td style="padding:0 20px 8px 20px;"><table role="presentation" cellpadding="4" cellspacing="0" style="border-collapse:collapse;font-size:14px;\(font)">

                """
            for figure in Self.figures(report) {
                out +=
                    "<tr><td style=\"padding:4px 12px 4px 0;color:#57606a;\">\(Escape.html(figure.name))</td>"
                    + "<td style=\"padding:4px 12px 4px 0;font-weight:bold;\">\(Escape.html(figure.now))</td>"
                    + "<td style=\"padding:4px 0;color:#57606a;\">\(figure.before.map { "was " + Escape.html($0) } ?? "")</td></tr>\n"
            }
            out += "</table></td></tr>\n"
            if let line = part.reporterLine {
                out +=
                    "<tr><td style=\"padding:0 20px 8px 20px;font-size:13px;color:#57606a;\">\(Escape.html(line))</td></tr>\n"
            }
            let news = weekly ? part.new + part.stillOpen : part.new
            if news.isEmpty {
                out += "<tr><td style=\"padding:4px 20px 8px 20px;font-size:14px;\(font)\">Nothing new.</td></tr>\n"
            }
            for finding in news {
                let colour = colours[finding.severity] ?? "#1f2328"
                out += """
                    <tr><td style="padding:6px 20px;font-size:14px;\(font)"><table role="presentation" cellpadding="0" cellspacing="0" style="border-left:4px solid \(colour);"><tr><td style="padding:4px 10px;\(font)">
                    <span style="color:\(colour);font-weight:bold;text-transform:uppercase;font-size:12px;">\(Escape.html(finding.severity.rawValue))</span> \(Escape.html(finding.text))
                    """
                if let action = finding.action {
                    out += "<br><span style=\"color:#57606a;\">What to do: \(Escape.html(action))</span>"
                }
                out += "</td></tr></table></td></tr>\n"
            }
            if !weekly && !part.stillOpen.isEmpty {
                out +=
                    "<tr><td style=\"padding:4px 20px 8px 20px;font-size:13px;color:#57606a;\">Still open: \(Escape.html(Self.openLine(part.stillOpen)))</td></tr>\n"
            }
            for link in part.links {
                let shown = Escape.html(link)
                let target = link.hasPrefix("http://") || link.hasPrefix("https://") ? link : "file://" + link
                out +=
                    "<tr><td style=\"padding:2px 20px 8px 20px;font-size:13px;\"><a href=\"\(Escape.html(target))\" style=\"color:#0969da;\">\(shown)</a></td></tr>\n"
            }
        }
        if let attachmentNote {
            out +=
                "<tr><td style=\"padding:8px 20px;font-size:13px;border-top:1px solid #d0d7de;\(font)\">\(Escape.html(attachmentNote))</td></tr>\n"
        }
        out += """
            <tr><td style="padding:12px 20px;font-size:12px;color:#57606a;border-top:1px solid #d0d7de;">Sent by mailtally nightly.</td></tr>
            </table></td></tr></table></body></html>

            """
        return out
    }
}
