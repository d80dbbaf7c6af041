import Foundation
import TestSupport
import Testing

/// Runs the real `mailtally` executable on SampleReports and on files made in the test.
@Suite struct EndToEndTests {
    let folder: URL
    let db: String

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("e2e.sqlite").path
    }

    func mailtally(_ arguments: [String], stdin: Data? = nil) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.mailtally, arguments, stdin: stdin)
    }

    func json(_ result: TestSupport.ProcessResult) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.output) \(result.stderr)"
        )
    }

    var samples: String { TestSupport.packageRoot.appendingPathComponent("SampleReports").path }

    @Test func ingestOfSampleReportsFollowsTheContract() throws {
        let result = try mailtally(["ingest", "--db", db, "--json", samples])
        #expect(result.status == 1)  // the broken sample fails; the rest is imported
        let summary = try json(result)
        #expect(summary["inputs"] as? Int == 13)
        #expect(summary["imported"] as? [String: Int] == ["dmarc": 10, "tlsrpt": 3])
        #expect(summary["duplicates"] as? Int == 2)
        #expect(summary["skipped"] as? Int == 2)
        #expect(summary["failed"] as? Int == 1)
        let errors = try #require(summary["errors"] as? [[String: String]])
        #expect(errors.count == 1)
        #expect(errors.first?["input"]?.hasSuffix("yahoo.com!example.com!broken.xml.gz") == true)
        #expect(errors.first?["part"] == "gzip")
        #expect(errors.first?["reason"]?.contains("not-a-report") == true)
        #expect(result.stderr.contains("broken.xml.gz: gzip: not-a-report"))

        let again = try json(try mailtally(["ingest", "--db", db, "--json", samples]))
        #expect(again["imported"] as? [String: Int] == ["dmarc": 0, "tlsrpt": 0])
        // 11 report files and the mbox, unchanged since they were read whole: not read again.
        #expect(again["duplicates"] as? Int == 12)
        #expect(again["unchanged"] as? Int == 12)
        #expect(again["failed"] as? Int == 1)  // the broken file failed, so it is read again

        // --rehash reads every file: 11 files and 6 mbox messages, known by their hashes.
        let rehashed = try json(try mailtally(["ingest", "--db", db, "--json", "--rehash", samples]))
        #expect(rehashed["duplicates"] as? Int == 17)
        #expect(rehashed["unchanged"] as? Int == 0)

        // A file that changes is read again (and its report, already stored, is a duplicate).
        let copy = folder.appendingPathComponent("copy.xml")
        let original = URL(fileURLWithPath: samples).appendingPathComponent(
            "yahoo.com!example.com!1795824000!1795910399.xml")
        try FileManager.default.copyItem(at: original, to: copy)
        #expect(try json(try mailtally(["ingest", "--db", db, "--json", copy.path]))["duplicates"] as? Int == 1)
        #expect(try json(try mailtally(["ingest", "--db", db, "--json", copy.path]))["unchanged"] as? Int == 1)
        try (try String(contentsOf: copy, encoding: .utf8) + "\n").write(to: copy, atomically: true, encoding: .utf8)
        let changed = try json(try mailtally(["ingest", "--db", db, "--json", copy.path]))
        #expect(changed["unchanged"] as? Int == 0)
        #expect(changed["duplicates"] as? Int == 1)
    }

    @Test func summaryOfSampleReportsHasTheExpectedTotals() throws {
        _ = try mailtally(["ingest", "--db", db, samples])
        let document = try json(try mailtally(["summary", "--db", db, "--format", "json"]))
        let domains = try #require(document["domains"] as? [[String: Any]])
        #expect(domains.map { $0["domain"] as? String } == ["example.com", "example.net", "example.org"])
        func dmarc(_ index: Int) -> [String: Any] { domains[index]["dmarc"] as? [String: Any] ?? [:] }
        // Worked out from scripts/make-sample-reports.py (see SampleReports/README.md).
        #expect(dmarc(0)["reports"] as? Int == 6)
        #expect(dmarc(0)["messages"] as? Int == 4039)
        #expect(dmarc(0)["dmarc_pass"] as? Int == 3995)
        #expect(dmarc(0)["dkim_aligned_pass"] as? Int == 3995)
        #expect(dmarc(0)["spf_aligned_pass"] as? Int == 3545)
        #expect(dmarc(0)["disposition"] as? [String: Int] == ["none": 4032, "quarantine": 7])
        #expect(dmarc(1)["messages"] as? Int == 50)
        #expect(dmarc(1)["disposition"] as? [String: Int] == ["pass": 44, "reject": 6])
        #expect(dmarc(2)["reports"] as? Int == 3)
        #expect(dmarc(2)["messages"] as? Int == 220)
        #expect(dmarc(2)["dmarc_pass"] as? Int == 220)
        #expect(dmarc(2)["dkim_aligned_pass"] as? Int == 150)
        let tls = try #require(domains[0]["tls"] as? [String: Any])
        #expect(
            tls["reports"] as? Int == 1 && tls["successful_sessions"] as? Int == 1840
                && tls["failed_sessions"] as? Int == 26)
        #expect(
            tls["failures_by_result_type"] as? [String: Int] == [
                "certificate-expired": 20, "starttls-not-supported": 4, "sts-policy-fetch-error": 2,
            ])
        #expect(tls["detailed_failed_sessions"] as? Int == 26)
        #expect(tls["mta_sts_mode"] as? String == "testing" && tls["mta_sts_max_age"] as? Int == 604_800)
        #expect(
            tls["failures_by_receiving_mx"] as? [String: Int] == ["mx2.example.com": 20, "mx1.example.com": 4, "": 2])
        #expect(
            (tls["by_policy_type"] as? [String: [String: Int]])?["sts"] == [
                "reports": 1, "successful_sessions": 1840, "failed_sessions": 26,
            ])
        #expect((tls["reporters"] as? [String: [String: Int]])?["Google Inc."]?["successful_sessions"] == 1840)
        let netTLS = try #require(domains[1]["tls"] as? [String: Any])
        #expect(
            netTLS["reports"] as? Int == 1 && netTLS["successful_sessions"] as? Int == 57
                && netTLS["failed_sessions"] as? Int == 0)
        // Mail.ru's failure details (3) do not add up to its failure total (2): both are kept.
        let orgTLS = try #require(domains[2]["tls"] as? [String: Any])
        #expect(
            orgTLS["reports"] as? Int == 1 && orgTLS["successful_sessions"] as? Int == 310
                && orgTLS["failed_sessions"] as? Int == 2)
        #expect(orgTLS["failures_by_result_type"] as? [String: Int] == ["sts-policy-fetch-error": 3])
        #expect(orgTLS["detailed_failed_sessions"] as? Int == 3)

        // example.org: a weekly report of 70 messages over 2026-11-22..28 (10 a day), and on
        // 2026-11-28 a Google report of 109 messages and an Amazon SES one of 41 (from the mbox).
        func orgMessages(_ extra: [String]) throws -> Int? {
            let document = try json(
                try mailtally(["summary", "--db", db, "--format", "json", "--domain", "EXAMPLE.org"] + extra))
            let org = (document["domains"] as? [[String: Any]])?.first
            return (org?["dmarc"] as? [String: Any])?["messages"] as? Int
        }
        #expect(try orgMessages(["--since", "2026-11-22", "--until", "2026-11-22"]) == 10)
        // until takes the whole day
        #expect(try orgMessages(["--since", "2026-11-28", "--until", "2026-11-28"]) == 160)
        #expect(try orgMessages(["--until", "2026-11-27"]) == 60)
        #expect(try orgMessages(["--since", "2026-11-29"]) == nil)
    }

    @Test func textMarkdownAndCSVFormats() throws {
        _ = try mailtally(["ingest", "--db", db, samples])
        let text = try mailtally(["summary", "--db", db])
        #expect(text.status == 0)
        #expect(text.output.contains("example.com") && text.output.contains("98.9%"))
        let narrow = try TestSupport.run(
            TestSupport.mailtally, ["summary", "--db", db], environment: ["COLUMNS": "80"]
        ).output
        #expect(narrow.hasPrefix("example.com\n  dmarc reports            6\n  messages                 4,039\n"))
        #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 80 })
        let wide = try TestSupport.run(TestSupport.mailtally, ["summary", "--db", db], environment: ["COLUMNS": "400"])
            .output
        #expect(wide.hasPrefix("domain       dmarc reports  messages"))
        let markdown = try mailtally(["summary", "--db", db, "--format", "md"]).output
        #expect(markdown.hasPrefix("| domain |"))
        #expect(markdown.contains("| example.com | 6 | 4,039 | 3,995 | 98.9% |"))
        // marked as dispositions, no `\_`
        #expect(markdown.contains("| disposition: none | disposition: quarantine |"))
        let csv = try mailtally(["summary", "--db", db, "--format", "csv"]).output
        #expect(csv.hasPrefix("domain,dmarc_reports,messages,dmarc_pass,spf_aligned_pass,dkim_aligned_pass,"))
        // Fixed columns whatever the data: every standard disposition and `other`, every class,
        // every registered TLS result type and `other` (example.net alone has disposition pass).
        let header = try #require(csv.split(separator: "\r\n").first)
        let expectedHeader = [
            "domain,dmarc_reports,messages,dmarc_pass,spf_aligned_pass,dkim_aligned_pass,disposition_none,",
            "disposition_quarantine,disposition_reject,disposition_pass,disposition_other,tls_reports,successful_sessions,failed_sessions,",
            "mta_sts_mode,authorised_sources,authorised_messages,forwarder_sources,forwarder_messages,misconfigured_sources,",
            "misconfigured_messages,suspicious_sources,suspicious_messages,unknown_sources,unknown_messages,",
            "tls_failed_starttls-not-supported,tls_failed_certificate-host-mismatch,tls_failed_certificate-expired,",
            "tls_failed_certificate-not-trusted,tls_failed_validation-failure,tls_failed_tlsa-invalid,tls_failed_dnssec-invalid,",
            "tls_failed_dane-required,tls_failed_sts-policy-fetch-error,tls_failed_sts-policy-invalid,tls_failed_sts-webpki-invalid,",
            "tls_failed_other",
        ].joined()
        #expect(String(header) == expectedHeader)
        let only = try mailtally(["summary", "--db", db, "--format", "csv", "--domain", "example.org"]).output
        #expect(only.split(separator: "\r\n").first.map(String.init) == expectedHeader)
        // Without reverse DNS, SES's network passes by DKIM alone while SPF passes for SES's own
        // bounce domain: authorised, not a forwarder (no relay shows); the failing networks are unknown.
        #expect(
            csv.contains(
                "\r\nexample.com,6,4039,3995,3545,3995,4032,7,0,0,0,1,1840,26,testing,3,3995,0,0,0,0,0,0,2,44,4,0,20,0,0,0,0,0,2,0,0,0\r\n"
            ))
    }

    @Test func oneReportAsXMLGzipAndZipCountsOnce() throws {
        let xml = try Data(
            contentsOf: URL(fileURLWithPath: samples).appendingPathComponent(
                "yahoo.com!example.com!1795824000!1795910399.xml"))
        let inputs = folder.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try xml.write(to: inputs.appendingPathComponent("r.xml"))
        try Data(try TestSupport.gzip([UInt8](xml))).write(to: inputs.appendingPathComponent("r.xml.gz"))
        try Data(try TestSupport.zip([("r.xml", [UInt8](xml))])).write(to: inputs.appendingPathComponent("r.zip"))
        let result = try json(try mailtally(["ingest", "--db", db, "--json", inputs.path]))
        #expect(result["imported"] as? [String: Int] == ["dmarc": 1, "tlsrpt": 0])
        #expect(result["duplicates"] as? Int == 2)
        let summary = try json(try mailtally(["summary", "--db", db, "--format", "json"]))
        let dmarc = (summary["domains"] as? [[String: Any]])?.first?["dmarc"] as? [String: Any]
        #expect(dmarc?["reports"] as? Int == 1 && dmarc?["messages"] as? Int == 304)
    }

    @Test func oneTLSReportAsJSONAndGzipCountsOnce() throws {
        let gz = try Data(
            contentsOf: URL(fileURLWithPath: samples).appendingPathComponent(
                "google.com!example.com!1795824000!1795910399!001.json.gz"))
        let inputs = folder.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try gz.write(to: inputs.appendingPathComponent("r.json.gz"))
        let plain = try TestSupport.shell("gzip", ["-dc"], stdin: gz).stdout
        try plain.write(to: inputs.appendingPathComponent("r.json"))
        let result = try json(try mailtally(["ingest", "--db", db, "--json", inputs.path]))
        #expect(result["imported"] as? [String: Int] == ["dmarc": 0, "tlsrpt": 1])
        #expect(result["duplicates"] as? Int == 1)
        let text = try mailtally(["summary", "--db", db]).output
        #expect(text.contains("failures by receiving MX  mx2.example.com 20, mx1.example.com 4, 2 without an MX name"))
        #expect(text.contains("MTA-STS mode              testing, max_age 604800; 26 failed sessions in testing mode"))
    }

    @Test func standardInputAndErrorsCommand() throws {
        let gz = try Data(
            contentsOf: URL(fileURLWithPath: samples).appendingPathComponent(
                "google.com!example.org!1795824000!1795910399.xml.gz"))
        let fromStdin = try json(try mailtally(["ingest", "--db", db, "--json", "-"], stdin: gz))
        #expect(fromStdin["imported"] as? [String: Int] == ["dmarc": 1, "tlsrpt": 0])
        let junk = folder.appendingPathComponent("junk.xml")
        try Data("<html><body>not a report</body></html>".utf8).write(to: junk)
        let failed = try mailtally(["ingest", "--db", db, junk.path, folder.appendingPathComponent("missing.xml").path])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("junk.xml: not-a-report: root element <html> is not <feedback>"))
        #expect(failed.stderr.contains("missing.xml: input: no such file or folder"))
        let errors = try json(try mailtally(["errors", "--db", db, "--format", "json"]))
        let rows = try #require(errors["errors"] as? [[String: String]])
        #expect(rows.count == 2)
        #expect(rows.first { $0["input"] == junk.path }?["code"] == "not-a-report")
        #expect(rows.first { $0["input"]?.hasSuffix("missing.xml") == true }?["code"] == "input")
    }

    @Test func usageErrorsExitWithTwo() throws {
        #expect(try mailtally(["summary", "--db", db, "--since", "yesterday"]).status == 2)
        #expect(try mailtally(["ingest", "--db", db]).status == 2)
        #expect(try mailtally(["frobnicate"]).status == 2)
        #expect(try mailtally(["--help"]).status == 0)
        let missing = try mailtally(["summary", "--db", folder.appendingPathComponent("none.sqlite").path])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("no database"))
    }
}

