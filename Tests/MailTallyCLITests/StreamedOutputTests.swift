import Foundation
import TestSupport
import Testing

@testable import ReportRendering

/// Output written a piece at a time is the output written at once: the same bytes.
@Suite struct StreamedOutputTests {
    struct Item: Encodable {
        var name: String
        var note: String?
        var list: [String]
        var nested: [String: [Int]]
    }

    struct Document: Encodable {
        var by: String
        var rows: [Item]
    }

    static let items = [
        Item(name: "a/b \"quoted\" ünïcode\nline", note: nil, list: [], nested: [:]),
        Item(name: "", note: "n", list: ["x", "y"], nested: ["k": [], "j": [1, 2]]),
        Item(name: "third", note: "</script>", list: [""], nested: ["z": [3]]),
    ]

    @Test func aStreamedJSONArrayIsTheWholeDocumentByteForByte() {
        for split in 0...Self.items.count {
            var document = StreamedJSONArray(empty: Document(by: "source", rows: []))
            var text = document.elements(Array(Self.items[..<split]))
            text += document.elements([Item]())
            text += document.elements(Array(Self.items[split...]))
            text += document.end()
            #expect(text == JSONOutput.encode(Document(by: "source", rows: Self.items)), "split at \(split)")
        }
        let empty = StreamedJSONArray(empty: Document(by: "source", rows: []))
        #expect(empty.end() == JSONOutput.encode(Document(by: "source", rows: [])))
    }

    @Test func textTablesAlignNumbersRightAndEscapeAndFallBackToBlocks() {
        let header = ["source", "messages", "note"]
        let rows = [["mail.example", "1,204", "ok"], ["ünï\u{1B}[31m", "7", ""], ["x", "12", "two words"]]
        #expect(
            TextTable(header: header, rows: rows, maxWidth: nil).render() == """
                source        messages  note
                ------------  --------  ---------
                mail.example     1,204  ok
                ünï?[31m             7
                x                   12  two words

                """)
        // Wider than 20 columns: a block per row.
        #expect(
            TextTable(header: header, rows: Array(rows.prefix(2)), maxWidth: 20).render()
                == "mail.example\n  messages  1,204\n  note      ok\n\nünï?[31m\n  messages  7\n  note      \n")
        // A column with one non-number is left-aligned all along.
        #expect(TextTable(header: ["n"], rows: [["10"], ["–"], ["a"]], maxWidth: nil).render() == "n\n--\n10\n–\na\n")
    }
}

/// `correlate` and `sources` over every domain, written a group of domains at a time, give
/// what each domain gives alone, in domain order.
@Suite struct AllDomainListingTests {
    @Test func everyDomainAtOnceIsEachDomainInTurn() throws {
        let folder = try TestSupport.temporaryDirectory()
        let db = folder.appendingPathComponent("all.sqlite").path
        func run(_ arguments: [String]) throws -> String {
            let result = try TestSupport.run(TestSupport.mailtally, arguments)
            #expect(result.status == 0, "\(result.stderr)")
            return result.output
        }
        // The broken sample fails (exit status 1); the rest is stored.
        _ = try TestSupport.run(
            TestSupport.mailtally,
            ["ingest", "--db", db, TestSupport.packageRoot.appendingPathComponent("SampleReports").path])
        let domains = ["example.com", "example.net", "example.org"]
        for command in [["correlate"], ["correlate", "--by", "reporter"], ["sources"]] {
            let csv = try run(command + ["--db", db, "--format", "csv"])
            let lines = csv.components(separatedBy: "\r\n")
            var expected = [lines[0]]
            for domain in domains {
                expected += try run(command + ["--db", db, "--format", "csv", "--domain", domain]).components(
                    separatedBy: "\r\n"
                ).dropFirst().filter { !$0.isEmpty }
            }
            #expect(lines.filter { !$0.isEmpty } == expected, "\(command)")
            #expect(
                Set(lines.dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) }) == Set(domains),
                "\(command)")

            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(try run(command + ["--db", db, "--format", "json"]).utf8))
                    as? [String: Any])
            let key = command[0] == "correlate" ? "rows" : "sources"
            var perDomain: [[String: Any]] = []
            for domain in domains {
                let one = try #require(
                    try JSONSerialization.jsonObject(
                        with: Data(try run(command + ["--db", db, "--format", "json", "--domain", domain]).utf8))
                        as? [String: Any])
                perDomain += try #require(one[key] as? [[String: Any]])
            }
            let all = try #require(json[key] as? [[String: Any]])
            #expect(all.count == perDomain.count && all.count > 3, "\(command)")
            #expect(NSArray(array: all).isEqual(to: perDomain), "\(command)")
        }
        // No domain with reports: the message, not an empty table.
        #expect(
            try run(["correlate", "--db", db, "--domain", "nothing.example"])
                == "No reports in the database for this selection.\n")
        #expect(
            try run(["sources", "--db", db, "--format", "md", "--domain", "nothing.example"])
                == "_No DMARC sources in the database for this selection._\n")
    }
}

/// Changes between periods, on counts from strangers.
@Suite struct ChangeTests {
    @Test func hugeChangesDoNotTrap() {
        // The real change (9e17 %) is held at a bound instead of trapping the conversion.
        #expect(Change.percent(from: 1, to: 1 << 53) == "100000000000000.0")
        #expect(Change.percent(from: 1 << 53, to: 0) == "-100.0")
        #expect(Change.count(from: 0, to: Int64.max) == "+9,223,372,036,854,775,807")
        #expect(Change.count(from: 1, to: 1 << 53).hasPrefix("+9,007,199,254,740,991 (+"))
    }
}
