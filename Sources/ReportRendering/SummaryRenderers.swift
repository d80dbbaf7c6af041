import Foundation
import ReportAnalysis
import ReportModel

/// Aligned columns for a terminal, one row per domain.
public struct TextSummaryRenderer: SummaryRenderer {
    /// The terminal's width, when output goes to one.
    public var width: Int?

    /// A renderer whose tables fit `width` columns when it is given.
    public init(width: Int? = nil) {
        self.width = width
    }

    /// The domains' table, then each domain's biggest sources and its TLS lines; one sentence when
    /// there is no domain.
    public func render(_ summaries: [DomainSummaryView]) -> String {
        guard !summaries.isEmpty else { return "No reports in the database for this selection.\n" }
        let (header, rows) = DomainSummaryView.table(summaries, percentages: true)
        var out = TextTable(header: header.map(DomainSummaryView.label), rows: rows, maxWidth: width).render()
        for view in summaries where !view.sources.isEmpty {
            let heading = "Sources for \(Escape.terminal(view.summary.domain)): "
            out +=
                "\n" + heading
                + Self.wrap(view.classLine, width: (self.width ?? Int.max) - heading.count, indent: heading.count)
                + "\n"
            let lines = view.sourceLines()
            let width = lines.map(\.label.count).max() ?? 0
            for line in lines {
                let prefix = "  " + line.label + String(repeating: " ", count: width - line.label.count) + "  "
                out +=
                    "  " + Escape.terminal(line.label) + String(repeating: " ", count: width - line.label.count) + "  "
                    + Self.wrap(line.value, width: (self.width ?? Int.max) - prefix.count, indent: prefix.count) + "\n"
            }
        }
        for view in summaries {
            let lines = TLSSection.lines(for: view.summary)
            guard !lines.isEmpty else { continue }
            out += "\nTLS for \(Escape.terminal(view.summary.domain)):\n"
            let width = lines.map(\.label.count).max() ?? 0
            for line in lines {
                let prefix = "  " + line.label + String(repeating: " ", count: width - line.label.count) + "  "
                out +=
                    prefix
                    + Self.wrap(
                        Escape.terminal(line.value), width: (self.width ?? Int.max) - prefix.count, indent: prefix.count
                    ) + "\n"
            }
        }
        for view in summaries {
            guard let check = view.transport else { continue }
            out +=
                "\nTransport security of \(Escape.terminal(view.summary.domain)) \(TransportRenderer.checked(check)):\n"
            out += TransportRenderer.lines(check).map { Escape.terminal($0) + "\n" }.joined()
        }
        return out
    }
}

extension TextSummaryRenderer {
    /// Wraps `text` at spaces to lines of at most `width` characters, later lines indented.
    static func wrap(_ text: String, width: Int, indent: Int) -> String {
        guard width >= 20, text.count > width else { return text }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
    }
}

/// A Markdown table, one row per domain.
public struct MarkdownSummaryRenderer: SummaryRenderer {
    /// The Markdown renderer; it needs no settings.
    public init() {}

    /// The domains' table, then each domain's biggest sources and its TLS lines as lists; an italic
    /// sentence when there is no domain.
    public func render(_ summaries: [DomainSummaryView]) -> String {
        guard !summaries.isEmpty else { return "_No reports in the database for this selection._\n" }
        let (header, rows) = DomainSummaryView.table(summaries, percentages: true)
        var out = MarkdownTable.render(
            header: header.map(DomainSummaryView.label), rows: rows, textColumns: [0, header.count - 1])
        for view in summaries where !view.sources.isEmpty {
            out += "\n**Sources for \(Escape.markdown(view.summary.domain))**: \(view.classLine)\n\n"
            for line in view.sourceLines() { out += "- \(Escape.markdown(line.label)): \(line.value)\n" }
        }
        for view in summaries {
            let lines = TLSSection.lines(for: view.summary)
            guard !lines.isEmpty else { continue }
            out += "\n**TLS for \(Escape.markdown(view.summary.domain))**\n\n"
            for line in lines { out += "- \(Escape.markdown(line.label)): \(Escape.markdown(line.value))\n" }
        }
        return out
    }
}

