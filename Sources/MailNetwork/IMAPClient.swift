import Foundation

/// How the client proves who it is.
public enum IMAPCredentials: Sendable {
    /// A password: `AUTHENTICATE PLAIN` when offered, else `AUTHENTICATE LOGIN`, else the
    /// `LOGIN` command.
    case password(String)
    /// An OAuth 2.0 bearer token: `AUTHENTICATE OAUTHBEARER` (RFC 7628) when offered, else
    /// `XOAUTH2` (Google's and Microsoft's).
    case bearerToken(String)
}

/// A mailbox opened for reading: what the server said about it.
public struct IMAPMailboxState: Sendable, Equatable {
    /// The UIDVALIDITY: while it holds, a UID names the same message forever.
    public var uidValidity: UInt32
    /// Messages in the mailbox.
    public var exists: UInt32
    /// The UID the next message will get, when the server said.
    public var uidNext: UInt32?
}

/// A small, blocking IMAP4rev1 client (RFC 3501) with what reading reports needs and no more:
/// STARTTLS, LOGIN and SASL (PLAIN, LOGIN, OAUTHBEARER, XOAUTH2), LIST, CREATE, EXAMINE and SELECT,
/// UID SEARCH, UID FETCH with BODY.PEEK[], MOVE (RFC 6851) or COPY and UID EXPUNGE (UIDPLUS,
/// RFC 4315), NOOP, IDLE (RFC 2177) and LOGOUT. One command at a time; every wait has a timeout.
public final class IMAPClient: @unchecked Sendable {
    /// The account and mailbox this client was opened for.
    public let account: IMAPAccount
    /// What the server offers, upper-cased (`MOVE`, `UIDPLUS`, `AUTH=PLAIN`, …).
    public private(set) var capabilities: Set<String> = []
    /// The server's hierarchy delimiter, once known (from LIST).
    public private(set) var delimiter: String?
    /// Seconds to wait for any one response.
    public var timeout: TimeInterval
    private let connection: MailConnection
    private var tagNumber = 0
    /// What the server said in its last BYE, to explain the close that follows.
    private var farewell: String?
    /// Serialises commands: the keep-alive runs on another thread.
    private let lock = NSLock()
    /// Bytes of responses received so far, for each command's budget.
    private var received = 0

    /// Connects, reads the greeting, starts TLS as the account asks (refusing a server that does
    /// not offer STARTTLS), and logs in.
    /// - Parameter maxMessageBytes: the largest message body to accept in one response.
    public init(
        account: IMAPAccount, credentials: IMAPCredentials, trust: MailTLSTrust, timeout: TimeInterval = 120,
        maxMessageBytes: Int
    ) throws(MailNetworkError) {
        self.account = account
        self.timeout = timeout
        let framer = IMAPFramer(maxLiteralBytes: maxMessageBytes + (64 << 10))
        connection = try MailConnection(
            host: account.host, port: account.port, tls: account.security == .implicitTLS ? trust : nil,
            framer: framer, maxQueuedBytes: max(256 << 20, maxMessageBytes * 2))
        do throws(MailNetworkError) {
            try greet()
            if account.security == .startTLS {
                if capabilities.isEmpty { try refreshCapabilities() }
                guard capabilities.contains("STARTTLS") else {
                    throw MailNetworkError(
                        .tls,
                        "\(connection.server) does not offer STARTTLS, and imap:// requires it "
                            + "(use imaps:// if the server offers TLS on port 993)")
                }
                try command("STARTTLS")
                try connection.startTLS(trust: trust)
                capabilities = []
            }
            if capabilities.isEmpty { try refreshCapabilities() }
            try authenticate(credentials)
            // Capabilities may change after login; ask again unless the server told already.
            try refreshCapabilities()
        } catch {
            connection.close()
            throw error
        }
    }

    deinit { connection.close() }

    private func greet() throws(MailNetworkError) {
        let greeting = try next()
        switch greeting {
        case .status(.ok, let code, _), .status(.preauth, let code, _):
            if let code, code.name == "CAPABILITY" { capabilities = Self.capabilitySet(code.argument) }
        case .status(.bye, _, let text):
            throw MailNetworkError(.closed, "\(connection.server) refused the connection: \(text)")
        default:
            throw MailNetworkError(.protocolViolation, "\(connection.server) did not greet as an IMAP server")
        }
    }

    private func refreshCapabilities() throws(MailNetworkError) {
        let responses = try command("CAPABILITY")
        for case .capability(let list) in responses { capabilities = Set(list) }
    }

