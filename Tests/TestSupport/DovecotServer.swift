import Foundation

/// A real Dovecot IMAP server of its own for a test: a standalone configuration (`dovecot -c`,
/// nothing read from /etc/dovecot, the system instance untouched) with its base, state, log and
/// mail under a new folder `/tmp/mailtally-dovecot-UUID`, listening on 127.0.0.1 only.
///
/// - ``port`` is plain IMAP; with ``TLSMode/offered`` it offers STARTTLS, with
///   ``TLSMode/disabled`` (`ssl = no`) it does not, and nothing listens on ``imapsPort``.
/// - ``imapsPort`` is IMAPS (implicit TLS), with a certificate for 127.0.0.1 and `localhost`
///   (SAN IP and DNS) signed by a new authority, ``certificateAuthority``; ``otherAuthority`` is
///   an unrelated one, for "wrong CA" tests.
/// - Two users from a passwd-file, ``reportsUser`` and ``otherUser``, with random passwords
///   (``password(for:)``), Maildir storage, hierarchy separator ``separator`` (`/` unless asked).
/// - Mechanisms: `PLAIN` and `LOGIN` (the passwd-file passdb; `LOGIN` the command too), and
///   `XOAUTH2` and `OAUTHBEARER` (an oauth2 passdb validating HS256 JWTs locally with a key of
///   this server: ``oauthToken(for:)``). The token's `sub` must name the user logging in.
/// - Plaintext authentication is allowed (`disable_plaintext_auth = no`); Dovecot counts a
///   loopback connection as secured anyway, so it never announces `LOGINDISABLED` here.
/// - A failed authentication is answered after about 0.5 s (`auth_failure_delay = 0`, but
///   Dovecot sends failures from a 500 ms timer), and there is no growing per-IP penalty (its
///   anvil socket is moved away, which turns Dovecot's auth penalty off).
/// - A failed `XOAUTH2` or `OAUTHBEARER` is first answered with a continuation carrying a JSON
///   error (`{"status":"401","schemes":"bearer","scope":"mail"}`, `{"status":"invalid_token"}`);
///   the client answers with an empty line (or `AQ==`, RFC 7628's `%x01`, for `OAUTHBEARER`)
///   and then gets the tagged `NO`; a `*` instead cancels it with `BAD`.
///
/// Run as root, the login processes run as `dovenull`, the internal ones as `dovecot` and mail is
/// stored as the `mail` user (Dovecot refuses mail access as root); otherwise everything runs as
/// the current user.
///
/// The mailbox helpers (``append(user:mailbox:messages:flags:)`` and the others) talk to the
/// server with Python's imaplib through Tests/Support/imap_fixture.py, on the plain port.
public final class DovecotServer: @unchecked Sendable {
    /// Whether the plain port offers STARTTLS and the IMAPS port listens.
    public enum TLSMode: Sendable, Equatable {
        /// IMAPS on ``imapsPort`` and STARTTLS offered on ``port`` (`ssl = yes`).
        case offered
        /// `ssl = no`: ``port`` does not offer STARTTLS and nothing listens on ``imapsPort``.
        case disabled
    }

    /// A mailbox's `STATUS`.
    public struct MailboxStatus: Sendable, Equatable, Decodable {
        public var messages: Int
        public var uidnext: Int
        public var uidvalidity: Int
        public var unseen: Int
    }

    /// The Dovecot program (Debian's dovecot-core, with dovecot-imapd for IMAP).
    public static let binary = URL(fileURLWithPath: "/usr/sbin/dovecot")
    /// Dovecot's administration program, for what IMAP cannot do (setting a UIDVALIDITY).
    public static let doveadm = URL(fileURLWithPath: "/usr/bin/doveadm")

    /// Whether a server can be started here.
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    /// The user the tests read reports as.
    public static let reportsUser = "reports"
    /// A second user, whose mail the first must never see.
    public static let otherUser = "other"
    /// The SASL mechanisms checked against the passwd-file (`LOGIN` the command works too).
    public static let passwordMechanisms = ["PLAIN", "LOGIN"]
    /// The SASL mechanisms checked against ``oauthToken(for:)`` tokens.
    public static let oauthMechanisms = ["XOAUTH2", "OAUTHBEARER"]
    /// The SASL mechanisms this server offers.
    public let mechanisms: [String]