/// The TLS part of a domain's summary as labelled lines, shared by text and Markdown: sessions,
/// MTA-STS mode, and failures by result type, receiving MX, policy type and reporter, with a
/// note when the failure details do not add up to the failure total (reporters need not itemise
/// every failed session; Mail.ru does not).
enum TLSSection {
    static func lines(for summary: DomainSummary) -> [(label: String, value: String)] {
        let tls = summary.tls
        guard tls.reports > 0 else { return [] }
        var lines: [(String, String)] = []
        lines.append(
            (
                "sessions",
                "\(Count.grouped(tls.sessions)) (\(Count.grouped(tls.successfulSessions)) successful, \(Count.grouped(tls.failedSessions)) failed, "
                    + "\(Percent.format(tls.successRate)) success)"
            ))
        let breakdown = summary.tlsBreakdown
        if let mode = breakdown?.stsMode {
            var value = mode.rawValue + (breakdown?.stsMaxAge.map { ", max_age \($0)" } ?? "")
            if let seen = breakdown?.stsModesSeen, seen.count > 1 {
                value += " (modes seen: \(seen.map(\.rawValue).joined(separator: ", ")))"
            }
            if mode == .testing && tls.failedSessions > 0 {
                value += "; \(tls.failedSessions) failed sessions in testing mode: fix them before moving to enforce"
            }
            lines.append(("MTA-STS mode", value))
        }
        if !tls.failuresByResultType.isEmpty {
            lines.append(("failures by result type", ranked(tls.failuresByResultType)))
        }
        let detailed = ReportCounts.sum(tls.failuresByResultType.values)
        if detailed != tls.failedSessions {
            lines.append(
                (
                    "note",
                    "reporters itemised \(Count.grouped(detailed)) failed sessions by result type, and reported \(Count.grouped(tls.failedSessions)) "
                        + "failed in total (a reporter need not itemise every failure); both are shown as reported"
                ))
        }
        if let byMX = breakdown?.failuresByReceivingMX, !byMX.isEmpty {
            var named = byMX
            let unnamed = named.removeValue(forKey: "")
            var value = ranked(named)
            if let unnamed { value += (value.isEmpty ? "" : ", ") + "\(unnamed) without an MX name" }
            lines.append(("failures by receiving MX", value))
        }
        if let byType = breakdown?.byPolicyType, !byType.isEmpty {
            lines.append(("by policy type", sessions(byType)))
        }
        if let byReporter = breakdown?.byReporter, !byReporter.isEmpty {
            lines.append(("reporters", sessions(byReporter)))
        }
        return lines
    }

    static func ranked(_ counts: [String: Int64]) -> String {
        counts.rankedByValue()
            .map { "\($0.key) \(Count.grouped($0.value))" }.joined(separator: ", ")
    }

    static func sessions(_ table: [String: TLSBreakdown.Sessions]) -> String {
        table.sorted {
            ($0.value.successful.saturatingAdd($0.value.failed), $1.key) > (
                $1.value.successful.saturatingAdd($1.value.failed), $0.key
            )
        }
        .map {
            "\($0.key) \(Count.grouped($0.value.successful)) ok / \(Count.grouped($0.value.failed)) failed in \(Count.of($0.value.reports, "report"))"
        }
        .joined(separator: "; ")
    }
}

/// RFC 4180 CSV with a header row, one row per domain.
public struct CSVSummaryRenderer: SummaryRenderer {
    /// The CSV renderer; it needs no settings.
    public init() {}

    /// The header and one row per domain, in the fixed columns of docs/output.md (the header alone when
    /// there is no domain).
    public func render(_ summaries: [DomainSummaryView]) -> String {
        let (header, rows) = DomainSummaryView.table(summaries, percentages: false, classColumns: true)
        return CSVTable.render(header: header, rows: rows)
    }
}

/// The JSON contract: `{"domains": [{"domain", "dmarc": {...}, "tls": {...}}]}`.
public struct JSONSummaryRenderer: SummaryRenderer {
    /// The JSON renderer; it needs no settings.
    public init() {}

    struct Document: Encodable {
        var domains: [Domain]
    }

    struct Domain: Encodable {
        var domain: String
        var dmarc: DMARC
        var tls: TLS
        var source_classes: [String: ClassTally]
        var top_sources: [Source]
        var findings: [FindingEntry]
        /// The latest live check (`mailtally check`), when there is one.
        var transport: TransportRenderer.JSON?
    }

    /// A finding: `code` is stable (docs/findings.md), `severity` critical, warning or notice.
    struct FindingEntry: Encodable {
        var code, severity, subject, text: String
        var evidence: [String]
        var action: String?

        init(_ finding: Finding) {
            code = finding.code.rawValue
            severity = finding.severity.rawValue
            subject = finding.subject
            text = finding.text
            evidence = finding.evidence
            action = finding.action
        }
    }

    struct ClassTally: Encodable {
        var sources: Int
        var messages, dmarc_pass: Int64
    }

    struct Source: Encodable {
        var source: String
        var service: String?
        var category: String?
        var `class`: String?
        var messages, dmarc_pass: Int64
    }

    struct DMARC: Encodable {
        var reports, messages, dmarc_pass, spf_aligned_pass, dkim_aligned_pass: Int64
        var disposition: [String: Int64]
        /// In the correlation: what the side counts (`sent-as-domain`).
        var direction: String?

        init(_ totals: DMARCTotals, direction: String? = nil) {
            self.direction = direction
            reports = totals.reports
            messages = totals.messages
            dmarc_pass = totals.dmarcPass
            spf_aligned_pass = totals.spfAlignedPass
            dkim_aligned_pass = totals.dkimAlignedPass
            disposition = Dictionary(uniqueKeysWithValues: totals.disposition.map { ($0.key.rawValue, $0.value) })
        }
    }

