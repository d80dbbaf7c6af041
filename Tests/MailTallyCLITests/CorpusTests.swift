import Foundation
import ReportIngest
import ReportModel
import TestSupport
import Testing

/// Every DMARC file of the real-report corpus: imported with the totals an independent reader
/// (Python's ElementTree) finds, or rejected with a reason when that reader finds it malformed.
@Suite struct CorpusTests {
    struct Reading: Decodable {
        struct Report: Decodable {
            var records: Int
            var messages: Int64
            var domain: String
            var report_id: String
        }
        var file: String
        var reports: [Report]?
        var error: String?
    }

    @Test(.enabled(if: TestSupport.corpus != nil, "MAILTALLY_CORPUS is unset: the real-report corpus was not read"))
    func everyDMARCFileIsImportedWithExactTotalsOrRejectedWithAReason() throws {
        let corpus = try #require(TestSupport.corpus)
        let folder = corpus.appendingPathComponent("dmarc")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            folder.appendingPathComponent($0).path
        }
        #expect(files.count > 100)
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/independent_dmarc_totals.py").path
        let output = try TestSupport.shell("python3", [script] + files)
        let readings = try output.output.split(separator: "\n").map {
            try JSONDecoder().decode(Reading.self, from: Data($0.utf8))
        }
        #expect(readings.count == files.count)

        var imported = 0
        var rejected: [String] = []
        for reading in readings {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reading.file)))
            let documents = ReportExtractor().extract(bytes)
            let name = (reading.file as NSString).lastPathComponent
            if let expected = reading.reports {
                let reports = documents.compactMap { if case .dmarc(let report, _) = $0 { report } else { nil } }
                let failures = documents.compactMap {
                    if case .failed(let part, let error) = $0 { "\(part) \(error)" } else { nil }
                }
                #expect(failures.isEmpty, "\(name): well-formed but rejected: \(failures)")
                #expect(reports.count == expected.count, "\(name)")
                for (report, truth) in zip(reports, expected) {
                    #expect(report.records.count == truth.records, "\(name): records")
                    #expect(report.messageCount == truth.messages, "\(name): messages")
                    #expect(report.policy.domain == truth.domain, "\(name): domain")
                    #expect(report.metadata.reportID == truth.report_id, "\(name): report id")
                }
                imported += 1
            } else {
                let failures = documents.compactMap { if case .failed(_, let error) = $0 { error } else { nil } }
                #expect(
                    !failures.isEmpty,
                    "\(name): the independent reader rejects it (\(reading.error ?? "")), but it was imported")
                #expect(failures.allSatisfy { !$0.detail.isEmpty }, "\(name): rejected without a reason")
                rejected.append("\(name): \(failures.first.map(String.init(describing:)) ?? "")")
            }
        }
        print("CorpusTests: \(imported) DMARC files imported, \(rejected.count) rejected:")
        for line in rejected { print("  \(line)") }
    }

    /// The corpus holds one report sent twice under two organisation names (google.com, then
    /// fred.com, from the same address): it is one report.
    @Test(.enabled(if: TestSupport.corpus != nil, "MAILTALLY_CORPUS is unset: the real-report corpus was not read"))
    func aReportResentUnderAnotherOrganisationNameIsADuplicate() throws {
        let corpus = try #require(TestSupport.corpus).appendingPathComponent("dmarc")
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("pair.sqlite").path
        let result = try TestSupport.run(
            TestSupport.mailtally,
            [
                "ingest", "--db", db, "--json", corpus.appendingPathComponent("nice-input.xml").path,
                corpus.appendingPathComponent("changed-input.xml").path,
            ])
        let outcome = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect((outcome["imported"] as? [String: Int])?["dmarc"] == 1)
        #expect(outcome["duplicates"] as? Int == 1)
    }
}

/// Every TLS-RPT file of the corpus: the session totals Python's json module reads from it.
@Suite struct TLSCorpusTests {
    struct Reading: Decodable {
        var file: String
        var successful: Int64?
        var failed: Int64?
        var detailed: [String: Int64]?
        var policies: Int?
        var error: String?
    }

    static let script = """
        import gzip, json, sys
        for path in sys.argv[1:]:
            data = open(path, "rb").read()
            if data[:2] == b"\\x1f\\x8b":
                data = gzip.decompress(data)
            try:
                report = json.loads(data.decode("utf-8-sig"))
                ok, bad, detailed = 0, 0, {}
                for p in report["policies"]:
                    ok += int(p.get("summary", {}).get("total-successful-session-count", 0))
                    bad += int(p.get("summary", {}).get("total-failure-session-count", 0))
                    for d in p.get("failure-details") or []:
                        key = d.get("result-type", "unspecified").strip().lower()
                        detailed[key] = detailed.get(key, 0) + int(d.get("failed-session-count", 0))
                print(json.dumps({"file": path, "successful": ok, "failed": bad, "detailed": detailed,
                                  "policies": len(report["policies"])}))
            except Exception as error:
                print(json.dumps({"file": path, "error": str(error)}))
        """