    /// Where it listens.
    public let host = "127.0.0.1"
    /// Plain IMAP, offering STARTTLS with ``TLSMode/offered``.
    public let port: Int
    /// IMAPS (TLS from the first byte); nothing listens here with ``TLSMode/disabled``.
    public let imapsPort: Int
    /// What TLS it offers.
    public let tls: TLSMode
    /// The hierarchy separator of its one namespace (`LIST "" ""` answers it).
    public let separator: String
    /// Its folder: configuration, certificates, keys, log and mail.
    public let folder: URL
    /// The users' passwords.
    public let passwords: [String: String]
    /// The users, ``reportsUser`` first.
    public var users: [String] { [Self.reportsUser, Self.otherUser] }
    /// ``reportsUser``'s password.
    public var password: String { password(for: Self.reportsUser) }

    /// The authority that signed the server's certificate (PEM).
    public var certificateAuthority: URL { folder.appendingPathComponent("ca.pem") }
    /// An authority that signed nothing here (PEM), for a client that must refuse the server.
    public var otherAuthority: URL { folder.appendingPathComponent("other-ca.pem") }
    /// Its configuration file.
    public var configuration: URL { folder.appendingPathComponent("dovecot.conf") }
    /// The log file.
    public var logFile: URL { folder.appendingPathComponent("dovecot.log") }
    /// Everything the server logged so far, for failure messages.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    private var tokens: [String: String] = [:]
    private let lock = NSLock()
    private var running = false

    /// Starts a server. Throws with the server's log when it does not start.
    /// - Parameter mechanisms: the SASL mechanisms offered (all four by default); fewer, to make
    ///   a client take its fallback (`LOGIN` without `PLAIN`, `XOAUTH2` without `OAUTHBEARER`).
    public init(tls: TLSMode = .offered, separator: String = "/", mechanisms: [String]? = nil) throws {
        guard Self.available else { throw Failure(message: "Dovecot is not installed (apt-get install dovecot-imapd)") }
        self.tls = tls
        self.separator = separator
        self.mechanisms = mechanisms ?? Self.passwordMechanisms + Self.oauthMechanisms
        // Not under $TMPDIR: the tests' scratch folder may be private to root, and the server's
        // processes run as other users.
        folder = URL(fileURLWithPath: "/tmp/mailtally-dovecot-\(UUID().uuidString)")
        passwords = [
            Self.reportsUser: "reports-\(UUID().uuidString.prefix(12))",
            Self.otherUser: "other-\(UUID().uuidString.prefix(12))",
        ]
        // Both sockets stay bound until both ports are known, so the two differ.
        let first = try TestSupport.loopbackSocket(Int32(SOCK_STREAM.rawValue))
        let second: (descriptor: Int32, port: Int)
        do {
            second = try TestSupport.loopbackSocket(Int32(SOCK_STREAM.rawValue))
        } catch {
            close(first.descriptor)
            throw error
        }
        close(first.descriptor)
        close(second.descriptor)
        port = first.port
        imapsPort = second.port
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try prepare()
            try start()
            for user in users {
                tokens[user] = try makeOAuthToken(subject: user)
            }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    // MARK: Setup

    /// The users the server's processes run as.
    struct Accounts {
        var loginUser: String
        var internalUser: String
        var internalGroup: String
        var mailUser: String
        var mailGroup: String
        var firstValidUID: Int
        var firstValidGID: Int
    }

    static func accounts() throws -> Accounts {
        if getuid() == 0 {
            for name in ["dovecot", "dovenull", "mail"] where getpwnam(name) == nil {
                throw Failure(message: "the user \(name) is missing (Debian's dovecot-core and base-passwd make it)")
            }
            return Accounts(
                loginUser: "dovenull", internalUser: "dovecot", internalGroup: "dovecot", mailUser: "mail",
                mailGroup: "mail", firstValidUID: 1, firstValidGID: 1)
        }
        guard let user = getpwuid(getuid()), let group = getgrgid(getgid()) else {
            throw Failure(message: "cannot name the current user and group")
        }
        let name = String(cString: user.pointee.pw_name)
        let groupName = String(cString: group.pointee.gr_name)
        return Accounts(
            loginUser: name, internalUser: name, internalGroup: groupName, mailUser: name, mailGroup: groupName,
            firstValidUID: Int(getuid()), firstValidGID: Int(getgid()))
    }

    /// Certificates, the users' file, the OAuth keys and the configuration.
    func prepare() throws {
        try makeCertificates()
        let accounts = try Self.accounts()
        let path = folder.path
        let users = self.users.map { "\($0):{PLAIN}\(password(for: $0))::::\(path)/mail/\($0)::" }
        try (users.joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("users"), atomically: true, encoding: .utf8)
        // The oauth2 passdb looks the key up as `shared/<azp>/<alg>/<kid>` in its dict, azp and
        // kid being "default" when the token names none; dict-fs drops the `shared/`. The file
        // holds the key in base64; the token helper signs with the raw bytes.
        let keys = folder.appendingPathComponent("oauth2-keys/default/HS256")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        let key = Data((0..<32).map { _ in UInt8.random(in: .min ... .max) })
        try key.write(to: folder.appendingPathComponent("oauth2.key"))
        try (key.base64EncodedString() + "\n").write(
            to: keys.appendingPathComponent("default"), atomically: true, encoding: .utf8)
        try Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).write(
            to: folder.appendingPathComponent("oauth2-other.key"))
        try oauthConfiguration().write(
            to: folder.appendingPathComponent("oauth2.conf"), atomically: true, encoding: .utf8)
        try configurationText(accounts: accounts).write(to: configuration, atomically: true, encoding: .utf8)
        let mail = folder.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
        if getuid() == 0 {
            let owner = "\(accounts.mailUser):\(accounts.mailGroup)"
            try Self.check(TestSupport.run(URL(fileURLWithPath: "/bin/chown"), [owner, mail.path]))
        }
    }

