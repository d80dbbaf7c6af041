import Foundation
import TestSupport
import Testing

/// The pack a postmaster forwards: classes, severities, late reports, quiet cron runs, dates,
/// directions, a store that copies whole, and labels, each on reports made for it and run
/// through the real executable.
@Suite struct TrustworthyPackTests {
    let folder: URL
    let db: String
    static let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
    /// 2026-11-28T00:00:00Z, and its day number.
    static let d0: Int64 = 1_795_824_000
    static let day0: Int64 = 20_785

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("pack.sqlite").path
    }

    func mailtally(_ arguments: [String], environment: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(
            TestSupport.mailtally, arguments,
            environment: ["MAILTALLY_PSL": "/usr/share/publicsuffix/public_suffix_list.dat", "MAILTALLY_OFFLINE": "1"]
                .merging(environment) { $1 })
    }

    struct Record {
        var ip: String
        var count: Int
        var disposition = "none"
        var dkim = "pass"
        var spf = "pass"
        var headerFrom = "shop.example"
        var dkimDomain: String? = "shop.example"
        var spfDomain = "shop.example"
        var spfResult = "pass"
        var reason: String? = nil
        var envelopeFrom: String? = nil
    }

    /// A DMARC aggregate report as reporters write it.
    static func report(
        org: String = "Google", email: String = "noreply-dmarc-support@google.com", id: String,
        domain: String = "shop.example",
        begin: Int64, end: Int64, p: String = "none", pct: Int? = nil, np: String? = nil, records: [Record]
    ) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?><feedback><report_metadata><org_name>\(org)</org_name><email>\(email)</email>
            <report_id>\(id)</report_id><date_range><begin>\(begin)</begin><end>\(end)</end></date_range></report_metadata>
            <policy_published><domain>\(domain)</domain><p>\(p)</p>\(pct.map { "<pct>\($0)</pct>" } ?? "")\(np.map { "<np>\($0)</np>" } ?? "")</policy_published>
            """
        for r in records {
            xml += """
                <record><row><source_ip>\(r.ip)</source_ip><count>\(r.count)</count><policy_evaluated><disposition>\(r.disposition)</disposition>
                <dkim>\(r.dkim)</dkim><spf>\(r.spf)</spf>\(r.reason.map { "<reason><type>\($0)</type></reason>" } ?? "")</policy_evaluated></row>
                <identifiers><header_from>\(r.headerFrom)</header_from>\(r.envelopeFrom.map { "<envelope_from>\($0)</envelope_from>" } ?? "")</identifiers><auth_results>
                \(r.dkimDomain.map { "<dkim><domain>\($0)</domain><selector>s1</selector><result>\(r.dkim)</result></dkim>" } ?? "")
                <spf><domain>\(r.spfDomain)</domain><result>\(r.spfResult)</result></spf></auth_results></record>
                """
        }
        return xml + "</feedback>"
    }

    @discardableResult
    func write(_ text: String, _ name: String, in subfolder: String = "in") throws -> URL {
        let directory = folder.appendingPathComponent(subfolder)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try mailtally(arguments)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }

    /// Source key → class, from `correlate --format json`.
    func classes() throws -> [String: String] {
        let rows = try #require(try json(["correlate", "--db", db, "--format", "json"])["rows"] as? [[String: Any]])
        var classes: [String: String] = [:]
        for row in rows {
            if let name = row["source"] as? String, let sourceClass = row["class"] as? String {
                classes[name] = sourceClass
            }
        }
        return classes
    }

    // MARK: 1. Classes

    @Test func espMailIsAuthorisedAndForwardingNeedsEvidenceOfARelay() throws {
        let xml = Self.report(
            id: "classes", begin: Self.d0, end: Self.d0 + 86_399,
            records: [
                // SendGrid with its default bounce domain: DKIM aligned, SPF passes for sendgrid.net.
                Record(ip: "198.51.100.10", count: 500, spf: "fail", spfDomain: "bounces.sendgrid.net"),
                // A forwarder: our DKIM survives, SPF for our own domain fails at the receiver.
                Record(ip: "192.0.2.20", count: 40, spf: "fail", spfDomain: "shop.example", spfResult: "softfail"),
                // A mailing list the receiver names as such (its rewrite broke DKIM too).
                Record(
                    ip: "203.0.113.30", count: 12, dkim: "fail", spf: "fail", spfDomain: "lists.example.org",
                    reason: "mailing_list"),
                // Amazon SES without a custom MAIL FROM, and no reverse DNS (offline).
                Record(ip: "54.240.9.40", count: 300, spf: "fail", spfDomain: "amazonses.com"),
            ])
        #expect(try mailtally(["ingest", "--db", db, try write(xml, "classes.xml").path]).status == 0)
        let found = try classes()
        #expect(found["198.51.100.0/24"] == "authorised")
        #expect(found["54.240.9.0/24"] == "authorised")
        #expect(found["192.0.2.0/24"] == "forwarder")
        #expect(found["203.0.113.0/24"] == "forwarder")
    }

    @Test func aStoreFromBeforeRelayEvidenceIsMigratedToTheSameCounts() throws {
        // Ingest, keep the rollup, take the store back to before migration v15, open it again:
        // the migration must give the rollup and the classes a fresh import gives.
        let xml = Self.report(
            id: "migrate", begin: Self.d0, end: Self.d0 + 86_399,
            records: [
                Record(ip: "198.51.100.10", count: 500, spf: "fail", spfDomain: "bounces.sendgrid.net"),
                Record(ip: "192.0.2.20", count: 40, spf: "fail", spfDomain: "shop.example", spfResult: "softfail"),
                Record(
                    ip: "203.0.113.30", count: 12, dkim: "fail", spf: "fail", spfDomain: "lists.example.org",
                    reason: "mailing_list"),
            ])
        _ = try mailtally(["ingest", "--db", db, Self.samples, try write(xml, "migrate.xml").path])
        let dump =
            "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nfor r in c.execute('SELECT * FROM dmarc_daily ORDER BY 1, 2, 3, 4, 5, 6'): print(r)"
        let before = try TestSupport.shell("python3", ["-c", dump, db]).output
        #expect(before.contains(", 40, 40, 0, 40, 40)"))  // the forwarder's 40 messages, all relayed
        let classesBefore = try classes()
        try TestSupport.shell(
            "python3",
            [
                "-c",
                """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1])
                c.executescript('''
                    ALTER TABLE dmarc_record DROP COLUMN relayed;
                    ALTER TABLE dmarc_daily DROP COLUMN relayed;
                    DROP TABLE store_meta;
                    DELETE FROM grdb_migrations WHERE identifier = 'v15-relayed-mail';
                ''')
                c.commit()
                """, db,
            ])
        #expect(try classes() == classesBefore)
        #expect(try TestSupport.shell("python3", ["-c", dump, db]).output == before)
    }

    // MARK: 2. Severities

    @Test func blockedSpoofingIsANoticeAndTheJSONHasThePacksFindings() throws {
        let xml = Self.report(
            org: "Microsoft", email: "dmarcreport@microsoft.com", id: "reject", begin: Self.d0, end: Self.d0 + 86_399,
            p: "reject",
            records: [
                Record(ip: "40.107.22.51", count: 400),
                Record(
                    ip: "198.51.100.99", count: 6, disposition: "reject", dkim: "fail", spf: "fail", dkimDomain: nil,
                    spfDomain: "spoofer.example", spfResult: "fail"),
            ])
        #expect(try mailtally(["ingest", "--db", db, try write(xml, "reject.xml").path]).status == 0)
        let period = ["--since", "2026-11-28", "--until", "2026-11-28"]
        let domains = try #require(
            try json(["summary", "--db", db, "--format", "json"] + period)["domains"] as? [[String: Any]])
        let findings = try #require(domains.first?["findings"] as? [[String: Any]])
        let blocked = try #require(findings.first { $0["code"] as? String == "spoofing-blocked" })
        #expect(blocked["severity"] as? String == "notice")
        #expect(
            blocked["text"] as? String
                == "6 messages from 1 unauthorised source failed DMARC and receivers stopped them (6 rejected): the policy doing its job"
        )
        #expect(!findings.contains { $0["severity"] as? String == "critical" })
        // The pack says the same, code for code.
        let out = folder.appendingPathComponent("pack")
        #expect(try mailtally(["report", "--db", db, "--out", out.path] + period).status == 0)
        let page = try String(contentsOf: out.appendingPathComponent("shop.example.md"), encoding: .utf8)
        let codes = findings.compactMap { $0["code"] as? String }
        #expect(!codes.isEmpty)
        for code in codes { #expect(page.contains("(`\(code)`)"), "\(code) is not in the pack") }
        #expect(
            page.contains("- **NOTICE** 6 messages from 1 unauthorised source failed DMARC and receivers stopped them"))
    }

    // MARK: 3. Late reports

    @Test func nightlyBringsTheLastDaysUpToDateAndSaysHowCompleteTheyAre() throws {
        let inbox = folder.appendingPathComponent("inbox")
        let out = folder.appendingPathComponent("out")
        // Google reports on the 14 days before D, every day: a usual reporter.
        for day in 1...14 {
            let begin = Self.d0 - Int64(day) * 86_400
            try write(
                Self.report(
                    id: "g-\(day)", begin: begin, end: begin + 86_399, records: [Record(ip: "209.85.220.41", count: 10)]
                ), "g-\(day).xml", in: "inbox")
        }
        // Yahoo reports every day too, but D's report is late.
        for day in 1...14 {
            let begin = Self.d0 - Int64(day) * 86_400
            try write(
                Self.report(
                    org: "Yahoo", email: "dmarchelp@yahooinc.com", id: "y-\(day)", begin: begin, end: begin + 86_399,
                    records: [Record(ip: "209.85.220.41", count: 5)]),
                "y-\(day).xml", in: "inbox")
        }
        try write(
            Self.report(
                id: "g-0", begin: Self.d0, end: Self.d0 + 86_399, records: [Record(ip: "209.85.220.41", count: 10)]),
            "g-0.xml", in: "inbox")
        let run = ["nightly", "--db", db, "--inbox", inbox.path, "--out", out.path, "--offline", "--verbose"]
        let first = try mailtally(run + ["--date", "2026-11-28"])
        #expect(first.status == 0, "\(first.stderr)")
        let dayPage = out.appendingPathComponent("2026-11-28/day/shop.example.md")
        var page = try String(contentsOf: dayPage, encoding: .utf8)
        #expect(page.contains("| messages | 10 |"))
        #expect(
            page.contains(
                "_1 of 2 usual reporters have reported for 2026-11-28 (still to come: yahoo); late reports are added when the pack is written again._"
            ))

        // Yahoo's report for D arrives a day late: the next night's run rewrites D's pack.
        try write(
            Self.report(
                org: "Yahoo", email: "dmarchelp@yahooinc.com", id: "y-0", begin: Self.d0, end: Self.d0 + 86_399,
                records: [Record(ip: "209.85.220.41", count: 5)]),
            "y-0.xml", in: "inbox")
        let second = try mailtally(run + ["--date", "2026-11-29"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("updated \(out.path)/2026-11-28/day"), "\(second.stderr)")
        page = try String(contentsOf: dayPage, encoding: .utf8)
        #expect(page.contains("| messages | 15 |"))
        #expect(page.contains("_All 2 usual reporters have reported for 2026-11-28._"))
        // The day after has no report yet, and its pack says who is still to come.
        let next = try String(contentsOf: out.appendingPathComponent("2026-11-29/day/index.md"), encoding: .utf8)
        #expect(next.contains("shop.example: no reports in this period."))

        // Nothing new: a third run writes nothing.
        let third = try mailtally(run + ["--date", "2026-11-29"])
        #expect(!third.stderr.contains("updated") && !third.stderr.contains("wrote"), "\(third.stderr)")
    }

    @Test func aSourceIsNewOnlyWhenTheLast30DaysDidNotSeeIt() throws {
        // Google sent 10 days before D (not new on D); the /24 of 192.0.2.0 last sent 40 days before (new).
        let old = Self.d0 - 40 * 86_400
        let recent = Self.d0 - 10 * 86_400
        try write(
            Self.report(id: "old", begin: old, end: old + 86_399, records: [Record(ip: "192.0.2.7", count: 3)]),
            "old.xml")
        try write(
            Self.report(
                id: "recent", begin: recent, end: recent + 86_399, records: [Record(ip: "209.85.220.41", count: 3)]),
            "recent.xml")
        try write(
            Self.report(
                id: "d", begin: Self.d0, end: Self.d0 + 86_399,
                records: [Record(ip: "209.85.220.41", count: 3), Record(ip: "192.0.2.7", count: 2)]),
            "d.xml")
        #expect(try mailtally(["ingest", "--db", db, folder.appendingPathComponent("in").path]).status == 0)
        let out = folder.appendingPathComponent("pack")
        #expect(
            try mailtally(["report", "--db", db, "--out", out.path, "--since", "2026-11-28", "--until", "2026-11-28"])
                .status == 0)
        let page = try String(contentsOf: out.appendingPathComponent("shop.example.md"), encoding: .utf8)
        #expect(
            page.contains(
                "- **NOTICE** 1 source not seen in the 30 days before sent mail as shop.example (`new-sources`)"))
        #expect(page.contains("  - 192.0.2.0/24 \\[authorised\\]: 2 messages, 100.0% passed DMARC"))
        #expect(!page.contains("  - 209.85.220.0/24 \\[authorised\\]: 3 messages"))
        // A longer window remembers the old one.
        let longer = folder.appendingPathComponent("longer")
        #expect(
            try mailtally([
                "report", "--db", db, "--out", longer.path, "--since", "2026-11-28", "--until", "2026-11-28",
                "--new-source-days", "60",
            ]).status == 0)
        #expect(
            !(try String(contentsOf: longer.appendingPathComponent("shop.example.md"), encoding: .utf8)).contains(
                "`new-sources`"))
    }

    // MARK: 4. Quiet cron

    @Test func cronRunsSayOldFailuresOnceAndSkipWhatIsNotAReport() throws {
        let inbox = folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try write("# Reports land here\nSee the wiki.\n", "README", in: "inbox")
        try write("notes for the postmaster\n", "notes.txt", in: "inbox")
        try write("%PDF-1.7\n% a scanned policy\n", "policy.pdf", in: "inbox")
        try write("<feedback><report_metadata>", "broken.xml", in: "inbox")
        let out = folder.appendingPathComponent("out")
        let run = [
            "nightly", "--db", db, "--inbox", inbox.path, "--out", out.path, "--date", "2026-11-28", "--offline",
        ]
        let first = try mailtally(run)
        #expect(first.status == 1)
        #expect(first.stderr.contains("broken.xml"))
        #expect(
            first.stderr.contains(
                "mailtally: the packs were written all the same: \(out.path)/2026-11-28 (day, 7d, 30d)"))
        #expect(!first.stderr.contains("README") && !first.stderr.contains("notes.txt"), "\(first.stderr)")
        let second = try mailtally(run)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(
            second.stderr == "mailtally: 1 known failure (logged before for the same bytes; see `mailtally errors`)\n")
        // The text files are skipped with their kind, in the JSON of ingest too.
        let fresh = folder.appendingPathComponent("fresh.sqlite").path
        let firstImport = try mailtally(["ingest", "--db", fresh, "--json", inbox.path])
        #expect(firstImport.status == 1)
        var outcome = try #require(try JSONSerialization.jsonObject(with: firstImport.stdout) as? [String: Any])
        #expect(outcome["skipped"] as? Int == 3)
        #expect(outcome["failed"] as? Int == 1)
        #expect(outcome["known_failures"] as? Int == 0)
        let rows = try #require(
            try json(["errors", "--db", fresh, "--format", "json"])["errors"] as? [[String: String]])
        #expect(rows.map { $0["input"]?.split(separator: "/").last.map(String.init) } == ["broken.xml"])
        let again = try mailtally(["ingest", "--db", fresh, "--json", inbox.path])
        #expect(again.status == 0)
        outcome = try #require(try JSONSerialization.jsonObject(with: again.stdout) as? [String: Any])
        #expect(outcome["known_failures"] as? Int == 1)
        // A changed broken file is a new failure.
        try write("<feedback><report_metadata><org_name>x", "broken.xml", in: "inbox")
        #expect(try mailtally(run).status == 1)
    }

    @Test func nightlyMistakesAreSaidInOneSentence() throws {
        let missing = folder.appendingPathComponent("no-such-inbox").path
        let out = folder.appendingPathComponent("out")
        let usage = try mailtally(["nightly", "--db", db, "--inbox", missing, "--out", out.path, "--offline"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--inbox \(missing): no such file or folder"), "\(usage.stderr)")
        // Never a logged input: no database was even made.
        #expect(!FileManager.default.fileExists(atPath: db))

        // An --out that cannot be written: one sentence, exit 5.
        let blocker = try write("a file where the folder should be", "blocker")
        let unwritable = try mailtally([
            "nightly", "--db", db, "--inbox", Self.samples, "--out", blocker.path + "/packs", "--date", "2026-11-28",
            "--offline",
        ])
        #expect(unwritable.status == 5)
        let last = unwritable.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(
            last.hasPrefix("mailtally: cannot write the pack to \(blocker.path)/packs/2026-11-28/day: "),
            "\(unwritable.stderr)")
        #expect(!unwritable.stderr.contains("NSCocoaErrorDomain") && !unwritable.stderr.contains("UserInfo"))

        // A failure after some packs were written says which ones and where.
        let partly = folder.appendingPathComponent("partly")
        try FileManager.default.createDirectory(
            at: partly.appendingPathComponent("2026-11-28"), withIntermediateDirectories: true)
        try "not a folder".write(to: partly.appendingPathComponent("2026-11-28/30d"), atomically: true, encoding: .utf8)
        let failed = try mailtally([
            "nightly", "--db", db, "--inbox", Self.samples, "--out", partly.path, "--date", "2026-11-28", "--offline",
        ])
        #expect(failed.status == 5)
        #expect(
            failed.stderr.contains(
                "mailtally: packs written (or up to date) before the failure: \(partly.path)/2026-11-28/day, \(partly.path)/2026-11-28/7d"
            ),
            "\(failed.stderr)")
    }

    @Test func aResolverThatNeverAnswersIsAWarningThatNamesIt() throws {
        let silent = try UDPBlackHole()
        let out = folder.appendingPathComponent("out")
        let result = try mailtally(
            [
                "nightly", "--db", db, "--inbox", Self.samples, "--out", out.path, "--date", "2026-11-28", "--resolver",
                silent.address, "--timeout", "0.2", "--tries", "1",
            ],
            environment: ["MAILTALLY_OFFLINE": ""])
        #expect(result.status == 1)  // the broken sample, new in this store
        #expect(
            result.stderr.contains("mailtally: warning: enrich: no answer from the resolver \(silent.address) ("),
            "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("2026-11-28/day/index.html").path))
    }

    // MARK: 5. Dates

    @Test func anAbsurdDateIsFlaggedAndTheDefaultPackCoversThirtyDays() throws {
        try write(
            Self.report(
                id: "from-1970", begin: 100, end: Self.d0 + 86_399, records: [Record(ip: "209.85.220.41", count: 7)]),
            "absurd.xml")
        try write(
            Self.report(
                id: "normal", begin: Self.d0, end: Self.d0 + 86_399, records: [Record(ip: "209.85.220.41", count: 3)]),
            "normal.xml")
        #expect(try mailtally(["ingest", "--db", db, folder.appendingPathComponent("in").path]).status == 0)
        let out = folder.appendingPathComponent("pack")
        let written = try mailtally(["report", "--db", db, "--out", out.path, "--format", "all"])
        #expect(written.status == 0)
        #expect(written.stderr.contains("(2026-10-30 to 2026-11-28 (30 days))"), "\(written.stderr)")
        let html = try Data(contentsOf: out.appendingPathComponent("shop.example.html"))
        #expect(html.count < 400_000, "a 30-day page is \(html.count) bytes")
        let page = try String(contentsOf: out.appendingPathComponent("shop.example.md"), encoding: .utf8)
        #expect(page.contains("(`implausible-date-range`)"))
        #expect(
            page.contains(
                "DMARC report from-1970 from Google states 1970-01-01 to 2026-11-28 (begins-before-2012,longer-than-31-days); counted on"
            ))
        let errors = try json(["errors", "--db", db, "--format", "json"])
        let warnings = try #require(errors["warnings"] as? [[String: String]])
        #expect(warnings.count == 1)
        #expect(warnings.first?["code"] == "implausible-date-range")
        #expect(try mailtally(["errors", "--db", db]).output.contains("warning: "))
    }

    @Test func chartsCrossingAYearShowTheYear() throws {
        let dec30: Int64 = Self.d0 - 333 * 86_400  // 2025-12-30
        for (index, begin) in [dec30, dec30 + 86_400, dec30 + 2 * 86_400, dec30 + 3 * 86_400].enumerated() {
            try write(
                Self.report(
                    id: "y\(index)", begin: begin, end: begin + 86_399, records: [Record(ip: "209.85.220.41", count: 2)]
                ), "y\(index).xml")
        }
        #expect(try mailtally(["ingest", "--db", db, folder.appendingPathComponent("in").path]).status == 0)
        let out = folder.appendingPathComponent("pack")
        #expect(
            try mailtally([
                "report", "--db", db, "--out", out.path, "--format", "html", "--since", "2025-12-29", "--until",
                "2026-01-03",
            ]).status == 0)
        let html = try String(contentsOf: out.appendingPathComponent("shop.example.html"), encoding: .utf8)
        #expect(html.contains(">2025-12-30</text>"))
        #expect(html.contains(">2026-01-02</text>"))
        #expect(!html.contains(">12-30</text>"))
        // Whole counts on the axes: four steps of whole messages, never 0.5.
        #expect(!html.contains(">0.5</text>") && !html.contains(">1.5</text>"))
    }

    // MARK: 6. Directions

    @Test func correlationSaysWhichDirectionEachSideCounts() throws {
        _ = try mailtally(["ingest", "--db", db, Self.samples])
        let text = try mailtally(["correlate", "--db", db], environment: ["COLUMNS": "400"]).output
        #expect(text.hasPrefix("\"as domain\": mail sent with the domain in its From"))
        #expect(text.contains("as domain: messages") && text.contains("to MX: tls sessions"))
        let csv = try mailtally(["correlate", "--db", db, "--format", "csv"]).output
        #expect(
            csv.hasPrefix(
                "domain,source,source_key,service,category,class,as_domain_dmarc_reports,to_mx_tls_reports,as_domain_messages,as_domain_dmarc_pass,"
                    + "as_domain_spf_aligned_pass,as_domain_dkim_aligned_pass,as_domain_quarantined,as_domain_rejected,to_mx_tls_sessions,"
                    + "to_mx_tls_failed,to_mx_top_tls_failure\r\n"))
        let rows = try #require(try json(["correlate", "--db", db, "--format", "json"])["rows"] as? [[String: Any]])
        let first = try #require(rows.first)
        #expect((first["dmarc"] as? [String: Any])?["direction"] as? String == "sent-as-domain")
        #expect((first["tls"] as? [String: Any])?["direction"] as? String == "to-domain-mx")
        #expect((first["dmarc"] as? [String: Any])?["messages"] != nil)  // the old keys stay
        let md = try mailtally(["correlate", "--db", db, "--format", "md"]).output
        #expect(md.contains("| as domain: messages |"))
    }

    // MARK: 7, 8. The store

    @Test func theDatabaseFileAloneHoldsEverythingAndBackupsAreConsistent() throws {
        _ = try mailtally(["ingest", "--db", db, Self.samples])
        let wal = db + "-wal"
        let walSize = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
        #expect(walSize == 0, "the -wal file holds \(walSize) bytes after ingest")
        // Copy the file alone, as a naive backup would.
        let copy = folder.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        let expected = try mailtally(["summary", "--db", db, "--format", "json"]).output
        #expect(try mailtally(["summary", "--db", copy, "--format", "json"]).output == expected)

        let backup = folder.appendingPathComponent("backup.sqlite").path
        let made = try mailtally(["backup", "--db", db, "--to", backup])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stderr.contains("checked"))
        #expect(!FileManager.default.fileExists(atPath: backup + "-wal"))
        #expect(try mailtally(["summary", "--db", backup, "--format", "json"]).output == expected)
        let again = try mailtally(["backup", "--db", db, "--to", backup])
        #expect(again.status == 3)
        #expect(again.stderr.contains("exists: a backup never overwrites a file"))
    }

    @Test func aDatabaseFromANewerVersionIsRefused() throws {
        _ = try mailtally(["ingest", "--db", db, Self.samples])
        try TestSupport.shell(
            "python3",
            [
                "-c",
                """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1])
                c.execute("INSERT INTO grdb_migrations VALUES ('v99-from-the-future')")
                c.execute("UPDATE store_meta SET value = '9.9.9' WHERE key = 'schema_written_by'")
                c.commit()
                """, db,
            ])
        for command in [
            ["summary"], ["ingest", Self.samples], ["report", "--out", folder.appendingPathComponent("p").path],
        ] {
            let result = try mailtally([command[0], "--db", db] + command.dropFirst())
            #expect(result.status == 3, "\(command): \(result.stderr)")
            #expect(
                result.stderr.contains(
                    "was made by mailtally 9.9.9 (schema v99-from-the-future), newer than this mailtally"),
                "\(result.stderr)")
        }
    }

    // MARK: 9. CSV

    @Test func computedNumbersAreNumbersInCSV() throws {
        let before = Self.d0 - 86_400
        try write(
            Self.report(
                id: "before", begin: before, end: before + 86_399, records: [Record(ip: "209.85.220.41", count: 500)]),
            "before.xml")
        try write(
            Self.report(
                id: "now", begin: Self.d0, end: Self.d0 + 86_399, records: [Record(ip: "209.85.220.41", count: 10)]),
            "now.xml")
        #expect(try mailtally(["ingest", "--db", db, folder.appendingPathComponent("in").path]).status == 0)
        let out = folder.appendingPathComponent("pack")
        #expect(
            try mailtally(["report", "--db", db, "--out", out.path, "--since", "2026-11-28", "--until", "2026-11-28"])
                .status == 0)
        let csv = try String(contentsOf: out.appendingPathComponent("shop.example-headline.csv"), encoding: .utf8)
        #expect(csv.contains("\r\nmessages,10,500,-490,-98.0\r\n"), "\(csv)")
        #expect(!csv.contains("'-"))
        let page = try String(contentsOf: out.appendingPathComponent("shop.example.md"), encoding: .utf8)
        #expect(page.contains("| messages | 10 | 500 | -490 (-98.0%) |"))
    }

    // MARK: 11. Labels

    @Test func labelsSayWhatTheyMean() throws {
        // A TLS report without a policy domain, and a source map that writes names with capitals.
        let nameless = """
            {"organization-name": "Mail.example", "date-range": {"start-datetime": "2026-11-28T00:00:00Z", "end-datetime": "2026-11-28T23:59:59Z"},
             "contact-info": "tls@mail.example", "report-id": "nameless",
             "policies": [{"policy": {"policy-type": "no-policy-found"},
                           "summary": {"total-successful-session-count": 9, "total-failure-session-count": 0}}]}
            """
        try write(nameless, "nameless.json")
        try write(
            Self.report(
                id: "crm", begin: Self.d0, end: Self.d0 + 86_399, records: [Record(ip: "198.51.100.77", count: 4_039)]),
            "crm.xml")
        let map = try write("198.51.100.0/24,Our CRM,saas\n", "map.csv", in: "maps")
        _ = try mailtally(["ingest", "--db", db, folder.appendingPathComponent("in").path])
        let out = folder.appendingPathComponent("pack")
        #expect(
            try mailtally(["report", "--db", db, "--out", out.path, "--format", "all", "--source-map", map.path]).status
                == 0)
        let index = try String(contentsOf: out.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(!index.contains("[]("))
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        if let page = files.first(where: { $0.hasPrefix("no-domain") && $0.hasSuffix(".md") }) {
            #expect(
                try String(contentsOf: out.appendingPathComponent(page), encoding: .utf8).hasPrefix(
                    "# (no policy domain): mail authentication and TLS"))
            #expect(index.contains("[(no policy domain)]("))
        } else {
            #expect(index.contains("(no policy domain)"))
        }
        let shop = try String(contentsOf: out.appendingPathComponent("shop.example.md"), encoding: .utf8)
        #expect(shop.contains("| Our CRM | authorised | 4,039 |"))
        #expect(!shop.contains("dmarc\\_pass"))
        let summary = try mailtally(["summary", "--db", db, "--format", "md"]).output
        #expect(summary.contains("| disposition: none |") && !summary.contains("\\_"))
        let help = try mailtally(["ingest", "--help"]).output
        for word in ["TLS-RPT", "mbox", "Maildir", ".eml", "Examples:"] {
            #expect(help.contains(word), "ingest --help lacks \(word)")
        }
        for command in [
            "summary", "correlate", "sources", "report", "nightly", "enrich", "errors", "reparse", "backup", "records",
        ] {
            #expect(
                try mailtally([command, "--help"]).output.contains("Examples:"), "\(command) --help has no example")
        }
    }

    @Test func reportersThatLeaveNpOutDoNotMakeAPolicyChange() throws {
        try write(
            Self.report(
                id: "with-np", begin: Self.d0, end: Self.d0 + 86_399, np: "reject",
                records: [Record(ip: "209.85.220.41", count: 3)]), "g.xml")
        try write(
            Self.report(
                org: "Microsoft", email: "dmarcreport@microsoft.com", id: "without-np", begin: Self.d0,
                end: Self.d0 + 86_399,
                records: [Record(ip: "40.107.22.51", count: 4)]),
            "m.xml")
        #expect(try mailtally(["ingest", "--db", db, folder.appendingPathComponent("in").path]).status == 0)
        let out = folder.appendingPathComponent("pack")
        #expect(
            try mailtally(["report", "--db", db, "--out", out.path, "--since", "2026-11-28", "--until", "2026-11-28"])
                .status == 0)
        let page = try String(contentsOf: out.appendingPathComponent("shop.example.md"), encoding: .utf8)
        #expect(page.contains("`p=none sp=none np=reject pct=100 adkim=r aspf=r`, as 2 reports saw it."), "\(page)")
        #expect(
            page.contains(
                "- **Policy**: p=none: monitoring only; receivers deliver failing mail as usual (non-existent subdomains np=reject)"
            ))
        #expect(!page.contains("changed during the period"))
    }

    @Test func drillDownsReadTheSameInEveryRun() throws {
        // Forty groups of one message each that differ only in their envelope From: ties
        // everywhere, and a limit that keeps twelve of them in the pack.
        let records = (0..<40).map { index in
            Record(
                ip: "198.51.100.\(index % 4 + 1)", count: 1, spf: "fail", spfDomain: "bounce.example",
                envelopeFrom: "b\(index).bounce.example")
        }
        let xml = Self.report(id: "ties", begin: Self.d0, end: Self.d0 + 86_399, records: records)
        #expect(try mailtally(["ingest", "--db", db, try write(xml, "ties.xml").path]).status == 0)
        var outputs: Set<String> = []
        for run in 0..<4 {
            let out = folder.appendingPathComponent("pack-\(run)")
            #expect(
                try mailtally([
                    "report", "--db", db, "--out", out.path, "--since", "2026-11-28", "--until", "2026-11-28",
                ]).status == 0)
            outputs.insert(
                try String(contentsOf: out.appendingPathComponent("shop.example-source-details.csv"), encoding: .utf8))
            outputs.insert(
                try mailtally([
                    "records", "--db", db, "--domain", "shop.example", "--source", "198.51.100.0/24", "--format", "csv",
                ]).output)
        }
        #expect(outputs.count == 2, "the drill-down changed between runs")
    }

    @Test func recordsShowOneSourcesMail() throws {
        let xml = Self.report(
            id: "drill", begin: Self.d0, end: Self.d0 + 86_399,
            records: [
                Record(
                    ip: "198.51.100.10", count: 500, spf: "fail", headerFrom: "news.shop.example",
                    spfDomain: "bounces.sendgrid.net"),
                Record(
                    ip: "198.51.100.11", count: 20, dkim: "fail", spf: "fail", spfDomain: "bounces.sendgrid.net",
                    spfResult: "pass"),
            ])
        #expect(try mailtally(["ingest", "--db", db, try write(xml, "drill.xml").path]).status == 0)
        let text = try mailtally(
            ["records", "--db", db, "--domain", "shop.example", "--source", "198.51.100.11"],
            environment: ["COLUMNS": "300"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.output.hasPrefix("198.51.100.0/24 sending as shop.example, all time\n"))
        #expect(text.output.contains("news.shop.example"))
        #expect(text.output.contains("bounces.sendgrid.net=pass"))
        let csv = try mailtally([
            "records", "--db", db, "--domain", "shop.example", "--source", "198.51.100.0/24", "--format", "csv",
        ]).output
        #expect(
            csv.hasPrefix(
                "source,messages,reports,dmarc,header_from,envelope_from,dkim_signatures,spf_checks,dkim_aligned,spf_aligned,disposition,overrides,ips\r\n"
            ))
        #expect(
            csv.contains(
                "\r\n198.51.100.0/24,500,1,pass,news.shop.example,,shop.example s1=pass,bounces.sendgrid.net=pass,pass,fail,none,,198.51.100.10\r\n"
            ))
        let unknown = try mailtally(["records", "--db", db, "--domain", "shop.example", "--source", "nobody.example"])
        #expect(unknown.status == 2)
        #expect(
            unknown.stderr.contains(
                "no source 'nobody.example' sends as shop.example in this period; sources: 198.51.100.0/24"))
    }
}
