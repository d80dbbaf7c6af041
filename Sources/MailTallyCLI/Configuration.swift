import ArgumentParser
import Foundation
import Glibc
import MailNetwork
import StoreBackends
import TOMLKit

/// The configuration file (docs/configuration.md): what a cron line would otherwise carry, the
/// secrets above all. TOML, found at `$MAILTALLY_CONFIG`, else `~/.config/mailtally/config.toml`,
/// else `/etc/mailtally/config.toml`; flags and environment variables override it.
struct Configuration: Sendable {
    /// One IMAP account of the file, with its own secret and folders.
    struct Mailbox: Sendable {
        var url: String
        var password: String?
        var passwordFile: String?
        var tokenCommand: String?
        var moveTo: String?
        var failedTo: String?
        var caFile: String?
        var withoutTLS = false
    }

    /// How the nightly digest is mailed (`[mail]`; docs/digest.md).
    struct Mail: Sendable {
        /// Recipient sets, each comma-separated.
        var to: [String] = []
        var from: String?
        var when: String?
        var weekly: String?
        var smtp: String?
        var password: String?
        var passwordFile: String?
        var tokenCommand: String?
        var alertCommand: String?
    }

    /// The file read, nil when there is none.
    var file: String?
    var mail = Mail()
    /// How the file was found (`$MAILTALLY_CONFIG`, the user's, the system's).
    var foundBy: String?
    var db: String?
    var rawDir: String?
    var sourceMap: String?
    var psl: String?
    var out: String?
    var resolver: String?
    var caFile: String?
    /// Paths (files, folders, mboxes, Maildirs) to ingest.
    var inboxes: [String] = []
    var mailboxes: [Mailbox] = []

    /// How a setting from the file is named: `the configuration file PATH`.
    var origin: String { file.map { "the configuration file \($0)" } ?? "default" }

    /// Where the file is looked for, in order, with how each is named.
    static func candidates(environment: [String: String]) -> [(path: String, foundBy: String, required: Bool)] {
        if let path = environment["MAILTALLY_CONFIG"], !path.isEmpty {
            return [(path, "$MAILTALLY_CONFIG", true)]
        }
        var list: [(String, String, Bool)] = []
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let xdg = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(home)/.config"
        list.append(("\(xdg)/mailtally/config.toml", "the user's configuration", false))
        list.append(("/etc/mailtally/config.toml", "the system's configuration", false))
        return list
    }

    /// The configuration of this process, read once.
    static func current() throws -> Configuration {
        switch loaded {
        case .success(let configuration): return configuration
        case .failure(let error): throw CommandFailure(.usage, error.message)
        }
    }

    /// The configuration, or an empty one when it could not be read (for places that cannot
    /// fail; a command that can has already said why through ``current()``).
    static var bestEffort: Configuration { (try? loaded.get()) ?? Configuration() }

    private static let loaded: Result<Configuration, ConfigurationError> = Result {
        () throws(ConfigurationError) -> Configuration in
        try load(environment: ProcessInfo.processInfo.environment)
    }

    /// Finds and reads the file. - Throws: a sentence naming the file and what is wrong.
    static func load(environment: [String: String]) throws(ConfigurationError) -> Configuration {
        for candidate in candidates(environment: environment) {
            guard FileManager.default.fileExists(atPath: candidate.path) else {
                if candidate.required {
                    throw ConfigurationError("\(candidate.path) (from \(candidate.foundBy)): no such file")
                }
                continue
            }
            var configuration = try read(path: candidate.path)
            configuration.foundBy = candidate.foundBy
            return configuration
        }
        return Configuration()
    }

    static let knownKeys = [
        "db", "raw_dir", "source_map", "psl", "out", "resolver", "ca_file", "inboxes", "imap", "mail",
    ]
    static let knownMailKeys = [
        "to", "from", "when", "weekly", "smtp", "password", "password_file", "oauth2_token_command", "alert_command",
    ]
    static let knownMailboxKeys = [
        "url", "password", "password_file", "oauth2_token_command", "move_to", "failed_to", "ca_file", "tls",
    ]

