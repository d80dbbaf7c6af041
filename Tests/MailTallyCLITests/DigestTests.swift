import Foundation
import TestSupport
import Testing

/// The nightly digest by mail, through a real submission server on loopback (aiosmtpd with
/// STARTTLS and AUTH) and through msmtp as the local sendmail, read back with Python's email
/// package.
@Suite(.serialized, .enabled(if: SMTPServer.available, "aiosmtpd (python3-aiosmtpd) or msmtp-mta is not installed"))
struct DigestTests {
    let folder: URL
    let db: String
    let out: URL
    static let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
    /// The sample reports cover 2026-11-27 and 2026-11-28.
    static let night = "2026-11-28"

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("store.sqlite").path
        out = folder.appendingPathComponent("packs")
        let ingest = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, Self.samples])
        #expect([0, 1].contains(ingest.status), "\(ingest.stderr)")
    }

    /// `nightly` for `date` with the digest to `to`, through `server` (or the local sendmail).
    func nightly(
        date: String = night, to: String = "postmaster@example.com", server: SMTPServer?, smtp: String? = nil,
        extra: [String] = [], environment: [String: String] = [:]
    ) throws -> TestSupport.ProcessResult {
        var arguments = ["nightly", "--db", db, "--out", out.path, "--date", date, "--mail-to", to, "--verbose"]
        var env = environment
        if let server {
            arguments += [
                "--smtp", smtp ?? "smtp://\(server.user ?? "digest")@127.0.0.1:\(server.port)", "--ca-file",
                server.certificateAuthority.path,
            ]
            env["MAILTALLY_SMTP_PASSWORD"] = server.password ?? ""
        }
        return try TestSupport.run(TestSupport.mailtally, arguments + extra, environment: env)
    }

    /// A received message as Python's email package reads it.
    func read(_ mail: SMTPServer.ReceivedMail) throws -> [String: Any] {
        let file = folder.appendingPathComponent("mail-\(mail.number).eml")
        try mail.data.write(to: file)
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/read_mail.py").path
        let result = try TestSupport.shell("python3", [script, file.path])
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }

    @Test("a night with news sends one good message; a rerun and a quiet night send nothing")
    func oneMessageAWeekOfNews() throws {
        let server = try SMTPServer()
        let first = try nightly(server: server)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("digest to postmaster@example.com: sent"), "\(first.stderr)")
        let received = try server.received()
        try #require(received.count == 1)
        let mail = received[0]
        #expect(mail.tls)
        #expect(mail.authUser == "digest")
        #expect(mail.recipients == ["postmaster@example.com"])
        let message = try read(mail)
        #expect((message["defects"] as? [String])?.isEmpty == true, "\(message)")
        let subject = message["subject"] as? String ?? ""
        #expect(subject.hasPrefix("[MailTally] ") && subject.hasSuffix("on 3 domains, \(Self.night)"), "\(subject)")
        #expect(message["auto_submitted"] as? String == "auto-generated")
        #expect(
            message["parts"] as? [String] == [
                "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/zip",
            ], "\(message)")
        // The zip holds the 7-day pack's pages and tables, each the file on disk.
        let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["name"] as? String == "mailtally-\(Self.night)-7d.zip")
        #expect(attachment["broken"] is NSNull)
        let files = attachment["files"] as? [String: String] ?? [:]
        let pack = out.appendingPathComponent("\(Self.night)/7d")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: pack.path).filter {
            $0.hasSuffix(".html") || $0.hasSuffix(".csv")
        }
        #expect(Set(files.keys) == Set(onDisk) && onDisk.contains("example.com.html"))
        for (name, digest) in files {
            let sum = try TestSupport.shell("sha256sum", [pack.appendingPathComponent(name).path])
            #expect(sum.output.hasPrefix(digest), "\(name)")
        }
        let text = message["text"] as? String ?? ""
        let html = message["html"] as? String ?? ""
        for domain in ["example.com", "example.net", "example.org"] {
            #expect(text.contains("\n\(domain)\n"), "\(text)")
            #expect(html.contains(domain))
        }
        #expect(text.contains("New:\n  - ["), "\(text)")
        #expect(!html.contains("<script") && !html.contains("<svg") && !html.contains("src=\"http"))
        // The figures are the 7-day pack's.
        let summary = try TestSupport.run(
            TestSupport.mailtally,
            ["summary", "--db", db, "--format", "json", "--since", "2026-11-22", "--until", Self.night])
        let json = try #require(try JSONSerialization.jsonObject(with: summary.stdout) as? [String: Any])
        let domains = json["domains"] as? [[String: Any]] ?? []
        let messages = domains.first { $0["domain"] as? String == "example.com" }?["dmarc"] as? [String: Any]
        let count = try #require(messages?["messages"] as? Int)
        #expect(
            text.contains(
                "Messages \(count.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))))"),
            "\(text)")
        #expect(text.contains("\(out.path)/\(Self.night)/7d/example.com.html"))

        // The same night again: the ledger says it went out.
        let rerun = try nightly(server: server)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("not sent, sent before"), "\(rerun.stderr)")
        // The next night's window shows example.org a new source: that finding alone is new,
        // the others are still open, in one line.
        let next = try nightly(date: "2026-11-29", server: server)
        #expect(next.status == 0, "\(next.stderr)")
        let second = try #require(try server.received().last)
        let secondMessage = try read(second)
        let secondText = secondMessage["text"] as? String ?? ""
        #expect(secondText.contains("New:\n  - [notice]"), "\(secondText)")
        #expect(secondText.contains("Still open: "), "\(secondText)")
        #expect((secondMessage["subject"] as? String ?? "").hasPrefix("[MailTally] 1 notice on 3 domains"))
        // The night after, the same findings: no mail.
        let quiet = try nightly(date: "2026-11-30", server: server)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stderr.contains("not sent, nothing new"), "\(quiet.stderr)")
        #expect(try server.received().count == 2)
        // Asked for always, it goes out, with every finding still open in one line.
        let always = try nightly(date: "2026-12-01", server: server, extra: ["--mail-when", "always"])
        #expect(always.status == 0, "\(always.stderr)")
        let last = try #require(try server.received().last)
        let lastText = try read(last)["text"] as? String ?? ""
        #expect(lastText.contains("Still open: "), "\(lastText)")
        #expect(!lastText.contains("New:"))
        #expect(try server.received().count == 3)
    }

    @Test("refused AUTH, a server that is down, no STARTTLS: said, exit 6, and the next run sends")
    func failuresAreRetried() throws {
        let refusing = try SMTPServer(refuseAuth: true)
        let refused = try nightly(server: refusing)
        #expect(refused.status == 6, "\(refused.stderr)")
        #expect(refused.stderr.contains("refused the password for digest"), "\(refused.stderr)")
        #expect(refused.stderr.contains("the next run tries again"))
        #expect(!refused.stderr.contains(refusing.password ?? "never"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(Self.night)/7d/index.html").path))

        let closed = try PostgresServer.freePort()
        let down = try nightly(server: refusing, smtp: "smtp://digest@127.0.0.1:\(closed)")
        #expect(down.status == 6, "\(down.stderr)")
        #expect(down.stderr.contains("cannot reach 127.0.0.1:\(closed)"), "\(down.stderr)")

        let plain = try SMTPServer(startTLS: false)
        let noTLS = try nightly(server: plain)
        #expect(noTLS.status == 6)
        #expect(noTLS.stderr.contains("does not offer STARTTLS"), "\(noTLS.stderr)")
        #expect(try plain.received().isEmpty)

        let good = try SMTPServer()
        let retried = try nightly(server: good)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(try good.received().count == 1)
    }

    @Test("msmtp as the local sendmail relays the digest")
    func localSendmail() throws {
        let server = try SMTPServer()
        _ = try server.sendmailConfiguration()
        let result = try nightly(server: nil, environment: server.sendmailEnvironment)
        #expect(result.status == 0, "\(result.stderr)")
        let received = try server.received()
        try #require(received.count == 1, "\(server.sendmailLog)")
        #expect(received[0].recipients == ["postmaster@example.com"])
        let message = try read(received[0])
        #expect((message["subject"] as? String ?? "").hasPrefix("[MailTally] "))
    }

    @Test("a non-ASCII domain and reporter travel in the subject and body as written")
    func nonASCIINames() throws {
        let unicode = folder.appendingPathComponent("unicode")
        try FileManager.default.createDirectory(at: unicode, withIntermediateDirectories: true)
        let records = (1...40).map { index in
            """
            <record><row><source_ip>203.0.113.\(index)</source_ip><count>50</count>
            <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
            <identifiers><header_from>bücher.example</header_from></identifiers>
            <auth_results><spf><domain>bücher.example</domain><result>fail</result></spf></auth_results></record>
            """
        }.joined()
        let report = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feedback><report_metadata><org_name>Österreichische Post AG</org_name><email>dmarc@post.at</email>
            <report_id>unicode-1</report_id><date_range><begin>1795737600</begin><end>1795823999</end></date_range></report_metadata>
            <policy_published><domain>bücher.example</domain><p>none</p></policy_published>\(records)</feedback>
            """
        try report.write(to: unicode.appendingPathComponent("report.xml"), atomically: true, encoding: .utf8)
        let store = folder.appendingPathComponent("unicode.sqlite").path
        let ingest = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", store, unicode.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let server = try SMTPServer()
        let result = try TestSupport.run(
            TestSupport.mailtally,
            [
                "nightly", "--db", store, "--out", out.path, "--date", Self.night, "--mail-to",
                "Pöstmaster <postmaster@example.com>", "--smtp", "smtp://digest@127.0.0.1:\(server.port)",
                "--ca-file", server.certificateAuthority.path,
            ], environment: ["MAILTALLY_SMTP_PASSWORD": server.password ?? ""])
        #expect(result.status == 0, "\(result.stderr)")
        let received = try server.received()
        try #require(received.count == 1)
        let message = try read(received[0])
        #expect((message["subject"] as? String ?? "").contains("on bücher.example, \(Self.night)"), "\(message)")
        #expect((message["to"] as? String ?? "").contains("Pöstmaster"))
        #expect((message["text"] as? String ?? "").contains("\nbücher.example\n"))
        #expect((message["text"] as? String ?? "").contains("DMARC reports from Österreichische"))
        #expect((message["html"] as? String ?? "").contains("DMARC reports from Österreichische"))
        #expect((message["html"] as? String ?? "").contains("bücher.example"))
        #expect(received[0].data.allSatisfy { $0 < 0x80 }, "the message is 7-bit, whatever it carries")
    }

    @Test("the weekly roll-up always goes out, and the alert command gets each new critical finding once")
    func weeklyAndAlerts() throws {
        let server = try SMTPServer()
        let first = try nightly(server: server)
        #expect(first.status == 0, "\(first.stderr)")
        // 2026-11-30 has nothing new, and is a Monday: the roll-up goes out anyway.
        let alerts = folder.appendingPathComponent("alerts")
        let monday = try nightly(
            date: "2026-11-30", server: server,
            extra: ["--mail-weekly", "monday", "--alert-command", "cat >> \(alerts.path)"])
        #expect(monday.status == 0, "\(monday.stderr)")
        let received = try server.received()
        try #require(received.count == 2)
        let weekly = try read(received[1])
        #expect((weekly["subject"] as? String ?? "").hasPrefix("[MailTally] week to 2026-11-30: "), "\(weekly)")
        #expect((weekly["text"] as? String ?? "").contains("Open:\n  - [critical]"))
        // The alert: JSON of the critical findings, once.
        let said = try String(contentsOf: alerts, encoding: .utf8)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(said.utf8)) as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["code"] as? String == "tls-certificate-failures")
        #expect(list.first?["domain"] as? String == "example.com")
        let again = try nightly(
            date: "2026-12-01", server: server, extra: ["--alert-command", "cat >> \(alerts.path)"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOf: alerts, encoding: .utf8) == said, "a critical finding is alerted once")
        let failing = try nightly(
            date: "2026-12-02", server: server, extra: ["--alert-command", "echo webhook down >&2; exit 22"])
        #expect(failing.status == 0, "nothing new to alert: the command does not run")
    }

    @Test("the configuration file's [mail] with an XOAUTH2 token command")
    func configurationAndToken() throws {
        let server = try SMTPServer(password: nil)
        let tokenFile = folder.appendingPathComponent("token")
        try (server.oauthToken ?? "").write(to: tokenFile, atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("config.toml")
        try """
        db = "\(db)"
        out = "\(out.path)"
        ca_file = "\(server.certificateAuthority.path)"

        [mail]
        to = ["Postmaster <postmaster@example.com>, security@example.com"]
        from = "DMARC <dmarc@example.com>"
        smtp = "smtps://digest@127.0.0.1:\(server.smtpsPort)"
        oauth2_token_command = "cat \(tokenFile.path)"
        """.write(to: config, atomically: true, encoding: .utf8)
        let result = try TestSupport.run(
            TestSupport.mailtally, ["nightly", "--date", Self.night], environment: ["MAILTALLY_CONFIG": config.path])
        #expect(result.status == 0, "\(result.stderr)")
        let received = try server.received()
        try #require(received.count == 1, "\(server.log)")
        #expect(received[0].mechanism == "XOAUTH2")
        #expect(received[0].implicitTLS)
        #expect(received[0].mailFrom == "dmarc@example.com")
        #expect(received[0].recipients == ["postmaster@example.com", "security@example.com"])
    }

    @Test("mistakes in addresses and URLs: one sentence each, exit 2, no password repeated")
    func usageMistakes() throws {
        let server = try SMTPServer()
        let lineBreak = try nightly(to: "postmaster@example.com\r\nBcc: everyone@example.com", server: server)
        #expect(lineBreak.status == 2, "\(lineBreak.stderr)")
        #expect(lineBreak.stderr.contains("--mail-to takes mail addresses"))
        let inURL = try nightly(server: server, smtp: "smtp://digest:hunter2@127.0.0.1:\(server.port)")
        #expect(inURL.status == 2)
        #expect(inURL.stderr.contains("smtp://digest:***@127.0.0.1"), "\(inURL.stderr)")
        #expect(!inURL.stderr.contains("hunter2"))
        // A display name with a comma stays one address.
        let quoted = try nightly(
            to: "\"Doe, John\" <john@example.com>, postmaster@example.com", server: server,
            extra: ["--mail-when", "always"])
        #expect(quoted.status == 0, "\(quoted.stderr)")
        let received = try #require(try server.received().last)
        #expect(received.recipients == ["john@example.com", "postmaster@example.com"])
        #expect(try server.received().count == 1)
    }
}
