import ReportModel
import Testing

@testable import ReportRendering

/// What pages and CSV files show of a table.
@Suite struct PackTableTests {
    @Test func pagesGroupCountsAndMoveLongListsOutOfTheRow() {
        let table = PackTable(
            name: "t", title: "T", header: ["source", "messages", "ips"],
            rows: [["Google", "4039", "192.0.2.1 192.0.2.2"]],
            textColumns: [0, 2], labels: ["source", "messages", "addresses"], detailColumns: [2])
        #expect(table.pageColumns == [0, 1])
        #expect(
            table.markdown
                == "| source | messages |\n| --- | ---: |\n| Google | 4,039 |\n\n- **Google**: addresses: 192.0.2.1 192.0.2.2\n"
        )
        #expect(table.csv == "source,messages,ips\r\nGoogle,4039,192.0.2.1 192.0.2.2\r\n")
    }

    @Test func numbersAreNumbersAndFormulasAreNeutralised() {
        #expect(Escape.csv("-490") == "-490")
        #expect(Escape.csv("+12.5") == "+12.5")
        #expect(Escape.csv("-98.0") == "-98.0")
        #expect(Escape.csv("-1+2") == "'-1+2")
        #expect(Escape.csv("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0")
        #expect(Escape.csv("+") == "'+")
        #expect(Escape.csv("12.") == "12.")
    }
}
