import ReportModel
import ReportRendering
import Testing

@testable import ReportAnalysis

/// A summary view keeps a domain's biggest sources and its classes counted over all of them,
/// so that `summary` holds one domain's sources at a time, not every domain's.
@Suite struct SummaryViewTests {
    static func row(_ index: Int) -> CorrelationRow {
        let classes: [SourceClass] = [.authorised, .suspicious, .unknown]
        let messages = Int64(index * 10)
        let passed: Int64 = index.isMultiple(of: 3) ? messages : 0
        return CorrelationRow(
            domain: "example.com", source: "198.51.\(index).0/24",
            dmarc: DMARCTotals(messages: messages, dmarcPass: passed),
            verdict: SourceVerdict(sourceClass: classes[index % 3], reason: "test"))
    }

    @Test func viewKeepsTheBiggestSourcesAndCountsClassesOverAll() {
        var rows: [CorrelationRow] = (1...25).map(Self.row)
        rows.append(
            CorrelationRow(domain: "example.com", source: "tls-only.example", tls: TLSTotals(successfulSessions: 5)))
        let view = DomainSummaryView(
            summary: DomainSummary(domain: "example.com"), dispositionColumns: [], sources: rows.shuffled())
        let shown: [Int64] = view.sources.map { $0.dmarc.messages }
        #expect(shown == [250, 240, 230, 220, 210, 200, 190, 180, 170, 160])
        let sources: Int = view.classTallies.reduce(0) { $0 + $1.sources }
        let messages: Int64 = view.classTallies.reduce(0) { $0 + $1.messages }
        #expect(sources == 25)
        #expect(messages == 3250)
        let authorised = view.classTallies.first { $0.sourceClass == SourceClass.authorised }
        #expect(authorised?.sources == 8)
        #expect(authorised?.dmarcPass == 1080)
    }
}
