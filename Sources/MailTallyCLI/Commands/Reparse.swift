import ArgumentParser
import ReportIngest
import ReportRendering

extension MailTally {
    struct Reparse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse every stored raw input again, after an upgrade.",
            discussion: """
                The raw bytes of every input are kept; this parses them with the current parsers on \
                every core and replaces the reports each gave, each input whole or not at all. Inputs \
                that failed before may now be imported. Exit status as for ingest.

                Examples:
                  mailtally reparse
                  mailtally reparse --json > reparse.json
                """)

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print the outcome as JSON on standard output.")
        var json = false

        func run() throws {
            let database = try store.open(mustExist: true)
            let progress = Terminal.Progress()
            Interruption.install()
            let summary: IngestSummary
            do {
                summary = try IngestPipeline(store: database, logger: MailTally.logger).reparse { done, total in
                    progress.update(done, of: total, "reparse")
                }
            } catch {
                progress.finish()
                throw CommandFailure(.database, "\(error)")
            }
            progress.finish()
            database.checkpoint()
            summary.reportErrors(all: true)
            if json {
                Terminal.write(JSONOutput.encode(summary))
            } else if summary.interrupted == nil {
                Terminal.error(summary.line)
            }
            summary.exitIfInterrupted("reparse")
            if summary.failed > 0 { throw ExitCode(CommandFailure.Kind.inputsFailed.rawValue) }
        }
    }
}