    @Test(.enabled(if: TestSupport.corpus != nil, "MAILTALLY_CORPUS is unset: the real-report corpus was not read"))
    func everyTLSReportGivesTheIndependentTotals() throws {
        let corpus = try #require(TestSupport.corpus)
        let folder = corpus.appendingPathComponent("tlsrpt")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            folder.appendingPathComponent($0).path
        }
        #expect(!files.isEmpty)
        let output = try TestSupport.shell("python3", ["-c", Self.script] + files)
        let readings = try output.output.split(separator: "\n").map {
            try JSONDecoder().decode(Reading.self, from: Data($0.utf8))
        }
        #expect(readings.count == files.count)
        var imported = 0
        for reading in readings {
            let name = (reading.file as NSString).lastPathComponent
            let documents = ReportExtractor().extract([UInt8](try Data(contentsOf: URL(fileURLWithPath: reading.file))))
            guard reading.error == nil else {
                #expect(
                    documents.allSatisfy { if case .failed = $0 { true } else { false } },
                    "\(name): imported, but Python rejects it")
                continue
            }
            guard case .tls(let report, _)? = documents.first, documents.count == 1 else {
                Issue.record("\(name): not imported: \(documents)")
                continue
            }
            imported += 1
            #expect(report.policies.count == reading.policies, "\(name)")
            #expect(report.policies.reduce(0) { $0 + $1.successfulSessions } == reading.successful, "\(name)")
            #expect(report.policies.reduce(0) { $0 + $1.failedSessions } == reading.failed, "\(name)")
            var detailed: [String: Int64] = [:]
            for detail in report.policies.flatMap(\.failureDetails) {
                detailed[detail.resultType.rawValue, default: 0] += detail.failedSessionCount
            }
            #expect(detailed == reading.detailed, "\(name)")
        }
        print("TLSCorpusTests: \(imported) of \(files.count) TLS-RPT files imported with the independent totals.")
    }
}

/// Every .eml of the corpus yields exactly the reports Python's email package finds in it.
@Suite struct MailCorpusTests {
    struct Reading: Decodable {
        struct Report: Decodable, Equatable {
            var kind: String
            var records: Int?
            var messages: Int64?
            var domain: String?
            var successful: Int64?
            var failed: Int64?
        }
        var file: String
        var arf: Bool
        var reports: [Report]
    }

    @Test(.enabled(if: TestSupport.corpus != nil, "MAILTALLY_CORPUS is unset: the real-report corpus was not read"))
    func everyMailYieldsTheReportsPythonFinds() throws {
        let corpus = try #require(TestSupport.corpus)
        var files: [String] = []
        for name in ["mail", "forensic"] {
            let dir = corpus.appendingPathComponent(name).path
            files += try FileManager.default.contentsOfDirectory(atPath: dir).sorted().map { "\(dir)/\($0)" }
        }
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/independent_mail_reports.py").path
        let output = try TestSupport.shell("python3", [script] + files)
        let readings = try output.output.split(separator: "\n").map {
            try JSONDecoder().decode(Reading.self, from: Data($0.utf8))
        }
        #expect(readings.count == files.count)
        var reports = 0
        for reading in readings {
            let name = (reading.file as NSString).lastPathComponent
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reading.file)))
            if bytes.starts(with: Array("From ".utf8)), let newline = bytes.firstIndex(of: 0x0A) {
                bytes.removeFirst(newline + 1)
            }
            let extracted = MailExtractor().extract(message: bytes[...], number: nil)
            #expect(extracted.error == nil, "\(name)")
            #expect((extracted.skipped?.kind == .arf) == reading.arf, "\(name): ARF")
            let found: [Reading.Report] = extracted.documents.compactMap { document in
                switch document {
                case .dmarc(let report, _):
                    Reading.Report(
                        kind: "dmarc", records: report.records.count, messages: report.messageCount,
                        domain: report.policy.domain)
                case .tls(let report, _):
                    Reading.Report(
                        kind: "tlsrpt", successful: report.policies.reduce(0) { $0 + $1.successfulSessions },
                        failed: report.policies.reduce(0) { $0 + $1.failedSessions })
                case .failed, .skipped: nil
                }
            }
            #expect(found == reading.reports, "\(name)")
            reports += found.count
        }
        print(
            "MailCorpusTests: \(readings.count) mails, \(reports) reports, each as Python's email package finds them.")
    }
}
