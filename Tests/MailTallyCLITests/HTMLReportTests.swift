import Foundation
import TestSupport
import Testing

/// The HTML pack, loaded in a real browser: headless Chromium from Debian (scripts/setup test
/// installs it) renders the pages, dumps the DOM and logs the console.
@Suite struct HTMLReportTests {
    let folder: URL
    let db: String
    static let samples = TestSupport.packageRoot.appendingPathComponent("SampleReports").path
    static let sourceMap = TestSupport.packageRoot.appendingPathComponent("scripts/sample-source-map.csv").path
    static let goldenScreenshot = TestSupport.packageRoot.appendingPathComponent(
        "Tests/MailTallyCLITests/Golden/html/example.com.png")

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("html.sqlite").path
    }

    func mailtally(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(
            TestSupport.mailtally, arguments,
            environment: ["MAILTALLY_PSL": "/usr/share/publicsuffix/public_suffix_list.dat"])
    }

    static var chromium: URL? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(URL.init(fileURLWithPath:)).first {
            FileManager.default.isExecutableFile(atPath: $0.path)
        }
    }

    struct BrowserRun {
        var dom: String
        var log: String
        /// Console messages and script or policy errors the page caused.
        var pageErrors: [String] {
            log.split(separator: "\n").map(String.init).filter { line in
                line.contains(":CONSOLE") || line.contains("Refused to") || line.contains("Uncaught")
            }
        }
    }

    /// Loads `page` in headless Chromium and returns the DOM after load and the browser's log.
    func browse(_ page: URL, screenshot: URL? = nil) throws -> BrowserRun {
        let chromium = try #require(
            Self.chromium, "chromium is not installed: run `scripts/setup test` (as root) or `apt-get install chromium`"
        )
        let profile = folder.appendingPathComponent("profile-\(UUID().uuidString)").path
        var arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile)",
            "--enable-logging=stderr",
            "--v=0", "--window-size=1200,2600",
        ]
        if let screenshot {
            arguments.append("--screenshot=\(screenshot.path)")
        } else {
            arguments.append("--dump-dom")
        }
        let result = try TestSupport.run(chromium, arguments + [page.path])
        #expect(result.status == 0, "chromium failed: \(result.stderr.suffix(2000))")
        return BrowserRun(dom: result.output, log: result.stderr)
    }

    /// The number of `class="point"` elements in each `<figure id=...>` of a DOM dump.
    static func pointsPerChart(_ dom: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for piece in dom.components(separatedBy: "<figure").dropFirst() {
            guard let end = piece.range(of: "</figure>"), let idStart = piece.range(of: "id=\"") else { continue }
            let id = String(piece[idStart.upperBound...].prefix { $0 != "\"" })
            counts[id] = piece[..<end.lowerBound].components(separatedBy: "class=\"point\"").count - 1
        }
        return counts
    }

    @Test func sampleReportsPageLoadsCleanlyWithEveryDataPoint() throws {
        _ = try mailtally(["ingest", "--db", db, Self.samples])
        let out = folder.appendingPathComponent("pack")
        let written = try mailtally([
            "report", "--db", db, "--out", out.path, "--format", "html", "--since", "2026-11-22", "--until",
            "2026-11-28", "--source-map", Self.sourceMap,
        ])
        #expect(written.status == 0, "\(written.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        #expect(
            files.contains("index.html") && files.contains("example.com.html")
                && files.contains("example.com-daily.csv"))
        #expect(!files.contains("example.com.md"))

        let page = out.appendingPathComponent("example.com.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(
            html.contains(
                #"<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;;"#
            ))
        // Self-contained: no script, no external resource.
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url("))

        let run = try browse(page)
        #expect(run.pageErrors.isEmpty, "the page logged: \(run.pageErrors)")
        #expect(run.dom.contains("<h1>example.com: mail authentication and TLS</h1>"))

        // The expected points, from the pack's own daily CSV (7 days, 2026-11-22 to 28).
        let daily = try String(contentsOf: out.appendingPathComponent("example.com-daily.csv"), encoding: .utf8)
            .split(separator: "\r\n").dropFirst().map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
        let daysWithMail = daily.filter { Int($0[1]) ?? 0 > 0 }.count
        let daysWithTLS = daily.filter { (Int($0[5]) ?? 0) + (Int($0[6]) ?? 0) > 0 }.count
        #expect(daysWithMail == 3 && daysWithTLS == 1)
        let points = Self.pointsPerChart(run.dom)
        #expect(points["chart-volume"] == 7 * 4)  // a bar per day and outcome
        #expect(points["chart-pass-rate"] == 3 * daysWithMail)  // DMARC, SPF and DKIM, on days with mail
        #expect(points["chart-tls"] == 7 * 2 + daysWithTLS)  // successful and failed bars, and the rate
        // certificate-expired, starttls-not-supported, sts-policy-fetch-error
        #expect(points["chart-tls-failures"] == 7 * 3)
        #expect(points["chart-sources"] == 5)
        for (id, count) in points {
            #expect(run.dom.contains("id=\"\(id)\" data-points=\"\(count)\""), "\(id) says another count")
        }
        // The plotted values are the daily figures: the passed bars are the daily dmarc_pass.
        for row in daily {
            #expect(
                run.dom.contains("data-series=\"passed\" data-day=\"\(row[0])\" data-value=\"\(row[2])\""),
                "passed on \(row[0])")
        }
        #expect(run.dom.contains("data-series=\"certificate-expired\" data-day=\"2026-11-28\" data-value=\"20\""))

        let index = try browse(out.appendingPathComponent("index.html"))
        #expect(index.pageErrors.isEmpty)
        #expect(index.dom.contains("<a href=\"example.com.html\">example.com</a>"))

        // A screenshot for review by eye (kept in the repository, never compared pixel by pixel).
        let shot = folder.appendingPathComponent("example.com.png")
        _ = try browse(page, screenshot: shot)
        let png = try Data(contentsOf: shot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000)
        if ProcessInfo.processInfo.environment["MAILTALLY_UPDATE_GOLDEN"] != nil {
            try FileManager.default.createDirectory(
                at: Self.goldenScreenshot.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: Self.goldenScreenshot)
            try FileManager.default.copyItem(at: shot, to: Self.goldenScreenshot)
        }
    }

    @Test func theConsoleCheckSeesABlockedScript() throws {
        // The control for the check above: the same policy, a script it must refuse.
        let page = folder.appendingPathComponent("control.html")
        try """
        <!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        </head><body><p id="x">before</p><script>document.getElementById('x').textContent = 'ran';</script></body></html>
        """.write(to: page, atomically: true, encoding: .utf8)
        let run = try browse(page)
        #expect(run.dom.contains("<p id=\"x\">before</p>"))  // the script did not run
        #expect(!run.pageErrors.isEmpty, "a refused script must show in the log")
    }

    @Test func hostileFieldsRenderAsText() throws {
        let script = "<script>alert(1)</script>"
        let svg = "</text><svg onload=alert(2)><text>"
        func xml(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        let report = """
            <feedback><report_metadata><org_name>\(xml(script))</org_name><email>x@evil.example</email><report_id>1</report_id>
            <date_range><begin>1795824000</begin><end>1795910399</end></date_range></report_metadata>
            <policy_published><domain>victim.example</domain><p>none</p></policy_published>
            <record><row><source_ip>\(xml(svg))</source_ip><count>5</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
            <reason><type>local_policy</type><comment>\(xml(script))</comment></reason></policy_evaluated></row>
            <identifiers><header_from>victim.example</header_from></identifiers><auth_results><dkim><domain>\(xml(svg))</domain>
            <selector>\(xml(script))</selector><result>fail</result></dkim></auth_results></record></feedback>
            """
        let input = folder.appendingPathComponent("evil.xml")
        try Data(report.utf8).write(to: input)
        #expect(try mailtally(["ingest", "--db", db, input.path]).status == 0)
        let out = folder.appendingPathComponent("pack")
        #expect(try mailtally(["report", "--db", db, "--out", out.path, "--format", "html"]).status == 0)
        let page = out.appendingPathComponent("victim.example.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.contains("<script") && !html.contains("<svg onload"))
        // The source key (an unparsable IP, lowercased) is an SVG label and a bar's data-label.
        #expect(html.contains("&lt;/text&gt;&lt;svg onload=alert(2)&gt;&lt;text&gt;"))

        let run = try browse(page)
        #expect(run.pageErrors.isEmpty, "the page logged: \(run.pageErrors)")
        #expect(!run.dom.contains("<script") && !run.dom.contains("<svg onload"))  // no element made of a value
        // Rendered as text: in the tables, the reporters and the chart labels.
        #expect(run.dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(run.dom.contains("&lt;/text&gt;&lt;svg onload=alert(2)&gt;&lt;text&gt;"))
        #expect(Self.pointsPerChart(run.dom)["chart-sources"] == 1)
    }
}