    private static func capabilitySet(_ text: String) -> Set<String> {
        Set(text.split(separator: " ").map { $0.uppercased() })
    }

    // MARK: Logging in

    private func authenticate(_ credentials: IMAPCredentials) throws(MailNetworkError) {
        do throws(MailNetworkError) {
            switch credentials {
            case .password(let password):
                if capabilities.contains("AUTH=PLAIN") {
                    let plain = Array("\0\(account.user)\0\(password)".utf8)
                    try sasl("PLAIN", initial: plain)
                } else if capabilities.contains("AUTH=LOGIN") {
                    // The old LOGIN mechanism: the user, then the password, each asked for.
                    try sasl("LOGIN", steps: [Array(account.user.utf8), Array(password.utf8)], allowsInitial: false)
                } else {
                    guard !capabilities.contains("LOGINDISABLED") else {
                        throw MailNetworkError(
                            .authentication, "\(connection.server) offers no way to log in with a password")
                    }
                    try command("LOGIN", arguments: [account.user, password])
                }
            case .bearerToken(let token):
                if capabilities.contains("AUTH=OAUTHBEARER") {
                    let message =
                        "n,a=\(account.user),\u{1}host=\(account.host)\u{1}port=\(account.port)\u{1}"
                        + "auth=Bearer \(token)\u{1}\u{1}"
                    try sasl("OAUTHBEARER", initial: Array(message.utf8))
                } else if capabilities.contains("AUTH=XOAUTH2") {
                    let message = "user=\(account.user)\u{1}auth=Bearer \(token)\u{1}\u{1}"
                    try sasl("XOAUTH2", initial: Array(message.utf8))
                } else {
                    throw MailNetworkError(
                        .authentication, "\(connection.server) offers neither OAUTHBEARER nor XOAUTH2 for a token")
                }
            }
        } catch  where error.kind == .refused {
            let code = error.code.map { " [\($0)]" } ?? ""
            let kind = if case .bearerToken = credentials { "token" } else { "password" }
            throw MailNetworkError(
                .authentication, "\(connection.server) refused the \(kind) for \(account.user)\(code)",
                code: error.code)
        }
    }

    /// `AUTHENTICATE MECH` with the initial response inline (SASL-IR) or after the server's
    /// `+`. A server challenge after the response is an error report (OAUTHBEARER sends one as
    /// JSON): answered with the empty or `\x01` response the mechanism asks for, so that the
    /// tagged NO follows.
    private func sasl(_ mechanism: String, initial: [UInt8]) throws(MailNetworkError) {
        try sasl(mechanism, steps: [initial], allowsInitial: true)
    }

    /// `AUTHENTICATE MECH`, answering the server's challenges with `steps` in order (the first
    /// inline under SASL-IR when the mechanism has an initial response).
    private func sasl(_ mechanism: String, steps: [[UInt8]], allowsInitial: Bool) throws(MailNetworkError) {
        let encoded = steps.map { Data($0).base64EncodedString() }
        let tag = nextTag()
        let inline = allowsInitial && capabilities.contains("SASL-IR")
        try connection.send(Array("\(tag) AUTHENTICATE \(mechanism)\(inline ? " " + encoded[0] : "")\r\n".utf8))
        var sent = inline ? 1 : 0
        var challenges = 0
        for _ in 0..<Self.maxUnrelatedResponses {
            let response = try next()
            switch response {
            case .continuation:
                // One challenge per step and, on failure, one error challenge.
                challenges += 1
                guard challenges <= steps.count + 1 else {
                    throw MailNetworkError(.protocolViolation, "\(connection.server) kept challenging AUTHENTICATE")
                }
                if sent < encoded.count {
                    try connection.send(Array("\(encoded[sent])\r\n".utf8))
                    sent += 1
                } else {
                    // The server's error challenge: end the exchange.
                    try connection.send(Array((mechanism == "OAUTHBEARER" ? "AQ==\r\n" : "\r\n").utf8))
                }
            case .tagged(let got, let status, let code, let text) where got == tag:
                guard status == .ok else {
                    throw MailNetworkError(
                        .refused, "\(connection.server) said \(status.rawValue) to AUTHENTICATE: \(text)",
                        code: code?.name)
                }
                if let code, code.name == "CAPABILITY" { capabilities = Self.capabilitySet(code.argument) }
                return
            default:
                continue
            }
        }
        throw MailNetworkError(.protocolViolation, "\(connection.server) did not end AUTHENTICATE")
    }

