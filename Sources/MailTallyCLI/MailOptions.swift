import ArgumentParser
import Foundation
import MailNetwork

extension MailWhen: ExpressibleByArgument {}

/// How `nightly` mails its digest (docs/digest.md).
struct MailOptions: ParsableArguments {
    @Option(
        name: .customLong("mail-to"),
        help: "Mail the digest to these addresses, comma-separated; repeat for another set (one message per set).")
    var mailTo: [String] = []

    @Option(name: .customLong("mail-from"), help: "The digest's sender (default: mailtally@ this host's name).")
    var mailFrom: String?

    @Option(
        name: .customLong("mail-when"),
        help: "new: only when a finding is new since the last digest (default); findings: when there is any; always.")
    var mailWhen: MailWhen?

    @Option(
        name: .customLong("mail-weekly"),
        help:
            "On nights whose last day is this weekday (monday…sunday), send a roll-up of every open finding instead, whatever --mail-when says."
    )
    var mailWeekly: String?

    @Option(
        help: "Submit through this server: smtp://[USER@]HOST[:587] (STARTTLS, required) or smtps://[USER@]HOST[:465].")
    var smtp: String?

    @Option(help: "A file whose first line is the SMTP password (others must not be able to read it).")
    var smtpPasswordFile: String?

    @Option(
        name: .customLong("smtp-oauth2-token-command"),
        help: "A command that prints an OAuth 2.0 access token for the SMTP server (XOAUTH2).")
    var smtpTokenCommand: String?

    @Option(help: "The local sendmail, used when no SMTP server is named.")
    var sendmail: String = "/usr/sbin/sendmail"

    @Option(
        help:
            "Run this command (/bin/sh -c) with the night's new critical findings as JSON on standard input (a webhook is one curl away)."
    )
    var alertCommand: String?

    @Option(help: "The largest zip of the 7-day pack attached to the digest, in bytes (0: never attach).")
    var mailAttachMaxBytes: Int = 10 << 20

    static let weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    func validate() throws {
        guard mailAttachMaxBytes >= 0 else { throw ValidationError("--mail-attach-max-bytes must not be negative") }
        if let mailWeekly, !Self.weekdays.contains(mailWeekly.lowercased()) {
            throw ValidationError("--mail-weekly takes a weekday (monday … sunday), not '\(mailWeekly)'")
        }
        if smtpPasswordFile != nil && smtpTokenCommand != nil {
            throw ValidationError("give --smtp-password-file or --smtp-oauth2-token-command, not both")
        }
    }

    /// The recipient sets: `--mail-to`, else the configuration file's `[mail] to`. Addresses
    /// are split at commas outside quotes and angle brackets (`"Doe, John" <j@example.com>`).
    /// - Throws: a sentence for an address with a control character (a line break would make a
    ///   header of it).
    func recipientSets(_ configuration: Configuration) throws -> [[String]] {
        let given = mailTo.isEmpty ? configuration.mail.to : mailTo
        var sets: [[String]] = []
        for text in given {
            let addresses = Self.addresses(text)
            for address in addresses { try Self.check(address, "--mail-to") }
            if !addresses.isEmpty { sets.append(addresses) }
        }
        return sets
    }

    /// `a@x, "Doe, John" <j@y>` as its addresses.
    static func addresses(_ text: String) -> [String] {
        var list: [String] = []
        var current = ""
        var quoted = false
        var angle = false
        for character in text {
            switch character {
            case "\"": quoted.toggle()
            case "<" where !quoted: angle = true
            case ">" where !quoted: angle = false
            case "," where !quoted && !angle:
                list.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        list.append(current)
        return list.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Refuses an address that holds a control character or no `@`.
    static func check(_ address: String, _ option: String) throws {
        guard !address.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
            MailTransport.address(of: address).contains("@")
        else {
            throw CommandFailure(.usage, "\(option) takes mail addresses, not '\(address.debugDescription)'")
        }
    }

    /// The weekday of the roll-up, 1 Sunday … 7 Saturday.
    func weeklyDay(_ configuration: Configuration) -> Int? {
        (mailWeekly ?? configuration.mail.weekly).flatMap { Self.weekdays.firstIndex(of: $0.lowercased()) }.map {
            $0 + 1
        }
    }

    func when(_ configuration: Configuration) throws -> MailWhen {
        if let mailWhen { return mailWhen }
        guard let text = configuration.mail.when else { return .new }
        guard let value = MailWhen(rawValue: text) else {
            throw CommandFailure(
                .usage, "the configuration file's [mail] when takes new, findings or always, not '\(text)'")
        }
        return value
    }

    func sender(_ configuration: Configuration) throws -> String {
        let sender = mailFrom ?? configuration.mail.from ?? "MailTally <mailtally@\(MailTransport.hostName)>"
        try Self.check(sender, "--mail-from")
        return sender
    }

    /// The transport: the SMTP server named, else the local sendmail. - Throws: a sentence
    /// when there is neither.
    func transport(_ configuration: Configuration, caFile: String?) throws -> MailTransport {
        if let url = smtp ?? configuration.mail.smtp {
            let server: SMTPServerAddress
            do {
                server = try SMTPServerAddress(url: url)
            } catch {
                throw CommandFailure(.usage, error.message)
            }
            // Flags, then the environment, then the file; the file's secret only with the file's
            // server, never sent to one named on the command line.
            let fromFile =
                smtp == nil
                ? IMAPCredentialSource.first(
                    tokenCommand: configuration.mail.tokenCommand, passwordFile: configuration.mail.passwordFile,
                    password: configuration.mail.password, passwordFrom: "the configuration file") : nil
            let credentials =
                IMAPCredentialSource.first(
                    tokenCommand: smtpTokenCommand, passwordFile: smtpPasswordFile,
                    password: ProcessInfo.processInfo.environment["MAILTALLY_SMTP_PASSWORD"],
                    passwordFrom: "$MAILTALLY_SMTP_PASSWORD") ?? fromFile
            if credentials != nil && server.user == nil {
                throw CommandFailure(
                    .usage, "\(server.shown) names no user to log in as: write smtp://USER@HOST")
            }
            if server.user != nil && credentials == nil {
                throw CommandFailure(
                    .usage,
                    "\(server.shown) names a user but no password or token: --smtp-password-file, "
                        + "$MAILTALLY_SMTP_PASSWORD or --smtp-oauth2-token-command")
            }
            return .smtp(server, credentials: credentials, trust: MailTLSTrust(extraRootsFile: caFile))
        }
        guard FileManager.default.isExecutableFile(atPath: sendmail) else {
            throw CommandFailure(
                .usage,
                "no way to send the digest: no sendmail at \(sendmail), and no --smtp server "
                    + "(or [mail] smtp in the configuration file)")
        }
        return .sendmail(path: sendmail)
    }
}