    /// Reads one file.
    static func read(path: String) throws(ConfigurationError) -> Configuration {
        // Read through a handle, not whole: /dev/null (no configuration) has no size to trust.
        guard let handle = FileHandle(forReadingAtPath: path),
            let data = try? handle.read(upToCount: (1 << 20) + 1) ?? Data()
        else {
            throw ConfigurationError("\(path) cannot be read")
        }
        try? handle.close()
        guard data.count <= 1 << 20 else { throw ConfigurationError("\(path) is larger than 1 MiB") }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: String(decoding: data, as: UTF8.self))
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                "\(path): line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigurationError("\(path): \(error)")
        }
        var configuration = Configuration(file: path)
        for key in table.keys where !knownKeys.contains(key) {
            throw ConfigurationError("\(path): unknown setting '\(key)' (known: \(knownKeys.joined(separator: ", ")))")
        }
        func string(_ key: String, in table: TOMLTable, _ place: String) throws(ConfigurationError) -> String? {
            guard let value = table[key] else { return nil }
            guard let text = value.string, !text.isEmpty else {
                throw ConfigurationError("\(path): \(place)\(key) takes a non-empty string")
            }
            return text
        }
        configuration.db = try string("db", in: table, "")
        configuration.rawDir = try string("raw_dir", in: table, "")
        configuration.sourceMap = try string("source_map", in: table, "")
        configuration.psl = try string("psl", in: table, "")
        configuration.out = try string("out", in: table, "")
        configuration.resolver = try string("resolver", in: table, "")
        configuration.caFile = try string("ca_file", in: table, "")
        if let value = table["inboxes"] {
            guard let array = value.array else { throw ConfigurationError("\(path): inboxes takes a list of paths") }
            for item in array {
                guard let text = item.string, !text.isEmpty else {
                    throw ConfigurationError("\(path): inboxes takes a list of paths")
                }
                guard !IMAPAccount.isURL(text) else {
                    throw ConfigurationError(
                        "\(path): \(text) goes in an [[imap]] table (url = …, with its password_file), not in inboxes")
                }
                configuration.inboxes.append(text)
            }
        }
        if let value = table["imap"] {
            guard let array = value.array else {
                throw ConfigurationError("\(path): imap takes tables: write each account as [[imap]]")
            }
            for (index, item) in array.enumerated() {
                let place = "[[imap]] number \(index + 1): "
                guard let entry = item.table else { throw ConfigurationError("\(path): \(place)not a table") }
                for key in entry.keys where !knownMailboxKeys.contains(key) {
                    throw ConfigurationError(
                        "\(path): \(place)unknown setting '\(key)' (known: \(knownMailboxKeys.joined(separator: ", ")))"
                    )
                }
                guard let url = try string("url", in: entry, place) else {
                    throw ConfigurationError("\(path): \(place)needs url = \"imaps://USER@HOST/MAILBOX\"")
                }
                var mailbox = Mailbox(url: url)
                mailbox.password = try string("password", in: entry, place)
                mailbox.passwordFile = try string("password_file", in: entry, place)
                mailbox.tokenCommand = try string("oauth2_token_command", in: entry, place)
                mailbox.moveTo = try string("move_to", in: entry, place)
                mailbox.failedTo = try string("failed_to", in: entry, place)
                mailbox.caFile = try string("ca_file", in: entry, place)
                if let tls = try string("tls", in: entry, place) {
                    guard tls == "none" else {
                        throw ConfigurationError(
                            "\(path): \(place)tls takes only \"none\" (loopback tests), not '\(tls)'")
                    }
                    mailbox.withoutTLS = true
                }
                let secrets = [mailbox.password, mailbox.passwordFile, mailbox.tokenCommand].compactMap { $0 }.count
                guard secrets == 1 else {
                    throw ConfigurationError(
                        "\(path): \(place)needs exactly one of password, password_file and oauth2_token_command")
                }
                do {
                    _ = try IMAPAccount(url: url)
                } catch {
                    throw ConfigurationError("\(path): \(place)\(error.message)")
                }
                configuration.mailboxes.append(mailbox)
            }
        }
        if let value = table["mail"] {
            guard let mail = value.table else {
                throw ConfigurationError("\(path): mail takes a table: write it as [mail]")
            }
            for key in mail.keys where !knownMailKeys.contains(key) {
                throw ConfigurationError(
                    "\(path): [mail]: unknown setting '\(key)' (known: \(knownMailKeys.joined(separator: ", ")))")
            }
            if let to = mail["to"] {
                if let one = to.string {
                    configuration.mail.to = [one]
                } else if let list = to.array, list.allSatisfy({ $0.string != nil }) {
                    configuration.mail.to = list.compactMap(\.string)
                } else {
                    throw ConfigurationError("\(path): [mail] to takes an address list, or a list of them")
                }
            }
            configuration.mail.from = try string("from", in: mail, "[mail] ")
            configuration.mail.when = try string("when", in: mail, "[mail] ")
            configuration.mail.weekly = try string("weekly", in: mail, "[mail] ")
            configuration.mail.smtp = try string("smtp", in: mail, "[mail] ")
            configuration.mail.password = try string("password", in: mail, "[mail] ")
            configuration.mail.passwordFile = try string("password_file", in: mail, "[mail] ")
            configuration.mail.tokenCommand = try string("oauth2_token_command", in: mail, "[mail] ")
            configuration.mail.alertCommand = try string("alert_command", in: mail, "[mail] ")
            if let when = configuration.mail.when, !["new", "findings", "always"].contains(when) {
                throw ConfigurationError("\(path): [mail] when takes new, findings or always, not '\(when)'")
            }
            if let weekly = configuration.mail.weekly, !MailOptions.weekdays.contains(weekly.lowercased()) {
                throw ConfigurationError("\(path): [mail] weekly takes a weekday (monday … sunday), not '\(weekly)'")
            }
        }
        try configuration.refuseIfOthersCanRead()
        return configuration
    }

    /// A file with a password in it (an IMAP password, a `postgres://` URL with one) that others
    /// can read is refused: the password is as good as published. A file that others can write
    /// is refused too: it names commands to run (`oauth2_token_command`) and where to write.
    func refuseIfOthersCanRead() throws(ConfigurationError) {
        guard let file else { return }
        var info = stat()
        guard stat(file, &info) == 0 else { return }
        if info.st_mode & 0o002 != 0, (info.st_mode & S_IFMT) == S_IFREG {
            throw ConfigurationError("\(file) can be written by others: refused (chmod o-w \(file))")
        }
        let holdsPassword =
            mailboxes.contains { $0.password != nil } || mail.password != nil
            || (db.map(StoreOpener.holdsPassword) ?? false)
        guard holdsPassword else { return }
        if info.st_mode & 0o007 != 0 {
            throw ConfigurationError(
                "\(file) holds a password and others can read it: refused (chmod o-rwx \(file), or use password_file)")
        }
    }
}

extension Configuration.Mailbox {
    /// The inbox this account stands for; `trust` applies when the account names no CA file.
    func inbox(defaultCAFile: String?) throws -> IMAPInbox {
        var account: IMAPAccount
        do {
            account = try IMAPAccount(url: url)
        } catch {
            throw CommandFailure(.usage, error.message)
        }
        if withoutTLS { account = try IMAPOptions.withoutTLS(account) }
        // Reading the file made sure exactly one is given.
        let credentials =
            IMAPCredentialSource.first(
                tokenCommand: tokenCommand, passwordFile: passwordFile, password: password,
                passwordFrom: "the configuration file") ?? .password("", from: "the configuration file")
        return IMAPInbox(
            account: account, credentials: credentials, trust: MailTLSTrust(extraRootsFile: caFile ?? defaultCAFile),
            moveTo: moveTo, failedTo: failedTo)
    }
}

/// Why the configuration file cannot be used.
struct ConfigurationError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = "the configuration file " + message }
    var description: String { message }
}