    // MARK: Mailboxes

    /// The mailbox name in the server's form: levels split at `/` or the server's delimiter and
    /// joined with the server's, each in modified UTF-7. Learns the delimiter on first use.
    public func wireName(_ mailbox: String) throws(MailNetworkError) -> String {
        if mailbox.uppercased() == "INBOX" { return "INBOX" }
        if delimiter == nil {
            let responses = try command("LIST", arguments: ["", ""])
            for case .list(_, let found, _) in responses { delimiter = found }
        }
        var levels = [Substring(mailbox)]
        if let delimiter, delimiter != "/", let first = delimiter.first {
            levels = mailbox.split(separator: "/", omittingEmptySubsequences: false).flatMap {
                $0.split(separator: first, omittingEmptySubsequences: false)
            }
        } else {
            levels = mailbox.split(separator: "/", omittingEmptySubsequences: false)
        }
        return levels.map { ModifiedUTF7.encode(String($0)) }.joined(separator: delimiter ?? "/")
    }

    /// Whether the mailbox exists.
    public func exists(_ mailbox: String) throws(MailNetworkError) -> Bool {
        let name = try wireName(mailbox)
        let responses = try command("LIST", arguments: ["", name])
        return responses.contains {
            if case .list(let attributes, _, _) = $0 {
                !attributes.contains { $0.uppercased() == "\\NONEXISTENT" }
            } else {
                false
            }
        }
    }

    /// Creates the mailbox when it does not exist.
    public func createIfMissing(_ mailbox: String) throws(MailNetworkError) {
        guard try !exists(mailbox) else { return }
        let name = try wireName(mailbox)
        do throws(MailNetworkError) {
            try command("CREATE", arguments: [name])
        } catch  where error.kind == .refused && error.code == "ALREADYEXISTS" {
            return
        }
    }

    /// Opens the mailbox: read-only with EXAMINE, or read-write with SELECT (to move mail).
    public func open(_ mailbox: String, readOnly: Bool) throws(MailNetworkError) -> IMAPMailboxState {
        let name = try wireName(mailbox)
        let responses = try command(readOnly ? "EXAMINE" : "SELECT", arguments: [name])
        var validity: UInt32?
        var exists: UInt32 = 0
        var uidNext: UInt32?
        for response in responses {
            switch response {
            case .status(.ok, let code?, _) where code.name == "UIDVALIDITY": validity = code.number
            case .status(.ok, let code?, _) where code.name == "UIDNEXT": uidNext = code.number
            case .exists(let count): exists = count
            default: break
            }
        }
        guard let validity else {
            throw MailNetworkError(.protocolViolation, "\(connection.server) gave no UIDVALIDITY for \(mailbox)")
        }
        return IMAPMailboxState(uidValidity: validity, exists: exists, uidNext: uidNext)
    }

    /// The UIDs from `first` on, ascending. `UID SEARCH n:*` always matches the last message,
    /// even below `n`: such UIDs are dropped.
    public func uids(from first: UInt32) throws(MailNetworkError) -> [UInt32] {
        try uids(in: first...UInt32.max, asking: "\(first):*")
    }

    /// The UIDs up to `last` still in the mailbox.
    public func uids(through last: UInt32) throws(MailNetworkError) -> [UInt32] {
        guard last > 0 else { return [] }
        return try uids(in: 1...last, asking: "1:\(last)")
    }

    /// `UID SEARCH UID set`, keeping only the UIDs in `range`, sorted and once each.
    private func uids(in range: ClosedRange<UInt32>, asking set: String) throws(MailNetworkError) -> [UInt32] {
        var found: Set<UInt32> = []
        for case .search(let numbers) in try command("UID SEARCH UID \(set)") {
            found.formUnion(numbers.filter(range.contains))
        }
        return found.sorted()
    }

    /// Each message's size in bytes, by UID.
    public func sizes(of uids: [UInt32]) throws(MailNetworkError) -> [UInt32: Int] {
        guard !uids.isEmpty else { return [:] }
        var sizes: [UInt32: Int] = [:]
        try command("UID FETCH \(Self.set(uids)) (UID RFC822.SIZE)") { response in
            if case .fetch(_, let data) = response, let uid = data.uid, let size = data.size { sizes[uid] = size }
        }
        return sizes
    }

