import ArgumentParser
import Foundation
import MailNetwork
import ReportRendering

/// How `ingest` and `nightly` reach the IMAP mailboxes they are given (docs/imap.md).
struct IMAPOptions: ParsableArguments {
    @Option(help: "A file whose first line is the IMAP password (others must not be able to read it).")
    var passwordFile: String?

    @Option(
        name: .customLong("oauth2-token-command"),
        help: "A command that prints an OAuth 2.0 access token, for Microsoft 365 and Gmail (OAUTHBEARER or XOAUTH2).")
    var oauth2TokenCommand: String?

    @Option(help: "A PEM file of further certificate authorities to trust, beside the system's (a private CA).")
    var caFile: String?

    @Option(
        name: .customLong("imap-tls"),
        help: "`none`: IMAP without TLS or STARTTLS, to a loopback test server only.")
    var imapTLS: String?

    @Option(help: "Move each IMAP message whose reports are stored (or were before) to this folder, made when missing.")
    var moveTo: String?

    @Option(help: "Move each IMAP message that failed to this folder, made when missing.")
    var failedTo: String?

    func validate() throws {
        if let imapTLS, imapTLS != "none" {
            throw ValidationError("--imap-tls takes only `none` (TLS is otherwise always on), not '\(imapTLS)'")
        }
        if passwordFile != nil && oauth2TokenCommand != nil {
            throw ValidationError("give --password-file or --oauth2-token-command, not both")
        }
        for (name, folder) in [("--move-to", moveTo), ("--failed-to", failedTo)] {
            if let folder, folder.isEmpty || folder.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                throw ValidationError("\(name) takes a folder name, not '\(folder)'")
            }
        }
    }

    /// The arguments that are IMAP URLs, as inboxes; the others are paths.
    func split(_ arguments: [String]) throws -> (paths: [String], mailboxes: [IMAPInbox]) {
        var paths: [String] = []
        var mailboxes: [IMAPInbox] = []
        for argument in arguments {
            guard IMAPAccount.isURL(argument) else {
                paths.append(argument)
                continue
            }
            mailboxes.append(try inbox(argument))
        }
        return (paths, mailboxes)
    }

    /// One inbox from its URL and these options.
    func inbox(_ url: String) throws -> IMAPInbox {
        var account: IMAPAccount
        do {
            account = try IMAPAccount(url: url)
        } catch {
            throw CommandFailure(.usage, error.message)
        }
        let configuration = try Configuration.current()
        // Flags, then the environment, then the file: each setting on its own.
        let given = IMAPCredentialSource.first(
            tokenCommand: oauth2TokenCommand, passwordFile: passwordFile,
            password: ProcessInfo.processInfo.environment["MAILTALLY_IMAP_PASSWORD"],
            passwordFrom: "$MAILTALLY_IMAP_PASSWORD")
        // An account of the configuration file brings its own secret, folders, CA and TLS.
        if let configured = configuration.mailboxes.first(where: { $0.url == url }) {
            var inbox = try configured.inbox(defaultCAFile: configuration.caFile)
            if let given { inbox.credentials = given }
            if let caFile { inbox.trust = MailTLSTrust(extraRootsFile: caFile) }
            if let moveTo { inbox.moveTo = moveTo }
            if let failedTo { inbox.failedTo = failedTo }
            if imapTLS == "none" && inbox.account.security != .none {
                inbox.account = try Self.withoutTLS(inbox.account)
            }
            return inbox
        }
        if imapTLS == "none" { account = try Self.withoutTLS(account) }
        let credentials: IMAPCredentialSource
        if let given {
            credentials = given
        } else {
            throw CommandFailure(
                .usage,
                "\(account.mailboxName) needs a password or a token: --password-file, $MAILTALLY_IMAP_PASSWORD, "
                    + "--oauth2-token-command, or an [[imap]] account in the configuration file")
        }
        return IMAPInbox(
            account: account, credentials: credentials,
            trust: MailTLSTrust(extraRootsFile: caFile ?? configuration.caFile), moveTo: moveTo, failedTo: failedTo)
    }

    /// The account without TLS: refused unless it is `imap://` to a loopback address, and said.
    static func withoutTLS(_ account: IMAPAccount) throws -> IMAPAccount {
        guard account.security != .implicitTLS else {
            throw CommandFailure(.usage, "no TLS goes with imap://, not \(account.mailboxName)")
        }
        guard isLoopback(account.host) else {
            throw CommandFailure(
                .usage,
                "no TLS is for a loopback test server only, not \(account.host): use imaps:// or imap://")
        }
        var plain = account
        plain.security = .none
        Terminal.error("mailtally: \(account.mailboxName): no TLS (for loopback tests only)")
        return plain
    }

    /// 127.0.0.0/8, ::1 and localhost: addresses read as addresses (`127.evil.example` is a name).
    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }
}

extension IngestSummary {
    /// Says each mailbox that could not be read to its end on standard error.
    func reportMailboxFailures() {
        // A server's words are a stranger's bytes: no control character reaches the terminal.
        for failure in mailboxFailures { Terminal.error(Escape.terminal("mailtally: \(failure)")) }
    }
}
