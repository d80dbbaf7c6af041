import Foundation
import TestSupport
import Testing

/// `mailtally check` against real servers on loopback, as in real life: dnsmasq serving the MX,
/// TXT, A and TLSA records (behind a relay that sets the AD bit, as a validating resolver does),
/// aiosmtpd on port 25 of loopback addresses of their own (good, expired, no STARTTLS, a wrong
/// name, self-signed, expiring, down), and the MTA-STS policy over HTTPS on port 443, all with
/// certificates from a test authority. `--resolver` and `--ca-file` are all `check` is given.
@Suite(
    .enabled(
        if: TransportServers.canBind && TestSupport.hasProgram("openssl"), "needs root (ports 25 and 443) and openssl"))
struct LiveTransportCheckTests {
    let folder: URL
    let db: String

    init() throws {
        folder = try TestSupport.temporaryDirectory()
        db = folder.appendingPathComponent("transport.sqlite").path
    }

    func mailtally(_ arguments: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.mailtally, arguments)
    }

    func json(_ result: TestSupport.ProcessResult) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.output) \(result.stderr)"
        )
    }

    static let today = Int64(Date().timeIntervalSince1970) / 86_400

    static func date(_ day: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(day * 86_400)))
    }

    /// An RFC 8460 report of `organization` for `domain` over `day`, under an sts policy of `mode`.
    static func tlsReport(
        organization: String, domain: String, day: Int64, mode: String, successful: Int,
        failures: [(String, String, Int)]
    ) -> String {
        let details = failures.map { type, mx, count in
            """
            {"result-type": "\(type)", "sending-mta-ip": "192.0.2.\(count % 200 + 1)", "receiving-mx-hostname": "\(mx)",
             "failed-session-count": \(count)}
            """
        }
        let failed = failures.reduce(0) { $0 + $1.2 }
        return """
            {"organization-name": "\(organization)",
             "date-range": {"start-datetime": "\(date(day))", "end-datetime": "\(date(day + 1))"},
             "contact-info": "tlsrpt@\(organization.lowercased().replacingOccurrences(of: " ", with: "")).example",
             "report-id": "\(organization)-\(domain)-\(day)",
             "policies": [{"policy": {"policy-type": "sts", "policy-domain": "\(domain)",
                "policy-string": ["version: STSv1", "mode: \(mode)", "mx: *.\(domain)", "max_age: 86400"]},
               "summary": {"total-successful-session-count": \(successful), "total-failure-session-count": \(failed)},
               "failure-details": [\(details.joined(separator: ","))]}]}
            """
    }

    func ingest(_ reports: [String]) throws {
        let inbox = folder.appendingPathComponent("reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        for (index, report) in reports.enumerated() {
            try report.write(
                to: inbox.appendingPathComponent("tlsrpt-\(index).json"), atomically: true, encoding: .utf8)
        }
        let result = try mailtally(["ingest", "--db", db, inbox.path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// The findings of `check --json`'s entry for `domain`, as (code, severity, subject, text).
    func findings(_ document: [String: Any], _ domain: String) throws -> [(String, String, String, String)] {
        let checks = try #require(document["checks"] as? [[String: Any]])
        let entry = try #require(checks.first { ($0["transport"] as? [String: Any])?["domain"] as? String == domain })
        return (entry["findings"] as? [[String: Any]] ?? []).map {
            (
                $0["code"] as? String ?? "", $0["severity"] as? String ?? "", $0["subject"] as? String ?? "",
                $0["text"] as? String ?? ""
            )
        }
    }

    func hosts(_ document: [String: Any], _ domain: String) throws -> [String: [String: Any]] {
        let checks = try #require(document["checks"] as? [[String: Any]])
        let entry = try #require(checks.first { ($0["transport"] as? [String: Any])?["domain"] as? String == domain })
        let transport = try #require(entry["transport"] as? [String: Any])
        let list = try #require(transport["mx"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["host"] as? String ?? "", $0) })
    }

    @Test func everyStateAndFindingJoinedWithReports() throws {
        let block = TransportServers.addressBlock()
        let modes = [
            ("mx1", "good"), ("mx2", "expired"), ("mx3", "nostarttls"), ("mx4", "wrongname"), ("mx5", "expiring-2"),
            ("mx6", "down"), ("mx7", "selfsigned"), ("mx8", "expiring-10"), ("mx9", "good"),
        ]
        let policy = """
            version: STSv1
            mode: enforce
            mx: mx1.example.test
            mx: mx2.example.test
            mx: mx4.example.test
            mx: mx5.example.test
            mx: mx6.example.test
            mx: mx7.example.test
            mx: *.example.test
            max_age: 604800

            """
        // mx3 is not covered: `*.example.test` covers one label, and mx3 lives one deeper.
        let servers = try TransportServers(
            smtp: modes.enumerated().map { index, entry in
                (address: "\(block).\(index + 2)", mode: entry.1, name: name(entry.0))
            },
            https: [(address: "\(block).20", name: "mta-sts.example.test", policy: policy)])
        defer { servers.stop() }
        let good = try #require(servers.servers["\(block).2"]?.publicKeySHA256)
        var records = """
            txt _mta-sts.example.test v=STSv1; id=20261207
            host mta-sts.example.test \(block).20
            txt _dmarc.example.test v=DMARC1; p=reject; rua=mailto:dmarc@example.test,mailto:r@vendor.example,mailto:d@partner.example
            txt example.test._report._dmarc.partner.example v=DMARC1
            txt example.test v=spf1 include:a.spf.example.test include:b.spf.example.test mx a -all
            txt example.test google-site-verification=abc
            txt a.spf.example.test v=spf1 include:c.spf.example.test a:x.spf.example.test a:y.spf.example.test a:z.spf.example.test -all
            txt b.spf.example.test v=spf1 mx a ptr exists:w.spf.example.test -all
            txt c.spf.example.test v=spf1 a mx -all
            tlsa _25._tcp.\(name("mx1")) 3 1 1 \(good)
            tlsa _25._tcp.\(name("mx9")) 3 1 1 \(String(repeating: "ab", count: 32))
            tlsa _25._tcp.\(name("mx9")) 1 1 1 \(good)
            txt _smtp._tls.plain.test v=TLSRPTv1; rua=mailto:tls@plain.test
            mx plain.test mx1.example.test 10

            """
        for (index, entry) in modes.enumerated() {
            records += "mx example.test \(name(entry.0)) \((index + 1) * 10)\n"
            records += "host \(name(entry.0)) \(block).\(index + 2)\n"
        }
        let dns = try DNSFixture(
            records: records, authenticated: true,
            localZones: ["example.test", "plain.test", "vendor.example", "partner.example"])
        defer { dns.stop() }

        // Three reporters saw mx2's expired certificate: 40 sessions each, in the last days.
        try ingest(
            ["Reporter A", "Reporter B", "Reporter C"].map {
                Self.tlsReport(
                    organization: $0, domain: "example.test", day: Self.today - 2, mode: "enforce", successful: 500,
                    failures: [("certificate-expired", name("mx2"), 40), ("validation-failure", name("mx7"), 3)])
            })

        let result = try mailtally([
            "check", "--db", db, "--resolver", dns.address, "--ca-file", servers.caFile, "--json", "example.test",
            "plain.test",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try json(result)
        let hosts = try hosts(document, "example.test")
        #expect(hosts.count == 9)

        func certificate(_ host: String) -> [String: Any] { hosts[name(host)]?["certificate"] as? [String: Any] ?? [:] }
        // Every state of a host.
        #expect(hosts[name("mx1")]?["starttls"] as? Bool == true)
        #expect(["TLSv1.2", "TLSv1.3"].contains(hosts[name("mx1")]?["tls_version"] as? String ?? ""))
        #expect(certificate("mx1")["chain_trusted"] as? Bool == true)
        #expect(certificate("mx1")["names_match_host"] as? Bool == true)
        #expect(certificate("mx1")["public_key_sha256"] as? String == good)
        #expect(hosts[name("mx1")]?["dane"] as? String == "matched")
        #expect(hosts[name("mx1")]?["tlsa_authenticated"] as? Bool == true)
        #expect(hosts[name("mx1")]?["mta_sts_covered"] as? Bool == true)
        #expect((hosts[name("mx1")]?["banner"] as? String ?? "").contains("ESMTP MailTally test fixture"))
        #expect(certificate("mx2")["chain_trusted"] as? Bool == false)
        #expect((certificate("mx2")["days_left"] as? Int ?? 0) < 0)
        #expect(hosts[name("mx3")]?["starttls"] as? Bool == false)
        #expect(hosts[name("mx3")]?["connected"] as? Bool == true)
        #expect(hosts[name("mx3")]?["mta_sts_covered"] as? Bool == false)
        #expect(certificate("mx4")["names_match_host"] as? Bool == false)
        #expect(certificate("mx4")["names"] as? [String] == ["wrong-name.invalid"])
        #expect(certificate("mx5")["days_left"] as? Int == 2)
        #expect(hosts[name("mx6")]?["connected"] as? Bool == false)
        #expect(certificate("mx7")["chain_trusted"] as? Bool == false)
        #expect(certificate("mx7")["chain_problem"] as? String == "it is self-signed")
        #expect(certificate("mx8")["days_left"] as? Int == 10)
        #expect(hosts[name("mx9")]?["dane"] as? String == "mismatched")

        let found = try findings(document, "example.test")
        func has(_ code: String, _ severity: String, _ subject: String, _ words: String = "") -> Bool {
            found.contains {
                $0.0 == code && $0.1 == severity && $0.2 == subject && (words.isEmpty || $0.3.contains(words))
            }
        }
        #expect(
            has(
                "mx-certificate-expired", "critical", name("mx2"),
                "TLS-RPT shows 120 certificate-expired failures from 3 reporters"), "\(found)")
        #expect(has("mx-no-starttls", "critical", name("mx3")), "\(found)")
        #expect(has("sts-mx-not-covered", "critical", name("mx3")))
        #expect(has("mx-certificate-name-mismatch", "critical", name("mx4")))
        #expect(has("mx-certificate-expiring", "critical", name("mx5"), "expires in 2 days"))
        #expect(has("mx-certificate-expiring", "warning", name("mx8"), "expires in 10 days"))
        #expect(has("mx-unreachable", "warning", name("mx6")))
        #expect(
            has("mx-certificate-untrusted", "critical", name("mx7"), "9 validation-failure failures from 3 reporters"))
        #expect(has("dane-mismatch", "critical", name("mx9")))
        #expect(has("spf-too-many-lookups", "critical", "example.test", "SPF needs 14 DNS lookups (limit 10)"))
        // Void: example.test's own `a` (it has no address), x, y and z, w, and the bare `a` and
        // `mx` of b.spf and c.spf, which mean their own names.
        #expect(has("spf-void-lookups", "warning", "example.test", "SPF has 9 lookups that answer nothing"))
        #expect(has("dmarc-rua-unauthorised", "warning", "vendor.example"))
        #expect(!found.contains { $0.2 == "partner.example" })
        #expect(has("no-tls-rpt-record", "warning", "example.test"))
        // Nothing said of what is fine.
        #expect(!found.contains { $0.2 == name("mx1") })
        #expect(!found.contains { $0.0 == "sts-policy-unavailable" || $0.0 == "no-downgrade-protection" })

        // plain.test receives at mx1.example.test, whose DANE record protects it too.
        let plain = try findings(document, "plain.test")
        #expect(plain.map(\.0).sorted() == ["dmarc-record-problem", "spf-missing"], "\(plain)")

        // The probe never started a message.
        let commands = servers.commands()
        #expect(commands.contains { $0.command.hasPrefix("EHLO") && $0.tls })
        #expect(
            !commands.contains {
                $0.command.uppercased().hasPrefix("MAIL") || $0.command.uppercased().hasPrefix("RCPT")
            })

        // Stored: summary shows the same findings with the MX host named, and correlate --by mx
        // puts the live state beside the failures reported at each host.
        let summary = try json(try mailtally(["summary", "--db", db, "--format", "json"]))
        let domains = try #require(summary["domains"] as? [[String: Any]])
        let domain = try #require(domains.first { $0["domain"] as? String == "example.test" })
        let summaryFindings = domain["findings"] as? [[String: Any]] ?? []
        #expect(
            summaryFindings.contains {
                $0["code"] as? String == "mx-certificate-expired" && $0["subject"] as? String == name("mx2")
            }, "\(summaryFindings)")
        #expect((domain["transport"] as? [String: Any])?["domain"] as? String == "example.test")
        // The reports' certificate finding is left out: the live ones name the cause at each host.
        #expect(!summaryFindings.contains { $0["code"] as? String == "tls-certificate-failures" })
        let text = try mailtally(["summary", "--db", db])
        #expect(text.output.contains("Transport security of example.test"))
        #expect(text.output.contains("MX 20 \(name("mx2"))"))

        let byMX = try json(try mailtally(["correlate", "--db", db, "--by", "mx", "--format", "json"]))
        let rows = try #require(byMX["mx"] as? [[String: Any]])
        let mx2 = try #require(rows.first { $0["mx_host"] as? String == name("mx2") })
        #expect(mx2["failed_sessions"] as? Int == 120)
        #expect(mx2["reporters"] as? Int == 3)
        #expect((mx2["failures_by_result_type"] as? [String: Int])?["certificate-expired"] == 120)
        #expect(((mx2["live"] as? [String: Any])?["certificate"] as? [String: Any])?["chain_trusted"] as? Bool == false)
        let csv = try mailtally(["correlate", "--db", db, "--by", "mx", "--format", "csv"])
        // The store's domains are those with reports; a domain only checked is there when named.
        #expect(csv.output.split(whereSeparator: \.isNewline).count == 1 + 9, "\(csv.output)")
        let named = try mailtally(["correlate", "--db", db, "--by", "mx", "--format", "csv", "--domain", "plain.test"])
        #expect(
            named.output.split(whereSeparator: \.isNewline).dropFirst().map { String($0) } == [
                "plain.test,mx1.example.test,yes,yes,\(hosts[name("mx1")]?["tls_version"] as? String ?? ""),trusted,"
                    + "\(certificate("mx1")["days_left"] as? Int ?? 0),match,,matched,0,0,"
            ], "\(named.output)")
    }

    @Test func unvalidatedDANEAChangedPolicyAndAPolicyNobodyCanFetch() throws {
        let block = TransportServers.addressBlock()
        let policy = "version: STSv1\nmode: testing\nmx: mx.change.test\nmax_age: 86400\n"
        let servers = try TransportServers(
            smtp: [(address: "\(block).2", mode: "good", name: "mx.change.test")],
            https: [
                (address: "\(block).3", name: "mta-sts.change.test", policy: policy),
                (address: "\(block).4", name: "mta-sts.gone.test", policy: "404"),
                (address: "\(block).5", name: "mta-sts.moved.test", policy: "redirect"),
            ])
        defer { servers.stop() }
        let key = try #require(servers.servers["\(block).2"]?.publicKeySHA256)
        var records = ""
        for domain in ["change.test", "gone.test", "moved.test"] {
            records += """
                mx \(domain) mx.change.test 10
                txt _mta-sts.\(domain) v=STSv1; id=1
                txt _smtp._tls.\(domain) v=TLSRPTv1; rua=mailto:tls@\(domain)
                txt _dmarc.\(domain) v=DMARC1; p=none
                txt \(domain) v=spf1 -all

                """
        }
        records += """
            host mx.change.test \(block).2
            tlsa _25._tcp.mx.change.test 3 1 1 \(key)
            host mta-sts.change.test \(block).3
            host mta-sts.gone.test \(block).4
            host mta-sts.moved.test \(block).5
            host bare.test \(block).2
            txt _dmarc.bare.test v=DMARC1; p=reject
            mx cn.test alias.cn.test 10
            cname alias.cn.test mx.change.test
            txt loop.test v=spf1 include:a.loop.test -all
            txt a.loop.test v=spf1 include:loop.test -all
            txt _dmarc.loop.test v=DMARC1; rua=mailto:d@loop.test
            txt rep.test v=spf1 include:x.rep.test include:y.rep.test -all
            txt x.rep.test v=spf1 include:z.rep.test -all
            txt y.rep.test v=spf1 include:z.rep.test -all
            txt z.rep.test v=spf1 a:1.rep.test a:2.rep.test a:3.rep.test a:4.rep.test -all

            """
        // No AD bit: this resolver does not validate.
        let dns = try DNSFixture(
            records: records,
            localZones: ["change.test", "gone.test", "moved.test", "bare.test", "cn.test", "loop.test", "rep.test"])
        defer { dns.stop() }
        func check(_ domains: [String]) throws -> [String: Any] {
            let result = try mailtally(
                ["check", "--db", db, "--resolver", dns.address, "--ca-file", servers.caFile, "--json"] + domains)
            #expect(result.status == 0, "\(result.stderr)")
            return try json(result)
        }
        let first = try check([
            "change.test", "gone.test", "moved.test", "bare.test", "cn.test", "loop.test", "rep.test",
        ])
        // An MX that is an alias: the certificate may be for the name it leads to.
        let alias = try hosts(first, "cn.test")["alias.cn.test"]
        #expect(alias?["canonical_name"] as? String == "mx.change.test", "\(String(describing: alias))")
        #expect((alias?["certificate"] as? [String: Any])?["names_match_host"] as? Bool == true)
        #expect(!(try findings(first, "cn.test")).contains { $0.0 == "mx-certificate-name-mismatch" })
        // An include that loops back is a permerror; a record included twice counts twice.
        let loop = try findings(first, "loop.test")
        #expect(loop.contains { $0.0 == "spf-invalid" && $0.1 == "critical" && $0.3.contains("comes back") }, "\(loop)")
        // No p= but a rua: receivers read p=none, and the check says so as a warning.
        #expect(loop.contains { $0.0 == "dmarc-record-problem" && $0.1 == "warning" && $0.3.contains("p=none") })
        let repeated = try findings(first, "rep.test")
        #expect(repeated.contains { $0.0 == "spf-too-many-lookups" && $0.3.contains("12 DNS lookups") }, "\(repeated)")
        // No MX but an address: senders deliver to the domain itself, and so it is probed.
        let bare = try hosts(first, "bare.test")
        #expect(bare["bare.test"]?["starttls"] as? Bool == true, "\(bare)")
        let bareFindings = try findings(first, "bare.test")
        #expect(bareFindings.contains { $0.0 == "no-mx" && $0.1 == "warning" }, "\(bareFindings)")
        #expect(bareFindings.contains { $0.0 == "mx-certificate-name-mismatch" && $0.2 == "bare.test" })
        #expect(try hosts(first, "change.test")["mx.change.test"]?["dane"] as? String == "unauthenticated")
        let change = try findings(first, "change.test")
        #expect(change.map(\.0) == ["dane-unauthenticated"], "\(change)")
        let gone = try findings(first, "gone.test")
        #expect(gone.contains { $0.0 == "sts-policy-unavailable" && $0.3.contains("status 404") }, "\(gone)")
        let moved = try findings(first, "moved.test")
        #expect(moved.contains { $0.0 == "sts-policy-unavailable" && $0.3.contains("redirect") }, "\(moved)")

        // The policy changes, its id does not: the next check says senders keep the old one.
        try servers.replacePolicy(0, with: policy + "mx: mx2.change.test\n")
        Thread.sleep(forTimeInterval: 1.1)  // checks are stored by the second
        let second = try check(["change.test"])
        #expect(try findings(second, "change.test").contains { $0.0 == "sts-id-unchanged" && $0.1 == "warning" })
        // The same bytes again: nothing changed since the check before.
        Thread.sleep(forTimeInterval: 1.1)
        let third = try check(["change.test"])
        #expect(!(try findings(third, "change.test").contains { $0.0 == "sts-id-unchanged" }))
    }

    @Test func readinessGateAndTheNightlyPack() throws {
        let block = TransportServers.addressBlock()
        let servers = try TransportServers(
            smtp: [(address: "\(block).2", mode: "good", name: "mx1.ready.test")],
            https: [
                (
                    address: "\(block).3", name: "mta-sts.ready.test",
                    policy: "version: STSv1\nmode: testing\nmx: *.ready.test\nmax_age: 604800\n"
                )
            ])
        defer { servers.stop() }
        let dns = try DNSFixture(
            records: """
                mx ready.test mx1.ready.test 10
                host mx1.ready.test \(block).2
                host mta-sts.ready.test \(block).3
                txt _mta-sts.ready.test v=STSv1; id=20261101
                txt _smtp._tls.ready.test v=TLSRPTv1; rua=mailto:tls@ready.test
                txt _dmarc.ready.test v=DMARC1; p=reject
                txt ready.test v=spf1 mx -all

                """, localZones: ["ready.test"])
        defer { dns.stop() }
        // Three reporters, thirty days of testing, not one failed session.
        var reports: [String] = []
        for organization in ["Reporter A", "Reporter B", "Reporter C"] {
            for day in [Self.today - 29, Self.today - 15, Self.today - 2] {
                reports.append(
                    Self.tlsReport(
                        organization: organization, domain: "ready.test", day: day, mode: "testing", successful: 80,
                        failures: []))
            }
        }
        try ingest(reports)
        let out = folder.appendingPathComponent("packs")
        let empty = folder.appendingPathComponent("empty-inbox")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let nightly = try mailtally([
            "nightly", "--db", db, "--inbox", empty.path,
            "--out", out.path, "--resolver", dns.address, "--check-ca-file", servers.caFile, "--probe-private",
            "--date",
            String(Self.date(Self.today).prefix(10)),
        ])
        #expect(nightly.status == 0, "\(nightly.stderr)")
        let day = String(Self.date(Self.today).prefix(10))
        let page = try String(
            contentsOf: out.appendingPathComponent("\(day)/30d/ready.test.md"), encoding: .utf8)
        #expect(page.contains("## Transport security (checked live)"))
        #expect(
            page.contains(
                "- **Checked live**: \(day) ")
                && page.contains(
                    "UTC: 1 of 1 MX host offers STARTTLS with a valid certificate for its name; MTA-STS in testing; "
                        + "no DANE; TLS-RPT published"),
            "\(page)")
        #expect(page.contains("MTA-STS has been in testing for"), "\(page)")
        #expect(page.contains("sts-ready-for-enforce"))
        let csv = try String(
            contentsOf: out.appendingPathComponent("\(day)/30d/ready.test-transport.csv"), encoding: .utf8)
        #expect(csv.contains("mx1.ready.test,10,\(block).2,yes,"), "\(csv)")
        let html = try String(contentsOf: out.appendingPathComponent("\(day)/30d/ready.test.html"), encoding: .utf8)
        #expect(html.contains("MX hosts, checked live"))

        // A domain taken from the store (no domain named) is never probed at a private address.
        let fromStore = try json(
            try mailtally(["check", "--db", db, "--resolver", dns.address, "--ca-file", servers.caFile, "--json"]))
        let refused = try hosts(fromStore, "ready.test")["mx1.ready.test"]
        #expect(refused?["connected"] as? Bool == false)
        #expect((refused?["problem"] as? String ?? "").contains("which is not a public address"), "\(fromStore)")

        // One failed session in the window closes the gate.
        try ingest([
            Self.tlsReport(
                organization: "Reporter D", domain: "ready.test", day: Self.today - 1, mode: "testing", successful: 9,
                failures: [("certificate-host-mismatch", "mx1.ready.test", 1)])
        ])
        let check = try json(
            try mailtally([
                "check", "--db", db, "--resolver", dns.address, "--ca-file", servers.caFile, "--json", "ready.test",
            ]))
        #expect(!(try findings(check, "ready.test").contains { $0.0 == "sts-ready-for-enforce" }))
    }

    /// The MX host `short` of example.test, one label below a sub-zone for mx3 (so `*.` misses it).
    func name(_ short: String) -> String {
        short == "mx3" ? "mx3.deep.example.test" : "\(short).example.test"
    }
}
