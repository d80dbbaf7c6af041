import ReportModel
import ReverseDNS
import Testing

/// The TXT record and policy parsers on the texts real domains publish, and on broken ones.
@Suite struct RecordParserTests {
    @Test func dmarcRecordWithEveryTag() throws {
        let record = try DMARCRecord(
            parsing:
                "v=DMARC1; p=reject; sp=quarantine; np=reject; pct=50; adkim=s; aspf=r; "
                + "rua=mailto:dmarc@example.com,mailto:reports@Vendor.Example!10m; ruf=mailto:f@example.com")
        #expect(record.policy == .reject)
        #expect(record.subdomainPolicy == .quarantine)
        #expect(record.nonexistentPolicy == .reject)
        #expect(record.percent == 50)
        #expect(record.dkimAlignment == .strict)
        #expect(record.spfAlignment == .relaxed)
        #expect(record.aggregateReportURIs == ["mailto:dmarc@example.com", "mailto:reports@Vendor.Example"])
        #expect(DMARCRecord.mailtoDomains(record.aggregateReportURIs) == ["example.com", "vendor.example"])
        #expect(record.failureReportURIs == ["mailto:f@example.com"])
    }

    @Test func dmarcRecordDefaultsAndRefusals() throws {
        let minimal = try DMARCRecord(parsing: "v=DMARC1;p=none")
        #expect(minimal.percent == 100 && minimal.dkimAlignment == .relaxed && minimal.subdomainPolicy == nil)
        #expect(throws: RecordProblem.self) { try DMARCRecord(parsing: "p=reject; v=DMARC1") }
        #expect(throws: RecordProblem.self) { try DMARCRecord(parsing: "v=DMARC1; p=block") }
        #expect(throws: RecordProblem.self) { try DMARCRecord(parsing: "v=dmarc1; p=none") }
        #expect(minimal.notes == nil)
        // What receivers work around (RFC 7489 section 6.6.3): no p= with a rua is p=none, a
        // pct out of range is 100; each said.
        let noPolicy = try DMARCRecord(parsing: "v=DMARC1; rua=mailto:a@b.example")
        #expect(noPolicy.policy == .monitor)
        #expect(noPolicy.notes == ["it has no p= tag: receivers read it as p=none"])
        let badSP = try DMARCRecord(parsing: "v=DMARC1; p=reject; sp=block; rua=mailto:a@b.example")
        #expect(badSP.policy == .monitor && badSP.subdomainPolicy == nil)
        let badPercent = try DMARCRecord(parsing: "v=DMARC1 ; p = quarantine ; pct = 200")
        #expect(badPercent.policy == .quarantine && badPercent.percent == 100)
        #expect(badPercent.notes == ["pct=200 is not a number from 0 to 100: receivers use 100"])
    }

    @Test func tlsReportingAndSTSRecords() throws {
        let tlsrpt = try TLSRPTRecord(parsing: "v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example/tls")
        #expect(tlsrpt.reportURIs == ["mailto:tls@example.com", "https://r.example/tls"])
        #expect(throws: RecordProblem.self) { try TLSRPTRecord(parsing: "v=TLSRPTv1; rua=ftp://x") }
        #expect(throws: RecordProblem.self) { try TLSRPTRecord(parsing: "v=TLSRPTv2; rua=mailto:a@b.example") }
        #expect(try MTASTSRecord(parsing: "v=STSv1; id=20261207T0315;").id == "20261207T0315")
        #expect(throws: RecordProblem.self) { try MTASTSRecord(parsing: "v=STSv1; id=2026-12-07") }
        #expect(throws: RecordProblem.self) { try MTASTSRecord(parsing: "v=STSv1") }
    }

