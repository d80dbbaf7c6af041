import Foundation
import TestSupport
import Testing

/// IMAP ingest against a real Dovecot on loopback (Tests/TestSupport/DovecotServer.swift), with
/// report mails built by Python's email package and put there with imaplib's APPEND.
@Suite(.serialized, .enabled(if: DovecotServer.available, "Dovecot (dovecot-imapd) is not installed"))
struct IMAPIngestTests {
    let folder: URL

    init() throws {
        folder = try TestSupport.temporaryDirectory()
    }

    /// `count` report mails (and `poison` mails whose attachment fails), with the folder of the
    /// same reports as files, for a reference import.
    func mails(_ count: Int, seed: Int = 1, poison: Int = 0, name: String = "mails") throws -> (
        messages: [Data], corpus: URL
    ) {
        let out = folder.appendingPathComponent(name)
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/report_mails.py").path
        let result = try TestSupport.shell(
            "python3", [script, out.path, "--reports", "\(count)", "--seed", "\(seed)", "--poison", "\(poison)"])
        try #require(result.status == 0, "\(result.stderr)")
        let mail = out.appendingPathComponent("mail")
        let files = try FileManager.default.contentsOfDirectory(atPath: mail.path).sorted()
        let messages = try files.map { try Data(contentsOf: mail.appendingPathComponent($0)) }
        return (messages, out.appendingPathComponent("corpus"))
    }

    /// Runs mailtally with the account's password in the environment.
    @discardableResult
    func mailtally(_ arguments: [String], server: DovecotServer, password: String? = nil) throws
        -> TestSupport.ProcessResult
    {
        try TestSupport.run(
            TestSupport.mailtally, arguments,
            environment: ["MAILTALLY_IMAP_PASSWORD": password ?? server.password])
    }

    /// Starts mailtally in the background with the account's password; what it writes goes to
    /// `output` and `errors`, or nowhere.
    func launch(_ arguments: [String], server: DovecotServer, output: Pipe? = nil, errors: Pipe? = nil) throws
        -> Process
    {
        let process = Process()
        process.executableURL = TestSupport.mailtally
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["MAILTALLY_IMAP_PASSWORD": server.password, "MAILTALLY_CONFIG": "/dev/null"], uniquingKeysWith: { $1 })
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = errors ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    func url(_ server: DovecotServer, mailbox: String = "INBOX", implicit: Bool = true) -> String {
        implicit
            ? "imaps://\(DovecotServer.reportsUser)@127.0.0.1:\(server.imapsPort)/\(mailbox)"
            : "imap://\(DovecotServer.reportsUser)@127.0.0.1:\(server.port)/\(mailbox)"
    }

    /// The summary a store gives, as JSON text: equal for equal contents.
    func summary(_ db: String) throws -> String {
        let result = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.output
    }

