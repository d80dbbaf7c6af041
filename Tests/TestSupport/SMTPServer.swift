import Foundation

/// A real SMTP submission server of its own for a test: Tests/Support/smtp_fixture.py (aiosmtpd,
/// Debian's python3-aiosmtpd, run by ``python``), one process listening on 127.0.0.1 only, with
/// its certificates, log and received mail under a new temporary folder.
///
/// - ``port`` is submission: plain SMTP offering STARTTLS (not with `startTLS: false`, for a
///   client that must refuse such a server); a message sent without TLS is still accepted (when
///   authentication is not required) and recorded with ``ReceivedMail/tls`` false.
/// - ``smtpsPort`` is SMTPS (implicit TLS, TLS from the first byte).
/// - The certificate is for 127.0.0.1 and `localhost` (SAN IP and DNS), signed by a new
///   authority, ``certificateAuthority``; ``otherAuthority`` signed nothing here.
/// - AUTH is announced and accepted only under TLS (`538` before STARTTLS), as submission
///   servers do: `PLAIN` and `LOGIN` (with a password: ``user`` and ``password``; any user name
///   when ``user`` is nil) and `XOAUTH2` (with a token: the client sends
///   `user=U\u{1}auth=Bearer TOKEN\u{1}\u{1}` in base64). A wrong token is answered as Gmail
///   does: `334` with a base64 JSON error, then `535` after the client's empty line. A wrong
///   password gets `535` at once. `refuseAuth` refuses every AUTH; `requireAuth` answers MAIL
///   FROM without AUTH with `530`.
/// - Each accepted message is a file in ``mailFolder`` before the `250` reply, so a client that
///   has been answered finds it in ``received()``: the DATA exactly as received (dot-unstuffed,
///   CRLF kept) and its envelope.
///
/// ``sendmailConfiguration(from:auth:tls:user:secret:trust:)`` writes an msmtp configuration relaying
/// to this server; `/usr/sbin/sendmail` (Debian's msmtp-mta) reads it from `$HOME/.msmtprc`, so a
/// program run with ``sendmailEnvironment`` (`HOME` = ``sendmailHome``) sends through it with no
/// option and nothing in /etc.
public final class SMTPServer: @unchecked Sendable {
    /// A message the server accepted, with its envelope.
    public struct ReceivedMail: Sendable, Equatable {
        /// Its number, from 1, in the order the server accepted them.
        public var number: Int
        /// `MAIL FROM` (empty for the null sender).
        public var mailFrom: String
        /// The accepted `RCPT TO` addresses, in order.
        public var recipients: [String]
        /// `MAIL FROM` parameters (`SIZE=123`, `BODY=8BITMIME`, `SMTPUTF8`), upper-cased.
        public var mailOptions: [String]
        /// The user that authenticated, nil without AUTH.
        public var authUser: String?
        /// The mechanism it authenticated with (`PLAIN`, `LOGIN`, `XOAUTH2`).
        public var mechanism: String?
        /// Whether the session was under TLS (STARTTLS or SMTPS).
        public var tls: Bool
        /// Whether it came on the SMTPS port.
        public var implicitTLS: Bool
        /// The name the client gave in EHLO or HELO.
        public var helo: String?
        /// The message as received.
        public var data: Data
        /// The message as UTF-8 text.
        public var text: String { String(decoding: data, as: UTF8.self) }
    }

    /// How msmtp reaches the server.
    public enum SendmailTLS: Sendable {
        /// ``port`` with STARTTLS (`tls_starttls on`).
        case startTLS
        /// ``smtpsPort`` (`tls_starttls off`).
        case implicit
    }

    /// msmtp's `auth` setting.
    public enum SendmailAuth: String, Sendable {
        /// msmtp picks a mechanism (PLAIN here) and sends ``password``.
        case automatic = "on"
        case plain
        case login
        /// Sends ``oauthToken`` as the bearer token.
        case xoauth2
        /// No authentication.
        case off
    }

