import Foundation
import ReportModel
import Testing

@testable import ReportAnalysis

@Suite struct SourceResolutionTests {
    let psl = PublicSuffixList(
        text: """
            // a small list in the real format
            com
            net
            ru
            uk
            co.uk
            *.ck
            !www.ck
            """)

    @Test func organisationalDomains() {
        #expect(psl.organizationalDomain(of: "mail-sor-f41.google.com") == "google.com")
        #expect(psl.organizationalDomain(of: "a.b.Example.CO.UK.") == "example.co.uk")
        #expect(psl.organizationalDomain(of: "co.uk") == "co.uk")
        #expect(psl.organizationalDomain(of: "x.y.shop.ck") == "y.shop.ck")  // *.ck: shop.ck is a suffix
        #expect(psl.organizationalDomain(of: "a.www.ck") == "www.ck")  // !www.ck: an exception
        #expect(PublicSuffixList().organizationalDomain(of: "a.b.example.co.uk") == "co.uk")  // fallback: two labels
        if let real = PublicSuffixList.load() {
            #expect(
                real.organizationalDomain(of: "mail-mw2nam12on2073.outbound.protection.outlook.com") == "outlook.com")
            #expect(real.organizationalDomain(of: "a8-21.smtp-out.amazonses.com") == "amazonses.com")
        }
    }

    @Test func networks() throws {
        let net = try #require(IPNetwork("209.85.128.0/17"))
        #expect(net.contains("209.85.220.41") && !net.contains("209.86.0.1") && !net.contains("2001:db8::1"))
        #expect(IPNetwork.defaultNetwork(of: "192.0.2.77")?.description == "192.0.2.0/24")
        #expect(IPNetwork.defaultNetwork(of: "2001:DB8:aa:bb::1")?.description == "2001:db8:aa::/48")
        #expect(IPNetwork.defaultNetwork(of: "::ffff:192.0.2.77")?.description == "192.0.2.0/24")
        #expect(IPNetwork("300.1.1.1/8") == nil && IPNetwork("10.0.0.0/33") == nil)
    }

    @Test func sourceMapRules() throws {
        let map = try SourceMap(
            text: """
                # comment
                209.85.128.0/17, google.com, esp
                209.85.220.0/24,google-workspace.example   # more specific wins
                .outbound.protection.outlook.com,Microsoft.com,esp
                2a01:111:f400::/48,microsoft.com

                """)
        #expect(map.rules.count == 4)
        let resolver = SourceResolver(sourceMap: map, publicSuffixList: psl)
        #expect(resolver.source(forIP: "209.85.220.41").key == "google-workspace.example")
        #expect(resolver.source(forIP: "209.85.220.41").category == nil)
        #expect(resolver.source(forIP: "209.85.130.1").key == "google.com")
        #expect(resolver.source(forIP: "209.85.130.1").category == "esp")
        #expect(resolver.source(forIP: "2a01:111:f400:fe53::30").key == "microsoft.com")
        #expect(
            resolver.source(forIP: "40.107.22.51", ptr: "mail-db8eur05on2051.outbound.protection.outlook.com").key
                == "microsoft.com")
        #expect(
            resolver.source(forIP: "40.107.22.51", ptr: "mail-db8eur05on2051.outbound.protection.outlook.com").category
                == "esp")
        #expect(resolver.source(forIP: "192.0.2.9", ptr: "a8-21.smtp-out.amazonses.com").key == "amazonses.com")
        // the alias map
        #expect(resolver.source(forIP: "192.0.2.9", ptr: "mx.mail.hotmail.com").key == "microsoft.com")
        #expect(resolver.source(forIP: "192.0.2.9").key == "192.0.2.0/24")
        #expect(resolver.source(forIP: "X.X.X.X").key == "x.x.x.x")
        #expect(throws: SourceMapError.self) { try SourceMap(text: "just-one-field") }
        #expect(throws: SourceMapError.self) { try SourceMap(text: "10.0.0.0/99,x") }
    }

    @Test func sourceMapWithWindowsLineEnds() throws {
        // A map saved on Windows: CRLF is one Character in Swift, so lines are split on bytes.
        let map = try SourceMap(
            text: "# crm\r\n192.0.2.0/24,crm.example,saas\r\n198.51.100.0/24, mail.example.org \r\n")
        #expect(map.rules.count == 2)
        let resolver = SourceResolver(sourceMap: map, publicSuffixList: psl)
        #expect(resolver.source(forIP: "192.0.2.7").key == "crm.example")
        #expect(resolver.source(forIP: "192.0.2.7").category == "saas")
        #expect(resolver.source(forIP: "198.51.100.7").key == "mail.example.org")
    }

    @Test func reporters() {
        let resolver = SourceResolver(publicSuffixList: psl)
        #expect(
            resolver.tlsReporter(organization: "Google Inc.", contactInfo: "smtp-tls-reporting@google.com")
                == "google.com")
        #expect(resolver.tlsReporter(organization: "Mail.ru", contactInfo: "tls_support@corp.mail.ru") == "mail.ru")
        #expect(
            resolver.tlsReporter(organization: "x", contactInfo: "https://tlsrpt.example.net/contact") == "example.net")
        #expect(resolver.tlsReporter(organization: "refluxstop.net", contactInfo: nil) == "refluxstop.net")
        #expect(
            resolver.tlsReporter(organization: "Microsoft Corporation", contactInfo: nil) == "microsoft corporation")
        #expect(resolver.dmarcReporter(orgName: "Outlook.com", email: "dmarcreport@microsoft.com") == "microsoft.com")
        #expect(resolver.dmarcReporter(orgName: "Yahoo", email: "dmarchelp@yahooinc.com") == "yahoo.com")
        #expect(resolver.dmarcReporter(orgName: "Trustwave SEG", email: nil) == "trustwave seg")
    }
}