    /// Fetches messages without setting `\Seen` (`BODY.PEEK[]`), at most `maxBytes + 1` bytes
    /// of each (so a message larger than its announced size cannot make the server send more),
    /// calling `body` with each as it arrives, once per UID asked for; anything else is ignored.
    /// A body of `maxBytes + 1` bytes was cut: the message is larger than `maxBytes`.
    public func fetch(_ uids: [UInt32], maxBytes: Int, _ body: (UInt32, [UInt8]) -> Void) throws(MailNetworkError) {
        guard !uids.isEmpty else { return }
        var waiting = Set(uids)
        let budget = (maxBytes + 4096) * uids.count + (64 << 20)
        try command("UID FETCH \(Self.set(uids)) (UID BODY.PEEK[]<0.\(maxBytes + 1)>)", budget: budget) { response in
            guard case .fetch(_, let data) = response, let uid = data.uid, let bytes = data.body,
                waiting.remove(uid) != nil
            else { return }
            body(uid, bytes)
        }
    }

    /// Moves messages to `mailbox`: MOVE when offered, else COPY, `\Deleted` and UID EXPUNGE of
    /// exactly these UIDs (UIDPLUS). Never a plain EXPUNGE, which would also remove what other
    /// clients marked deleted. The mailbox must be open read-write.
    public func move(_ uids: [UInt32], to mailbox: String) throws(MailNetworkError) {
        guard !uids.isEmpty else { return }
        let name = try wireName(mailbox)
        let set = Self.set(uids)
        if offers("MOVE") {
            try command("UID MOVE \(set)", arguments: [name])
        } else if offers("UIDPLUS") {
            try command("UID COPY \(set)", arguments: [name])
            try command("UID STORE \(set) +FLAGS.SILENT (\\Deleted)")
            try command("UID EXPUNGE \(set)")
        } else {
            throw MailNetworkError(
                .refused,
                "\(connection.server) offers neither MOVE nor UIDPLUS, so mail cannot be moved without "
                    + "also expunging what other clients deleted")
        }
    }

    /// Tells the server the client is alive (and hears what changed).
    public func noop() throws(MailNetworkError) {
        try command("NOOP")
    }

    /// Waits in IDLE until the server reports new mail (true) or `seconds` pass (false), then
    /// ends the IDLE. Servers drop an IDLE after 30 minutes: callers ask for less.
    public func idle(seconds: TimeInterval, stop: () -> Bool = { false }) throws(MailNetworkError) -> Bool {
        guard offers("IDLE") else {
            // No IDLE: a poll a minute at most, a signal heard within a fifth of a second.
            let until = Date(timeIntervalSinceNow: min(seconds, 60))
            while Date() < until && !stop() { Thread.sleep(forTimeInterval: 0.2) }
            return true
        }
        lock.lock()
        defer { lock.unlock() }
        let tag = nextTag()
        try connection.send(Array("\(tag) IDLE\r\n".utf8))
        guard case .continuation = try nextOrTagged(tag: tag) else {
            throw MailNetworkError(.refused, "\(connection.server) refused IDLE")
        }
        let deadline = Date(timeIntervalSinceNow: seconds)
        var arrived = false
        while !arrived && Date() < deadline && !stop() {
            do throws(MailNetworkError) {
                let response = try parse(connection.receive(timeout: min(1, max(0.05, deadline.timeIntervalSinceNow))))
                if case .exists = response { arrived = true }
                if case .status(.bye, _, let text) = response { farewell = text }
            } catch  where error.kind == .timeout {
                continue
            }
        }
        try connection.send(Array("DONE\r\n".utf8))
        for _ in 0..<100_000 {
            let response = try next()
            if case .exists = response { arrived = true }
            if case .tagged(let got, let status, _, let text) = response, got == tag {
                guard status == .ok else {
                    throw MailNetworkError(.refused, "IDLE ended with \(status.rawValue): \(text)")
                }
                return arrived
            }
        }
        throw MailNetworkError(.protocolViolation, "\(connection.server) did not end the IDLE")
    }

    /// Whether the server offers a capability (read under the lock: a keep-alive may be
    /// updating them).
    public func offers(_ capability: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return capabilities.contains(capability)
    }

    /// Ends the session politely, then closes.
    public func logout() {
        _ = try? command("LOGOUT")
        connection.close()
    }

    // MARK: Commands

