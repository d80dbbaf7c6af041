import Foundation
import ReportIngest
import Testing
import TestSupport

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

    @Test func everyDMARCFileIsImportedWithExactTotalsOrRejectedWithAReason() throws {
        guard let corpus = TestSupport.corpus else {
            print("CorpusTests: SKIPPED — MAILTALLY_CORPUS is unset, so the real-report corpus was not read.")
            return
        }
        let folder = corpus.appendingPathComponent("dmarc")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { folder.appendingPathComponent($0).path }
        #expect(files.count > 100)
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/Support/independent_dmarc_totals.py").path
        let output = try TestSupport.shell("python3", [script] + files)
        let readings = try output.output.split(separator: "\n").map { try JSONDecoder().decode(Reading.self, from: Data($0.utf8)) }
        #expect(readings.count == files.count)

        var imported = 0
        var rejected: [String] = []
        for reading in readings {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reading.file)))
            let documents = ReportExtractor().extract(bytes)
            let name = (reading.file as NSString).lastPathComponent
            if let expected = reading.reports {
                let reports = documents.compactMap { if case .dmarc(let report, _) = $0 { report } else { nil } }
                let failures = documents.compactMap { if case .failed(let part, let error) = $0 { "\(part) \(error)" } else { nil } }
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
                #expect(!failures.isEmpty, "\(name): the independent reader rejects it (\(reading.error ?? "")), but it was imported")
                #expect(failures.allSatisfy { !$0.detail.isEmpty }, "\(name): rejected without a reason")
                rejected.append("\(name): \(failures.first.map(String.init(describing:)) ?? "")")
            }
        }
        print("CorpusTests: \(imported) DMARC files imported, \(rejected.count) rejected:")
        for line in rejected { print("  \(line)") }
    }
}