    func json(_ result: TestSupport.ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stderr)")
    }

    func mailbox(_ object: [String: Any]) -> [String: Any] {
        ((object["mailboxes"] as? [[String: Any]]) ?? []).first ?? [:]
    }

    @Test("a mailbox is read whole, read-only, and a rerun fetches only what is new")
    func readsOnlyWhatIsNew() throws {
        let server = try DovecotServer()
        let (messages, corpus) = try mails(24)
        try server.append(messages: Array(messages[0..<20]))
        let db = folder.appendingPathComponent("imap.sqlite").path
        let first = try mailtally(
            ["ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, url(server)], server: server
        )
        #expect(first.status == 0, "\(first.stderr)")
        let outcome = try json(first)
        #expect(mailbox(outcome)["fetched"] as? Int == 20)
        #expect((outcome["imported"] as? [String: Int])?.values.reduce(0, +) == 20)
        // EXAMINE and BODY.PEEK[]: not one message was marked seen.
        let uids = try server.uids()
        for uid in [uids.first, uids.last].compactMap({ $0 }) {
            #expect(try !server.flags(uid: uid).contains("\\Seen"))
        }
        #expect(try server.messageCount() == 20)

        let again = try mailtally(
            ["ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, url(server)], server: server
        )
        #expect(again.status == 0, "\(again.stderr)")
        #expect(mailbox(try json(again))["fetched"] as? Int == 0)

        try server.append(messages: Array(messages[20...]))
        let more = try mailtally(
            ["ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, url(server)], server: server
        )
        #expect(mailbox(try json(more))["fetched"] as? Int == 4)

        // The same reports read from the mbox file give the same figures.
        let reference = folder.appendingPathComponent("reference.sqlite").path
        let fromFile = try TestSupport.run(
            TestSupport.mailtally, ["ingest", "--db", reference, corpus.appendingPathComponent("inbox.mbox").path])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(try summary(db) == summary(reference))

        // Nothing failed: `errors` lists nothing.
        let records = try TestSupport.run(TestSupport.mailtally, ["errors", "--db", db, "--format", "json"])
        let listed = try JSONSerialization.jsonObject(with: records.stdout) as? [String: Any]
        #expect((listed?["errors"] as? [Any])?.isEmpty == true, "\(records.output)")
    }

    @Test("a new UIDVALIDITY reads the mailbox again, and duplicates keep the totals exact")
    func uidValidityChangeRescans() throws {
        let server = try DovecotServer()
        let (messages, _) = try mails(12, seed: 2)
        try server.append(messages: messages)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let arguments = ["ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, url(server)]
        let first = try mailtally(arguments, server: server)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try summary(db)
        try server.changeUIDValidity()
        let again = try mailtally(arguments, server: server)
        #expect(again.status == 0, "\(again.stderr)")
        let outcome = try json(again)
        #expect(mailbox(outcome)["fetched"] as? Int == 12)
        #expect(outcome["duplicates"] as? Int ?? 0 >= 12)
        #expect((outcome["imported"] as? [String: Int])?.values.reduce(0, +) == 0)
        #expect(try summary(db) == before)
    }

    @Test("mail moves only after it is stored; a poison message goes to the failed folder and the batch goes on")
    func movesAfterCommit() throws {
        let server = try DovecotServer()
        let (messages, _) = try mails(10, seed: 3, poison: 1)
        let uids = try server.append(messages: messages)
        let poisonUID = try #require(uids.last)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let result = try mailtally(
            [
                "ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, "--move-to",
                "Processed/DMARC", "--failed-to", "Failed", url(server),
            ], server: server)
        // A new failure: status 1, the rest imported.
        #expect(result.status == 1, "\(result.stderr)")
        let outcome = try json(result)
        #expect(mailbox(outcome)["moved"] as? Int == 10)
        #expect(mailbox(outcome)["moved_failed"] as? Int == 1)
        #expect(try server.messageCount() == 0)
        #expect(try server.messageCount(mailbox: "Processed/DMARC") == 10)
        #expect(try server.messageCount(mailbox: "Failed") == 1)
        let validity = try server.uidValidity()
        let name = "imaps://reports@127.0.0.1:\(server.imapsPort)/INBOX;UIDVALIDITY=\(validity);UID=\(poisonUID)"
        #expect(result.stderr.contains(name), "\(result.stderr)")
        let errors = try TestSupport.run(TestSupport.mailtally, ["errors", "--db", db, "--format", "json"])
        #expect(errors.output.contains(name))
        // A rerun finds nothing to do and moves nothing.
        let again = try mailtally(
            [
                "ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, "--move-to",
                "Processed/DMARC", "--failed-to", "Failed", url(server),
            ], server: server)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(mailbox(try json(again))["fetched"] as? Int == 0)
        #expect(try server.messageCount(mailbox: "Processed/DMARC") == 10)
    }

    @Test("a message over the size cap is never fetched: logged as too large and moved to the failed folder")
    func oversizedMessages() throws {
        let server = try DovecotServer()
        let (messages, _) = try mails(3, seed: 13)
        let uids = try server.append(messages: messages)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let arguments = [
            "ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, "--max-message-bytes", "200",
            "--failed-to", "Too large", url(server),
        ]
        let result = try mailtally(arguments, server: server)
        #expect(result.status == 1, "\(result.stderr)")
        let outcome = try json(result)
        #expect(mailbox(outcome)["fetched"] as? Int == 0)
        #expect(mailbox(outcome)["moved_failed"] as? Int == 3)
        #expect(outcome["failed"] as? Int == 3)
        #expect(result.stderr.contains("too-large: message of"), "\(result.stderr)")
        #expect(result.stderr.contains(";UID=\(uids[0])"), "\(result.stderr)")
        #expect(try server.messageCount(mailbox: "Too large") == 3)
        #expect(try server.messageCount() == 0)
        let again = try mailtally(arguments, server: server)
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test("killed mid-fetch, a rerun is exact and moves nothing twice")
    func killedMidFetch() throws {
        let server = try DovecotServer()
        let (messages, corpus) = try mails(600, seed: 4)
        try server.append(messages: messages)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let arguments = [
            "ingest", "--db", db, "--ca-file", server.certificateAuthority.path, "--move-to", "Processed", url(server),
        ]
        var kills = 0
        var delay: UInt32 = 300_000
        for _ in 0..<6 where try server.messageCount() > 0 {
            let process = try launch(arguments, server: server)
            usleep(delay)
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            delay += 200_000
        }
        let final = try mailtally(arguments + ["--json"], server: server)
        #expect(final.status == 0, "\(final.stderr)")
        #expect(kills >= 1, "no run was still going when killed")
        #expect(try server.messageCount() == 0)
        // Each message was moved exactly once.
        #expect(try server.messageCount(mailbox: "Processed") == messages.count)
        let reference = folder.appendingPathComponent("reference.sqlite").path
        _ = try TestSupport.run(
            TestSupport.mailtally, ["ingest", "--db", reference, corpus.appendingPathComponent("inbox.mbox").path])
        #expect(try summary(db) == summary(reference), "after \(kills) kills")
    }

    @Test("Dovecot restarted mid-run: the run reconnects, and the store is exact")
    func serverRestartMidRun() throws {
        let server = try DovecotServer()
        let (messages, corpus) = try mails(1500, seed: 5)
        try server.append(messages: messages)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let output = Pipe()
        let errors = Pipe()
        let process = try launch(
            ["ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, url(server)],
            server: server, output: output, errors: errors)
        usleep(700_000)
        let restartedWhileRunning = process.isRunning
        try server.restart()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // A run still going when the server went away logged in again to finish.
        let logins = server.log.components(separatedBy: "Login: user=<reports>").count - 1
        if restartedWhileRunning && process.terminationStatus == 0 { #expect(logins >= 2, "\(server.log)") }
        // Either it reconnected and finished, or it said why in one sentence and exited 3.
        #expect([0, 3].contains(process.terminationStatus), "\(stderr)")
        if process.terminationStatus == 0 {
            let outcome = try JSONSerialization.jsonObject(with: stdout) as? [String: Any] ?? [:]
            #expect(mailbox(outcome)["error"] == nil)
        }
        let rerun = try mailtally(
            ["ingest", "--db", db, "--ca-file", server.certificateAuthority.path, url(server)], server: server)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let reference = folder.appendingPathComponent("reference.sqlite").path
        _ = try TestSupport.run(
            TestSupport.mailtally, ["ingest", "--db", reference, corpus.appendingPathComponent("inbox.mbox").path])
        #expect(try summary(db) == summary(reference), "restarted while running: \(restartedWhileRunning)")
    }

    @Test("wrong password, wrong CA, no STARTTLS: one sentence each, exit 3, nothing stored")
    func refusals() throws {
        let server = try DovecotServer()
        try server.append(messages: try mails(2, seed: 6).messages)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let wrongPassword = try mailtally(
            ["ingest", "--db", db, "--ca-file", server.certificateAuthority.path, url(server)], server: server,
            password: "not-the-password")
        #expect(wrongPassword.status == 3)
        #expect(wrongPassword.stderr.contains("refused the password for reports"), "\(wrongPassword.stderr)")
        #expect(!wrongPassword.stderr.contains("not-the-password"))

        let wrongCA = try mailtally(
            ["ingest", "--db", db, "--ca-file", server.otherAuthority.path, url(server)], server: server)
        #expect(wrongCA.status == 3)
        #expect(wrongCA.stderr.contains("the server's certificate is not trusted"), "\(wrongCA.stderr)")

        let systemRootsOnly = try mailtally(["ingest", "--db", db, url(server)], server: server)
        #expect(systemRootsOnly.status == 3, "\(systemRootsOnly.stderr)")
        #expect(systemRootsOnly.stderr.contains("the server's certificate is not trusted"), "\(systemRootsOnly.stderr)")
        // By name (with SNI): the certificate names localhost too.
        let byName = try mailtally(
            [
                "ingest", "--db", db, "--ca-file", server.certificateAuthority.path,
                "imaps://reports@localhost:\(server.imapsPort)/INBOX",
            ], server: server)
        #expect(byName.status == 0, "\(byName.stderr)")

        let plain = try DovecotServer(tls: .disabled)
        let noStartTLS = try mailtally(["ingest", "--db", db, url(plain, implicit: false)], server: plain)
        #expect(noStartTLS.status == 3)
        #expect(noStartTLS.stderr.contains("does not offer STARTTLS"), "\(noStartTLS.stderr)")
        #expect(try !summary(db).contains("example."), "a refused connection stored something")
        // Without TLS only on purpose, only to loopback, and said.
        let loopbackPlain = try mailtally(
            ["ingest", "--db", db, "--json", "--imap-tls", "none", url(plain, implicit: false)], server: plain)
        #expect(loopbackPlain.status == 0, "\(loopbackPlain.stderr)")
        #expect(loopbackPlain.stderr.contains("no TLS (for loopback tests only)"))
        let remotePlain = try mailtally(
            ["ingest", "--db", db, "--imap-tls", "none", "imap://reports@imap.example.com/INBOX"], server: plain)
        #expect(remotePlain.status == 2)
        #expect(remotePlain.stderr.contains("loopback test server only"), "\(remotePlain.stderr)")
        // A name that starts like a loopback address is still a name.
        let lookalike = try mailtally(
            ["ingest", "--db", db, "--imap-tls", "none", "imap://reports@127.evil.example/INBOX"], server: plain)
        #expect(lookalike.status == 2, "\(lookalike.stderr)")

        // STARTTLS on the plain port of a server that offers it works.
        let startTLS = try mailtally(
            ["ingest", "--db", db, "--ca-file", server.certificateAuthority.path, url(server, implicit: false)],
            server: server)
        #expect(startTLS.status == 0, "\(startTLS.stderr)")
    }

    @Test("OAuth 2.0: a token command logs in with OAUTHBEARER or XOAUTH2; a bad token is refused")
    func oauthTokens() throws {
        let server = try DovecotServer()
        try server.append(messages: try mails(3, seed: 7).messages)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let tokenFile = folder.appendingPathComponent("token")
        try server.oauthToken(for: DovecotServer.reportsUser).write(to: tokenFile, atomically: true, encoding: .utf8)
        let good = try TestSupport.run(
            TestSupport.mailtally,
            [
                "ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path,
                "--oauth2-token-command", "cat \(tokenFile.path)", url(server),
            ])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(mailbox(try json(good))["fetched"] as? Int == 3)
        let bad = try TestSupport.run(
            TestSupport.mailtally,
            [
                "ingest", "--db", db, "--ca-file", server.certificateAuthority.path, "--oauth2-token-command",
                "echo not-a-token", url(server),
            ])
        #expect(bad.status == 3)
        #expect(bad.stderr.contains("refused the token for reports"), "\(bad.stderr)")
        let failing = try TestSupport.run(
            TestSupport.mailtally,
            [
                "ingest", "--db", db, "--ca-file", server.certificateAuthority.path, "--oauth2-token-command",
                "echo no helper >&2; exit 7", url(server),
            ])
        #expect(failing.status == 3)
        #expect(failing.stderr.contains("failed with status 7: no helper"), "\(failing.stderr)")

        // A server offering XOAUTH2 alone (as Gmail and Microsoft 365 long did) gets it; one
        // without AUTH=PLAIN gets the password through the LOGIN mechanism.
        let xoauth2 = try DovecotServer(mechanisms: ["PLAIN", "XOAUTH2"])
        try xoauth2.append(messages: try mails(2, seed: 12, name: "xoauth2").messages)
        let tokenOnly = folder.appendingPathComponent("token2")
        try xoauth2.oauthToken(for: DovecotServer.reportsUser).write(to: tokenOnly, atomically: true, encoding: .utf8)
        let viaXOAUTH2 = try TestSupport.run(
            TestSupport.mailtally,
            [
                "ingest", "--db", folder.appendingPathComponent("x.sqlite").path, "--json", "--ca-file",
                xoauth2.certificateAuthority.path, "--oauth2-token-command", "cat \(tokenOnly.path)", url(xoauth2),
            ])
        #expect(viaXOAUTH2.status == 0, "\(viaXOAUTH2.stderr)")
        #expect(mailbox(try json(viaXOAUTH2))["fetched"] as? Int == 2)
        #expect(xoauth2.log.contains("method=XOAUTH2"), "\(xoauth2.log)")
        let loginOnly = try DovecotServer(mechanisms: ["LOGIN"])
        let viaLogin = try mailtally(
            [
                "ingest", "--db", folder.appendingPathComponent("l.sqlite").path, "--ca-file",
                loginOnly.certificateAuthority.path, url(loginOnly),
            ], server: loginOnly)
        #expect(viaLogin.status == 0, "\(viaLogin.stderr)")
        #expect(loginOnly.log.contains("method=LOGIN"), "\(loginOnly.log)")
    }

    @Test("a UTF-8 mailbox name under the server's delimiter, and a password file")
    func utf8MailboxAndPasswordFile() throws {
        let server = try DovecotServer(separator: ".")
        let name = "Rapports.Reçus"
        try server.append(mailbox: name, messages: try mails(3, seed: 8).messages)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let passwordFile = folder.appendingPathComponent("pass")
        try (server.password + "\n").write(to: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile.path, 0o644)
        let readable = try TestSupport.run(
            TestSupport.mailtally,
            [
                "ingest", "--db", db, "--ca-file", server.certificateAuthority.path, "--password-file",
                passwordFile.path, url(server, mailbox: "Rapports/Re%C3%A7us"),
            ])
        #expect(readable.status == 3)
        #expect(readable.stderr.contains("can be read by others"), "\(readable.stderr)")
        chmod(passwordFile.path, 0o600)
        let result = try TestSupport.run(
            TestSupport.mailtally,
            [
                "ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, "--password-file",
                passwordFile.path, url(server, mailbox: "Rapports/Re%C3%A7us"),
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(mailbox(try json(result))["fetched"] as? Int == 3)
    }

    @Test("nightly from a cron line with a configuration file reads the IMAP account and writes the packs")
    func nightlyWithConfiguration() throws {
        let server = try DovecotServer()
        try server.append(messages: try mails(8, seed: 9).messages)
        let passwordFile = folder.appendingPathComponent("pass")
        try server.password.write(to: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile.path, 0o600)
        let out = folder.appendingPathComponent("packs")
        let config = folder.appendingPathComponent("config.toml")
        try """
        db = "\(folder.appendingPathComponent("nightly.sqlite").path)"
        out = "\(out.path)"
        ca_file = "\(server.certificateAuthority.path)"

        [[imap]]
        url = "\(url(server))"
        password_file = "\(passwordFile.path)"
        move_to = "Processed"
        """.write(to: config, atomically: true, encoding: .utf8)
        let environment = ["MAILTALLY_CONFIG": config.path]
        let first = try TestSupport.run(
            TestSupport.mailtally, ["nightly", "--date", "2026-11-30", "--verbose"], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("8 messages fetched from 1 mailbox (8 moved"), "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("2026-11-30/30d/index.html").path))
        #expect(try server.messageCount(mailbox: "Processed") == 8)
        let shown = try TestSupport.run(TestSupport.mailtally, ["config"], environment: environment)
        #expect(shown.output.contains("password file \(passwordFile.path)"), "\(shown.output)")
        #expect(!shown.output.contains(server.password))
        let second = try TestSupport.run(
            TestSupport.mailtally, ["nightly", "--date", "2026-11-30", "--verbose"], environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("0 messages fetched from 1 mailbox"), "\(second.stderr)")
    }

    @Test("watch stores a message that arrives while it idles, and stops on SIGTERM")
    func watchIdles() throws {
        let server = try DovecotServer()
        let (messages, _) = try mails(3, seed: 10)
        try server.append(messages: [messages[0]])
        let db = folder.appendingPathComponent("watch.sqlite").path
        let process = try launch(
            ["watch", "--db", db, "--ca-file", server.certificateAuthority.path, "--move-to", "Done", url(server)],
            server: server)
        func waitFor(_ count: Int) throws -> Bool {
            for _ in 0..<100 {
                // Until watch has made the folder, STATUS says it does not exist: not yet, not an error.
                if (try? server.messageCount(mailbox: "Done")) == count { return true }
                usleep(100_000)
            }
            return false
        }
        #expect(try waitFor(1))
        try server.append(messages: Array(messages[1...]))
        #expect(try waitFor(3), "the new mail was not read while idling")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 143)
        #expect(try summary(db).contains("example"))
    }

    @Test("a mailbox of 10,000 report mails is read whole, in bounded batches, with the same figures as the mbox")
    func tenThousandMessages() throws {
        let server = try DovecotServer()
        let (messages, corpus) = try mails(10_000, seed: 11)
        try server.append(messages: messages)
        let db = folder.appendingPathComponent("imap.sqlite").path
        let result = try mailtally(
            ["ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, url(server)], server: server
        )
        #expect(result.status == 0, "\(result.stderr)")
        let outcome = try json(result)
        #expect(mailbox(outcome)["fetched"] as? Int == 10_000)
        let reference = folder.appendingPathComponent("reference.sqlite").path
        let fromFile = try TestSupport.run(
            TestSupport.mailtally, ["ingest", "--db", reference, corpus.appendingPathComponent("inbox.mbox").path])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(try summary(db) == summary(reference))
        // And a rerun asks the server for nothing above its checkpoint.
        let again = try mailtally(
            ["ingest", "--db", db, "--json", "--ca-file", server.certificateAuthority.path, url(server)], server: server
        )
        #expect(mailbox(try json(again))["fetched"] as? Int == 0)
    }
}