    @Test func mtaSTSPolicyAndPatterns() throws {
        let policy = try MTASTSPolicy(
            parsing: Array(
                "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n"
                    .utf8))
        #expect(policy.mode == .enforce && policy.maxAge == 604_800)
        #expect(policy.mxPatterns == ["mail.example.com", "*.example.net"])
        #expect(policy.covers("MAIL.example.com"))
        #expect(policy.covers("mx1.example.net"))
        #expect(!policy.covers("a.mx1.example.net"))
        #expect(!policy.covers("example.net"))
        #expect(!policy.covers("mail2.example.com"))
        #expect(throws: RecordProblem.self) {
            try MTASTSPolicy(parsing: Array("version: STSv1\nmode: enforce\nmax_age: 86400\n".utf8))
        }
        #expect(throws: RecordProblem.self) {
            try MTASTSPolicy(parsing: Array("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 86400\n".utf8))
        }
        #expect(throws: RecordProblem.self) {
            try MTASTSPolicy(parsing: Array("version: STSv1\nmode: testing\nmx: a.example\nmax_age: -1\n".utf8))
        }
        #expect(try MTASTSPolicy(parsing: Array("version: STSv1\nmode: none\nmax_age: 86400\n".utf8)).mode == .none)
    }

    @Test func spfTermsThatCostLookups() throws {
        let record = try SPFRecord(
            parsing:
                "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a a/24 a:mail.example.com mx mx:example.net/24 "
                + "include:_spf.google.com exists:%{i}._spf.example.com ptr redirect=_spf.example.org exp=x.example"
        )
        #expect(record.lookupTerms.map(\.kind) == [.a, .a, .a, .mx, .mx, .include, .exists, .ptr, .redirect])
        #expect(
            record.lookupTerms.map(\.domain) == [
                nil, nil, "mail.example.com", nil, "example.net", "_spf.google.com", nil, nil, "_spf.example.org",
            ])
        #expect(record.lookupTerms[6].hasMacro)
        #expect(record.allQualifier == nil)
        // After `all`, nothing is evaluated, and a redirect beside `all` is ignored.
        let ended = try SPFRecord(parsing: "v=spf1 include:a.example -all include:b.example redirect=c.example")
        #expect(ended.lookupTerms.map(\.domain) == ["a.example"])
        #expect(ended.allQualifier == "-")
        #expect(SPFRecord.isSPF("v=spf1 -all") && SPFRecord.isSPF("V=SPF1") && !SPFRecord.isSPF("v=spf10"))
        #expect(throws: RecordProblem.self) { try SPFRecord(parsing: "v=spf1 include: -all") }
        #expect(throws: RecordProblem.self) { try SPFRecord(parsing: "spf2.0/pra include:x.example") }
    }

    @Test func certificateExpiryInWholeDays() {
        let certificate = CertificateCheck(
            subject: "", issuer: "", names: [], notBefore: 0, notAfter: 10 * 86_400, chainTrusted: true,
            chainProblem: nil, namesMatchHost: true, certificateSHA256: "", publicKeySHA256: "")
        #expect(certificate.daysUntilExpiry(at: 0) == 10)
        #expect(certificate.daysUntilExpiry(at: 10 * 86_400 - 1) == 0)
        #expect(certificate.daysUntilExpiry(at: 10 * 86_400 + 1) == -1)
        #expect(certificate.daysUntilExpiry(at: 13 * 86_400) == -3)
    }

    @Test func tlsaUsableForSMTP() {
        #expect(TLSARecord(usage: 3, selector: 1, matchingType: 1, data: []).isUsableForSMTP)
        #expect(TLSARecord(usage: 2, selector: 0, matchingType: 2, data: []).isUsableForSMTP)
        #expect(!TLSARecord(usage: 1, selector: 1, matchingType: 1, data: []).isUsableForSMTP)
        #expect(!TLSARecord(usage: 3, selector: 2, matchingType: 1, data: []).isUsableForSMTP)
        #expect(TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [0xab, 0x01]).shown == "3 1 1 ab01")
    }
}

/// The DNS answer reader on answers written byte by byte, as a server sends them.
@Suite struct DNSRecordReaderTests {
    /// A response with one question and `answers` (type, rdata), the names compressed to the question.
    static func answer(
        _ name: String, type: UInt16, flags: UInt16 = 0x8180, answers: [(UInt16, [UInt8])]
    ) -> [UInt8] {
        var bytes: [UInt8] = [
            0x12, 0x34, UInt8(flags >> 8), UInt8(flags & 0xFF), 0, 1, 0, UInt8(answers.count), 0, 0, 0, 0,
        ]
        for label in name.split(separator: ".") { bytes += [UInt8(label.utf8.count)] + Array(label.utf8) }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        for (recordType, data) in answers {
            bytes += [0xC0, 0x0C, UInt8(recordType >> 8), UInt8(recordType & 0xFF), 0, 1, 0, 0, 0x0E, 0x10]
            bytes += [UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
        }
        return bytes
    }

    static func read(_ bytes: [UInt8], _ type: DNSRecordType) -> DNSReply {
        bytes.withUnsafeBufferPointer { DNSRecordReader.read($0, type: type) }
    }

    @Test func mxTxtTlsaAndTheADBit() {
        let mxData: [UInt8] = [0, 10, 3] + Array("mx1".utf8) + [0xC0, 0x0C]
        let mx = Self.read(Self.answer("example.test", type: 15, answers: [(15, mxData)]), .mx)
        #expect(mx.status == .found && !mx.authenticated)
        #expect(mx.records == [.mx(preference: 10, host: "mx1.example.test")])

        let long = String(repeating: "a", count: 255)
        let txtData: [UInt8] = [255] + Array(long.utf8) + [5] + Array("b c=d".utf8)
        let txt = Self.read(Self.answer("example.test", type: 16, flags: 0x81A0, answers: [(16, txtData)]), .txt)
        #expect(txt.authenticated)
        #expect(txt.records == [.txt(long + "b c=d")])

        let tlsa = Self.read(
            Self.answer("_25._tcp.mx1.example.test", type: 52, answers: [(52, [3, 1, 1, 0xde, 0xad]), (5, [0])]),
            .tlsa)
        #expect(tlsa.records == [.tlsa(TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [0xde, 0xad]))])

        let a = Self.read(Self.answer("mx1.example.test", type: 1, answers: [(1, [127, 0, 9, 2])]), .a)
        #expect(a.records == [.address("127.0.9.2")])
    }

    @Test func errorsAndTruncation() {
        #expect(
            Self.read(Self.answer("nx.example.test", type: 16, flags: 0x8183, answers: []), .txt).status
                == .nameNotFound)
        #expect(Self.read(Self.answer("x.example.test", type: 16, answers: []), .txt).status == .noData)
        if case .failed = Self.read(Self.answer("x.example.test", type: 16, flags: 0x8182, answers: []), .txt).status {
        } else {
            Issue.record("SERVFAIL must be a failure")
        }
        var cut = Self.answer("example.test", type: 16, answers: [(16, [5] + Array("hello".utf8))])
        cut.removeLast(3)
        if case .failed = Self.read(cut, .txt).status {} else { Issue.record("a cut answer must be a failure") }
        if case .failed = Self.read([1, 2, 3], .txt).status {} else { Issue.record("a short answer must fail") }
        // A TXT character-string longer than its record is cut, never read past.
        let overlong = Self.read(Self.answer("example.test", type: 16, answers: [(16, [40, 0x61])]), .txt)
        #expect(overlong.records == [.txt("")])
    }
}
