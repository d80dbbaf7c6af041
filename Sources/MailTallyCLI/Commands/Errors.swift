import ArgumentParser
import Foundation
import ReportModel
import ReportRendering
import ReportStore

extension MailTally {
    struct Errors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the inputs whose last import failed, with the reason.")

        @OptionGroup var store: StoreOptions

        @Option(help: "Output format: text, md, csv or json.")
        var format: OutputFormat = .text

        struct Row: Encodable {
            var at: String
            var input: String
            var part: String
            var code: String
            var reason: String
        }

        func run() throws {
            let database = try store.open(mustExist: true)
            let failures: [FailedInput]
            do {
                failures = try database.failedInputs()
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            let rows = failures.map { failure in
                Row(at: Self.timestamp(failure.at), input: failure.input, part: failure.part, code: failure.code, reason: failure.reason)
            }
            let header = ["at", "input", "part", "code", "reason"]
            let cells = rows.map { [$0.at, $0.input, $0.part, $0.code, $0.reason] }
            switch format {
            case .json:
                struct Document: Encodable { var errors: [Row] }
                Terminal.write(JSONOutput.encode(Document(errors: rows)))
            case .csv:
                Terminal.write(CSVTable.render(header: header, rows: cells))
            case .md:
                Terminal.write(MarkdownTable.render(header: header, rows: cells, textColumns: Set(header.indices)))
            case .text:
                if rows.isEmpty {
                    Terminal.write("No failed inputs.\n")
                } else {
                    for row in rows {
                        let part = row.part.isEmpty ? "" : " \(row.part)"
                        Terminal.write(Escape.terminal("\(row.at)  \(row.input)\(part): \(row.code): \(row.reason)") + "\n")
                    }
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
