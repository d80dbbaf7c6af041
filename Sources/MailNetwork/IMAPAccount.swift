import Foundation

/// An IMAP mailbox as a URL names it: `imaps://USER@HOST[:PORT]/MAILBOX` (TLS from the start,
/// port 993) or `imap://…` (STARTTLS, port 143). The user may hold an `@` (the last `@` ends
/// it) and percent escapes; the mailbox is UTF-8, INBOX when the path is empty.
public struct IMAPAccount: Sendable, Hashable {
    /// How the connection is protected.
    public enum Security: String, Sendable, Hashable {
        /// TLS from the start (`imaps://`).
        case implicitTLS
        /// STARTTLS, required (`imap://`).
        case startTLS
        /// No TLS at all: for a loopback server in tests, never for a real account.
        case none
    }

    /// The login name.
    public var user: String
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// How the connection is protected.
    public var security: Security
    /// The mailbox, in UTF-8, with the server's delimiter between levels (`/` accepted too).
    public var mailbox: String

    /// An account and mailbox as given.
    public init(user: String, host: String, port: Int, security: Security, mailbox: String) {
        self.user = user
        self.host = host
        self.port = port
        self.security = security
        self.mailbox = mailbox
    }

    /// `text` with anything between `:` and `@` in its user part replaced by `***`: an error
    /// about a URL never repeats a password written into it.
    public static func masked(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
            return text
        }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// Whether `text` is meant as an IMAP URL (rather than a path).
    public static func isURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("imaps://") || lower.hasPrefix("imap://")
    }

    /// Parses an `imaps://` or `imap://` URL. - Throws: one sentence saying what is wrong.
    public init(url text: String) throws(MailNetworkError) {
        func bad(_ reason: String) -> MailNetworkError { MailNetworkError(.local, "\(Self.masked(text)): \(reason)") }
        let parts = try MailURL(text, bad: bad)
        switch parts.scheme {
        case "imaps": security = .implicitTLS
        case "imap": security = .startTLS
        default: throw bad("not an imaps:// or imap:// URL")
        }
        guard let user = parts.user else { throw bad("no user (write imaps://USER@HOST/MAILBOX)") }
        self.user = user
        host = parts.host
        port = parts.port ?? (security == .implicitTLS ? 993 : 143)
        guard let mailbox = String(parts.path).removingPercentEncoding else {
            throw bad("the mailbox is badly escaped")
        }
        guard !mailbox.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw bad("the mailbox name holds control characters")
        }
        self.mailbox = mailbox.isEmpty ? "INBOX" : mailbox
    }

    /// `imaps://user@host[:port]`: the account, as the store keys its checkpoints and as
    /// messages name it (the port only when it is not the scheme's).
    public var accountName: String {
        let scheme = security == .implicitTLS ? "imaps" : "imap"
        let defaultPort = security == .implicitTLS ? 993 : 143
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let escapedUser = user.addingPercentEncoding(withAllowedCharacters: Self.userCharacters) ?? user
        return "\(scheme)://\(escapedUser)@\(shownHost)" + (port == defaultPort ? "" : ":\(port)")
    }

    /// The mailbox's URL: `imaps://user@host/INBOX`.
    public var mailboxName: String { "\(accountName)/\(escapedMailbox)" }

    /// One message's name (RFC 5092's form): `imaps://user@host/INBOX;UIDVALIDITY=v;UID=n`.
    public func messageName(uidValidity: UInt32, uid: UInt32) -> String {
        "\(mailboxName);UIDVALIDITY=\(uidValidity);UID=\(uid)"
    }

    /// Another mailbox of the same account.
    public func with(mailbox: String) -> IMAPAccount {
        var copy = self
        copy.mailbox = mailbox
        return copy
    }

    private var escapedMailbox: String {
        mailbox.addingPercentEncoding(withAllowedCharacters: Self.pathCharacters) ?? mailbox
    }

    private static let userCharacters = CharacterSet.urlUserAllowed.subtracting(CharacterSet(charactersIn: "@:;"))
    private static let pathCharacters = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: ";?#%"))
}
