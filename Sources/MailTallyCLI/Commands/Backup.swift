import ArgumentParser
import Foundation
import ReportStore

extension MailTally {
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a consistent copy of the database to a new file, while other runs go on.",
            discussion: """
                The copy is one snapshot of the database (SQLite's VACUUM INTO): compact, checked \
                after it is written, and whole on its own (no -wal file beside it). Copying \
                mailtally.sqlite with cp while a run writes may miss what sits in its -wal file.
                Exit status: 0 done; 2 usage; 3 the database could not be read or the copy written \
                (an existing FILE is never overwritten).

                Examples:
                  mailtally backup --to /var/backups/mailtally-$(date +%F).sqlite
                  mailtally --db /srv/mailtally.sqlite backup --to copy.sqlite
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "The file to write (must not exist).")
        var to: String

        func run() throws {
            let database = try store.open(mustExist: true)
            let check: String
            let bytes: Int64
            do {
                (check, bytes) = try database.backup(to: to)
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            guard check == "ok" else { throw CommandFailure(.database, "the backup \(to) failed its check: \(check)") }
            Terminal.error("backed up \(store.path) to \(to) (\(bytes) bytes, checked)")
        }
    }
}
