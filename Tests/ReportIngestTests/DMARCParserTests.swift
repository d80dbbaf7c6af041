import Foundation
import ReportModel
import TestSupport
import Testing

@testable import ReportIngest

/// One fixture per real-world quirk (docs/dialects.md), each asserting the parsed values.
@Suite struct DMARCParserTests {
    static func document(
        declaration: String = #"<?xml version="1.0" encoding="UTF-8"?>"#, root: String = "<feedback>",
        version: String = "", metadata: String? = nil, policy: String? = nil, records: String? = nil
    ) -> String {
        let metadata =
            metadata ?? """
                <org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email>
                <report_id>123456789</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range>
                """
        let policy =
            policy
            ?? "<domain>Example.COM.</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct>"
        let records = records ?? record()
        return "\(declaration)\n\(root)\(version)<report_metadata>\(metadata)</report_metadata>"
            + "<policy_published>\(policy)</policy_published>\(records)</feedback>"
    }

    static func record(
        ip: String = "192.0.2.1", count: String = "3",
        evaluated: String = "<disposition>none</disposition><dkim>pass</dkim><spf>fail</spf>",
        identifiers: String = "<header_from>example.com</header_from>",
        auth: String =
            "<dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>example.com</domain><scope>mfrom</scope><result>fail</result></spf>"
    ) -> String {
        "<record><row><source_ip>\(ip)</source_ip><count>\(count)</count><policy_evaluated>\(evaluated)</policy_evaluated></row>"
            + "<identifiers>\(identifiers)</identifiers><auth_results>\(auth)</auth_results></record>"
    }

    func parse(_ text: String) throws -> AggregateReport {
        try DMARCParser().parse(Array(text.utf8))
    }

    func parse(bytes: [UInt8]) throws -> AggregateReport {
        try DMARCParser().parse(bytes)
    }

    @Test func readsEveryFieldOfAPlainReport() throws {
        let report = try parse(Self.document())
        #expect(report.metadata.orgName == "google.com")
        #expect(report.metadata.reportID == "123456789")
        #expect(report.metadata.dateRange == DateRange(begin: 1_700_000_000, end: 1_700_086_399))
        #expect(report.policy.domain == "example.com")
        #expect(report.policy.p == .monitor)
        #expect(report.policy.pct == "100")
        #expect(report.records.count == 1)
        let record = try #require(report.records.first)
        #expect(record.sourceIP == "192.0.2.1")
        #expect(record.count == 3)
        #expect(record.dkim == .pass && record.spf == .fail && record.passesDMARC)
        #expect(record.dkimResults == [DKIMAuthResult(domain: "example.com", selector: "s1", result: .pass)])
        #expect(record.spfResults == [SPFAuthResult(domain: "example.com", scope: .mailFrom, result: .fail)])
        #expect(!report.isRFC9990)
    }

    @Test func versionIsOptionalAndNeverBranchedOn() throws {
        #expect(try parse(Self.document()).version == nil)
        #expect(try parse(Self.document(version: "<version>0.1</version>")).version == "0.1")
        #expect(try parse(Self.document(version: "<version>2.0</version>")).records.count == 1)
    }

