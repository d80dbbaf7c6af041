import ArgumentParser
import Foundation
import ReportModel
import ReportRendering
import ReportStore

/// `--db`: the database file.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The database file (default: $MAILTALLY_DB, else ./mailtally.sqlite).")
    var db: String?

    var path: String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["MAILTALLY_DB"], !env.isEmpty { return env }
        return "mailtally.sqlite"
    }

    func open(readOnly: Bool = false) throws -> ReportStore {
        if readOnly && !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure(.database, "no database at \(path): run `mailtally ingest` first, or pass --db")
        }
        do {
            return try ReportStore(path: path, readOnly: readOnly)
        } catch {
            throw CommandFailure(.database, "\(error)")
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

/// The options every query command takes: format, domains and period.
struct QueryOptions: ParsableArguments {
    @Option(help: "Output format: text, md, csv or json.")
    var format: OutputFormat = .text

    @Option(name: .customLong("domain"), help: "A policy domain to include (repeatable; default: all).")
    var domains: [String] = []

    @Option(help: "First UTC day to include (YYYY-MM-DD).")
    var since: String?

    @Option(help: "Last UTC day to include, whole (YYYY-MM-DD).")
    var until: String?

    var normalizedDomains: [String] { domains.map(PublishedPolicy.normalizedDomain) }

    func validate() throws {
        _ = try period()
    }

    /// The selected period, or `nil` for all time.
    func period() throws -> DayPeriod? {
        guard since != nil || until != nil else { return nil }
        func day(_ text: String?, _ name: String, default value: Int64) throws -> Int64 {
            guard let text else { return value }
            guard let day = DayPeriod.day(fromISODate: text) else {
                throw ValidationError("--\(name) takes a date as YYYY-MM-DD, not '\(text)'")
            }
            return day
        }
        let first = try day(since, "since", default: 0)
        let last = try day(until, "until", default: DaySpread.day(of: DateRange.latestTimestamp))
        guard first <= last else { throw ValidationError("--since \(since ?? "") is after --until \(until ?? "")") }
        return DayPeriod(firstDay: first, lastDay: last)
    }
}

/// A command failure with its exit code and a message for standard error.
struct CommandFailure: Error, CustomStringConvertible {
    enum Kind: Int32 {
        /// Some inputs failed; the rest was imported.
        case inputsFailed = 1
        /// The database could not be opened, read or written.
        case database = 3
    }

    let kind: Kind
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