    /// The Python that has aiosmtpd: Debian's, whatever `python3` on PATH is (pyenv's has none).
    public static let python = URL(fileURLWithPath: "/usr/bin/python3")
    /// Tests/Support/smtp_fixture.py.
    public static let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/smtp_fixture.py")
    /// The sendmail program MailTally runs (msmtp-mta makes it a link to msmtp).
    public static let sendmail = URL(fileURLWithPath: "/usr/sbin/sendmail")

    /// Whether a server can be started here: ``python`` imports aiosmtpd.
    public static let serverAvailable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: python.path) else { return false }
        return (try? TestSupport.run(python, ["-c", "import aiosmtpd.smtp"]))?.status == 0
    }()

    /// Whether `/usr/sbin/sendmail` is msmtp (Debian's msmtp-mta).
    public static var sendmailAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: sendmail.path)
            && sendmail.resolvingSymlinksInPath().lastPathComponent == "msmtp"
    }

    /// Whether both the server and msmtp's sendmail are here.
    public static var available: Bool { serverAvailable && sendmailAvailable }

    /// A new random secret, `prefix-` and 16 hexadecimal digits.
    public static func newSecret(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
    }

    /// Where it listens.
    public let host = "127.0.0.1"
    /// Submission: plain SMTP, offering STARTTLS unless started with `startTLS: false`.
    public let port: Int
    /// SMTPS: TLS from the first byte.
    public let smtpsPort: Int
    /// The user PLAIN, LOGIN and XOAUTH2 accept; nil: any.
    public let user: String?
    /// The password PLAIN and LOGIN accept; nil: neither is offered.
    public let password: String?
    /// The bearer token XOAUTH2 accepts; nil: it is not offered.
    public let oauthToken: String?
    /// Whether ``port`` offers STARTTLS.
    public let startTLS: Bool
    /// Whether every AUTH is refused.
    public let refuseAuth: Bool
    /// Whether MAIL FROM without AUTH gets `530`.
    public let requireAuth: Bool
    /// The mechanisms offered after TLS.
    public let mechanisms: [String]
    /// Its folder: certificates, log, received mail, the sendmail home.
    public let folder: URL

    /// Where the received messages are (`NNNN.eml` and `NNNN.json`).
    public var mailFolder: URL { folder.appendingPathComponent("mail") }
    /// The authority that signed the server's certificate (PEM).
    public var certificateAuthority: URL { folder.appendingPathComponent("ca.pem") }
    /// An authority that signed nothing here (PEM), for a client that must refuse the server.
    public var otherAuthority: URL { folder.appendingPathComponent("other-ca.pem") }
    /// The server's log (aiosmtpd's, the commands of every session; AUTH lines are masked).
    public var logFile: URL { folder.appendingPathComponent("server.log") }
    /// Everything the server logged so far, for failure messages.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
    /// `smtp://USER@127.0.0.1:PORT` (no user when ``user`` is nil).
    public var submissionURL: String { "smtp://\(user.map { "\($0)@" } ?? "")\(host):\(port)" }
    /// `smtps://USER@127.0.0.1:SMTPSPORT`.
    public var smtpsURL: String { "smtps://\(user.map { "\($0)@" } ?? "")\(host):\(smtpsPort)" }

    /// The folder ``sendmailConfiguration(from:auth:tls:user:secret:trust:)`` writes `.msmtprc` in.
    public var sendmailHome: URL { folder.appendingPathComponent("sendmail-home") }
    /// What a program that runs `/usr/sbin/sendmail` needs in its environment to send through
    /// this server: `HOME`, where msmtp looks for its user configuration, `~/.msmtprc` (it
    /// reads `/etc/msmtprc` too, when there is one; the account there is overridden).
    public var sendmailEnvironment: [String: String] { ["HOME": sendmailHome.path] }
    /// msmtp's log: a line for each message it tried to send.
    public var sendmailLog: URL { folder.appendingPathComponent("msmtp.log") }

    private struct Running {
        var process: Process
        var input: Pipe
        var output: Pipe
    }

    private let lock = NSLock()
    private var running: Running?
    private let arguments: [String]

    /// Starts a server; throws with its log when it does not start. About 0.1 s for the script
    /// to listen, after the openssl program made the certificates (two RSA keys: 0.2 to 1 s).
    /// - Parameters:
    ///   - user: the user name PLAIN, LOGIN and XOAUTH2 accept; nil accepts any.
    ///   - password: the password PLAIN and LOGIN accept; nil offers neither.
    ///   - oauthToken: the bearer token XOAUTH2 accepts; nil does not offer it.
    ///   - startTLS: whether ``port`` offers STARTTLS.
    ///   - refuseAuth: every AUTH gets `535` (XOAUTH2's after its `334` JSON error).
    ///   - requireAuth: MAIL FROM (and RCPT TO, DATA) without AUTH gets `530`.
    ///   - mechanisms: fewer mechanisms than the credentials allow (`["LOGIN"]`, `["XOAUTH2"]`).
    ///   - failAfter: the messages after the first `failAfter` get `451` at the end of DATA.
    ///   - rejectRecipients: `RCPT TO` these addresses gets `550`.
    public init(
        user: String? = "digest", password: String? = SMTPServer.newSecret("password"),
        oauthToken: String? = SMTPServer.newSecret("token"), startTLS: Bool = true, refuseAuth: Bool = false,
        requireAuth: Bool = true, mechanisms: [String]? = nil, failAfter: Int? = nil, rejectRecipients: [String] = []
    ) throws {
        guard Self.serverAvailable else {
            throw Failure(
                message: "\(Self.python.path) cannot import aiosmtpd (apt-get install python3-aiosmtpd)")
        }
        self.user = user
        self.password = password
        self.oauthToken = oauthToken
        self.startTLS = startTLS
        self.refuseAuth = refuseAuth
        self.requireAuth = requireAuth
        var offered = (password == nil ? [] : ["LOGIN", "PLAIN"]) + (oauthToken == nil ? [] : ["XOAUTH2"])
        if let mechanisms { offered = offered.filter { mechanisms.map { $0.uppercased() }.contains($0) } }
        self.mechanisms = offered
        let folder = try TestSupport.temporaryDirectory()
        self.folder = folder
        var arguments = [
            Self.script.path, "--output", folder.appendingPathComponent("mail").path,
            "--cert", folder.appendingPathComponent("server.pem").path,
            "--key", folder.appendingPathComponent("server.key").path,
        ]
        if let user { arguments += ["--auth-user", user] }
        if let password { arguments += ["--auth-password", password] }
        if let oauthToken { arguments += ["--oauth-token", oauthToken] }
        if let mechanisms { arguments += ["--mechanisms", mechanisms.joined(separator: ",")] }
        if !startTLS { arguments.append("--no-starttls") }
        if refuseAuth { arguments.append("--refuse-auth") }
        if requireAuth { arguments.append("--require-auth") }
        if let failAfter { arguments += ["--fail-after", String(failAfter)] }
        arguments += rejectRecipients.flatMap { ["--reject-recipient", $0] }
        do {
            // The unrelated authority signs nothing: a P-256 key, made at once (an RSA key
            // takes the openssl program a few tenths of a second).
            try TestCertificates.make(
                in: folder,
                extra: [
                    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=MailTally-other-CA -keyout $F/other-ca.key -out $F/other-ca.pem",
                    "chmod 600 $F/other-ca.key",
                ])
            // The system picks the ports; a restart asks for the same ones again.
            let (started, ports) = try Self.launch(
                arguments + ["--port", "0", "--smtps-port", "0"], log: folder.appendingPathComponent("server.log"))
            running = started
            port = ports.port
            smtpsPort = ports.smtpsPort
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        self.arguments = arguments + ["--port", String(port), "--smtps-port", String(smtpsPort)]
    }

    deinit { stop() }

    // MARK: Running

    /// What the script prints once both ports listen.
    private struct Ready: Decodable {
        var port: Int
        var smtpsPort: Int
        enum CodingKeys: String, CodingKey {
            case port
            case smtpsPort = "smtps_port"
        }
    }

    /// Runs the script and waits (30 s at most) for its line saying where it listens.
    private static func launch(_ arguments: [String], log: URL) throws -> (Running, Ready) {
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let logHandle = try FileHandle(forWritingTo: log)
        _ = try? logHandle.seekToEnd()
        let process = Process()
        process.executableURL = python
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = logHandle
        do {
            try process.run()
        } catch {
            try? logHandle.close()
            throw error
        }
        try? logHandle.close()
        let said = String(
            decoding: TestSupport.readyLine(from: output.fileHandleForReading, of: process), as: UTF8.self)
        if let ready = try? JSONDecoder().decode(Ready.self, from: Data(said.utf8)) {
            return (Running(process: process, input: input, output: output), ready)
        }
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let status = process.terminationStatus
        throw Failure(message: "smtp_fixture.py did not start (exit \(status), printed '\(said)'):\n\(logText)")
    }

    /// Starts the server again after ``shutDown()``, on the same ports and with the same mail
    /// folder (numbering goes on from the messages still there), and waits until it listens.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard running == nil else { return }
        running = try Self.launch(arguments, log: logFile).0
    }

    /// Stops the server and waits until it has gone, keeping its folder, mail and ports for
    /// ``start()``: open sessions are cut, new connections are refused.
    public func shutDown() {
        lock.lock()
        defer { lock.unlock() }
        guard let current = running else { return }
        running = nil
        // The script stops at SIGTERM, or when its stdin closes (also when the test process
        // dies); SIGKILL if it has not gone after 5 s.
        try? current.input.fileHandleForWriting.close()
        let process = current.process
        for signalNumber in [SIGTERM, SIGKILL] where process.isRunning {
            kill(process.processIdentifier, signalNumber)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(5_000) }
        }
        if !process.isRunning { process.waitUntilExit() }
    }

    /// Stops and starts the server again on the same ports, keeping the mail.
    public func restart() throws {
        shutDown()
        try start()
    }

    /// Stops the server and removes its folder.
    public func stop() {
        shutDown()
        try? FileManager.default.removeItem(at: folder)
    }

    // MARK: Mail

    /// The envelope file the script writes beside each message.
    private struct Envelope: Decodable {
        var mailFrom: String?
        var rcptTos: [String]
        var mailOptions: [String]?
        var authUser: String?
        var mechanism: String?
        var tls: Bool
        var smtps: Bool?
        var helo: String?
        enum CodingKeys: String, CodingKey {
            case mailFrom = "mail_from"
            case rcptTos = "rcpt_tos"
            case mailOptions = "mail_options"
            case authUser = "auth_user"
            case mechanism, tls, smtps, helo
        }
    }

    /// The messages accepted so far (and not cleared), in order.
    public func received() throws -> [ReceivedMail] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: mailFolder.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let base = String(name.dropLast(".json".count))
            let envelopeFile = mailFolder.appendingPathComponent(name)
            let envelope: Envelope
            do {
                envelope = try JSONDecoder().decode(Envelope.self, from: Data(contentsOf: envelopeFile))
            } catch {
                throw Failure(message: "\(envelopeFile.path): \(error)")
            }
            let data = try Data(contentsOf: mailFolder.appendingPathComponent(base + ".eml"))
            return ReceivedMail(
                number: Int(base) ?? 0, mailFrom: envelope.mailFrom ?? "", recipients: envelope.rcptTos,
                mailOptions: envelope.mailOptions ?? [], authUser: envelope.authUser, mechanism: envelope.mechanism,
                tls: envelope.tls, implicitTLS: envelope.smtps ?? false, helo: envelope.helo,
                data: data)
        }
    }

    /// Forgets the messages received so far (their numbers are not used again until a restart).
    public func clearReceived() throws {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: mailFolder.path)) ?? [] {
            try FileManager.default.removeItem(at: mailFolder.appendingPathComponent(name))
        }
    }

    // MARK: sendmail

    /// Writes `.msmtprc` (mode 600) in ``sendmailHome`` for msmtp to relay every message to this
    /// server, and returns its URL; `/usr/sbin/sendmail -t -oi` run with ``sendmailEnvironment``
    /// uses it. Writing it again replaces it.
    ///
    /// msmtp takes the envelope sender from `from` (it fails with exit 78, "envelope-from address
    /// is missing", without one, unless run with `-f`), the recipients from To, Cc and Bcc with
    /// `-t`, removes Bcc, adds From, Date and Message-ID headers when the message has none, and
    /// sends CRLF line ends.
    /// - Parameters:
    ///   - from: the envelope sender.
    ///   - auth: the mechanism (or `on`, msmtp's choice; or `off`).
    ///   - tls: STARTTLS on ``port`` or SMTPS on ``smtpsPort``; the server is checked against
    ///     `trust` (``certificateAuthority`` unless given, ``otherAuthority`` for a refusal).
    ///   - user: the user name (``user`` unless given).
    ///   - secret: the password (``password``), or with `xoauth2` the token (``oauthToken``).
    @discardableResult
    public func sendmailConfiguration(
        from: String = "digest@mailtally.test", auth: SendmailAuth = .automatic, tls: SendmailTLS = .startTLS,
        user: String? = nil, secret: String? = nil, trust: URL? = nil
    ) throws -> URL {
        // msmtp takes an argument between double quotes as it is (no escapes): any text
        // without a line break.
        func quoted(_ value: String) throws -> String {
            guard !value.contains(where: \.isNewline) else {
                throw Failure(message: "msmtp cannot take a value with a line break: \(value.debugDescription)")
            }
            return "\"\(value)\""
        }
        let logfile = try quoted(sendmailLog.path)
        let sender = try quoted(from)
        let trustFile = try quoted((trust ?? certificateAuthority).path)
        var lines = [
            "# A MailTally test: msmtp (/usr/sbin/sendmail) relays to the test SMTP server.",
            "defaults",
            "syslog off",
            "logfile \(logfile)",
            "timeout 15",
            "",
            "account mailtally-test",
            "host \(host)",
            "port \(tls == .startTLS ? port : smtpsPort)",
            "from \(sender)",
            "tls on",
            "tls_starttls \(tls == .startTLS ? "on" : "off")",
            "tls_trust_file \(trustFile)",
            "auth \(auth.rawValue)",
        ]
        if auth != .off {
            let name = try quoted(user ?? self.user ?? "digest")
            let value = try quoted(secret ?? (auth == .xoauth2 ? oauthToken : password) ?? "")
            lines += ["user \(name)", "password \(value)"]
        }
        lines += ["", "account default : mailtally-test", ""]
        try FileManager.default.createDirectory(at: sendmailHome, withIntermediateDirectories: true)
        let file = sendmailHome.appendingPathComponent(".msmtprc")
        try? FileManager.default.removeItem(at: file)
        // Created empty and private before the password goes in.
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw Failure(message: "cannot create \(file.path)") }
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return file
    }

    /// Pipes `message` to `/usr/sbin/sendmail` (msmtp) with `arguments` and
    /// ``sendmailEnvironment``, after ``sendmailConfiguration(from:auth:tls:user:secret:trust:)``.
    /// msmtp exits 0 once the server has accepted the message; 77 when authentication fails,
    /// 69 when TLS does, 75 when nothing listens, 64 with no recipient.
    @discardableResult
    public func sendmail(_ message: Data, arguments: [String] = ["-t", "-oi"]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(Self.sendmail, arguments, stdin: message, environment: sendmailEnvironment)
    }

    /// A server that would not start or a chore that failed, with what it said.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
