import Foundation
import TestSupport
import Testing

/// `mailtally correlate` on a small data set made here, with rows worked out by hand.
@Suite struct CorrelateTests {
    let folder: URL
    let db: String

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("c.sqlite").path
        let inputs = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        func record(_ ip: String, _ count: Int, _ disposition: String, _ dkim: String, _ spf: String) -> String {
            "<record><row><source_ip>\(ip)</source_ip><count>\(count)</count><policy_evaluated><disposition>\(disposition)</disposition><dkim>\(dkim)</dkim><spf>\(spf)</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results/></record>"
        }
        func report(_ org: String, _ email: String, _ id: String, _ records: String) -> String {
            // 2026-11-28, one UTC day.
            "<feedback><report_metadata><org_name>\(org)</org_name><email>\(email)</email><report_id>\(id)</report_id><date_range><begin>1795824000</begin><end>1795910399</end></date_range></report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published>\(records)</feedback>"
        }
        try Data(
            report(
                "google.com", "noreply-dmarc-support@google.com", "g1",
                record("209.85.220.41", 60, "none", "pass", "pass")
                    + record("209.85.220.41", 40, "none", "pass", "fail")
                    + record("198.51.100.7", 4, "none", "fail", "fail")
                    + record("198.51.100.7", 6, "quarantine", "fail", "fail")
            ).utf8
        )
        .write(to: inputs.appendingPathComponent("google.xml"))
        try Data(
            report(
                "Outlook.com", "dmarcreport@microsoft.com", "m1",
                record("209.85.220.42", 50, "none", "fail", "pass")
                    + record("198.51.100.8", 5, "reject", "fail", "fail")
            ).utf8
        )
        .write(to: inputs.appendingPathComponent("microsoft.xml"))
        let tls = #"""
            {"organization-name":"Google Inc.","contact-info":"smtp-tls-reporting@google.com","report-id":"t1",
             "date-range":{"start-datetime":"2026-11-28T00:00:00Z","end-datetime":"2026-11-28T23:59:59Z"},
             "policies":[{"policy":{"policy-type":"sts","policy-domain":"example.com"},
               "summary":{"total-successful-session-count":900,"total-failure-session-count":12},
               "failure-details":[{"result-type":"certificate-expired","failed-session-count":12}]}]}
            """#
        try Data(tls.utf8).write(to: inputs.appendingPathComponent("google.json"))
        try Data("209.85.128.0/17,google.com,mailbox\n".utf8).write(to: folder.appendingPathComponent("map.csv"))
        let result = try TestSupport.run(TestSupport.mailtally, ["ingest", "--db", db, inputs.path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    func correlate(_ extra: [String]) throws -> [[String: Any]] {
        let result = try TestSupport.run(TestSupport.mailtally, ["correlate", "--db", db, "--format", "json"] + extra)
        let document = try #require(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stderr)")
        return try #require(document["rows"] as? [[String: Any]])
    }

    func summary(_ row: [String: Any]) -> String {
        let d = row["dmarc"] as? [String: Any] ?? [:]
        let t = row["tls"] as? [String: Any] ?? [:]
        let disposition = (d["disposition"] as? [String: Int] ?? [:]).sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value)"
        }.joined(separator: ",")
        return
            "\(row["source"] ?? "") dmarc \(d["reports"] ?? 0)/\(d["messages"] ?? 0)/\(d["dmarc_pass"] ?? 0)/\(d["spf_aligned_pass"] ?? 0)/\(d["dkim_aligned_pass"] ?? 0) [\(disposition)]"
            + " tls \(t["reports"] ?? 0)/\(t["successful_sessions"] ?? 0)/\(t["failed_sessions"] ?? 0)"
    }

    @Test func bySourceWithASourceMap() throws {
        let rows = try correlate(["--by", "source", "--source-map", folder.appendingPathComponent("map.csv").path])
        #expect(
            rows.map(summary) == [
                // 209.85.220.41 (100: 60 both pass, 40 DKIM only) and .42 (50, SPF only), all Google's; and Google's sessions.
                "google.com dmarc 2/150/150/110/100 [none=150] tls 1/900/12",
                "198.51.100.0/24 dmarc 2/15/0/0/0 [none=4,quarantine=6,reject=5] tls 0/0/0",
            ])
        #expect(rows.first?["category"] as? String == "mailbox")
        #expect(rows.first?["source_ips"] as? [String] == ["209.85.220.41", "209.85.220.42"])
        #expect(
            (rows.first?["tls"] as? [String: Any])?["failures_by_result_type"] as? [String: Int] == [
                "certificate-expired": 12
            ])
    }

    @Test func bySourceWithoutAMapFallsBackToNetworks() throws {
        let rows = try correlate([])
        #expect(
            rows.map(summary) == [
                "google.com dmarc 0/0/0/0/0 [] tls 1/900/12",
                "209.85.220.0/24 dmarc 2/150/150/110/100 [none=150] tls 0/0/0",
                "198.51.100.0/24 dmarc 2/15/0/0/0 [none=4,quarantine=6,reject=5] tls 0/0/0",
            ])
    }

    @Test func byReporter() throws {
        let rows = try correlate(["--by", "reporter"])
        #expect(
            rows.map(summary) == [
                "google.com dmarc 1/110/100/60/100 [none=104,quarantine=6] tls 1/900/12",
                "microsoft.com dmarc 1/55/50/50/0 [none=50,reject=5] tls 0/0/0",
            ])
        let outside = try correlate(["--by", "reporter", "--since", "2026-11-29"])
        #expect(outside.isEmpty)
    }
}