    /// A new authority and a server certificate for 127.0.0.1 and localhost (IP and DNS names)
    /// it signs, and a second authority that signs nothing, made by the openssl program.
    func makeCertificates() throws {
        try TestCertificates.make(
            in: folder,
            extra: [
                "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=MailTally-other-CA -keyout $F/other-ca.key -out $F/other-ca.pem",
                "chmod 600 $F/other-ca.key",
            ])
    }

    /// The oauth2 passdb's settings: tokens checked here, against the key file, no provider.
    func oauthConfiguration() -> String {
        let keys = folder.appendingPathComponent("oauth2-keys").path
        return """
            introspection_mode = local
            local_validation_key_dict = fs:posix:prefix=\(keys)/
            username_attribute = sub
            debug = no

            """
    }

    /// The whole configuration: nothing comes from /etc/dovecot.
    func configurationText(accounts: Accounts) -> String {
        let path = folder.path
        let ssl = tls == .offered ? "yes" : "no"
        // Maildir++ names folders `.a.b`, so its names cannot hold a `/`; with `/` as the
        // separator, folders nest on disk (LAYOUT=fs) and names may hold a `.`.
        let location = separator == "." ? "maildir:~/Maildir" : "maildir:~/Maildir:LAYOUT=fs"
        let instance = "mailtally-" + folder.lastPathComponent.replacingOccurrences(of: "mailtally-dovecot-", with: "")
        return """
            # A MailTally test server (Tests/TestSupport/DovecotServer.swift); nothing from /etc/dovecot.
            base_dir = \(path)/run
            state_dir = \(path)/state
            instance_name = \(instance)
            log_path = \(path)/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            login_greeting = MailTally test Dovecot ready.

            ssl = \(ssl)
            ssl_cert = <\(path)/server.pem
            ssl_key = <\(path)/server.key

            disable_plaintext_auth = no
            auth_mechanisms = \(mechanisms.map { $0.lowercased() }.joined(separator: " "))
            auth_failure_delay = 0
            auth_verbose = yes
            auth_cache_size = 0

            default_login_user = \(accounts.loginUser)
            default_internal_user = \(accounts.internalUser)
            default_internal_group = \(accounts.internalGroup)
            mail_uid = \(accounts.mailUser)
            mail_gid = \(accounts.mailGroup)
            first_valid_uid = \(accounts.firstValidUID)
            first_valid_gid = \(accounts.firstValidGID)
            mail_location = \(location)
            mail_fsync = never
            mail_max_userip_connections = 100

            namespace inbox {
              inbox = yes
              separator = \(separator)
            }

            passdb {
              driver = passwd-file
              args = scheme=PLAIN \(path)/users
              mechanisms = plain login
            }
            passdb {
              driver = oauth2
              args = \(path)/oauth2.conf
              mechanisms = xoauth2 oauthbearer
            }
            userdb {
              driver = passwd-file
              args = \(path)/users
            }

            # No chroot: only root may chroot, and these tests may run as another user.
            service imap-login {
              chroot =
              inet_listener imap {
                address = 127.0.0.1
                port = \(port)
              }
              inet_listener imaps {
                address = 127.0.0.1
                port = \(imapsPort)
                ssl = yes
              }
            }

            # The auth process turns its per-IP penalty (2, 4, 8, 15 s before answering again after
            # failures) off when this socket is missing at its path.
            service anvil {
              chroot =
              unix_listener anvil-auth-penalty {
                path = anvil-auth-penalty-unused
              }
            }

            """
    }

