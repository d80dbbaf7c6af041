import ArgumentParser
import Foundation
import ReportRendering
import ReportStore
import StoreBackends

extension MailTally {
    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a whole store into another, SQLite or PostgreSQL, either way.",
            discussion: """
                Moves everything a store holds into another: every raw input (parsed again into the \
                destination's own reports, rollups and log), the reverse DNS cache and the file stamps. \
                An input the destination holds already is left alone, so a copy that stopped (Ctrl-C, \
                a lost connection) is run again to go on. It ends by comparing what both stores hold, \
                domain by domain: exit 0 when the same, 3 when not (docs/postgresql.md).

                Examples:
                  mailtally copy --from mailtally.sqlite --to postgres://mailtally@db.example/mailtally
                  mailtally copy --from postgres://mailtally@db.example/mailtally --to copy.sqlite
                """)

        @Option(help: "The store to copy: a SQLite file or a postgres:// URL.")
        var from: String

        @Option(help: "The store to copy into (created when missing): a SQLite file or a postgres:// URL.")
        var to: String

        @Flag(help: "Print the outcome as JSON on standard output.")
        var json = false

        func validate() throws {
            guard from != to else { throw ValidationError("--from and --to name the same store") }
        }

        func run() throws {
            let source: any MailTallyStore
            let destination: any MailTallyStore
            do throws(StoreError) {
                source = try StoreOpener.open(from, mustExist: true)
                destination = try StoreOpener.open(to)
            } catch {
                throw CommandFailure(error)
            }
            let progress = Terminal.Progress()
            Interruption.install()
            let outcome: StoreCopyOutcome
            do {
                outcome = try IngestPipeline(store: source, logger: MailTally.logger).copy(to: destination) {
                    done, total in progress.update(done, of: total, "copy")
                }
            } catch {
                progress.finish()
                throw CommandFailure(.database, "\(error)")
            }
            progress.finish()
            destination.checkpoint()
            if json {
                Terminal.write(JSONOutput.encode(outcome))
            } else if outcome.summary.interrupted == nil {
                Terminal.error(
                    "copied \(outcome.copied) of \(outcome.inputs) inputs (\(outcome.alreadyThere) were there already), "
                        + "\(outcome.reverseDNS) reverse DNS entries, \(outcome.fileStamps) file stamps, "
                        + "\(outcome.mailboxCheckpoints) mailbox checkpoints and \(outcome.transportChecks) transport checks"
                )
                if outcome.summary.failed > 0 {
                    // Failed in the source too: listed by `errors`, not said again one by one.
                    Terminal.error(
                        "\(outcome.summary.failed) parts failed to parse, as they did before: `mailtally errors --db \(to)` lists them"
                    )
                }
            }
            outcome.summary.exitIfInterrupted("copy")
            let differences = outcome.differences
            guard differences.isEmpty else {
                let listed = differences.prefix(10).map {
                    "\($0.what): \($0.source) in \(from), \($0.destination) in \(to)"
                }
                throw CommandFailure(
                    .database,
                    "the stores differ after the copy: \(listed.joined(separator: "; "))"
                        + (differences.count > 10 ? "; and \(differences.count - 10) more" : ""))
            }
            if !json {
                Terminal.error("both stores hold the same: \(outcome.compared.count) figures compared")
            }
        }
    }
}
