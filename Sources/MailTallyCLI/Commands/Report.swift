import ArgumentParser
import Foundation
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore

extension MailTally {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the stakeholder pack: per domain a Markdown page, one CSV per table and an HTML page with charts.",
            discussion: """
                --format md writes the Markdown pages, the CSV files and index.md; --format html \
                writes one self-contained HTML page per domain (inline SVG charts, no script, no \
                external resource) with the CSV files it links and index.html; --format all writes both.
                With --since/--until the pack covers those UTC days and compares them with the period \
                of the same length just before; without them it covers every day the reports cover.
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var resolver: ResolverOptions

        @Option(help: "The folder to write the pack into (created if needed).")
        var out: String

        @OptionGroup var selection: PeriodOptions

        @Option(help: "What to write: md (Markdown and CSV), html (HTML pages and CSV) or all.")
        var format: PackFormat = .md

        func run() throws {
            let resolver = try self.resolver.makeResolver()
            let chosen = try selection.period()
            let database = try store.open(mustExist: true)
            do {
                guard let period = try chosen ?? database.coveredDays() else {
                    Terminal.error("mailtally: no reports in \(store.path): nothing to write")
                    return
                }
                let written = try Self.writePack(
                    database, resolver: resolver, domains: selection.normalizedDomains, period: period,
                    compare: chosen != nil, format: format, to: URL(fileURLWithPath: out))
                Terminal.error("wrote \(written.files.count) files to \(out)")
            } catch let error as StoreError {
                throw CommandFailure(.database, "\(error)")
            }
        }

        /// Writes the pack into `folder`. With a `manifest`, the pack is recorded under it, and a
        /// folder written before from the same digest, with all its files, is kept as it is
        /// unless `rewrite`.
        /// - Returns: the files of the pack, and whether they were written (false: kept).
        static func writePack(
            _ database: ReportStore, resolver: SourceResolver, domains: [String], period: DayPeriod, compare: Bool,
            format: PackFormat = .md, to folder: URL, manifest: PackManifest? = nil, rewrite: Bool = false
        ) throws -> (files: [String], written: Bool) {
            if let manifest {
                if !rewrite, let files = manifest.upToDate(in: folder) { return (files, false) }
                PackManifest.remove(in: folder)
            }
            let assembler = try ReportAssembler(store: database, resolver: resolver)
            /// File system failures are output errors (status 5); database ones stay database errors.
            func writing<T>(_ body: () throws -> T) throws -> T {
                do {
                    return try body()
                } catch {
                    throw CommandFailure(.output, "cannot write the pack to \(folder.path): \(error)")
                }
            }
            let pack = try writing { try StakeholderPack(folder: folder, period: period, format: format) }
            for domain in try assembler.domains(domains) {
                let report = try assembler.report(domain: domain, period: period, compare: compare)
                try writing { try pack.add(report) }
            }
            let files = try writing { try pack.finish() }
            if let manifest { try writing { try manifest.record(files, in: folder) } }
            return (files, true)
        }
    }
}

extension PackFormat: ExpressibleByArgument {}