    // MARK: Running

    /// Starts Dovecot (again, after ``shutDown()``) on the same ports and folder, and waits
    /// until it accepts connections.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !running else { return }
        // Dovecot daemonises; started through Python's subprocess, which closes every other
        // descriptor, so the daemon holds none of the pipes Foundation's Process waits on. The
        // signal mask is cleared too: the test process's threads block SIGTERM, a child inherits
        // the mask, and a master that never sees SIGTERM would only stop at SIGKILL.
        let script = """
            import signal, subprocess, sys
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            with open(sys.argv[1], "wb") as out:
                sys.exit(subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=out).returncode)
            """
        let output = folder.appendingPathComponent("dovecot.out")
        let result = try TestSupport.shell(
            "python3", ["-c", script, output.path, Self.binary.path, "-c", configuration.path])
        guard result.status == 0 else {
            let said = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw Failure(
                message: "dovecot -c \(configuration.path): exit \(result.status): \(result.stderr)\(said)\(log)")
        }
        running = true
        let ports = tls == .offered ? [port, imapsPort] : [port]
        let deadline = Date().addingTimeInterval(20)
        for port in ports {
            while !Self.accepts(port: port) {
                guard Date() < deadline else {
                    throw Failure(message: "Dovecot does not listen on 127.0.0.1:\(port):\n\(log)")
                }
                usleep(20_000)
            }
        }
    }

    /// Stops Dovecot and waits until it has gone, keeping its folder, mail and ports for
    /// ``start()``: open sessions get `* BYE Server shutting down.` and are closed, and new
    /// connections are refused.
    public func shutDown() {
        lock.lock()
        defer { lock.unlock() }
        guard running else { return }
        running = false
        let pidFile = folder.appendingPathComponent("run/master.pid")
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        // The master and its children share a process group (the master's pid: it called setsid).
        // SIGTERM goes to all of them: a logged-in imap process would outlive its master (and
        // keep its session open) otherwise; this way it says `* BYE Server shutting down.`.
        kill(-pid, SIGTERM)
        // The master removes its pid file as it exits.
        let deadline = Date().addingTimeInterval(15)
        while FileManager.default.fileExists(atPath: pidFile.path) && Date() < deadline {
            usleep(20_000)
        }
        // Whatever is left goes now (nothing, usually).
        kill(-pid, SIGKILL)
        try? FileManager.default.removeItem(at: pidFile)
    }

    /// Stops and starts Dovecot again on the same ports, keeping the mail.
    public func restart() throws {
        shutDown()
        try start()
    }

    /// Stops Dovecot and removes its folder.
    public func stop() {
        shutDown()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Whether something accepts a TCP connection on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return connected == 0
    }

    // MARK: Credentials

    /// `user`'s password (empty for a user the server does not know).
    public func password(for user: String) -> String { passwords[user] ?? "" }

    /// A bearer token (an HS256 JWT, valid for a day) that `XOAUTH2` and `OAUTHBEARER` accept for
    /// `user`, one of ``users``. `XOAUTH2` sends `user=U\u{1}auth=Bearer TOKEN\u{1}\u{1}`;
    /// `OAUTHBEARER` sends `n,a=U,\u{1}auth=Bearer TOKEN\u{1}\u{1}`.
    public func oauthToken(for user: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        return tokens[user] ?? ""
    }

    /// A bearer token for `subject`: by default like ``oauthToken(for:)``; with `expires` in the
    /// past, an expired one; with `otherKey`, signed by a key the server does not know. Dovecot
    /// refuses a token whose `sub` is not the user logging in.
    public func makeOAuthToken(subject: String, expires: Date? = nil, otherKey: Bool = false) throws -> String {
        let key = folder.appendingPathComponent(otherKey ? "oauth2-other.key" : "oauth2.key")
        var arguments = [Self.script.path, "token", "--key-file", key.path, "--subject", subject]
        if let expires { arguments += ["--expires", String(Int(expires.timeIntervalSince1970))] }
        let result = try TestSupport.shell("python3", arguments)
        try Self.check(result)
        return result.output
    }

    // MARK: Mailboxes

    /// Tests/Support/imap_fixture.py.
    public static let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/imap_fixture.py")

    /// `name` in IMAP's modified UTF-7, as it goes on the wire.
    public static func mutf7(_ name: String) throws -> String {
        let result = try TestSupport.shell("python3", [script.path, "mutf7", name])
        try check(result)
        return result.output
    }

    /// Appends `messages` to `mailbox` in order (creating it when missing), each with `flags`
    /// (`\Seen`, `$Forwarded`), in one IMAP session with MULTIAPPEND: thousands a second.
    /// Returns their UIDs.
    @discardableResult
    public func append(
        user: String = DovecotServer.reportsUser, mailbox: String = "INBOX", messages: [Data], flags: [String] = []
    ) throws -> [Int] {
        struct Answer: Decodable { var uidvalidity: Int, uids: [Int] }
        let input = try JSONEncoder().encode(messages)
        var arguments: [String] = []
        if !flags.isEmpty { arguments += ["--flags", flags.joined(separator: " ")] }
        return try fixture(Answer.self, "append", user: user, mailbox: mailbox, arguments, stdin: input).uids
    }

    /// The UIDs in `mailbox`, ascending.
    public func uids(user: String = DovecotServer.reportsUser, mailbox: String = "INBOX") throws -> [Int] {
        struct Answer: Decodable { var uids: [Int] }
        return try fixture(Answer.self, "uids", user: user, mailbox: mailbox).uids
    }

    /// `mailbox`'s `STATUS` (messages, UIDNEXT, UIDVALIDITY, unseen).
    public func status(user: String = DovecotServer.reportsUser, mailbox: String = "INBOX") throws -> MailboxStatus {
        try fixture(MailboxStatus.self, "status", user: user, mailbox: mailbox)
    }

    /// `mailbox`'s UIDVALIDITY.
    public func uidValidity(user: String = DovecotServer.reportsUser, mailbox: String = "INBOX") throws -> Int {
        try status(user: user, mailbox: mailbox).uidvalidity
    }

    /// How many messages `mailbox` holds.
    public func messageCount(user: String = DovecotServer.reportsUser, mailbox: String = "INBOX") throws -> Int {
        try status(user: user, mailbox: mailbox).messages
    }

    /// The flags of the message `uid` (`\Seen`, `\Recent`), read without changing them (EXAMINE).
    public func flags(user: String = DovecotServer.reportsUser, mailbox: String = "INBOX", uid: Int) throws -> [String]
    {
        struct Answer: Decodable { var flags: [String] }
        return try fixture(Answer.self, "flags", user: user, mailbox: mailbox, ["--uid", String(uid)]).flags
    }

    /// The message `uid`, fetched with `BODY.PEEK[]` (it stays unseen).
    public func message(user: String = DovecotServer.reportsUser, mailbox: String = "INBOX", uid: Int) throws -> Data {
        struct Answer: Decodable { var message: Data }
        return try fixture(Answer.self, "fetch", user: user, mailbox: mailbox, ["--uid", String(uid)]).message
    }

    /// Creates `mailbox` (and its parents); false when it already existed.
    @discardableResult
    public func create(user: String = DovecotServer.reportsUser, mailbox: String) throws -> Bool {
        struct Answer: Decodable { var created: Bool }
        return try fixture(Answer.self, "create", user: user, mailbox: mailbox).created
    }

    /// Deletes `mailbox` and its messages.
    public func delete(user: String = DovecotServer.reportsUser, mailbox: String) throws {
        struct Answer: Decodable { var deleted: Bool }
        _ = try fixture(Answer.self, "delete", user: user, mailbox: mailbox)
    }

    /// Deletes `mailbox` and creates it again, empty: a new UIDVALIDITY (Dovecot hands out the
    /// next one). Not for INBOX, which cannot be deleted: see ``changeUIDValidity(user:mailbox:to:)``.
    @discardableResult
    public func recreate(user: String = DovecotServer.reportsUser, mailbox: String) throws -> (old: Int, new: Int) {
        struct Answer: Decodable { var old: Int, new: Int }
        let answer = try fixture(Answer.self, "recreate", user: user, mailbox: mailbox)
        return (answer.old, answer.new)
    }

    /// Gives `mailbox` (INBOX too) a new UIDVALIDITY, `to` or the current one plus one, with
    /// `doveadm mailbox update`; its messages and their UIDs stay as they were, so a client that
    /// trusted its old UIDs would be wrong. A session that has `mailbox` selected meanwhile is
    /// ended by the server (`* BYE IMAP session state is inconsistent, please relogin.`, and an
    /// `Error:` line in ``log``). Returns the new value.
    @discardableResult
    public func changeUIDValidity(
        user: String = DovecotServer.reportsUser, mailbox: String = "INBOX", to value: Int? = nil
    ) throws -> Int {
        let new = try value ?? (uidValidity(user: user, mailbox: mailbox) + 1)
        try Self.check(
            TestSupport.run(
                Self.doveadm,
                ["-c", configuration.path, "mailbox", "update", "-u", user, "--uid-validity", String(new), mailbox]),
            log: logFile)
        return new
    }

    /// The names of `user`'s mailboxes (decoded from modified UTF-7), sorted.
    public func mailboxes(user: String = DovecotServer.reportsUser) throws -> [String] {
        struct Answer: Decodable { var mailboxes: [String] }
        return try fixture(Answer.self, "list", user: user, mailbox: "INBOX").mailboxes
    }

    /// Runs one imap_fixture.py command as `user` on the plain port and decodes its JSON.
    func fixture<Answer: Decodable>(
        _ type: Answer.Type, _ command: String, user: String, mailbox: String, _ arguments: [String] = [],
        stdin: Data? = nil
    ) throws -> Answer {
        let result = try TestSupport.shell(
            "python3",
            [
                Self.script.path, command, "--port", String(port), "--user", user, "--password", password(for: user),
                "--mailbox", mailbox,
            ] + arguments, stdin: stdin)
        guard result.status == 0 else {
            throw Failure(
                message: "imap_fixture.py \(command) \(mailbox): exit \(result.status): \(result.stderr)\n\(log)")
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: result.stdout)
        } catch {
            throw Failure(message: "imap_fixture.py \(command) \(mailbox) printed '\(result.output)': \(error)")
        }
    }

    static func check(_ result: TestSupport.ProcessResult, log: URL? = nil) throws {
        guard result.status != 0 else { return }
        let logText = log.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        throw Failure(message: "exit \(result.status): \(result.stderr)\(result.output)\(logText)")
    }

    /// A server that would not start or a chore that failed, with what it said.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
