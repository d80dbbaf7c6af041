import Foundation
import ReportStore
import SQLiteStore
import TestSupport
import Testing

/// Hostile inputs of the second round: each case reproduces a way a stranger's bytes once
/// crashed a run (on every rerun), stalled it, or took its memory.
@Suite struct HostileInputTests {
    /// The JSON outcome of `ingest --json`.
    static func outcome(_ result: TestSupport.ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stderr)")
    }

    /// A read error half-way through a mailbox fails that input with errno's text; no stamp is
    /// kept, so the next run reads the whole file (strace injects EIO into reads of that file).
    @Test(.enabled(if: TestSupport.hasProgram("strace"), "needs strace"))
    func aReadErrorFailsTheInputAndTheNextRunReadsItAll() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mbox = folder.appendingPathComponent("box.mbox")
        // Eight messages of 300 KB each: the reader takes 1 MiB a read, so the third read fails
        // after the first messages were handed over.
        var text = ""
        let report = try String(
            contentsOf: TestSupport.packageRoot.appendingPathComponent(
                "SampleReports/gmx.net!example.net!1795824000!1795910399.xml"), encoding: .utf8)
        for index in 1...8 {
            let padded = report.replacingOccurrences(of: "<report_id>", with: "<report_id>eio-\(index)-")
            text += "From sender Mon Jan 01 00:00:00 2024\nMessage-ID: <m\(index)@example>\nContent-Type: text/xml\n\n"
            text += padded + "\n<!--" + String(repeating: "p", count: 300_000) + "-->\n\n"
        }
        try Data(text.utf8).write(to: mbox)
        let db = folder.appendingPathComponent("eio.sqlite").path
        let failing = try TestSupport.shell(
            "strace",
            [
                "-f", "-qq", "-o", "/dev/null", "-P", mbox.path, "-e", "trace=read", "-e",
                "inject=read:error=EIO:when=3+",
                TestSupport.mailtally.path, "ingest", "--db", db, "--json", mbox.path,
            ])
        #expect(failing.status == 1, "\(failing.status): \(failing.stderr)")
        #expect(
            failing.stderr.contains("box.mbox") && failing.stderr.contains("read error: Input/output error"),
            "\(failing.stderr)")
        let first = try Self.outcome(failing)
        let importedFirst = (first["imported"] as? [String: Int])?["dmarc"] ?? -1
        #expect(importedFirst < 8)
        let again = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", mbox.path])
        #expect(again.status == 0, "\(again.stderr)")
        let second = try Self.outcome(again)
        #expect((second["unchanged"] as? Int) == 0)
        #expect(((second["imported"] as? [String: Int])?["dmarc"] ?? 0) + importedFirst == 8)
    }

    /// Lying counts once overflowed the classification (`pass * 2`) and the store's TLS sums,
    /// and every query command died on that store until it was edited by hand. Now a count is at
    /// most 2^53 and every sum saturates: 1,100 reports at the largest accepted counts (their
    /// sum far past 2^63) leave every query and pack command answering.
    @Test func everyCommandAnswersOnTheLargestAcceptedCounts() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        let most = "9007199254740992"  // 2^53
        let half = "4503599627370496"  // 2^52
        for index in 0..<1100 {
            let xml = """
                <feedback><report_metadata><org_name>big\(index % 3).example</org_name><email>d@big\(index % 3).example</email>\
                <report_id>max-\(index)</report_id><date_range><begin>1795824000</begin><end>1795910399</end></date_range>\
                </report_metadata><policy_published><domain>max.example</domain><p>none</p></policy_published>\
                <record><row><source_ip>192.0.2.\(index % 200)</source_ip><count>\(most)</count><policy_evaluated>\
                <disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>\
                <identifiers><header_from>max.example</header_from></identifiers><auth_results><dkim><domain>max.example</domain>\
                <result>pass</result></dkim><spf><domain>bounce.esp.example</domain><result>pass</result></spf></auth_results></record>\
                </feedback>
                """
            try Data(xml.utf8).write(to: inputs.appendingPathComponent("d\(index).xml"))
            let json = """
                {"organization-name":"big\(index % 3).example","report-id":"tls-\(index)","date-range":{"start-datetime":"2026-11-28T00:00:00Z",\
                "end-datetime":"2026-11-28T23:59:59Z"},"policies":[{"policy":{"policy-type":"sts","policy-domain":"max.example",\
                "policy-string":["version: STSv1","mode: testing"]},"summary":{"total-successful-session-count":\(half),\
                "total-failure-session-count":\(half)},"failure-details":[]},{"policy":{"policy-type":"no-policy-found",\
                "policy-domain":"max.example"},"summary":{"total-successful-session-count":0,"total-failure-session-count":0},\
                "failure-details":[]}]}
                """
            try Data(json.utf8).write(to: inputs.appendingPathComponent("t\(index).json"))
        }
        let db = folder.appendingPathComponent("max.sqlite").path
        let ingest = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", inputs.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let imported = try Self.outcome(ingest)["imported"] as? [String: Int]
        #expect(imported?["dmarc"] == 1100 && imported?["tlsrpt"] == 1100)
        let period = ["--since", "2026-11-27", "--until", "2026-11-29"]
        var commands: [[String]] = []
        for format in ["text", "json", "csv", "md"] {
            commands += [
                ["summary", "--format", format], ["summary", "--format", format] + period,
                ["correlate", "--format", format], ["correlate", "--by", "reporter", "--format", format] + period,
                ["sources", "--format", format],
            ]
        }
        commands += [
            ["errors"], ["report", "--out", folder.appendingPathComponent("pack").path] + period,
            ["report", "--format", "html", "--out", folder.appendingPathComponent("html").path] + period,
            ["nightly", "--offline", "--date", "2026-11-28", "--out", folder.appendingPathComponent("nightly").path],
        ]
        for command in commands {
            let result = try TestSupport.run(TestSupport.mailtally, [command[0], "--db", db] + command.dropFirst())
            #expect(
                result.status == 0, "\(command.joined(separator: " ")): \(result.status) \(result.stderr.prefix(300))")
        }
        // The sums are held at 2^63-1, never wrapped to a negative number.
        let summary = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"] + period)
        let domains =
            (try JSONSerialization.jsonObject(with: summary.stdout) as? [String: Any])?["domains"] as? [[String: Any]]
        let dmarc = domains?.first?["dmarc"] as? [String: Any]
        #expect((dmarc?["messages"] as? NSNumber)?.int64Value == Int64.max, "\(String(describing: dmarc))")
    }

    /// No C0 or C1 control character from a report or a mail header reaches standard output in
    /// any format (window titles, screen clears, hyperlinks, bells), block-layout labels
    /// included; JSON keeps the same values, escaped.
    @Test func controlCharactersNeverReachTheTerminal() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        let evil = "\u{1B}]0;owned\u{07}\u{1B}[2J\u{9B}31m\u{1B}]8;;http://x\u{1B}\\"
        let tls: [String: Any] = [
            "organization-name": "org\(evil)", "report-id": "ctl", "contact-info": "tls@ctl.example",
            "date-range": ["start-datetime": "2026-11-28T00:00:00Z", "end-datetime": "2026-11-28T23:59:59Z"],
            "policies": [
                [
                    "policy": [
                        "policy-type": "sts", "policy-domain": "ctl.example",
                        "policy-string": ["version: STSv1", "mode: testing\(evil)"],
                        "mx-host": ["mx\(evil).ctl.example"],
                    ],
                    "summary": ["total-successful-session-count": 5, "total-failure-session-count": 3],
                    "failure-details": [
                        [
                            "result-type": "certificate-expired\(evil)", "failed-session-count": 3,
                            "sending-mta-ip": "192.0.2.9",
                            "receiving-mx-hostname": "mx\(evil).ctl.example", "additional-information": "see \(evil)",
                        ]
                    ],
                ]
            ],
        ]
        try JSONSerialization.data(withJSONObject: tls).write(to: inputs.appendingPathComponent("tls.json"))
        let xml = """
            <feedback><report_metadata><org_name>rep&#x1B;]0;t&#x7;</org_name><email>d@rep.example</email><report_id>ctl</report_id>
            <date_range><begin>1795824000</begin><end>1795910399</end></date_range></report_metadata>
            <policy_published><domain>ctl.example</domain><p>none</p></policy_published>
            <record><row><source_ip>192.0.2.1</source_ip><count>4</count><policy_evaluated><disposition>quar\u{9B}31m&#xA;x</disposition>
            <dkim>fail</dkim><spf>fail</spf><reason><type>other</type><comment>c&#x1B;[2J</comment></reason></policy_evaluated></row>
            <identifiers><header_from>ctl.example</header_from></identifiers><auth_results><dkim><domain>d&#x1B;x.example</domain>
            <selector>s&#x7;</selector><result>fail</result></dkim></auth_results></record></feedback>
            """
        try Data(xml.utf8).write(to: inputs.appendingPathComponent("dmarc.xml"))
        // A message whose Message-ID decodes to escape sequences, with a broken attachment.
        let messageID = "=?utf-8?B?" + Data("<\(evil)@x>".utf8).base64EncodedString() + "?="
        let mail =
            "Message-ID: \(messageID)\nSubject: =?utf-8?Q?=1B]0;s=07?=\nContent-Type: application/gzip\nContent-Transfer-Encoding: base64\n\nH4sIAAAAAAAAA0tMTgYAfoVPVAQAAAA\n"
        try Data(mail.utf8).write(to: inputs.appendingPathComponent("mail.eml"))
        let db = folder.appendingPathComponent("ctl.sqlite").path
        let ingest = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, inputs.path])
        #expect(ingest.status == 1, "\(ingest.stderr)")
        func clean(_ bytes: [UInt8]) -> Bool {
            for (index, byte) in bytes.enumerated() {
                if byte < 0x20 && byte != 0x0A && byte != 0x09 && byte != 0x0D { return false }
                if byte == 0x7F || (byte == 0xC2 && index + 1 < bytes.count && (0x80...0x9F).contains(bytes[index + 1]))
                {
                    return false
                }
            }
            return true
        }
        let cleanIngest = clean(Array(ingest.stderr.utf8))
        #expect(cleanIngest, "ingest's standard error")
        for command in ["summary", "correlate", "sources", "errors"] {
            for format in ["text", "md", "csv", "json"] {
                for columns in ["40", "400"] {
                    let result = try TestSupport.run(
                        TestSupport.mailtally, [command, "--db", db, "--format", format],
                        environment: ["COLUMNS": columns])
                    #expect(result.status == 0, "\(command) \(format): \(result.stderr)")
                    let cleanOutput = clean(Array(result.stdout))
                    let cleanError = clean(Array(result.stderr.utf8))
                    #expect(cleanOutput, "\(command) --format \(format) at \(columns) columns")
                    #expect(cleanError, "\(command) --format \(format): standard error")
                }
            }
        }
        // JSON keeps the values: the escapes decode to the very characters.
        let json = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"])
        #expect(json.output.contains("\\u009b31m"))
        #expect(String(decoding: json.stdout, as: UTF8.self).contains("\\u001b"))
    }

    /// A policy domain named `index` once overwrote the pack's own index pages, and one
    /// starting with `-` made a file that reads as an option.
    @Test func packFileNamesNeverCollideWithThePacksOwnFiles() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for (index, domain) in ["index", "INDEX.", "-rf", ".mailtally-pack", "index_"].enumerated() {
            let xml = """
                <feedback><report_metadata><org_name>r.example</org_name><report_id>n\(index)</report_id><date_range><begin>1795824000</begin>\
                <end>1795910399</end></date_range></report_metadata><policy_published><domain>\(domain)</domain><p>none</p>\
                </policy_published><record><row><source_ip>192.0.2.1</source_ip><count>\(index + 1)</count><policy_evaluated>\
                <disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers>\
                <header_from>x</header_from></identifiers></record></feedback>
                """
            try Data(xml.utf8).write(to: inputs.appendingPathComponent("r\(index).xml"))
        }
        let db = folder.appendingPathComponent("names.sqlite").path
        #expect(try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, inputs.path]).status == 0)
        let pack = folder.appendingPathComponent("pack")
        let result = try TestSupport.run(
            TestSupport.mailtally,
            [
                "report", "--db", db, "--format", "all", "--out", pack.path, "--since", "2026-11-28", "--until",
                "2026-11-28",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: pack.path)
        #expect(!files.contains { $0.hasPrefix("-") }, "\(files.sorted())")
        let index = try String(contentsOf: pack.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(index.hasPrefix("# DMARC and TLS reports"))
        let html = try String(contentsOf: pack.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(!html.contains("<h1>index"), "the domain page took index.html")
        // Every domain has its own page, and the index links each one.
        let pages = files.filter { $0.hasSuffix(".md") && $0 != "index.md" }
        #expect(pages.count == 4, "\(files.sorted())")  // index and INDEX. are one domain
        for page in pages { #expect(index.contains("(\(page))"), "\(page)") }
    }

    /// A 1 KB report covering 1970 to 9999 once spread each record over 2.9 million days of the
    /// rollup (8.8 million rows for three records) and made `report` write gigabytes. Such a
    /// range is flagged and counted on a bounded number of days, DMARC and TLS alike; a range
    /// only too long is counted over its last 31 days.
    @Test func implausibleDateRangesAreFlaggedAndCountedOnBoundedDays() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        func dmarc(_ id: String, begin: Int64, end: Int64) -> String {
            let records = (1...3).map { index in
                "<record><row><source_ip>192.0.2.\(index)</source_ip><count>\(index)</count><policy_evaluated><disposition>none</disposition>"
                    + "<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>x</header_from></identifiers></record>"
            }.joined()
            return
                "<feedback><report_metadata><org_name>r.example</org_name><report_id>\(id)</report_id><date_range><begin>\(begin)</begin>"
                + "<end>\(end)</end></date_range></report_metadata><policy_published><domain>dates.example</domain><p>none</p>"
                + "</policy_published>\(records)</feedback>"
        }
        let day: Int64 = 86_400
        let lastDay: Int64 = 1_795_910_400  // 2026-11-29T00:00:00Z
        try Data(dmarc("forever", begin: 0, end: 253_402_300_799).utf8).write(
            to: inputs.appendingPathComponent("forever.xml"))
        try Data(dmarc("begin100", begin: 100, end: lastDay).utf8).write(
            to: inputs.appendingPathComponent("begin100.xml"))
        try Data(dmarc("forty", begin: lastDay - 40 * day, end: lastDay).utf8).write(
            to: inputs.appendingPathComponent("forty.xml"))
        let tls = """
            {"organization-name":"t.example","report-id":"forever","date-range":{"start-datetime":"1970-01-01T00:00:00Z",\
            "end-datetime":"9999-12-31T23:59:59Z"},"policies":[{"policy":{"policy-type":"sts","policy-domain":"dates.example"},\
            "summary":{"total-successful-session-count":7,"total-failure-session-count":1},"failure-details":[{"result-type":\
            "certificate-expired","failed-session-count":1}]}]}
            """
        try Data(tls.utf8).write(to: inputs.appendingPathComponent("forever.json"))
        let db = folder.appendingPathComponent("dates.sqlite").path
        let ingest = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", inputs.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(db.execute("SELECT count(*) FROM dmarc_daily").fetchone()[0])
            for table in ("dmarc_report", "tls_report"):
                for row in db.execute(f"SELECT report_id, counted_end - counted_begin, IFNULL(range_flags, '') FROM {table} ORDER BY report_id"):
                    print(table, *row)
            """
        let lines = try TestSupport.shell("python3", ["-c", script, db]).output.split(separator: "\n").map(String.init)
        // 3 records on one day (twice), and 6 messages on at most 6 of 31 days: not millions of rows.
        #expect(Int(lines.first ?? "") ?? -1 == 12, "\(lines)")
        #expect(lines.contains("dmarc_report begin100 86400 begins-before-2012,longer-than-31-days"))
        #expect(lines.contains("dmarc_report forever 86400 begins-before-2012,ends-in-the-future,longer-than-31-days"))
        #expect(lines.contains("dmarc_report forty 2678400 longer-than-31-days"))
        #expect(lines.contains("tls_report forever 86400 begins-before-2012,ends-in-the-future,longer-than-31-days"))
        // Every message is still counted, and the forty-day report falls within its last 31 days.
        func messages(_ period: [String]) throws -> Int? {
            let json = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"] + period)
            let domains =
                (try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])?["domains"] as? [[String: Any]]
            return (domains?.first?["dmarc"] as? [String: Any])?["messages"] as? Int ?? 0
        }
        #expect(try messages([]) == 18)
        #expect(try messages(["--since", "2026-10-29", "--until", "2026-11-28"]) == 12)
        #expect(try messages(["--until", "2026-10-28"]) == 0)
        // A pack over everything stays small: the covered days are bounded too.
        let pack = folder.appendingPathComponent("pack")
        let report = try TestSupport.run(
            TestSupport.mailtally, ["report", "--db", db, "--format", "all", "--out", pack.path])
        #expect(report.status == 0, "\(report.stderr)")
        let size = try FileManager.default.contentsOfDirectory(atPath: pack.path).reduce(0) { total, name in
            total
                + ((try? FileManager.default.attributesOfItem(atPath: pack.appendingPathComponent(name).path)[.size]
                    as? Int) ?? 0)
        }
        #expect(size < 5_000_000, "pack of \(size) bytes")
    }

    /// The same report re-sent under another `org_name` (the corpus has such a pair) once
    /// counted twice. The reporter of the duplicate key is the report address's organisational
    /// domain now, and a store made before is migrated: the second copy goes, with its share
    /// of every total, and the next command says what was merged.
    @Test func aReportResentUnderAnotherNameIsOneReportAndOldStoresAreMerged() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func report(org: String, email: String) -> String {
            "<feedback><report_metadata><org_name>\(org)</org_name><email>\(email)</email><report_id>11038226378739404135</report_id>"
                + "<date_range><begin>1795824000</begin><end>1795910399</end></date_range></report_metadata><policy_published>"
                + "<domain>resent.example</domain><p>none</p></policy_published><record><row><source_ip>192.0.2.7</source_ip>"
                + "<count>42</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf>"
                + "</policy_evaluated></row><identifiers><header_from>resent.example</header_from></identifiers></record></feedback>"
        }
        let first = folder.appendingPathComponent("google.xml")
        let resent = folder.appendingPathComponent("fred.xml")
        try Data(report(org: "google.com", email: "noreply-dmarc-support@google.com").utf8).write(to: first)
        try Data(report(org: "fred.com", email: "noreply-dmarc-support@google.com").utf8).write(to: resent)
        func messages(_ db: String) throws -> Int? {
            let json = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"])
            let domains =
                (try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])?["domains"] as? [[String: Any]]
            return (domains?.first?["dmarc"] as? [String: Any])?["messages"] as? Int
        }
        let db = folder.appendingPathComponent("new.sqlite").path
        let ingest = try TestSupport.run(
            TestSupport.mailtally, ["ingest", "--db", db, "--json", first.path, resent.path])
        let outcome = try Self.outcome(ingest)
        #expect(
            (outcome["imported"] as? [String: Int])?["dmarc"] == 1 && outcome["duplicates"] as? Int == 1, "\(outcome)")
        #expect(try messages(db) == 42)

        // A store as version 11 left it: both copies stored, keyed by their organisation names.
        let old = folder.appendingPathComponent("old.sqlite").path
        let other = folder.appendingPathComponent("other.xml")
        try Data(report(org: "fred.com", email: "dmarc@fred.example").utf8).write(to: other)
        #expect(
            try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", old, first.path, other.path]).status == 0)
        #expect(try messages(old) == 84)
        let rewind = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("UPDATE dmarc_report SET reporter = lower(org_name), email = 'noreply-dmarc-support@google.com'")
            db.execute("DROP TABLE store_notice")
            db.execute("DELETE FROM grdb_migrations WHERE identifier = 'v12-reporter-by-address'")
            db.commit()
            """
        try TestSupport.shell("python3", ["-c", rewind, old])
        let migrated = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", old, "--format", "json"])
        #expect(
            migrated.stderr.contains("1 report was stored twice under another organisation name and merged"),
            "\(migrated.stderr)")
        #expect(try messages(old) == 42)
        let again = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", old])
        #expect(!again.stderr.contains("merged"), "the notice is said once")
        #expect(try SQLiteReportStore(path: old).integrityCheck() == "ok")
        // Sending the copy once more changes nothing: it is a duplicate under the new key.
        let resend = try Self.outcome(
            try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", old, "--json", "--rehash", resent.path]))
        #expect(resend["duplicates"] as? Int == 1)
        #expect(try messages(old) == 42)
    }

    /// A report too large to hold in memory is parsed with its records kept in a file and
    /// stored whole: the same totals, every record, its source list in parts; a large file is
    /// stored in chunks and parsed again from them; a report that fails on its last record
    /// stores nothing of itself.
    @Test func largeReportsAndInputsArriveWhole() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = 60_000
        let script = """
            import gzip, sys
            out, records, broken = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "broken"
            head = ('<feedback><report_metadata><org_name>big.example</org_name><email>d@big.example</email><report_id>%s</report_id>'
                    '<date_range><begin>1795824000</begin><end>1795910399</end></date_range></report_metadata>'
                    '<policy_published><domain>big.example</domain><p>reject</p></policy_published>')
            def body(report_id, pad):
                parts = [head % report_id]
                for i in range(records):
                    count = "x" if broken and i == records - 1 else str(i % 7 + 1)
                    parts.append('<record><row><source_ip>10.%d.%d.%d</source_ip><count>%s</count><policy_evaluated>'
                                 '<disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>'
                                 '<identifiers><header_from>big.example</header_from></identifiers></record>'
                                 % (i >> 16 & 255, i >> 8 & 255, i & 255, count))
                parts.append('<extension>' + ('<x>' + 'p' * 1000 + '</x>') * (pad // 1000) + '</extension>' if pad else '')
                parts.append('</feedback>')
                return ''.join(parts).encode()
            name = "broken" if broken else "big"
            open(f"{out}/{name}.xml", "wb").write(body(name, 12 << 20))
            if not broken:
                open(f"{out}/{name}-copy.xml.gz", "wb").write(gzip.compress(body(name + "-gz", 0), mtime=0))
            """
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try TestSupport.shell("python3", ["-c", script, inputs.path, "\(records)", "whole"])
        let expected = (0..<records).reduce(0) { $0 + $1 % 7 + 1 }
        let db = folder.appendingPathComponent("big.sqlite").path
        let ingest = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", inputs.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let rows = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            print(db.execute("SELECT count(*), sum(count) FROM dmarc_record").fetchone(),
                  db.execute("SELECT count(*) FROM dmarc_report_ips").fetchone()[0],
                  db.execute("SELECT group_concat(record_count) FROM dmarc_report").fetchone()[0],
                  db.execute("SELECT max(chunks) FROM raw_input").fetchone()[0])
            """
        let stored = try TestSupport.shell("python3", ["-c", rows, db]).output
        // the 26 MB file in 4 chunks
        #expect(stored == "(\(2 * records), \(2 * expected)) 4 \(records),\(records) 4\n", "\(stored)")
        func summary() throws -> String {
            try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db, "--format", "json"]).output
        }
        let before = try summary()
        #expect(before.contains("\"messages\" : \(2 * expected)"))
        let correlate = try TestSupport.run(TestSupport.mailtally, ["correlate", "--db", db, "--format", "csv"])
        #expect(
            correlate.status == 0 && correlate.output.contains(",2,"),
            "every source in both reports: \(correlate.output.prefix(400))")
        // Parsed again from its stored chunks, the large file gives the same.
        #expect(try TestSupport.run(TestSupport.mailtally, ["reparse", "--db", db]).status == 0)
        #expect(try summary() == before)
        #expect(try TestSupport.shell("python3", ["-c", rows, db]).output == stored)
        // The same bytes through standard input: a duplicate, spooled and mapped like a file.
        let piped = try TestSupport.run(
            TestSupport.mailtally, ["ingest", "--db", db, "--json", "-"],
            stdin: try Data(contentsOf: inputs.appendingPathComponent("big.xml")))
        #expect(((try Self.outcome(piped))["duplicates"] as? Int) == 1, "\(piped.stderr)")

        // A report that fails on its last record leaves nothing of itself.
        let broken = folder.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try TestSupport.shell("python3", ["-c", script, broken.path, "\(records)", "broken"])
        let failing = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, "--json", broken.path])
        #expect(failing.status == 1)
        #expect(try summary() == before)
        #expect(try TestSupport.shell("python3", ["-c", rows, db]).output == stored)
    }
}