    struct TLS: Encodable {
        var reports, successful_sessions, failed_sessions: Int64
        var failures_by_result_type: [String: Int64]
        var detailed_failed_sessions: Int64
        var failures_by_receiving_mx: [String: Int64]?
        var by_policy_type: [String: Sessions]?
        var reporters: [String: Sessions]?
        var mta_sts_mode: String?
        var mta_sts_max_age: Int64?
        /// In the correlation: what the side counts (`to-domain-mx`).
        var direction: String?

        init(_ totals: TLSTotals, breakdown: TLSBreakdown?, direction: String? = nil) {
            self.direction = direction
            reports = totals.reports
            successful_sessions = totals.successfulSessions
            failed_sessions = totals.failedSessions
            failures_by_result_type = totals.failuresByResultType
            detailed_failed_sessions = ReportCounts.sum(totals.failuresByResultType.values)
            failures_by_receiving_mx = breakdown?.failuresByReceivingMX
            by_policy_type = breakdown?.byPolicyType.mapValues(Sessions.init)
            reporters = breakdown?.byReporter.mapValues(Sessions.init)
            mta_sts_mode = breakdown?.stsMode?.rawValue
            mta_sts_max_age = breakdown?.stsMaxAge
        }
    }

    struct Sessions: Encodable {
        var reports, successful_sessions, failed_sessions: Int64
        init(_ value: TLSBreakdown.Sessions) {
            reports = value.reports
            successful_sessions = value.successful
            failed_sessions = value.failed
        }
    }

    /// The `summary --format json` document of docs/output.md, findings included.
    public func render(_ summaries: [DomainSummaryView]) -> String {
        let document = Document(
            domains: summaries.map { view in
                let s = view.summary
                return Domain(
                    domain: s.domain, dmarc: DMARC(s.dmarc), tls: TLS(s.tls, breakdown: s.tlsBreakdown),
                    source_classes: Dictionary(
                        uniqueKeysWithValues: view.classTallies.map {
                            (
                                $0.sourceClass.rawValue,
                                ClassTally(sources: $0.sources, messages: $0.messages, dmarc_pass: $0.dmarcPass)
                            )
                        }),
                    top_sources: view.sources.prefix(10).map {
                        Source(
                            source: $0.source, service: $0.service, category: $0.category,
                            class: $0.verdict?.sourceClass.rawValue,
                            messages: $0.dmarc.messages, dmarc_pass: $0.dmarc.dmarcPass)
                    },
                    findings: view.findings.map(FindingEntry.init),
                    transport: view.transport.map(TransportRenderer.JSON.init))
            })
        return JSONOutput.encode(document)
    }
}

/// Pretty, key-sorted JSON with a final newline.
public enum JSONOutput {
    /// `value` as pretty, key-sorted JSON with C1 control characters escaped; `{}` if it cannot be encoded.
    public static func encode(_ value: some Encodable) -> String {
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return Escape.jsonC1Controls(String(decoding: data, as: UTF8.self)) + "\n"
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// A JSON document whose last member is a long array, written a group of elements at a time
/// with the very bytes ``JSONOutput/encode(_:)`` gives the whole document: only the group in
/// hand is ever encoded, never the whole array.
struct StreamedJSONArray {
    private let head: String
    private let tail: String
    private let encoder = JSONOutput.encoder
    private var started = false

    /// - Parameter empty: the document with its last member an empty array.
    init(empty: some Encodable) {
        let whole = JSONOutput.encode(empty)
        // Foundation writes an empty array as "[", an empty line and "]" indented: split there.
        let marker = "[\n\n  ]"
        guard let range = whole.range(of: marker, options: .backwards) else {
            preconditionFailure("not a document ending in an empty array: \(whole)")
        }
        head = String(whole[..<range.lowerBound]) + "[\n"
        tail = "\n  ]" + String(whole[range.upperBound...])
    }

    /// The text of more elements (after the document's start, the first time). Encoded as one
    /// array: an encoder per element cost more than the whole document at once.
    mutating func elements<Element: Encodable>(_ values: [Element]) -> String {
        guard !values.isEmpty, let data = try? encoder.encode(values) else { return "" }
        // "[\n  {…},\n  {…}\n]": the lines between the brackets, two levels deeper in the
        // document than in an array of their own (empty lines, of empty arrays, stay empty).
        var bytes = Array((started ? ",\n" : head).utf8)
        bytes.reserveCapacity(data.count + data.count / 8)
        started = true
        let inner = data.dropFirst(2).dropLast(2)
        var lineStart = true
        for byte in inner {
            if lineStart && byte != UInt8(ascii: "\n") { bytes.append(contentsOf: [0x20, 0x20]) }
            bytes.append(byte)
            lineStart = byte == UInt8(ascii: "\n")
        }
        return Escape.jsonC1Controls(String(decoding: bytes, as: UTF8.self))
    }

    /// The rest of the document.
    func end() -> String {
        (started ? "" : head) + tail
    }
}
