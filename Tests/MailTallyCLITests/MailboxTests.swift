import Foundation
import TestSupport
import Testing

/// Mailboxes built by Python's mailbox and email packages, in every variant, imported by the
/// real executable: each gives the same reports as the .eml files it was built from.
@Suite struct MailboxTests {
    let folder: URL

    init() throws {
        folder = try TestSupport.temporaryDirectory()
    }

    static let builder = TestSupport.packageRoot.appendingPathComponent("Tests/Support/build_mailbox.py").path
    static let sampleBox = TestSupport.packageRoot.appendingPathComponent("SampleReports/inbox.mbox").path

    func mailtally(_ arguments: [String], stdin: Data? = nil) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.mailtally, arguments, stdin: stdin)
    }

    /// The messages of an mbox as .eml files, written by Python's mailbox module.
    func emlFiles(from mbox: String) throws -> [String] {
        let out = folder.appendingPathComponent("eml-\(UUID().uuidString)").path
        let script = """
            import mailbox, os, sys
            os.makedirs(sys.argv[2])
            for i, m in enumerate(mailbox.mbox(sys.argv[1])):
                open(os.path.join(sys.argv[2], f"{i:03}.eml"), "wb").write(m.as_bytes())
            """
        try TestSupport.shell("python3", ["-c", script, mbox, out])
        return try FileManager.default.contentsOfDirectory(atPath: out).sorted().map { "\(out)/\($0)" }
    }

    /// Ingests into a fresh database; returns the ingest outcome and the summary, both as JSON.
    func outcome(of arguments: [String], stdin: Data? = nil) throws -> (ingest: [String: AnyHashable], summary: String)
    {
        let db = folder.appendingPathComponent("\(UUID().uuidString).sqlite").path
        let result = try mailtally(["ingest", "--db", db, "--json"] + arguments, stdin: stdin)
        let ingest = try #require(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stderr)")
        var counts: [String: AnyHashable] = [:]
        for key in ["duplicates", "skipped", "failed"] { counts[key] = ingest[key] as? Int }
        counts["imported"] = ingest["imported"] as? [String: Int]
        let summary = try mailtally(["summary", "--db", db, "--format", "json"]).output
        return (counts, summary)
    }

    func checkEveryVariant(_ emls: [String]) throws {
        let baseline = try outcome(of: emls)
        #expect(!baseline.summary.contains("\"domains\" : [\n\n  ]"))
        for variant in [
            "mboxo", "mboxrd", "mboxcl", "mboxcl2", "mboxo-crlf", "mboxrd-crlf", "mboxcl-crlf", "mboxcl2-crlf",
        ] {
            let box = folder.appendingPathComponent("\(variant).mbox").path
            try TestSupport.shell("python3", [Self.builder, variant, box] + emls)
            let result = try outcome(of: [box])
            #expect(result.ingest == baseline.ingest, "\(variant)")
            #expect(result.summary == baseline.summary, "\(variant)")
        }
        let maildir = folder.appendingPathComponent("Maildir").path
        try TestSupport.shell("python3", [Self.builder, "maildir", maildir] + emls)
        let fromMaildir = try outcome(of: [maildir])
        #expect(fromMaildir.ingest == baseline.ingest, "maildir")
        #expect(fromMaildir.summary == baseline.summary, "maildir")
        let box = folder.appendingPathComponent("stdin.mbox").path
        try TestSupport.shell("python3", [Self.builder, "mboxrd", box] + emls)
        let fromStdin = try outcome(of: ["-"], stdin: try Data(contentsOf: URL(fileURLWithPath: box)))
        #expect(fromStdin.ingest == baseline.ingest, "stdin")
        #expect(fromStdin.summary == baseline.summary, "stdin")
    }

    @Test func sampleMailboxInEveryVariant() throws {
        let emls = try emlFiles(from: Self.sampleBox)
        #expect(emls.count == 6)
        try checkEveryVariant(emls)
    }

    @Test(.enabled(if: TestSupport.corpus != nil, "MAILTALLY_CORPUS is unset: the corpus mailboxes were not read"))
    func corpusMailsInEveryVariant() throws {
        let corpus = try #require(TestSupport.corpus)
        var emls: [String] = []
        for name in ["mail", "forensic"] {
            let dir = corpus.appendingPathComponent(name).path
            // The CRLF copy of the LinkedIn report becomes byte-identical to the LF one once a mail
            // library writes both into one mailbox, and then counts as a duplicate: leave it out.
            emls += try FileManager.default.contentsOfDirectory(atPath: dir).sorted().filter {
                !$0.hasSuffix(".crlf.eml")
            }
            .map { "\(dir)/\($0)" }
        }
        try checkEveryVariant(emls)
    }

    @Test func sampleMailboxOutcomes() throws {
        let db = folder.appendingPathComponent("box.sqlite").path
        let result = try mailtally(["ingest", "--db", db, "--json", Self.sampleBox])
        #expect(result.status == 0, "\(result.stderr)")
        let ingest = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(ingest["imported"] as? [String: Int] == ["dmarc": 2, "tlsrpt": 1])
        #expect(ingest["duplicates"] as? Int == 1)  // the same report via two relays
        #expect(ingest["skipped"] as? Int == 2)  // the ARF report and the note without a report
        #expect(ingest["failed"] as? Int == 0)
        let again =
            try JSONSerialization.jsonObject(
                with: try mailtally(["ingest", "--db", db, "--json", Self.sampleBox]).stdout) as? [String: Any]
        #expect(again?["unchanged"] as? Int == 1)  // the mailbox has not changed: not read again
        let rehashed =
            try JSONSerialization.jsonObject(
                with: try mailtally(["ingest", "--db", db, "--json", "--rehash", Self.sampleBox]).stdout)
            as? [String: Any]
        #expect(rehashed?["duplicates"] as? Int == 6)  // every message recognised by its hash
    }

    @Test func maildirFoldersAreWalkedLikeAMailServerKeepsThem() throws {
        let emls = try emlFiles(from: Self.sampleBox)
        let maildir = folder.appendingPathComponent("Maildir")
        try TestSupport.shell("python3", [Self.builder, "maildir", maildir.path] + Array(emls.prefix(2)))
        // A Maildir++ subfolder (hidden, with cur and new) holds the TLS report mail.
        let sub = maildir.appendingPathComponent(".Reports.TLS")
        try TestSupport.shell("python3", [Self.builder, "maildir", sub.path, emls[3]])
        // Files being delivered (tmp) and hidden files are not inputs.
        try Data("half-written".utf8).write(to: maildir.appendingPathComponent("tmp/1795910400.M1P1.host"))
        try Data([0, 1, 2]).write(to: maildir.appendingPathComponent(".DS_Store"))
        let db = folder.appendingPathComponent("maildir.sqlite").path
        let result = try mailtally(["ingest", "--db", db, "--json", maildir.path])
        let ingest = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(ingest["inputs"] as? Int == 3)
        #expect(ingest["imported"] as? [String: Int] == ["dmarc": 1, "tlsrpt": 1])
        #expect(ingest["duplicates"] as? Int == 1 && ingest["failed"] as? Int == 0)
    }

    @Test func errorsNameTheMessageAndThePart() throws {
        let broken = """
            From MAILER-DAEMON Sun Nov 29 00:00:00 2026
            Message-ID: <ok@example.com>
            Subject: fine

            nothing here

            From MAILER-DAEMON Sun Nov 29 00:01:00 2026
            Message-ID: <bad@example.com>
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type: text/plain

            see attachment
            --b
            Content-Type: application/gzip; name=report.xml.gz
            Content-Transfer-Encoding: base64

            H4sIAAAAAAAAA7OxL0pNLEnVyCjJLSrOSy0uTi1KzUnNS1dIzs8rSc0rAQCw/QbTIAAAAA
            --b--

            """
        let box = folder.appendingPathComponent("export.mbox")
        try Data(broken.utf8).write(to: box)
        let result = try mailtally(["ingest", "--db", folder.appendingPathComponent("e.sqlite").path, box.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("export.mbox: message 2 <bad@example.com> part 2: gzip: "), "\(result.stderr)")
    }

    /// An mbox of `count` report mails written by Python's mailbox module; message 1 carries
    /// the broken gzip of SampleReports when `broken` is set.
    func largeMailbox(_ name: String, count: Int, broken: Bool) throws -> String {
        let box = folder.appendingPathComponent(name).path
        let script = """
            import mailbox, sys
            from email.message import EmailMessage
            samples, box, count, broken = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
            good = open(samples + "/yahoo.com!example.com!1795824000!1795910399.xml", "rb").read()
            bad = open(samples + "/yahoo.com!example.com!broken.xml.gz", "rb").read()
            out = mailbox.mbox(box)
            for i in range(count):
                m = EmailMessage()
                m["From"] = "noreply@dmarc.yahoo.com"
                m["To"] = "dmarc@example.com"
                m["Subject"] = f"Report Domain: example.com {i}"
                m["Message-ID"] = f"<{i}@yahoo.example>"
                m.set_content("report attached")
                if broken and i == 0:
                    m.add_attachment(bad, maintype="application", subtype="gzip", filename="broken.xml.gz")
                else:
                    m.add_attachment(good, maintype="text", subtype="xml", filename="report.xml")
                out.add(m)
            out.flush()
            """
        let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
        try TestSupport.shell("python3", ["-c", script, samples, box, String(count), broken ? "1" : "0"])
        return box
    }

    /// A mailbox too large for one batch (256 inputs) has its stamp recorded at the end of the
    /// run, and only when none of its messages failed, even when the failure was in a batch
    /// committed long before.
    @Test func aMailboxOverManyBatchesIsSkippedNextTimeOnlyWithoutFailures() throws {
        func ingest(_ box: String, _ db: String) throws -> [String: Any] {
            let result = try mailtally(["ingest", "--db", db, "--json", box])
            return try #require(
                try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stderr)")
        }
        let good = try largeMailbox("good.mbox", count: 300, broken: false)
        let goodDB = folder.appendingPathComponent("good.sqlite").path
        let first = try ingest(good, goodDB)
        #expect(first["imported"] as? [String: Int] == ["dmarc": 1, "tlsrpt": 0])
        #expect(first["duplicates"] as? Int == 299)
        #expect(try ingest(good, goodDB)["unchanged"] as? Int == 1)

        let bad = try largeMailbox("bad.mbox", count: 300, broken: true)
        let badDB = folder.appendingPathComponent("bad.sqlite").path
        #expect(try ingest(bad, badDB)["failed"] as? Int == 1)
        let again = try ingest(bad, badDB)
        #expect(again["unchanged"] as? Int == 0)  // read again: message 1 failed
        #expect(again["failed"] as? Int == 1)
    }
}
