import ArgumentParser
import Foundation
import Logging
import ReportIngest
import ReportRendering
import ReportStore

extension MailTally {
    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Import DMARC and TLS-RPT reports from files, folders, mboxes, Maildirs, .eml messages, IMAP mailboxes or standard input.",
            discussion: """
                Inputs are recognised by content: DMARC XML and TLS-RPT JSON, plain or in gzip, zip or \
                zlib, mailboxes (mbox, Maildir) and single messages (.eml). Folders are \
                walked recursively; `-` reads standard input. Inputs seen before (same SHA-256) are \
                not parsed again, and a report already stored counts as a duplicate. A file read \
                whole before with no failure is not even read again while its size, modification \
                time and inode stay the same (`unchanged` in the JSON); --rehash reads every file.
                Exit status: 0 when nothing failed, 1 when some input failed (the rest is imported), \
                2 on usage errors, 3 when the database fails or an IMAP mailbox could not be read to its \
                end (what was read is stored), 130 or 143 when SIGINT or SIGTERM \
                stopped it (what was read is stored; a rerun reads the rest). A failure logged before \
                for the same bytes is known: said in one line, and not a reason for status 1.

                Examples:
                  mailtally ingest ~/Downloads/google.com!example.com!1764374400!1764460799.zip
                  mailtally ingest ~/Takeout/dmarc.mbox ~/Maildir/.DMARC /srv/tlsrpt/
                  gunzip -c report.xml.gz | mailtally ingest -
                  mailtally ingest --json reports/ > outcome.json
                  mailtally ingest imaps://dmarc@example.com@imap.example.com/INBOX --password-file ~/.imap-pass \\
                      --move-to Processed --failed-to Failed
                """)

        @OptionGroup var store: StoreOptions

        @Flag(help: "Print the outcome as JSON on standard output.")
        var json = false

        @OptionGroup var caps: LimitOptions

        @Flag(help: "Read and hash every file, even those unchanged since an earlier run.")
        var rehash = false

        @OptionGroup var imap: IMAPOptions

        @Argument(
            help: "Files and folders to import; `-` for standard input; imaps://USER@HOST/MAILBOX for an IMAP mailbox.")
        var paths: [String]

        func run() throws {
            let (files, mailboxes) = try imap.split(paths)
            let database = try store.open()
            let pipeline = IngestPipeline(store: database, limits: caps.limits, logger: MailTally.logger)
            Interruption.install()
            let progress = Terminal.Progress()
            let summary: IngestSummary
            do {
                summary = try pipeline.run(paths: files, mailboxes: mailboxes, rehash: rehash) { read in
                    progress.update("ingest: " + read.line)
                }
            } catch {
                progress.finish()
                throw CommandFailure(.database, "\(error)")
            }
            progress.finish()
            database.checkpoint()
            summary.reportErrors()
            if json {
                Terminal.write(JSONOutput.encode(summary))
            } else if summary.interrupted == nil {
                Terminal.error(summary.line)
            }
            summary.exitIfInterrupted("ingest")
            summary.reportMailboxFailures()
            if !summary.mailboxFailures.isEmpty { throw ExitCode(CommandFailure.Kind.database.rawValue) }
            if summary.newFailures > 0 { throw ExitCode(CommandFailure.Kind.inputsFailed.rawValue) }
        }
    }
}
