import ArgumentParser
import Foundation
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore

extension MailTally {
    struct Errors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "List the inputs whose last import failed, and the reports kept with a warning (a date range that cannot be right).",
            discussion: """
                Errors are inputs whose last import failed, with the reason (they are read again when \
                met again). Warnings are reports that were stored but whose date range cannot be \
                right (before 2012, in the future, longer than 31 days): they are counted on a \
                bounded span (docs/counting.md), and named here and in the pack.
                JSON: {"errors": [...], "warnings": [...]}; CSV and Markdown: one table with a \
                severity column (error or warning).

                Examples:
                  mailtally errors
                  mailtally errors --format csv > errors.csv
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "Output format: text, md, csv or json.")
        var format: OutputFormat = .text

        struct Row: Encodable {
            var at: String
            var input: String
            var part: String
            var code: String
            var reason: String
            var severity: String
        }

        func run() throws {
            let database = try store.open(mustExist: true)
            let failures: [FailedInput]
            let flagged: [FlaggedReport]
            do {
                failures = try database.failedInputs()
                flagged = try database.flaggedReports(domains: [], period: nil)
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            let errors = failures.map { failure in
                Row(
                    at: Self.timestamp(failure.at), input: failure.input, part: failure.part, code: failure.code,
                    reason: failure.reason,
                    severity: "error")
            }
            let warnings = flagged.map { report in
                Row(
                    at: Self.timestamp(report.importedAt), input: report.input, part: "",
                    code: FindingCode.implausibleDateRange.rawValue,
                    reason: "\(report.description) (kept and counted on a bounded span)", severity: "warning")
            }
            let rows = errors + warnings
            let header = ["at", "input", "part", "code", "reason", "severity"]
            let cells = rows.map { [$0.at, $0.input, $0.part, $0.code, $0.reason, $0.severity] }
            switch format {
            case .json:
                struct Entry: Encodable {
                    var at, input, part, code, reason: String
                }
                struct Document: Encodable { var errors, warnings: [Entry] }
                let entry = { (row: Row) in
                    Entry(at: row.at, input: row.input, part: row.part, code: row.code, reason: row.reason)
                }
                Terminal.write(JSONOutput.encode(Document(errors: errors.map(entry), warnings: warnings.map(entry))))
            case .csv:
                Terminal.write(CSVTable.render(header: header, rows: cells))
            case .md:
                Terminal.write(MarkdownTable.render(header: header, rows: cells, textColumns: Set(header.indices)))
            case .text:
                if errors.isEmpty { Terminal.write("No failed inputs.\n") }
                for row in rows {
                    let part = row.part.isEmpty ? "" : " \(row.part)"
                    let level = row.severity == "warning" ? "warning: " : ""
                    Terminal.write(
                        Escape.terminal("\(row.at)  \(level)\(row.input)\(part): \(row.code): \(row.reason)") + "\n")
                }
            }
        }

        static func timestamp(_ seconds: Int64) -> String {
            let day = DaySpread.day(of: seconds)
            let rest = seconds - day * DaySpread.secondsPerDay
            func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
            return "\(DayPeriod.isoDate(ofDay: day))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
        }
    }
}
