import ArgumentParser
import Foundation
import MailNetwork
import ReportStore

extension MailTally {
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest reports from IMAP mailboxes as they arrive (IDLE), until stopped.",
            discussion: """
                Each mailbox gets one connection of its own: what is new is read and stored as \
                `ingest` does (a checkpoint in the store, moves only after the commit), then the \
                connection waits in IDLE and reads again when the server says mail arrived, or every \
                --idle-minutes at the latest (IDLE is re-issued before servers drop it at 30 minutes). \
                A dropped connection is opened again with a growing pause. The packs are still written \
                by `nightly`. SIGINT or SIGTERM ends it after the current batch is stored.
                Mailboxes: the arguments, else the IMAP accounts of the configuration file.

                Examples:
                  mailtally watch imaps://dmarc@imap.example.com/INBOX --password-file ~/.imap-pass --move-to Processed
                  mailtally watch      # every [[imap]] account of the configuration file
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var caps: LimitOptions
        @OptionGroup var imap: IMAPOptions

        @Option(help: "Minutes an IDLE lasts before it is ended and issued again (1 to 29).")
        var idleMinutes: Int = 25

        @Flag(help: "Say what each pass read.")
        var verbose = false

        @Argument(help: "IMAP mailboxes: imaps://USER@HOST/MAILBOX.")
        var mailboxes: [String] = []

        func validate() throws {
            guard (1...29).contains(idleMinutes) else {
                throw ValidationError("--idle-minutes takes 1 to 29 (servers end an IDLE after 30 minutes)")
            }
            for mailbox in mailboxes where !IMAPAccount.isURL(mailbox) {
                throw ValidationError("watch reads IMAP mailboxes (imaps://USER@HOST/MAILBOX), not \(mailbox)")
            }
        }

        func run() throws {
            let inboxes =
                mailboxes.isEmpty
                ? try Configuration.current().mailboxes.map { try imap.inbox($0.url) }
                : try mailboxes.map { try imap.inbox($0) }
            guard !inboxes.isEmpty else {
                throw CommandFailure(
                    .usage, "no mailbox to watch: name one, or add an [[imap]] account to the configuration file")
            }
            let database = try store.open()
            Interruption.install()
            let limits = caps.limits
            // The passes of different mailboxes take turns at the store.
            let turns = NSLock()
            let group = DispatchGroup()
            for inbox in inboxes {
                group.enter()
                let thread = Thread {
                    let pipeline = IngestPipeline(store: database, limits: limits, logger: MailTally.logger)
                    watch(inbox, pipeline: pipeline, turns: turns)
                    group.leave()
                }
                thread.name = "mailtally.watch"
                thread.start()
            }
            group.wait()
            database.checkpoint()
            if let signal = Interruption.signal {
                Terminal.error("mailtally: watch stopped by \(Interruption.name(signal))")
                Foundation.exit(128 + signal)
            }
        }

        /// One mailbox, until a signal: connect, read what is new, IDLE, again; reconnect with a
        /// growing pause after a failure.
        func watch(_ inbox: IMAPInbox, pipeline: IngestPipeline, turns: NSLock) {
            let reader = IMAPIngest(inbox: inbox, store: pipeline.store, limits: pipeline.limits)
            var pause: TimeInterval = 1
            while !Interruption.requested {
                do throws(MailNetworkError) {
                    let client = try reader.connect()
                    defer { client.logout() }
                    pause = 1
                    while !Interruption.requested {
                        try pass(reader, client: client, pipeline: pipeline, turns: turns)
                        _ = try client.idle(seconds: TimeInterval(idleMinutes * 60)) { Interruption.requested }
                    }
                } catch {
                    Terminal.error(
                        "mailtally: \(inbox.account.mailboxName): \(error.message); again in \(Int(pause)) s")
                    let until = Date(timeIntervalSinceNow: pause)
                    while Date() < until && !Interruption.requested { Thread.sleep(forTimeInterval: 0.2) }
                    pause = min(pause * 2, 300)
                }
            }
        }

        /// Reads what is new in one run of the store's log, and says what it stored.
        func pass(_ reader: IMAPIngest, client: IMAPClient, pipeline: IngestPipeline, turns: NSLock)
            throws(MailNetworkError)
        {
            turns.lock()
            defer { turns.unlock() }
            let store = pipeline.store
            let runID: Int64
            do {
                runID = try store.startRun(command: "watch")
            } catch {
                throw MailNetworkError(.local, "the store failed: \(error)")
            }
            let batch = IngestBatch(pipeline: pipeline, runID: runID)
            batch.keepsCommittedRows = reader.inbox.moves
            var outcome = MailboxOutcome(mailbox: reader.inbox.account.mailboxName)
            defer {
                try? batch.flush(wait: true)
                try? store.finishRun(runID)
                var summary = batch.summary
                summary.mailboxes = [outcome]
                summary.reportErrors()
                if verbose || summary.newFailures > 0 || outcome.fetched > 0 { Terminal.error(summary.line) }
            }
            try reader.read(with: client, into: batch, outcome: &outcome)
        }
    }
}