/// `mailtally reparse`: stored raw bytes parsed again give what a fresh import gives.
@Suite struct ReparseTests {
    @Test func reparseRecoversInputsThatFailedAndChangesNothingElse() throws {
        let folder = try TestSupport.temporaryDirectory()
        let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
        let files = try FileManager.default.contentsOfDirectory(atPath: samples).filter { !$0.hasSuffix(".mbox") }.map {
            "\(samples)/\($0)"
        }
        func run(_ arguments: [String]) throws -> TestSupport.ProcessResult {
            try TestSupport.run(TestSupport.mailtally, arguments)
        }
        let fresh = folder.appendingPathComponent("fresh.sqlite").path
        _ = try run(["ingest", "--db", fresh] + files)
        let expected = try run(["summary", "--db", fresh, "--format", "json"]).output

        // An "old version" with a tiny decompression cap rejects most reports; their bytes are kept.
        let old = folder.appendingPathComponent("old.sqlite").path
        let first = try run(["ingest", "--db", old, "--json", "--max-report-bytes", "1000"] + files)
        let failedBefore =
            (try JSONSerialization.jsonObject(with: first.stdout) as? [String: Any])?["failed"] as? Int ?? 0
        #expect(failedBefore > 3)
        #expect(try run(["summary", "--db", old, "--format", "json"]).output != expected)

        let reparse = try run(["reparse", "--db", old, "--json"])
        #expect(reparse.status == 1)  // the broken sample still fails
        let outcome = try #require(try JSONSerialization.jsonObject(with: reparse.stdout) as? [String: Any])
        #expect(outcome["failed"] as? Int == 1)
        #expect(try run(["summary", "--db", old, "--format", "json"]).output == expected)
        // A second reparse replaces every report by itself: the totals do not move.
        _ = try run(["reparse", "--db", old])
        #expect(try run(["summary", "--db", old, "--format", "json"]).output == expected)
        let errors =
            try JSONSerialization.jsonObject(with: try run(["errors", "--db", old, "--format", "json"]).stdout)
            as? [String: Any]
        #expect((errors?["errors"] as? [Any])?.count == 1)
        // Every stored row of a report was replaced, none added beside the old ones, none orphaned.
        func rows(_ db: String) throws -> String {
            let script = """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                tables = ["dmarc_report", "dmarc_policy", "dmarc_record", "dmarc_report_ips", "dmarc_daily", "tls_report", "tls_policy", "tls_failure"]
                print(*[db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables], len(db.execute("PRAGMA foreign_key_check").fetchall()))
                """
            return try TestSupport.shell("python3", ["-c", script, db]).output
        }
        #expect(try rows(old) == (try rows(fresh)))
        #expect(try rows(old).hasSuffix(" 0\n"))
        // The indexes only a reparse needs are gone again: ingest does not pay for them.
        let indexes = try TestSupport.shell(
            "python3",
            [
                "-c",
                "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM sqlite_master WHERE name LIKE 'reparse%'\").fetchone()[0])",
                old,
            ])
        #expect(indexes.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(indexes.stderr)")
    }
}
