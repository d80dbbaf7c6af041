import Foundation

/// Where a digest is submitted: `smtp://[USER@]HOST[:PORT]` (STARTTLS, required; port 587) or
/// `smtps://[USER@]HOST[:PORT]` (TLS from the start; port 465).
public struct SMTPServerAddress: Sendable, Hashable {
    /// The host name or address.
    public var host: String
    /// The port.
    public var port: Int
    /// How the connection is protected (`.none` only for a loopback test server).
    public var security: IMAPAccount.Security
    /// Who logs in, when the server needs it.
    public var user: String?

    /// An address as given.
    public init(host: String, port: Int, security: IMAPAccount.Security, user: String?) {
        self.host = host
        self.port = port
        self.security = security
        self.user = user
    }

    /// Parses an `smtp://` or `smtps://` URL. - Throws: one sentence saying what is wrong.
    public init(url text: String) throws(MailNetworkError) {
        func bad(_ reason: String) -> MailNetworkError {
            MailNetworkError(.local, "\(IMAPAccount.masked(text)): \(reason)")
        }
        let parts = try MailURL(text, bad: bad)
        switch parts.scheme {
        case "smtps": security = .implicitTLS
        case "smtp": security = .startTLS
        default: throw bad("not an smtp:// or smtps:// URL")
        }
        guard parts.path.isEmpty else { throw bad("a path has no meaning here") }
        user = parts.user
        host = parts.host
        port = parts.port ?? (security == .implicitTLS ? 465 : 587)
    }

    /// `smtp://user@host:587`, for messages (never a secret).
    public var shown: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(user.map { "\($0)@" } ?? "")\(shownHost):\(port)"
    }
}

/// Cuts SMTP replies: lines `250-…` continue a reply, `250 …` ends it (RFC 5321, 4.2).
public struct SMTPFramer: MailFramer {
    /// The longest line, and the longest reply.
    public var maxLineBytes = 64 << 10
    public var maxReplyBytes = 1 << 20

    /// A framer with the standard limits.
    public init() {}

    public mutating func responseLength(in bytes: UnsafeRawBufferPointer) throws(IMAPProtocolError) -> Int? {
        var lineStart = 0
        while lineStart < bytes.count {
            var index = lineStart
            while index < bytes.count && bytes[index] != 0x0A { index += 1 }
            guard index < bytes.count else {
                if bytes.count - lineStart > maxLineBytes { throw IMAPProtocolError("the server sent an endless line") }
                return nil
            }
            guard index + 1 <= maxReplyBytes else { throw IMAPProtocolError("the server sent an endless reply") }
            // `DDD-` continues; anything else (`DDD `, `DDD`) ends the reply.
            let continues = index - lineStart >= 4 && bytes[lineStart + 3] == UInt8(ascii: "-")
            if !continues { return index + 1 }
            lineStart = index + 1
        }
        return nil
    }
}

/// One SMTP reply: its code and its lines of text.
public struct SMTPReply: Sendable, Equatable {
    /// The three-digit code.
    public var code: Int
    /// The text of each line, after the code.
    public var lines: [String]

    /// Reads a whole reply (as ``SMTPFramer`` cut it).
    public init(parsing bytes: [UInt8]) throws(IMAPProtocolError) {
        var code: Int?
        var lines: [String] = []
        // Split as bytes: in a String, CR LF is one character, and "\n" would not split it.
        for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
            let line = String(decoding: raw.last == 0x0D ? raw.dropLast() : raw, as: UTF8.self)
            guard line.count >= 3, let value = Int(line.prefix(3)), (200...599).contains(value) else {
                throw IMAPProtocolError("a reply line without a code: \(line.prefix(80))")
            }
            if let code, code != value { throw IMAPProtocolError("a reply whose lines disagree on their code") }
            code = value
            lines.append(String(line.dropFirst(4)))
        }
        guard let code else { throw IMAPProtocolError("an empty reply") }
        self.code = code
        self.lines = lines
    }

    /// The reply in one line, for messages.
    public var text: String { "\(code) \(lines.joined(separator: " ").prefix(200))" }
}

/// How the client logs in to a submission server.
public enum SMTPCredentials: Sendable {
    /// `AUTH PLAIN` when offered, else `AUTH LOGIN`.
    case password(String)
    /// `AUTH XOAUTH2` (Google's and Microsoft's) with an OAuth 2.0 access token.
    case bearerToken(String)
}

/// A small, blocking SMTP submission client (RFC 5321, 6409): EHLO, STARTTLS (required unless
/// TLS is on from the start), AUTH PLAIN, LOGIN or XOAUTH2, and one message at a time with
/// MAIL FROM, RCPT TO and DATA. Every wait has a timeout.
public final class SMTPClient: @unchecked Sendable {
    private let connection: MailConnection
    private let server: SMTPServerAddress
    /// The EHLO keywords the server offers, upper-cased (`STARTTLS`, `AUTH PLAIN LOGIN`, `8BITMIME`).
    public private(set) var extensions: [String] = []
    private let timeout: TimeInterval

