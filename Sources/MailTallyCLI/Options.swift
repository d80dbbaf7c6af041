import ArgumentParser
import Foundation
import ReportAnalysis
import ReportIngest
import ReportModel
import ReportRendering
import ReportStore
import StoreBackends

/// `--db`: the database file.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "The store: a SQLite file or a postgres:// URL (default: $MAILTALLY_DB, else the configuration file's db, else ./mailtally.sqlite)."
    )
    var db: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Keep raw inputs as files in this folder, named by SHA-256, instead of in the database.",
            discussion: "The store remembers the folder; later runs need not give it again."))
    var rawDir: String?

    var path: String { effectivePath.value }

    /// The store's location and where it was given.
    var effectivePath: (value: String, origin: String) {
        if let db { return (db, "--db") }
        if let env = ProcessInfo.processInfo.environment["MAILTALLY_DB"], !env.isEmpty { return (env, "$MAILTALLY_DB") }
        let configuration = Configuration.bestEffort
        if let db = configuration.db { return (db, configuration.origin) }
        return ("mailtally.sqlite", "default")
    }

    /// The raw-input folder, if any, and where it was given.
    var effectiveRawDir: (value: String, origin: String)? {
        if let rawDir { return (rawDir, "--raw-dir") }
        let configuration = Configuration.bestEffort
        return configuration.rawDir.map { ($0, configuration.origin) }
    }

    /// Opens the store, applying pending migrations (an older store is upgraded in place).
    /// - Parameter mustExist: query commands need a store that `ingest` made.
    func open(mustExist: Bool = false) throws -> any MailTallyStore {
        _ = try Configuration.current()
        do throws(StoreError) {
            let store = try StoreOpener.open(
                path, mustExist: mustExist, rawFolder: effectiveRawDir.map { RawInputFolder(path: $0.value) })
            // What a migration did (reports merged) is said once, by the command that ran it.
            for notice in (try? store.takeNotices()) ?? [] { Terminal.error("mailtally: note: \(notice)") }
            return store
        } catch {
            throw CommandFailure(error)
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

/// The caps on what one input may cost (SECURITY.md lists them all).
struct LimitOptions: ParsableArguments {
    @Option(
        help: "The most bytes one report may decompress to, across every container layer and zip entry of an input.")
    var maxReportBytes: Int = IngestLimits.standard.maxReportBytes

    @Option(help: "The most bytes one mail message may take (it is held whole while it is taken apart).")
    var maxMessageBytes: Int = IngestLimits.standard.maxMessageBytes

    @Option(help: "The most bytes one TLS-RPT JSON document may hold (it is decoded whole; real ones are kilobytes).")
    var maxJSONBytes: Int = IngestLimits.standard.maxJSONBytes

    func validate() throws {
        for (name, value) in [
            ("--max-report-bytes", maxReportBytes), ("--max-message-bytes", maxMessageBytes),
            ("--max-json-bytes", maxJSONBytes),
        ] {
            guard value > 0 else { throw ValidationError("\(name) must be positive") }
        }
    }

    var limits: IngestLimits {
        var limits = IngestLimits.standard
        limits.maxReportBytes = maxReportBytes
        limits.maxMessageBytes = maxMessageBytes
        limits.maxJSONBytes = maxJSONBytes
        return limits
    }
}

/// The domains and the period a command looks at.
struct PeriodOptions: ParsableArguments {
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

/// The options every query command takes: format, domains and period.
struct QueryOptions: ParsableArguments {
    @Option(help: "Output format: text, md, csv or json.")
    var format: OutputFormat = .text

    @OptionGroup var selection: PeriodOptions

    var normalizedDomains: [String] { selection.normalizedDomains }

    func period() throws -> DayPeriod? { try selection.period() }
}

/// A command failure with its exit code and a message for standard error.
struct CommandFailure: Error, CustomStringConvertible {
    enum Kind: Int32 {
        /// Some inputs failed; the rest was imported.
        case inputsFailed = 1
        /// The command line or the configuration file cannot be used.
        case usage = 2
        /// The database could not be opened, read or written.
        case database = 3
        /// Another run holds the lock (nightly).
        case locked = 4
        /// The output could not be written.
        case output = 5
        /// The digest could not be mailed (nightly); the next run tries again.
        case mail = 6
    }

    let kind: Kind
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    /// A store failure as the command ends with it: a lock held by another run exits 4, any other
    /// failure 3; a missing store is said in its own sentence.
    init(_ error: StoreError) {
        switch error.kind {
        case .locked: self.init(.locked, error.message)
        case .missing: self.init(.database, error.message)
        case .failure: self.init(.database, "\(error)")
        }
    }
}

/// How sources are named: the user's source map and the Public Suffix List.
struct ResolverOptions: ParsableArguments {
    @Option(
        name: .customLong("source-map"),
        help:
            "A source map: one `network-or-ptr-suffix,source[,category]` rule a line (default: the configuration file's)."
    )
    var sourceMapOption: String?

    @Option(
        name: .customLong("psl"),
        help:
            "The Public Suffix List (default: $MAILTALLY_PSL, else the configuration file's, else \(PublicSuffixList.defaultPath))."
    )
    var pslOption: String?

    /// The source map: `--source-map`, else the configuration file's.
    var sourceMap: String? { effectiveSourceMap?.value }

    /// The source map and where it was given.
    var effectiveSourceMap: (value: String, origin: String)? {
        if let sourceMapOption { return (sourceMapOption, "--source-map") }
        let configuration = Configuration.bestEffort
        return configuration.sourceMap.map { ($0, configuration.origin) }
    }

    /// The Public Suffix List file: `--psl`, else `$MAILTALLY_PSL`, else the configuration
    /// file's, else the system's.
    var pslPath: String { effectivePSL.value }

    /// The Public Suffix List file and where it was given.
    var effectivePSL: (value: String, origin: String) {
        if let pslOption { return (pslOption, "--psl") }
        if let env = ProcessInfo.processInfo.environment["MAILTALLY_PSL"], !env.isEmpty {
            return (env, "$MAILTALLY_PSL")
        }
        let configuration = Configuration.bestEffort
        if let psl = configuration.psl { return (psl, configuration.origin) }
        return (PublicSuffixList.defaultPath, "default")
    }

    /// What the resolver is made from, for a pack's manifest: the source map's bytes and the
    /// Public Suffix List file's identity.
    func fingerprint() -> String {
        let map =
            sourceMap.flatMap { FileManager.default.contents(atPath: $0) }.map { PackManifest.sha256Hex([UInt8]($0)) }
            ?? "none"
        return "source map \(map); psl \(pslPath) \(PackManifest.fileIdentity(pslPath))"
    }

    func makeResolver() throws -> SourceResolver {
        _ = try Configuration.current()
        var map = SourceMap()
        if let sourceMap {
            guard let data = FileManager.default.contents(atPath: sourceMap) else {
                throw ValidationError("cannot read the source map \(sourceMap)")
            }
            do {
                map = try SourceMap(text: String(decoding: data, as: UTF8.self))
            } catch {
                throw ValidationError("\(sourceMap): \(error)")
            }
        }
        let path = pslPath
        // Read when a name first needs it; a missing file is said at once.
        let readable = access(path, R_OK) == 0
        if !readable {
            MailTally.logger.warning("no Public Suffix List at \(path): organisational domains use the last two labels")
        }
        let list = LazyPublicSuffixList {
            guard let list = PublicSuffixList.load(path: path) else {
                if readable {
                    MailTally.logger.warning(
                        "no rules in the Public Suffix List at \(path): organisational domains use the last two labels")
                }
                return PublicSuffixList()
            }
            return list
        }
        return SourceResolver(sourceMap: map, lazyPublicSuffixList: list)
    }
}

extension CorrelationKey: ExpressibleByArgument {}