/// A correlation worked out by hand.
@Suite struct CorrelationTests {
    func dmarc(
        _ domain: String, _ ip: String, _ org: String, _ email: String?, reports: Set<Int64>, messages: Int64,
        pass: Int64, spf: Int64, dkim: Int64, disposition: [Disposition: Int64]
    ) -> DMARCSourceAggregate {
        DMARCSourceAggregate(
            domain: domain, sourceIP: ip, reporterOrgName: org, reporterEmail: email, reports: reports,
            totals: DMARCTotals(
                messages: messages, dmarcPass: pass, spfAlignedPass: spf, dkimAlignedPass: dkim,
                disposition: disposition))
    }

    @Test func bySourceAndByReporter() throws {
        let rows = [
            // Google's report (id 1): Google's own servers and an unknown sender.
            dmarc(
                "example.com", "209.85.220.41", "google.com", "noreply-dmarc-support@google.com", reports: [1],
                messages: 100, pass: 100, spf: 90, dkim: 100, disposition: ["none": 100]),
            dmarc(
                "example.com", "198.51.100.7", "google.com", "noreply-dmarc-support@google.com", reports: [1],
                messages: 10, pass: 0, spf: 0, dkim: 0, disposition: ["none": 4, "quarantine": 6]),
            // Microsoft's report (id 2) sees Google's servers too, and the same unknown sender.
            dmarc(
                "example.com", "209.85.220.42", "Outlook.com", "dmarcreport@microsoft.com", reports: [2], messages: 50,
                pass: 50, spf: 50, dkim: 40, disposition: ["none": 50]),
            dmarc(
                "example.com", "198.51.100.8", "Outlook.com", "dmarcreport@microsoft.com", reports: [2], messages: 5,
                pass: 0, spf: 0, dkim: 0, disposition: ["reject": 5]),
        ]
        let tls = [
            TLSReporterAggregate(
                domain: "example.com", organization: "Google Inc.", contactInfo: "smtp-tls-reporting@google.com",
                reports: [10, 11],
                totals: TLSTotals(
                    successfulSessions: 900, failedSessions: 12, failuresByResultType: ["certificate-expired": 12])),
            TLSReporterAggregate(
                domain: "example.com", organization: "Microsoft Corporation",
                contactInfo: "tlsrpt-noreply@microsoft.com", reports: [12],
                totals: TLSTotals(successfulSessions: 40)),
        ]
        let map = try SourceMap(text: "209.85.128.0/17,google.com,mailbox\n")
        let builder = CorrelationBuilder(resolver: SourceResolver(sourceMap: map))
        let bySource = builder.rows(by: .source, dmarc: rows, tls: tls)
        #expect(
            bySource == [
                CorrelationRow(
                    domain: "example.com", source: "google.com", category: "mailbox", service: "Google",
                    origin: .sourceMap,
                    dmarc: DMARCTotals(
                        reports: 2, messages: 150, dmarcPass: 150, spfAlignedPass: 140, dkimAlignedPass: 140,
                        disposition: ["none": 150]),
                    tls: TLSTotals(
                        reports: 2, successfulSessions: 900, failedSessions: 12,
                        failuresByResultType: ["certificate-expired": 12]),
                    sourceIPs: ["209.85.220.41", "209.85.220.42"],
                    verdict: SourceVerdict(sourceClass: .authorised, reason: "150 of 150 pass DMARC")),
                CorrelationRow(
                    domain: "example.com", source: "microsoft.com", category: "mailbox", service: "Microsoft",
                    origin: .catalogue,
                    tls: TLSTotals(reports: 1, successfulSessions: 40)),
                CorrelationRow(
                    domain: "example.com", source: "198.51.100.0/24",
                    dmarc: DMARCTotals(
                        reports: 2, messages: 15, disposition: ["none": 4, "quarantine": 6, "reject": 5]),
                    sourceIPs: ["198.51.100.7", "198.51.100.8"],
                    verdict: SourceVerdict(
                        sourceClass: .unknown, reason: "fails DMARC: 15 of 15; reverse DNS not looked up")),
            ])
        let byReporter = builder.rows(by: .reporter, dmarc: rows, tls: tls)
        #expect(
            byReporter == [
                CorrelationRow(
                    domain: "example.com", source: "google.com", category: "mailbox", service: "Google",
                    origin: .catalogue,
                    dmarc: DMARCTotals(
                        reports: 1, messages: 110, dmarcPass: 100, spfAlignedPass: 90, dkimAlignedPass: 100,
                        disposition: ["none": 104, "quarantine": 6]),
                    tls: TLSTotals(
                        reports: 2, successfulSessions: 900, failedSessions: 12,
                        failuresByResultType: ["certificate-expired": 12])),
                CorrelationRow(
                    domain: "example.com", source: "microsoft.com", category: "mailbox", service: "Microsoft",
                    origin: .catalogue,
                    dmarc: DMARCTotals(
                        reports: 1, messages: 55, dmarcPass: 50, spfAlignedPass: 50, dkimAlignedPass: 40,
                        disposition: ["none": 50, "reject": 5]),
                    tls: TLSTotals(reports: 1, successfulSessions: 40)),
            ])
    }
}
