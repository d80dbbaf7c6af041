import ArgumentParser
import Foundation
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore

extension MailTally {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write the stakeholder pack: per domain a Markdown page, one CSV per table and an HTML page with charts.",
            discussion: """
                --format md writes the Markdown pages, the CSV files and index.md; --format html \
                writes one self-contained HTML page per domain (inline SVG charts, no script, no \
                external resource) with the CSV files it links and index.html; --format all writes both.
                With --since/--until the pack covers those UTC days; without them, the 30 days up to the \
                newest day any report covers. It compares them with the period of the same length just \
                before, says how complete the last day probably is, and (28 days or more) shows the last \
                90 days and 12 months beside them.

                Examples:
                  mailtally report --out pack/ --format all
                  mailtally report --out pack/ --format html --domain example.com --since 2026-11-01 --until 2026-11-30
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var resolver: ResolverOptions

        @Option(help: "The folder to write the pack into (created if needed).")
        var out: String

        @OptionGroup var selection: PeriodOptions

        @Option(help: "What to write: md (Markdown and CSV), html (HTML pages and CSV) or all.")
        var format: PackFormat = .md

        @Option(help: "A source is new when it sent no mail in this many days before the period (0: never say so).")
        var newSourceDays: Int = 30

        func validate() throws {
            guard (0...3650).contains(newSourceDays) else {
                throw ValidationError("--new-source-days takes 0 to 3650, not \(newSourceDays)")
            }
        }

        func run() throws {
            let resolver = try self.resolver.makeResolver()
            let chosen = try selection.period()
            let database = try store.open(mustExist: true)
            do {
                guard let period = try chosen ?? Self.defaultPeriod(database) else {
                    Terminal.error("mailtally: no reports in \(store.path): nothing to write")
                    return
                }
                let options = ReportAssembler.Options(
                    compare: true, newSourceDays: newSourceDays, longTrends: period.length >= 28, completeness: true)
                let written = try Self.writePack(
                    database, resolver: resolver, domains: selection.normalizedDomains, period: period,
                    options: options, format: format,
                    to: URL(fileURLWithPath: out))
                Terminal.error("wrote \(written.files.count) files to \(out) (\(DomainPage.describe(period)))")
            } catch let error as StoreError {
                throw CommandFailure(.database, "\(error)")
            }
        }

        /// Without --since/--until: the 30 days up to the newest day any report covers (a
        /// report with absurd dates never stretches a pack over decades).
        static func defaultPeriod(_ database: any MailTallyStore) throws(StoreError) -> DayPeriod? {
            guard let covered = try database.coveredDays() else { return nil }
            return DayPeriod(firstDay: covered.lastDay - 29, lastDay: covered.lastDay)
        }

        /// Writes the pack into `folder`. With a `manifest`, the pack is recorded under it, and a
        /// folder written before from the same digest, with all its files, is kept as it is
        /// unless `rewrite`. Files whose bytes are unchanged are left alone.
        /// - Returns: the files of the pack, whether the pack was written (false: kept), and
        ///   the files whose bytes changed.
        static func writePack(
            _ database: any MailTallyStore, resolver: SourceResolver, domains: [String], period: DayPeriod,
            options: ReportAssembler.Options,
            format: PackFormat = .md, to folder: URL, manifest: PackManifest? = nil, rewrite: Bool = false
        ) throws -> (files: [String], written: Bool, changed: [String]) {
            if let manifest {
                if !rewrite, let files = manifest.upToDate(in: folder) { return (files, false, []) }
                PackManifest.remove(in: folder)
            }
            let assembler = try ReportAssembler(store: database, resolver: resolver)
            /// File system failures are output errors (status 5); database ones stay database errors.
            func writing<T>(_ body: () throws -> T) throws -> T {
                do {
                    return try body()
                } catch {
                    throw CommandFailure(
                        .output, "cannot write the pack to \(folder.path): \(FileProblem.reason(error))")
                }
            }
            let pack = try writing { try StakeholderPack(folder: folder, period: period, format: format) }
            for domain in try assembler.domains(domains) {
                let report = try assembler.report(domain: domain, period: period, options: options)
                try writing { try pack.add(report) }
            }
            let files = try writing { try pack.finish() }
            if let manifest { try writing { try manifest.record(files, in: folder) } }
            return (files, true, pack.changed)
        }
    }
}

extension PackFormat: ExpressibleByArgument {}