    /// Sends a command and collects the untagged responses until its tagged end.
    /// - Throws: ``MailNetworkError`` of kind `.refused` for a NO or BAD.
    @discardableResult
    public func command(_ text: String, arguments: [String] = []) throws(MailNetworkError) -> [IMAPResponse] {
        var collected: [IMAPResponse] = []
        try command(text, arguments: arguments) { collected.append($0) }
        return collected
    }

    /// Sends a command and hands each untagged response to `each` until its tagged end.
    /// - Parameter budget: the most bytes the answer may take: a server that keeps talking
    ///   without ending the command is cut off there.
    public func command(
        _ text: String, arguments: [String] = [], budget: Int = 256 << 20, _ each: (IMAPResponse) -> Void
    ) throws(MailNetworkError) {
        lock.lock()
        defer { lock.unlock() }
        let limit = received + budget
        let tag = nextTag()
        var line = Array("\(tag) \(text)".utf8)
        // Each argument goes quoted when it can, else as a literal.
        for value in arguments {
            line.append(0x20)
            if let quoted = Self.quoted(value) {
                line += quoted
            } else {
                let bytes = Array(value.utf8)
                let nonSynchronising = capabilities.contains("LITERAL+") || capabilities.contains("LITERAL-")
                line += Array("{\(bytes.count)\(nonSynchronising ? "+" : "")}\r\n".utf8)
                if !nonSynchronising {
                    try connection.send(line)
                    line = []
                    guard case .continuation = try nextOrTagged(tag: tag) else {
                        throw MailNetworkError(.refused, "\(connection.server) refused a literal in \(text)")
                    }
                }
                line += bytes
            }
        }
        line += [0x0D, 0x0A]
        try connection.send(line)
        while true {
            guard received <= limit else {
                throw MailNetworkError(
                    .protocolViolation, "\(connection.server) sent more than \(budget) bytes without ending \(text)")
            }
            let response = try next()
            switch response {
            case .tagged(let got, let status, let code, let said) where got == tag:
                guard status == .ok else {
                    let verb = text.split(separator: " ").prefix(2).joined(separator: " ")
                    throw MailNetworkError(
                        .refused, "\(connection.server) said \(status.rawValue) to \(verb): \(said)", code: code?.name)
                }
                if let code, code.name == "CAPABILITY" { capabilities = Self.capabilitySet(code.argument) }
                return
            case .status(.bye, _, let said):
                farewell = said
            case .capability(let list):
                capabilities = Set(list)
                each(response)
            default:
                each(response)
            }
        }
    }

    /// The server's `+`, or its refusal of the command tagged `tag`.
    private func nextOrTagged(tag: String) throws(MailNetworkError) -> IMAPResponse {
        for _ in 0..<Self.maxUnrelatedResponses {
            let response = try next()
            switch response {
            case .continuation: return response
            case .tagged(let got, let status, let code, let said) where got == tag:
                throw MailNetworkError(
                    .refused, "\(connection.server) said \(status.rawValue): \(said)", code: code?.name)
            default: continue
            }
        }
        throw MailNetworkError(.protocolViolation, "\(connection.server) never answered the command")
    }

    /// Untagged responses a short exchange (a login, a literal, the start of IDLE) may wait through.
    static let maxUnrelatedResponses = 10_000

    private func next() throws(MailNetworkError) -> IMAPResponse {
        do throws(MailNetworkError) {
            let frame = try connection.receive(timeout: timeout)
            received += frame.count
            return try parse(frame)
        } catch  where error.kind == .closed && farewell != nil {
            throw MailNetworkError(.closed, "\(connection.server) closed the connection: \(farewell ?? "")")
        }
    }

    private func parse(_ frame: [UInt8]) throws(MailNetworkError) -> IMAPResponse {
        do throws(IMAPProtocolError) {
            let response = try IMAPResponseParser.parse(frame)
            if case .status(.bye, _, let text) = response { farewell = text }
            return response
        } catch {
            throw MailNetworkError(.protocolViolation, "\(connection.server) sent \(error.description)")
        }
    }

    private func nextTag() -> String {
        tagNumber += 1
        return "M\(tagNumber)"
    }

    /// A quoted string, or nil when the text needs a literal (line breaks, NUL, 8-bit).
    static func quoted(_ text: String) -> [UInt8]? {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            guard byte >= 0x20 && byte < 0x7F else { return nil }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// A UID set in ranges: `1:5,9,12:14`.
    static func set(_ uids: [UInt32]) -> String {
        let sorted = Array(Set(uids)).sorted()
        var parts: [String] = []
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index]):\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}
