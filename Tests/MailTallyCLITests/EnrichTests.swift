import Foundation
import ReportModel
import ReportStore
import SQLiteStore
import TestSupport
import Testing

/// `mailtally enrich`, `sources` and the named, classed sources of summary and correlate, on
/// SampleReports, against a real dnsmasq on loopback serving scripts/sample-dns-records.txt
/// (the demo's zone).
@Suite(.serialized) struct EnrichTests {
    let folder: URL
    let db: String

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("enrich.sqlite").path
    }

    func mailtally(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.mailtally, arguments)
    }

    func json(_ result: TestSupport.ProcessResult) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.output) \(result.stderr)"
        )
    }

    var samples: String { TestSupport.packageRoot.appendingPathComponent("SampleReports").path }

    func sampleZone() throws -> DNSFixture {
        let records = try String(
            contentsOf: TestSupport.packageRoot.appendingPathComponent("scripts/sample-dns-records.txt"),
            encoding: .utf8)
        return try DNSFixture(records: records)
    }

    @Test func enrichNamesConfirmsAndCaches() throws {
        let dns = try sampleZone()
        defer { dns.stop() }
        _ = try mailtally(["ingest", "--db", db, samples])

        let first = try mailtally(["enrich", "--db", db, "--resolver", dns.address, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let counts = try json(first)
        // 12 addresses: 10 DMARC source IPs and 2 TLS sending-MTA IPs (one also a DMARC source).
        #expect(counts["asked"] as? Int == 12)
        #expect(counts["named"] as? Int == 10)
        #expect(counts["confirmed"] as? Int == 9)  // mail-fake.google.com does not resolve back
        #expect(counts["no_ptr"] as? Int == 2)
        #expect(counts["timed_out"] as? Int == 0)

        let store = try SQLiteReportStore(path: db)
        let cache = try store.reverseDNS()
        #expect(cache.count == 12)
        #expect(cache["209.85.220.69"]?.confirmedName == "mail-sor-f69.google.com")  // a TLS-RPT sending-MTA IP
        #expect(cache["2a00:1450:4864:20::12f"]?.confirmedName == "mail-io1-xd2f.google.com")
        #expect(cache["192.0.2.200"]?.names == ["mail-fake.google.com"])
        #expect(cache["192.0.2.200"]?.confirmedName == nil)
        #expect(cache["203.0.113.77"]?.status == .notFound)

        // The second run finds everything cached and asks nothing.
        let second = try json(try mailtally(["enrich", "--db", db, "--resolver", dns.address, "--json"]))
        #expect(second["asked"] as? Int == 0)
        // --all asks again.
        let all = try json(try mailtally(["enrich", "--db", db, "--resolver", dns.address, "--json", "--all"]))
        #expect(all["asked"] as? Int == 12)
        // --limit bounds one run's lookups; the rest wait for the next run.
        let limited = try json(
            try mailtally(["enrich", "--db", db, "--resolver", dns.address, "--json", "--all", "--limit", "5"]))
        #expect(limited["asked"] as? Int == 5)
        #expect(try mailtally(["enrich", "--db", db, "--limit", "0"]).status == 2)
    }

    @Test func summaryAndCorrelationShowNamedSourcesWithClasses() throws {
        let dns = try sampleZone()
        defer { dns.stop() }
        _ = try mailtally(["ingest", "--db", db, samples])
        _ = try mailtally(["enrich", "--db", db, "--resolver", dns.address])

        let summary = try json(try mailtally(["summary", "--db", db, "--format", "json"]))
        let domains = try #require(summary["domains"] as? [[String: Any]])
        func classes(_ index: Int) -> [String: [String: Int]] {
            domains[index]["source_classes"] as? [String: [String: Int]] ?? [:]
        }
        // example.com: Google, Microsoft and Amazon SES pass; 203.0.113.0/24 (no PTR) and
        // 192.0.2.0/24 (a PTR claiming Google that does not resolve back) fail.
        #expect(classes(0)["authorised"] == ["sources": 3, "messages": 3995, "dmarc_pass": 3995])
        #expect(classes(0)["suspicious"] == ["sources": 2, "messages": 44, "dmarc_pass": 0])
        // example.net: GMX passes; a Comcast residential address fails.
        #expect(classes(1)["authorised"] == ["sources": 1, "messages": 44, "dmarc_pass": 44])
        #expect(classes(1)["suspicious"] == ["sources": 1, "messages": 6, "dmarc_pass": 0])
        // example.org: a known forwarder (DKIM passes, SPF fails), its own server, Google, SES.
        #expect(classes(2)["forwarder"] == ["sources": 1, "messages": 14, "dmarc_pass": 14])
        #expect(classes(2)["authorised"] == ["sources": 3, "messages": 206, "dmarc_pass": 206])
        let top = try #require(domains[0]["top_sources"] as? [[String: Any]])
        #expect(top.first?["source"] as? String == "google.com")
        #expect(top.first?["service"] as? String == "Google")
        #expect(top.first?["class"] as? String == "authorised")

        let text = try mailtally(["summary", "--db", db, "--domain", "example.com"]).output
        #expect(
            text.contains(
                "Sources for example.com: authorised 3 sources, 3,995 messages; suspicious 2 sources, 44 messages"))
        #expect(text.contains("Amazon SES (amazonses.com)"))

        let correlation = try json(
            try mailtally(["correlate", "--db", db, "--format", "json", "--domain", "example.com"]))
        let rows = try #require(correlation["rows"] as? [[String: Any]])
        let google = try #require(rows.first { $0["source"] as? String == "google.com" })
        #expect(google["service"] as? String == "Google")
        #expect(google["category"] as? String == "mailbox")
        #expect(google["class"] as? String == "authorised")
        #expect((google["tls"] as? [String: Any])?["failed_sessions"] as? Int == 26)
        let spoofed = try #require(rows.first { $0["source"] as? String == "192.0.2.0/24" })
        #expect(spoofed["class"] as? String == "suspicious")
        #expect(spoofed["class_reason"] as? String == "fails DMARC: 7 of 7; PTR name not confirmed")

        let csv = try mailtally(["correlate", "--db", db, "--format", "csv", "--domain", "example.org"]).output
        #expect(
            csv.hasPrefix(
                "domain,source,source_key,service,category,class,as_domain_dmarc_reports,to_mx_tls_reports,as_domain_messages,"
            ))
        #expect(
            csv.contains(
                "\r\nexample.org,Forward Email,forwardemail.net,Forward Email,forwarder,forwarder,1,0,14,14,0,14,"))

        // --unknown: only what neither the map nor the catalogue names (the domain's own server is known).
        let unknown = try json(try mailtally(["sources", "--db", db, "--format", "json", "--unknown"]))
        let unnamed = try #require(unknown["sources"] as? [[String: Any]])
        #expect(unnamed.map { $0["source"] as? String } == ["203.0.113.0/24", "192.0.2.0/24"])
        #expect(unnamed.map { $0["suggested_rule"] as? String } == ["203.0.113.0/24", "192.0.2.0/24"])
        let ips = try #require(unnamed.first?["ips"] as? [[String: Any]])
        #expect(ips.map { $0["ip"] as? String } == ["203.0.113.77", "203.0.113.9"])
        #expect(ips.first?["ptr_status"] as? String == "nxdomain")

        // A source map rule names a source and overrides the catalogue.
        let map = folder.appendingPathComponent("map.csv")
        try "203.0.113.0/24,legacy-crm.example,saas\n".write(to: map, atomically: true, encoding: .utf8)
        let mapped = try json(
            try mailtally(["sources", "--db", db, "--format", "json", "--unknown", "--source-map", map.path]))
        #expect((mapped["sources"] as? [[String: Any]])?.map { $0["source"] as? String } == ["192.0.2.0/24"])
        let named = try json(
            try mailtally([
                "correlate", "--db", db, "--format", "json", "--domain", "example.com", "--source-map", map.path,
            ]))
        let crm = (named["rows"] as? [[String: Any]])?.first { $0["source"] as? String == "legacy-crm.example" }
        #expect(crm?["class"] as? String == "misconfigured")
    }

    @Test func ingestNeverAsksDNS() throws {
        // strace lists every socket the import opens: none may be an internet socket.
        let log = folder.appendingPathComponent("strace.log").path
        let result = try TestSupport.shell(
            "strace",
            [
                "-f", "-qq", "-e", "trace=socket,connect", "-o", log, TestSupport.mailtally.path, "ingest", "--db", db,
                samples,
            ])
        #expect(result.status == 1)  // the broken sample, as always
        let calls = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!calls.contains("AF_INET"), "ingest opened an internet socket:\n\(calls)")
        #expect(try SQLiteReportStore(path: db).reverseDNS().isEmpty)
    }

    @Test func nightlyEnrichesUnlessOffline() throws {
        let dns = try sampleZone()
        defer { dns.stop() }
        let out = folder.appendingPathComponent("packs").path
        // The tests run with MAILTALLY_OFFLINE=1: nightly asks no DNS unless a resolver is named...
        let quiet = try mailtally(["nightly", "--db", db, "--inbox", samples, "--out", out, "--date", "2026-11-28"])
        #expect(quiet.status == 1)  // the broken sample
        #expect(try SQLiteReportStore(path: db).reverseDNS().isEmpty)
        // ...and --offline wins over a named resolver.
        let offline = try mailtally([
            "nightly", "--db", db, "--inbox", samples, "--out", out, "--date", "2026-11-28", "--offline", "--resolver",
            dns.address,
        ])
        // The broken sample failed in the first run: known now, said once, status 0.
        #expect(offline.status == 0)
        #expect(
            offline.stderr.contains(
                "mailtally: 1 known failure (logged before for the same bytes; see `mailtally errors`)"))
        #expect(!offline.stderr.contains("broken.xml.gz"))
        #expect(try SQLiteReportStore(path: db).reverseDNS().isEmpty)

        let online = try mailtally([
            "nightly", "--db", db, "--inbox", samples, "--out", out, "--date", "2026-11-28", "--resolver", dns.address,
        ])
        #expect(online.status == 0)
        #expect(try SQLiteReportStore(path: db).reverseDNS().count == 12)
        let page = try String(contentsOfFile: out + "/2026-11-28/30d/example.com.md", encoding: .utf8)
        #expect(page.contains("| Amazon SES | authorised |"))
        #expect(page.contains("Sources by class: **authorised** 3 (3,995 messages), **suspicious** 2 (44 messages)."))
        // TLS-RPT sending-MTA addresses are named too, for the failure detail view.
        let senders = try String(contentsOfFile: out + "/2026-11-28/30d/example.com-tls-failures.csv", encoding: .utf8)
        #expect(
            senders.contains(
                "209.85.220.41,Google,mail-sor-f41.google.com,certificate-expired,mx2.example.com,Google Inc.,20"))
        #expect(FileManager.default.fileExists(atPath: out + "/2026-11-28/30d/example.com.html"))

        // A resolver that never answers costs its timeout, then the packs are written as usual.
        let silent = try UDPBlackHole()
        let again = try mailtally([
            "nightly", "--db", db, "--inbox", samples, "--out", out, "--date", "2026-11-28", "--resolver",
            silent.address, "--timeout", "0.2",
            "--tries", "1",
        ])
        #expect(again.status == 0)
        #expect(FileManager.default.fileExists(atPath: out + "/2026-11-28/day/index.md"))
    }
}

/// A bound UDP socket that reads nothing: DNS queries sent to it time out.
final class UDPBlackHole {
    let descriptor: Int32
    let port: Int

    var address: String { "127.0.0.1:\(port)" }

    init() throws {
        (descriptor, port) = try TestSupport.loopbackSocket(Int32(SOCK_DGRAM.rawValue))
    }

    deinit { close(descriptor) }
}
