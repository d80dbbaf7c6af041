import ArgumentParser
import Foundation
import ReportModel
import ReportStore

extension MailTally {
    struct Nightly: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The cron job: ingest what is new, then write the packs for the day, 7 and 30 days.",
            discussion: """
                Ingests every inbox (inputs and messages seen before are recognised by their hash and \
                skipped cheaply), looks up the names of new sender addresses (as `enrich` does; not \
                with --offline), then writes the stakeholder pack (Markdown, CSV and HTML) for the previous UTC day (or --date) \
                and for the 7 and 30 days ending with it, under OUT/DATE/day, OUT/DATE/7d and OUT/DATE/30d. \
                A pack already written from the same reports, names, options, source map, Public Suffix \
                List and mailtally build is kept as it is (its .mailtally-pack file says what it was \
                written from); --rewrite writes it anyway. \
                A lock beside the database makes overlapping runs take turns: the second waits up to \
                --wait seconds, then exits with status 4.
                Quiet on success unless --verbose; errors go to standard error.
                Exit status: 0 success; 1 some input failed (the packs are still written); 2 usage; \
                3 database error; 4 another run holds the lock; 5 the packs could not be written; \
                130 or 143 SIGINT or SIGTERM stopped the ingest (what was read is stored, no pack written).
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var caps: LimitOptions
        @OptionGroup var resolver: ResolverOptions
        @OptionGroup var dns: DNSOptions

        @Flag(help: "Do not ask DNS for the names of new sender addresses (no `enrich` step; also $MAILTALLY_OFFLINE=1 unless --resolver is given).")
        var offline = false

        /// `--offline`, or `MAILTALLY_OFFLINE=1` without a resolver named on the command line.
        var skipsDNS: Bool {
            offline || (dns.resolver == nil && ProcessInfo.processInfo.environment["MAILTALLY_OFFLINE"] == "1")
        }

        @Option(name: .customLong("inbox"), help: "An mbox, Maildir or folder to ingest (repeatable).")
        var inboxes: [String] = []

        @Option(help: "The folder the packs go under.")
        var out: String

        @Option(help: "The last day of the packs (YYYY-MM-DD; default: yesterday, UTC).")
        var date: String?

        @Option(help: "Seconds to wait for another run's lock.")
        var wait: Int = 600

        @Flag(help: "Read and hash every inbox file, even those unchanged since an earlier run.")
        var rehash = false

        @Flag(help: "Write the packs even when those in OUT are up to date.")
        var rewrite = false

        @Flag(help: "Say what was ingested and written.")
        var verbose = false

        func validate() throws {
            if let date, DayPeriod.day(fromISODate: date) == nil { throw ValidationError("--date takes YYYY-MM-DD, not '\(date)'") }
            guard wait >= 0 else { throw ValidationError("--wait must not be negative") }
        }

        func run() throws {
            let resolver = try self.resolver.makeResolver()
            let lock = try RunLock(path: store.path + ".lock", timeout: TimeInterval(wait))
            defer { withExtendedLifetime(lock) {} }
            let database = try store.open()
            Interruption.install()
            let summary: IngestSummary
            do {
                summary = try IngestPipeline(store: database, limits: caps.limits, logger: MailTally.logger)
                    .run(paths: inboxes, command: "nightly", rehash: rehash)
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            summary.reportErrors()
            if verbose { Terminal.error(summary.line) }
            summary.exitIfInterrupted("nightly (before writing the packs)")
            if !skipsDNS {
                // Names make the pack better but never stop it: a DNS failure is a warning.
                do {
                    let outcome = try Enrich.enrich(database, configuration: dns.configuration)
                    if verbose { Terminal.error(outcome.line) }
                } catch {
                    Terminal.error("mailtally: warning: enrich: \(error); the packs name sources by what is cached")
                }
            }

            let today = DaySpread.day(of: Int64(Date().timeIntervalSince1970))
            let last = date.flatMap(DayPeriod.day(fromISODate:)) ?? today - 1
            let folder = URL(fileURLWithPath: out).appendingPathComponent(DayPeriod.isoDate(ofDay: last))
            for (name, days) in [("day", Int64(1)), ("7d", 7), ("30d", 30)] {
                let period = DayPeriod(firstDay: last - days + 1, lastDay: last)
                let pack: (files: [String], written: Bool)
                do {
                    let manifest = PackManifest(parts: [
                        "content \(try database.contentGeneration())", "period \(period.firstDay) \(period.lastDay)",
                        "all domains, compared, md html csv", self.resolver.fingerprint(),
                    ])
                    pack = try Report.writePack(
                        database, resolver: resolver, domains: [], period: period, compare: true, format: .all,
                        to: folder.appendingPathComponent(name), manifest: manifest, rewrite: rewrite)
                } catch let error as StoreError {
                    throw CommandFailure(.database, "\(error)")
                }
                if verbose {
                    let path = folder.appendingPathComponent(name).path
                    Terminal.error(pack.written ? "wrote \(pack.files.count) files to \(path)" : "\(path) is up to date (\(pack.files.count) files)")
                }
            }
            if summary.failed > 0 { throw ExitCode(CommandFailure.Kind.inputsFailed.rawValue) }
        }
    }
}