    /// Connects, greets, starts TLS as the address asks (refusing a server that does not offer
    /// STARTTLS), and logs in when credentials are given.
    /// - Parameter heloName: the name this host gives in EHLO.
    public init(
        server: SMTPServerAddress, credentials: SMTPCredentials?, trust: MailTLSTrust, heloName: String,
        timeout: TimeInterval = 60
    ) throws(MailNetworkError) {
        self.server = server
        self.timeout = timeout
        connection = try MailConnection(
            host: server.host, port: server.port, tls: server.security == .implicitTLS ? trust : nil,
            framer: SMTPFramer(), maxQueuedBytes: 4 << 20)
        do throws(MailNetworkError) {
            try expect(220, to: "the greeting", try reply())
            try ehlo(heloName)
            if server.security == .startTLS {
                guard extensions.contains("STARTTLS") else {
                    throw MailNetworkError(
                        .tls,
                        "\(connection.server) does not offer STARTTLS, and smtp:// requires it "
                            + "(use smtps:// if the server offers TLS on port 465)")
                }
                try expect(220, to: "STARTTLS", try command("STARTTLS"))
                try connection.startTLS(trust: trust)
                try ehlo(heloName)
            }
            if let credentials { try authenticate(credentials) }
        } catch {
            connection.close()
            throw error
        }
    }

    deinit { connection.close() }

    private func ehlo(_ name: String) throws(MailNetworkError) {
        let answer = try command("EHLO \(name)")
        try expect(250, to: "EHLO", answer)
        extensions = answer.lines.dropFirst().map { $0.uppercased() }
    }

    /// The mechanisms after `AUTH` in EHLO.
    private var mechanisms: Set<String> {
        Set(
            extensions.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }.flatMap {
                $0.dropFirst(5).split(separator: " ").map(String.init)
            })
    }

    private func authenticate(_ credentials: SMTPCredentials) throws(MailNetworkError) {
        let user = server.user ?? ""
        let answer: SMTPReply
        switch credentials {
        case .password(let password):
            if mechanisms.contains("PLAIN") {
                let plain = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
                answer = try command("AUTH PLAIN \(plain)")
            } else if mechanisms.contains("LOGIN") {
                try expect(334, to: "AUTH LOGIN", try command("AUTH LOGIN"))
                try expect(334, to: "AUTH LOGIN", try command(Data(user.utf8).base64EncodedString()))
                answer = try command(Data(password.utf8).base64EncodedString())
            } else {
                throw MailNetworkError(
                    .authentication, "\(connection.server) offers neither AUTH PLAIN nor AUTH LOGIN after TLS")
            }
        case .bearerToken(let token):
            guard mechanisms.contains("XOAUTH2") else {
                throw MailNetworkError(.authentication, "\(connection.server) does not offer AUTH XOAUTH2 for a token")
            }
            let initial = Data("user=\(user)\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8).base64EncodedString()
            var first = try command("AUTH XOAUTH2 \(initial)")
            // A failure comes as a 334 challenge with the error as JSON; an empty line ends it.
            if first.code == 334 { first = try command("") }
            answer = first
        }
        guard answer.code == 235 else {
            let kind = if case .bearerToken = credentials { "token" } else { "password" }
            throw MailNetworkError(
                .authentication, "\(connection.server) refused the \(kind) for \(user) (\(answer.text))")
        }
    }

    /// Submits one message. - Throws: a sentence naming the refused sender or recipient.
    public func send(from sender: String, to recipients: [String], message: [UInt8]) throws(MailNetworkError) {
        try expect(250, to: "MAIL FROM:<\(sender)>", try command("MAIL FROM:<\(sender)>"))
        for recipient in recipients {
            let answer = try command("RCPT TO:<\(recipient)>")
            guard answer.code == 250 || answer.code == 251 else {
                throw MailNetworkError(
                    .refused, "\(connection.server) refused the recipient \(recipient) (\(answer.text))")
            }
        }
        try expect(354, to: "DATA", try command("DATA"))
        try connection.send(Self.dataBlock(message))
        try expect(250, to: "the message", try reply())
    }

    /// Says goodbye and closes.
    public func quit() {
        _ = try? command("QUIT")
        connection.close()
    }

    /// The message with CRLF line ends, each line that starts with a dot given one more
    /// (RFC 5321, 4.5.2), and the ending `.` line.
    public static func dataBlock(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 50 + 5)
        var atLineStart = true
        var index = 0
        while index < message.count {
            let byte = message[index]
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            if byte == 0x0A || byte == 0x0D {
                // Every line end becomes CR LF, a bare CR too: no line end a server might read
                // differently (the shape of SMTP smuggling).
                if byte == 0x0D && index + 1 < message.count && message[index + 1] == 0x0A { index += 1 }
                out += [0x0D, 0x0A]
                atLineStart = true
            } else {
                out.append(byte)
                atLineStart = false
            }
            index += 1
        }
        if !atLineStart { out += [0x0D, 0x0A] }
        out += Array(".\r\n".utf8)
        return out
    }

    private func command(_ line: String) throws(MailNetworkError) -> SMTPReply {
        try connection.send(Array("\(line)\r\n".utf8))
        return try reply()
    }

    private func reply() throws(MailNetworkError) -> SMTPReply {
        let frame = try connection.receive(timeout: timeout)
        do {
            return try SMTPReply(parsing: frame)
        } catch {
            throw MailNetworkError(.protocolViolation, "\(connection.server) sent \(error.description)")
        }
    }

    private func expect(_ code: Int, to what: String, _ answer: SMTPReply) throws(MailNetworkError) {
        guard answer.code == code else {
            throw MailNetworkError(
                answer.code == 530 ? .authentication : .refused,
                "\(connection.server) answered \(what) with \(answer.text)")
        }
    }
}
