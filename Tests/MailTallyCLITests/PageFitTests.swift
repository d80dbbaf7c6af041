import Foundation
import TestSupport
import Testing

/// Every table of every HTML page fits its container on a 1280-pixel screen and on an A4 page,
/// measured by headless Chromium: a copy of each page gets a measuring script (the pages
/// themselves forbid scripts), once as on screen and once with the print stylesheet in force
/// at an A4 page's width; the pages are also printed to PDF and read back with pdftotext.
@Suite struct PageFitTests {
    let folder: URL
    let db: String
    static let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path

    /// A4 (210 mm) less the print stylesheet's 12 mm margins, in CSS pixels (96 per inch).
    static let a4ContentWidth = Int(((210.0 - 24.0) / 25.4 * 96).rounded(.down))

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("fit.sqlite").path
    }

    func mailtally(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(
            TestSupport.mailtally, arguments,
            environment: ["MAILTALLY_PSL": "/usr/share/publicsuffix/public_suffix_list.dat"])
    }

    static let measuringScript = """
        (function(){var out=[];document.querySelectorAll('table').forEach(function(t,i){var w=t.parentElement;
        out.push({table:(t.getAttribute('data-table')||'table')+'#'+i,width:Math.ceil(t.getBoundingClientRect().width),
        container:Math.floor(w.clientWidth),scroll:w.scrollWidth,page:document.documentElement.clientWidth,
        right:Math.ceil(t.getBoundingClientRect().right)});});
        var small=1e9;document.querySelectorAll('svg text').forEach(function(e){var h=e.getBoundingClientRect().height;if(h>0&&h<small)small=h;});
        out.push({table:'svg-text',width:0,container:0,scroll:0,page:0,right:0,text:small});
        var pre=document.createElement('pre');pre.id='measured';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);})();
        """

    struct Measure: Decodable {
        var table: String
        var width: Int
        var container: Int
        var scroll: Int
        var page: Int
        var right: Int
        /// For the `svg-text` entry: the height of the smallest chart label, in pixels.
        var text: Double?
    }

    /// The tables of `page` laid out at `width` pixels, as on screen or (with `print`) with the
    /// print stylesheet in force.
    func measure(_ page: URL, width: Int, print: Bool) throws -> [Measure] {
        let chromium = try #require(
            HTMLReportTests.chromium, "chromium is not installed: run `scripts/setup test` (as root)")
        var html = try String(contentsOf: page, encoding: .utf8)
        let policy = try #require(
            html.range(of: #"<meta http-equiv="Content-Security-Policy"[^>]*>"#, options: .regularExpression))
        html.removeSubrange(policy)
        if print {
            #expect(html.contains("@media print{"))
            html = html.replacingOccurrences(of: "@media print{", with: "@media all{")
        }
        html = html.replacingOccurrences(of: "</body>", with: "<script>\(Self.measuringScript)</script></body>")
        let copy = folder.appendingPathComponent("measure-\(UUID().uuidString).html")
        try html.write(to: copy, atomically: true, encoding: .utf8)
        let profile = folder.appendingPathComponent("profile-\(UUID().uuidString)").path
        let result = try TestSupport.run(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile)",
                "--window-size=\(width),3000",
                "--dump-dom", copy.path,
            ])
        #expect(result.status == 0, "chromium failed: \(result.stderr.suffix(2000))")
        let pattern = try #require(
            result.output.range(of: #"<pre id="measured">[^<]*</pre>"#, options: .regularExpression))
        let json = result.output[pattern].dropFirst(#"<pre id="measured">"#.count).dropLast("</pre>".count)
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode([Measure].self, from: Data(json.utf8))
    }

    /// Checks every page of the pack in `out` at 1280 px and on A4, and prints one to PDF.
    func checkPack(_ out: URL) throws {
        let pages = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".html") }
            .sorted()
        #expect(pages.count >= 2)
        for name in pages {
            let page = out.appendingPathComponent(name)
            for (width, print) in [(1280, false), (Self.a4ContentWidth, true)] {
                let tables = try measure(page, width: width, print: print).filter { $0.table != "svg-text" }
                #expect(!tables.isEmpty || name == "index.html", "\(name): no table measured")
                for table in tables {
                    let context = "\(name) at \(width) px\(print ? " (print)" : ""): \(table.table)"
                    #expect(
                        table.width <= table.container,
                        "\(context) is \(table.width) px wide in a container of \(table.container)")
                    #expect(
                        table.scroll <= table.container, "\(context) scrolls: \(table.scroll) px in \(table.container)")
                    #expect(
                        table.right <= table.page, "\(context) ends at \(table.right) px, past the page's \(table.page)"
                    )
                }
            }
        }
    }

    /// On a narrow screen (500 px, the narrowest headless Chromium lays out), the charts'
    /// labels stay readable: their boxes at least 12 px high (13 px text in a chart scaled to
    /// two thirds gave 10).
    func checkPhoneLabels(_ page: URL) throws {
        let labels = try #require(try measure(page, width: 500, print: false).first { $0.table == "svg-text" })
        let height = try #require(labels.text)
        #expect(
            height >= 12 && height < 1e8, "\(page.lastPathComponent): chart labels are \(height) px high on a phone")
    }

    /// Prints `page` to PDF and returns its text (pdftotext, layout kept).
    func printed(_ page: URL) throws -> String {
        let chromium = try #require(HTMLReportTests.chromium)
        let pdf = folder.appendingPathComponent("\(page.deletingPathExtension().lastPathComponent).pdf")
        let profile = folder.appendingPathComponent("profile-\(UUID().uuidString)").path
        let result = try TestSupport.run(
            chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--no-pdf-header-footer",
                "--print-to-pdf=\(pdf.path)",
                page.path,
            ])
        #expect(result.status == 0, "chromium failed: \(result.stderr.suffix(2000))")
        let bytes = try Data(contentsOf: pdf)
        #expect(bytes.starts(with: Array("%PDF".utf8)))
        return try TestSupport.shell("pdftotext", ["-layout", pdf.path, "-"]).output
    }

    @Test(.enabled(if: HTMLReportTests.chromium != nil && TestSupport.hasProgram("pdftotext")))
    func sampleReportsPagesFitAScreenAndAnA4Page() throws {
        _ = try mailtally(["ingest", "--db", db, Self.samples])
        let out = folder.appendingPathComponent("pack")
        let written = try mailtally([
            "report", "--db", db, "--out", out.path, "--format", "html", "--since", "2026-11-01", "--until",
            "2026-11-30",
        ])
        #expect(written.status == 0, "\(written.stderr)")
        try checkPack(out)
        try checkPhoneLabels(out.appendingPathComponent("example.com.html"))
        // Printed, the widest table keeps every column: Google's correlation row reads, left to
        // right, its DMARC side, its TLS side and the start of its top failure, on one line.
        let printedText = try printed(out.appendingPathComponent("example.com.html"))
        #expect(
            printedText.range(of: #"Google +0 +– +0 +0 +1,866 +26 +98\.6% +certificate-"#, options: .regularExpression)
                != nil, "\(printedText)")
        let text = printedText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for expected in ["Summary", "What to do:", "1. Renew or fix the certificate of MX mx2.example.com"] {
            #expect(text.contains(expected), "the printed page lacks '\(expected)'")
        }
    }

    @Test(.enabled(if: HTMLReportTests.chromium != nil && TestSupport.hasProgram("pdftotext")))
    func longValuesWrapInsteadOfWidening() throws {
        // A reporter's 300-character organisation name and source address with no space to
        // break at, and a DKIM selector as long: the page still fits.
        let long = String(repeating: "x", count: 300)
        let xml = """
            <?xml version="1.0"?><feedback><report_metadata><org_name>\(long).example</org_name><email>d@\(long).example</email>
            <report_id>fit-1</report_id><date_range><begin>1795824000</begin><end>1795910399</end></date_range></report_metadata>
            <policy_published><domain>fit.example</domain><p>none</p></policy_published>
            <record><row><source_ip>192.0.2.10</source_ip><count>5</count><policy_evaluated><disposition>none</disposition>
            <dkim>fail</dkim><spf>fail</spf><reason><type>local_policy</type><comment>\(long)</comment></reason></policy_evaluated></row>
            <identifiers><header_from>\(long).fit.example</header_from><envelope_from>\(long).example</envelope_from></identifiers>
            <auth_results><dkim><domain>\(long).example</domain><selector>\(long)</selector><result>fail</result></dkim>
            <spf><domain>\(long).example</domain><result>fail</result></spf></auth_results></record></feedback>
            """
        let input = folder.appendingPathComponent("long.xml")
        try xml.write(to: input, atomically: true, encoding: .utf8)
        #expect(try mailtally(["ingest", "--db", db, input.path]).status == 0)
        let out = folder.appendingPathComponent("long-pack")
        #expect(try mailtally(["report", "--db", db, "--out", out.path, "--format", "html"]).status == 0)
        try checkPack(out)
    }

    @Test(
        .enabled(
            if: HTMLReportTests.chromium != nil && TestSupport.corpus != nil,
            "MAILTALLY_CORPUS is unset: the real-report corpus was not read"))
    func corpusPagesFitAScreenAndAnA4Page() throws {
        let corpus = try #require(TestSupport.corpus)
        _ = try mailtally(["ingest", "--db", db, corpus.path])
        let out = folder.appendingPathComponent("corpus-pack")
        let written = try mailtally(["report", "--db", db, "--out", out.path, "--format", "html"])
        #expect(written.status == 0, "\(written.stderr)")
        try checkPack(out)
        // Printed, each domain page keeps its summary and its sources table.
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path)
        where name.hasSuffix(".html") && name != "index.html" {
            let text = try printed(out.appendingPathComponent(name))
            #expect(text.contains("Summary") && text.contains("Findings"), "\(name) printed without its summary")
        }
    }
}
