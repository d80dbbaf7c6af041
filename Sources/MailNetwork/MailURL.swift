import Foundation

/// What mail URLs share (`imaps://`, `imap://`, `smtp://`, `smtps://`): the scheme, an optional
/// user (percent-decoded; the last `@` ends it, so an address can be one), the host (an IPv6
/// address in brackets), an optional port and the path after the first `/`.
struct MailURL {
    var scheme: String
    var user: String?
    var host: String
    var port: Int?
    var path: Substring

    /// Splits `text`; each mistake is one sentence made by `bad`, which never repeats a password.
    init(_ text: String, bad: (String) -> MailNetworkError) throws(MailNetworkError) {
        guard let separator = text.range(of: "://") else { throw bad("not a URL") }
        scheme = text[..<separator.lowerBound].lowercased()
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        path = rest.dropFirst(authority.count).dropFirst()
        var hostPort = authority[...]
        if let at = authority.lastIndex(of: "@") {
            guard let user = String(authority[..<at]).removingPercentEncoding, !user.isEmpty else {
                throw bad("the user is empty or badly escaped")
            }
            guard !user.contains(":") else {
                throw bad("a password does not belong in the URL (use a password file or the configuration file)")
            }
            guard !user.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw bad("control characters in the user")
            }
            self.user = user
            hostPort = authority[authority.index(after: at)...]
        } else {
            user = nil
        }
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw bad("an unclosed [IPv6 address]") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = hostPort[hostPort.index(after: close)...]
        } else {
            host = String(hostPort.prefix { $0 != ":" })
            hostPort = hostPort.dropFirst(host.count)
        }
        guard !host.isEmpty else { throw bad("no host") }
        if hostPort.hasPrefix(":") {
            guard let number = Int(hostPort.dropFirst()), (1...65535).contains(number) else {
                throw bad("the port '\(hostPort.dropFirst())' is not a number from 1 to 65535")
            }
            port = number
        } else if !hostPort.isEmpty {
            throw bad("text after the host")
        } else {
            port = nil
        }
    }
}