    @Test func namespacesAreIgnoredForMatching() throws {
        let microsoft = try parse(
            Self.document(
                root:
                    #"<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
            ))
        #expect(microsoft.records.count == 1)
        let broken = try parse(Self.document(root: #"<feedback xmlns="http//dmarc.org/dmarc-xml/0.1">"#))
        #expect(broken.records.count == 1 && broken.namespace == "http//dmarc.org/dmarc-xml/0.1")
        let prefixed = try parse(
            Self.document(
                root:
                    #"<feedback xmlns:ns1='http://dmarc.org/dmarc-xml/0.1' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:schemaLocation='x y'>"#
            ))
        #expect(prefixed.records.count == 1)
    }

    @Test func rfc9990ReportKeepsItsNewFields() throws {
        let text = Self.document(
            root: #"<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">"#, version: "<version>1.0</version>",
            metadata: """
                <date_range><begin>1700000000</begin><end>1700086399</end></date_range>
                <report_id>abc@example.net</report_id><org_name>GMX</org_name><email>dmarc@gmx.net</email>
                <generator>reporter 3.2</generator><error lang="en">one error</error>
                """,
            policy:
                "<domain>example.net</domain><discovery_method>treewalk</discovery_method><p>reject</p><np>quarantine</np><testing>n</testing>",
            records: Self.record(
                evaluated:
                    "<disposition>pass</disposition><dkim>pass</dkim><spf>pass</spf><reason><type>policy_test_mode</type><comment lang=\"en\">t=y</comment></reason>",
                identifiers: "<header_from>example.net</header_from><envelope_from></envelope_from>",
                auth:
                    "<dkim><domain>example.net</domain><selector>k</selector><result>pass</result><human_result lang=\"en\">good</human_result></dkim><spf><domain>example.net</domain><result>policy</result><human_result>sender policy</human_result></spf>"
            ) + "<extension><x:data xmlns:x='urn:x'><record><row><count>999</count></row></record></x:data></extension>"
        )
        let report = try parse(text)
        #expect(report.isRFC9990)
        #expect(report.namespace == AggregateReport.rfc9990Namespace)
        #expect(report.metadata.generator == "reporter 3.2")
        #expect(report.metadata.errors == ["one error"])
        #expect(report.policy.discoveryMethod == .treeWalk)
        #expect(report.policy.np == .quarantine)
        #expect(report.policy.testing == TestingFlag.no)
        #expect(report.policy.sp == nil && report.policy.pct == nil)
        let record = try #require(report.records.first)
        #expect(report.records.count == 1)  // nothing read from inside <extension>
        #expect(record.disposition == .pass)
        #expect(record.reasons == [OverrideReason(type: .policyTestMode, comment: "t=y")])
        #expect(record.envelopeFrom == nil)
        #expect(record.dkimResults.first?.humanResult == "good")
        #expect(record.spfResults.first?.result == .policy && record.spfResults.first?.humanResult == "sender policy")
    }

    @Test func declarationsAndEncodingsAreHonoured() throws {
        let noDeclaration = try parse(Self.document(declaration: ""))
        #expect(noDeclaration.records.count == 1)
        let singleQuotes = try parse(
            Self.document(declaration: "<?xml version='1.0' encoding='utf-8' standalone='yes'?>"))
        #expect(singleQuotes.records.count == 1)
        let bom = try parse(bytes: [0xEF, 0xBB, 0xBF] + Array(Self.document().utf8))
        #expect(bom.records.count == 1)

        let latin = Self.document(
            declaration: #"<?xml version="1.0" encoding="windows-1252"?>"#,
            metadata:
                "<org_name>Soci\u{E9}t\u{E9} \u{201C}G\u{E9}n\u{E9}rale\u{201D}</org_name><email>a@b.fr</email><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range>"
        )
        let cp1252 = try #require(latin.data(using: .windowsCP1252))
        #expect(
            try parse(bytes: [UInt8](cp1252)).metadata.orgName == "Soci\u{E9}t\u{E9} \u{201C}G\u{E9}n\u{E9}rale\u{201D}"
        )

        let utf16 = Self.document(declaration: #"<?xml version="1.0" encoding="UTF-16"?>"#)
        let withBOM = try #require(utf16.data(using: .utf16))  // Foundation writes a BOM
        #expect(try parse(bytes: [UInt8](withBOM)).records.count == 1)
        let bigEndian = try #require(utf16.data(using: .utf16BigEndian))  // no BOM
        #expect(try parse(bytes: [UInt8](bigEndian)).policy.domain == "example.com")
    }

    @Test func invalidUTF8FallsBackToWindows1252() throws {
        // No declaration, and raw windows-1252 bytes (0x93 “, 0xE9 é, 0x94 ”) in the org name.
        let head = Array("<feedback><report_metadata><org_name>".utf8)
        let tail = Array(
            Self.document(
                declaration: "", root: "",
                metadata: "</org_name><report_id>r</report_id><date_range><begin>1</begin><end>2</end></date_range>"
            ).utf8)
        let bytes =
            head + [0x93, 0x4D, 0x61, 0xE9, 0x94] + tail.drop { $0 == 0x0A }.dropFirst("<report_metadata>".utf8.count)
        let report = try parse(bytes: Array(bytes))
        #expect(report.metadata.orgName == "\u{201C}Ma\u{E9}\u{201D}")
        #expect(report.records.count == 1)
    }

    @Test func malformedXMLRejectsTheWholeReport() throws {
        let unescaped = Self.document(
            metadata:
                "<org_name>x</org_name><email><bad-xml@bad-xml.net></email><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range>"
        )
        #expect(throws: IngestError(.malformedXML, "")) { try parse(unescaped) }
        let kddi = Self.document(
            metadata:
                "<org_name>kddi</org_name><report_id>1700/report_id><date_range><begin>1</begin><end>2</end></date_range>"
        )
        #expect(throws: IngestError(.malformedXML, "")) { try parse(kddi) }
        let truncated = String(Self.document().dropLast(40))
        #expect(throws: IngestError(.malformedXML, "")) { try parse(truncated) }
        #expect(throws: IngestError(.notAReport, "")) { try parse("<html><body>hello</body></html>") }
    }

    @Test func strayWrapperAroundTheRootIsTolerated() throws {
        let ikea = Self.document(
            declaration:
                #"<?xml version="1.0"?> <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://dmarc.org/dmarc-xml/0.1">"#
        )
        let report = try parse(ikea)
        #expect(report.records.count == 1 && report.metadata.reportID == "123456789")
        let closed = Self.document(declaration: "<wrapper>") + "</wrapper>"
        #expect(try parse(closed).records.count == 1)
    }

    @Test func dtdsAndEntitiesAreRefused() throws {
        let secret = try TestSupport.temporaryDirectory().appendingPathComponent("secret.txt")
        try Data("TOP-SECRET".utf8).write(to: secret)
        let xxe = """
            <?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file://\(secret.path)">]>
            """
            + Self.document(
                declaration: "",
                metadata:
                    "<org_name>&x;</org_name><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range>"
            )
        #expect(throws: IngestError(.forbiddenXML, "")) { try parse(xxe) }
        let laughs =
            #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>"#
            + Self.document(
                declaration: "",
                metadata:
                    "<org_name>&lol3;</org_name><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range>"
            )
        #expect(throws: IngestError(.forbiddenXML, "")) { try parse(laughs) }
        // Predefined entities and character references are ordinary text.
        let escaped = try parse(
            Self.document(
                metadata:
                    "<org_name>A &amp; B &#x263A; <![CDATA[<C>]]></org_name><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range>"
            ))
        #expect(escaped.metadata.orgName == "A & B \u{263A} <C>")
    }

    @Test func enumerationsAreTrimmedLowercasedAndAliased() throws {
        let report = try parse(
            Self.document(
                records: Self.record(
                    evaluated: "<disposition> Quarantine </disposition><dkim>Pass</dkim><spf>FAIL</spf>",
                    auth:
                        "<dkim><domain>a.com</domain><result>unknown</result></dkim><dkim><domain>b.com</domain><result>hardfail</result></dkim><dkim><domain>c.com</domain><result>invalid</result></dkim><dkim><domain>d.com</domain><result></result></dkim><spf><domain>a.com</domain><result>Error</result></spf>"
                )))
        let record = try #require(report.records.first)
        #expect(record.disposition == .quarantine && record.dkim == .pass && record.spf == .fail)
        #expect(record.dkimResults.map(\.result) == [.temperror, .fail, AuthResult(rawValue: "invalid"), nil])
        #expect(record.dkimResults.map(\.receivedResult) == ["unknown", "hardfail", nil, nil])
        #expect(record.spfResults.first?.result == .permerror && record.spfResults.first?.receivedResult == "Error")
        let softfail = try parse(
            Self.document(
                records: Self.record(evaluated: "<disposition>softfail</disposition><dkim>fail</dkim><spf>fail</spf>")))
        #expect(softfail.records.first?.disposition?.rawValue == "softfail")
    }

    @Test func overrideReasonsInEveryShape() throws {
        let report = try parse(
            Self.document(
                records: Self.record(
                    evaluated: """
                        <disposition>none</disposition><dkim>fail</dkim><spf>fail</spf>
                        <reason><type></type></reason><reason>sampled_out</reason>
                        <reason><type>forwarded</type></reason><reason><type>local_policy</type><comment>arc=pass</comment></reason>
                        """)))
        #expect(
            report.records.first?.reasons == [
                OverrideReason(type: .sampledOut), OverrideReason(type: .forwarded),
                OverrideReason(type: .localPolicy, comment: "arc=pass"),
            ])
    }

    @Test func publishedPolicyAnomalies() throws {
        let missing = try parse(Self.document(policy: "<domain>example.com</domain><p>reject</p><pct>100</pct>"))
        #expect(missing.policy.sp == nil && missing.policy.p == .reject)
        let empty = try parse(Self.document(policy: "<domain>example.com</domain><p>none</p><sp></sp><np>none</np>"))
        #expect(empty.policy.sp == nil && empty.policy.np == .monitor)
        let mailru = try parse(Self.document(policy: "<domain>example.com</domain><p>none</p><sp>nil</sp>"))
        #expect(mailru.policy.sp?.rawValue == "nil")
        let aol = try parse(
            Self.document(
                records: Self.record(
                    evaluated: "<disposition>none</disposition><spf>pass</spf>",
                    auth: "<dkim><domain>not.evaluated</domain><result>none</result></dkim>")))
        #expect(aol.records.first?.dkim == nil && aol.records.first?.passesDMARC == true)
    }

    @Test func emptyAndSelfClosingElements() throws {
        let report = try parse(
            Self.document(
                metadata:
                    "<org_name></org_name><email>noreply@mimecast.example</email><extra_contact_info /><report_id>9</report_id><date_range><begin>1</begin><end>2</end></date_range>",
                records: Self.record(
                    auth:
                        "<dkim><domain/><result/><human_result/></dkim><spf><domain>x.org</domain><result>none</result></spf>"
                )))
        #expect(report.metadata.orgName == "mimecast.example")  // falls back to the e-mail domain
        #expect(report.metadata.extraContactInfo == nil)
        #expect(report.records.first?.dkimResults.isEmpty == true)
        let zero = try parse(Self.document(records: ""))
        #expect(zero.records.isEmpty && zero.messageCount == 0)
        let emptyIP = try parse(Self.document(records: Self.record(ip: "", count: "0")))
        #expect(emptyIP.records.first?.sourceIP == "")
    }

    @Test func elementOrderDoesNotMatter() throws {
        let text = """
            <feedback><record><auth_results><spf><result>pass</result><domain>a.pl</domain></spf><dkim><result>pass</result><domain>a.pl</domain></dkim><dkim><domain>b.pl</domain><result>fail</result></dkim></auth_results>
            <identifiers><header_from>a.pl</header_from></identifiers><row><policy_evaluated><spf>pass</spf><dkim>pass</dkim><disposition>none</disposition></policy_evaluated><count>2</count><source_ip>192.0.2.9</source_ip></row></record>
            <policy_published><p>none</p><domain>a.pl</domain></policy_published>
            <report_metadata><date_range><end>20</end><begin>10</begin></date_range><report_id>1</report_id><email>d@wp.pl</email><org_name>wp.pl</org_name></report_metadata></feedback>
            """
        let report = try parse(text)
        #expect(report.metadata.dateRange == DateRange(begin: 10, end: 20))
        #expect(report.records.first?.count == 2)
        #expect(report.records.first?.dkimResults.map(\.domain) == ["a.pl", "b.pl"])
        #expect(report.records.first?.spfResults.first?.domain == "a.pl")
    }

    @Test func missingOptionalFieldsAreNil() throws {
        let report = try parse(
            Self.document(
                records: Self.record(
                    identifiers: "<header_from>example.com</header_from>",
                    auth: "<dkim><domain>example.com</domain><result>pass</result></dkim>")))
        let record = try #require(report.records.first)
        #expect(record.envelopeFrom == nil && record.dkimResults.first?.selector == nil && record.spfResults.isEmpty)
        #expect(throws: IngestError(.missingField, "")) {
            try parse(
                Self.document(metadata: "<org_name>x</org_name><date_range><begin>1</begin><end>2</end></date_range>"))
        }
        #expect(throws: IngestError(.missingField, "")) { try parse(Self.document(policy: "<p>none</p>")) }
        #expect(throws: IngestError(.missingField, "")) { try parse(Self.document(records: Self.record(count: ""))) }
    }

