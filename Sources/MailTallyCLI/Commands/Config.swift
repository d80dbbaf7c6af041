import ArgumentParser
import Foundation
import MailNetwork
import ReportRendering
import StoreBackends

extension MailTally {
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective settings, secrets masked, and where each one came from.",
            discussion: """
                The configuration file is $MAILTALLY_CONFIG, else ~/.config/mailtally/config.toml, else \
                /etc/mailtally/config.toml (docs/configuration.md). Flags and environment variables \
                override it; give this command the flags of a cron line to see what that line would use. \
                A file that holds a password and that others can read is refused.

                Examples:
                  mailtally config
                  MAILTALLY_CONFIG=/etc/mailtally/nightly.toml mailtally config --json
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var resolver: ResolverOptions
        @OptionGroup var dns: DNSOptions
        @OptionGroup var imap: IMAPOptions

        @Option(name: .customLong("out"), help: "The folder the packs go under, as nightly takes it.")
        var out: String?

        @Option(name: .customLong("inbox"), help: "An inbox, as nightly takes it (repeatable).")
        var inboxes: [String] = []

        @Flag(help: "Print the settings as JSON.")
        var json = false

        /// One effective setting.
        struct Row: Encodable, Equatable {
            var setting: String
            var value: String
            var origin: String
        }

        func run() throws {
            let configuration = try Configuration.current()
            var rows: [Row] = []
            let looked = Configuration.candidates(environment: ProcessInfo.processInfo.environment).map(\.path)
            rows.append(
                Row(
                    setting: "configuration file",
                    value: configuration.file ?? "none (looked for \(looked.joined(separator: ", ")))",
                    origin: configuration.foundBy ?? "default"))
            let db = store.effectivePath
            rows.append(Row(setting: "db", value: StoreOpener.shown(db.value), origin: db.origin))
            if let raw = store.effectiveRawDir {
                rows.append(Row(setting: "raw_dir", value: raw.value, origin: raw.origin))
            }
            if let map = resolver.effectiveSourceMap {
                rows.append(Row(setting: "source_map", value: map.value, origin: map.origin))
            }
            let psl = resolver.effectivePSL
            rows.append(Row(setting: "psl", value: psl.value, origin: psl.origin))
            if let server = dns.effectiveResolver {
                rows.append(Row(setting: "resolver", value: server.value, origin: server.origin))
            } else {
                rows.append(Row(setting: "resolver", value: "the system's resolvers", origin: "default"))
            }
            if let out {
                rows.append(Row(setting: "out", value: out, origin: "--out"))
            } else if let out = configuration.out {
                rows.append(Row(setting: "out", value: out, origin: configuration.origin))
            }
            if let caFile = imap.caFile {
                rows.append(Row(setting: "ca_file", value: caFile, origin: "--ca-file"))
            } else if let caFile = configuration.caFile {
                rows.append(Row(setting: "ca_file", value: caFile, origin: configuration.origin))
            }
            let inboxOrigin = inboxes.isEmpty ? configuration.origin : "--inbox"
            let (paths, mailboxes) =
                inboxes.isEmpty
                ? (configuration.inboxes, try configuration.mailboxes.map { try imap.inbox($0.url) })
                : try imap.split(inboxes)
            for path in paths { rows.append(Row(setting: "inbox", value: path, origin: inboxOrigin)) }
            for mailbox in mailboxes {
                rows.append(Row(setting: "inbox", value: Self.describe(mailbox), origin: inboxOrigin))
            }
            if json {
                Terminal.write(JSONOutput.encode(rows))
                return
            }
            let width = rows.map(\.setting.count).max() ?? 0
            for row in rows {
                let padded = row.setting.padding(toLength: width, withPad: " ", startingAt: 0)
                Terminal.write("\(padded)  \(row.value)  (\(row.origin))\n")
            }
        }

        /// An IMAP inbox in one line, its secret named by where it comes from, never shown.
        static func describe(_ inbox: IMAPInbox) -> String {
            var parts = [inbox.account.mailboxName, inbox.credentials.shown]
            if let folder = inbox.moveTo { parts.append("move to \(folder)") }
            if let folder = inbox.failedTo { parts.append("failed to \(folder)") }
            if let file = inbox.trust.extraRootsFile { parts.append("CA file \(file)") }
            if inbox.account.security == .none { parts.append("no TLS") }
            return parts.joined(separator: "; ")
        }
    }
}