    @Test func numbersAndAddressesAreNormalised() throws {
        let report = try parse(
            Self.document(
                metadata:
                    "<org_name>o</org_name><report_id>1</report_id><date_range><begin> 1524182400.25</begin><end>1524268799 </end></date_range>",
                records: Self.record(ip: " 2001:DB8:0:0::1 ", count: " 12 ") + Self.record(ip: "X.X.X.X", count: "+4")))
        #expect(report.metadata.dateRange == DateRange(begin: 1_524_182_400, end: 1_524_268_799))
        #expect(report.records.map(\.sourceIP) == ["2001:db8::1", "X.X.X.X"])
        #expect(report.records.map(\.count) == [12, 4])
        #expect(report.messageCount == 16)
    }

    @Test func countsAreSixtyFourBitAndValidated() throws {
        let big = try parse(Self.document(records: Self.record(count: "9000000000")))
        #expect(big.records.first?.count == 9_000_000_000)
        for bad in ["-1", "18446744073709551616", "3.5", "many"] {
            #expect(throws: IngestError(.invalidValue, ""), "count \(bad)") {
                try parse(Self.document(records: Self.record(count: bad)))
            }
        }
        let backwards =
            "<org_name>o</org_name><report_id>1</report_id><date_range><begin>200</begin><end>100</end></date_range>"
        #expect(throws: IngestError(.invalidValue, "")) { try parse(Self.document(metadata: backwards)) }
        let year10000 =
            "<org_name>o</org_name><report_id>1</report_id><date_range><begin>1</begin><end>253402300800</end></date_range>"
        #expect(throws: IngestError(.invalidValue, "")) { try parse(Self.document(metadata: year10000)) }
    }

    @Test func reportIDsAreKeptAsWritten() throws {
        let id = "<fd6daa$d35db00=89b18a@splunk.com>"
        let escaped = id.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let report = try parse(
            Self.document(
                metadata:
                    "<org_name>Cisco</org_name><report_id>\(escaped)</report_id><date_range><begin>1</begin><end>2</end></date_range>"
            ))
        #expect(report.metadata.reportID == id)
        #expect(report.metadata.reporterKey(PublicSuffixList()) == "cisco")  // no address: the organisation name
    }

    /// The duplicate key's reporter is the organisational domain of the report address, else
    /// the lowercased organisation name: a report re-sent under another name is one report.
    @Test func theReporterOfTheDuplicateKeyIsTheAddressesOrganisationalDomain() {
        let list = PublicSuffixList(text: "com\nco.uk\n")
        func key(_ org: String, _ email: String?) -> String {
            ReportMetadata(orgName: org, email: email, reportID: "1", dateRange: DateRange(begin: 0, end: 1))
                .reporterKey(list)
        }
        #expect(
            key("google.com", "noreply-dmarc-support@google.com") == key("fred.com", "noreply-dmarc-support@google.com")
        )
        #expect(key("google.com", "noreply-dmarc-support@google.com") == "google.com")
        #expect(key("Mail", "mailto:dmarc@reports.mail.example.co.uk") == "example.co.uk")
        #expect(key(" Yahoo ", nil) == "yahoo")
        #expect(key(" Yahoo ", "not an address") == "yahoo")
    }

    @Test func largeReportsStream() throws {
        let records = (0..<3000).map { Self.record(ip: "10.0.\($0 / 256).\($0 % 256)", count: "\($0 + 1)") }.joined()
        let report = try parse(Self.document(records: records))
        #expect(report.records.count == 3000)
        #expect(report.messageCount == 3000 * 3001 / 2)
    }

    /// libxml2 gets the document in pieces (516 bytes, then 256 KiB at a time) and may split a
    /// text node where a piece ends: values across those seams, in a skipped element too, are
    /// read whole, in the declared encoding and in a fallback one.
    @Test func valuesAcrossTheSeamsOfTheInputAreWhole() throws {
        for seam in [516, 516 + (256 << 10)] {
            let head = Self.document(records: "").utf8.count - "</feedback>".utf8.count
            // The record's source_ip text starts a few bytes before the seam.
            let prefix = "<record><row><source_ip>"
            let padding = seam - 4 - head - "<!---->".utf8.count - prefix.utf8.count
            let records =
                "<!--\(String(repeating: "~", count: padding))-->"
                + Self.record(ip: "2001:db8::77", count: "12345")
                + "<extension><x>\(String(repeating: "é", count: 300 << 10))</x></extension>"
                + Self.record(ip: "192.0.2.9", count: "1")
            let text = Self.document(records: records)
            let utf8 = Array(text.utf8)
            #expect(String(decoding: utf8[(seam - 4)..<(seam + 4)], as: UTF8.self) == "2001:db8")
            let report = try parse(text)
            #expect(report.records.map(\.sourceIP) == ["2001:db8::77", "192.0.2.9"])
            #expect(report.messageCount == 12346)
            // Invalid UTF-8 past the seam: read again as windows-1252, values still whole.
            let latin = Array(text.replacingOccurrences(of: "é", with: "e").utf8).map {
                $0 == UInt8(ascii: "~") ? 0xE9 : $0
            }
            let fallback = try DMARCParser().parse(latin)
            #expect(fallback.records.map(\.sourceIP) == ["2001:db8::77", "192.0.2.9"])
        }
    }

    @Test func capsAreClearErrors() throws {
        var limits = IngestLimits()
        limits.maxFieldBytes = 100
        let long = Self.document(
            metadata:
                "<org_name>\(String(repeating: "x", count: 500))</org_name><report_id>1</report_id><date_range><begin>1</begin><end>2</end></date_range>"
        )
        #expect(throws: IngestError(.tooLarge, "")) { try DMARCParser(limits: limits).parse(Array(long.utf8)) }
        limits = IngestLimits()
        limits.maxRecords = 2
        let three = Self.document(records: Self.record() + Self.record() + Self.record())
        #expect(throws: IngestError(.tooLarge, "")) { try DMARCParser(limits: limits).parse(Array(three.utf8)) }
        let deep = Self.document(
            records: String(repeating: "<record>", count: 1000) + String(repeating: "</record>", count: 1000))
        #expect(throws: IngestError.self) { try parse(deep) }
        // Deep or long content that the report does not use is refused too, as libxml2's tree
        // builder would.
        let nested = Self.document(
            records: Self.record() + String(repeating: "<x>", count: 300) + String(repeating: "</x>", count: 300))
        #expect(throws: IngestError(.malformedXML, "")) { try parse(nested) }
        let shallow = Self.document(
            records: Self.record() + String(repeating: "<x>", count: 200) + String(repeating: "</x>", count: 200))
        #expect(try parse(shallow).records.count == 1)
        let longText = Self.document(records: Self.record() + "<x>\(String(repeating: "a", count: 10_000_001))</x>")
        #expect(throws: IngestError(.malformedXML, "")) { try parse(longText) }
    }
}

/// Source addresses in one canonical text, so that one host is one source however it was written.
@Suite struct IPAddressTextTests {
    @Test func addressesTakeTheirCanonicalForm() {
        #expect(IPAddressText.canonical(" 192.0.2.1\n") == "192.0.2.1")
        #expect(IPAddressText.canonical("0.0.0.0") == "0.0.0.0")
        #expect(IPAddressText.canonical("2001:DB8:0:0::1") == "2001:db8::1")
        #expect(IPAddressText.canonical("::FFFF:192.0.2.1") == "::ffff:192.0.2.1")
        // Not addresses: kept as written (trimmed), never reinterpreted.
        #expect(IPAddressText.canonical("192.0.2.01") == "192.0.2.01")
        #expect(IPAddressText.canonical("192.0.2") == "192.0.2")
        #expect(IPAddressText.canonical("0x7f.0.0.1") == "0x7f.0.0.1")
        #expect(IPAddressText.canonical("mail.example.com") == "mail.example.com")
    }
}
