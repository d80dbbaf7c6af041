import Foundation
import ReportModel
import TestSupport
import Testing

@testable import ReportIngest

/// Our own fixture for each MIME point the mailbox issue lists, asserting names and bytes.
@Suite struct MIMEParserTests {
    func parse(_ text: String) throws -> ParsedMessage { try MIMEParser().parse(Array(text.utf8)[...]) }

    let report = Array("<feedback>hello</feedback>".utf8)
    var base64Report: String { Data(report).base64EncodedString() }

    @Test func unfoldsHeadersAndDecodesEncodedWords() throws {
        let message = try parse(
            """
            Subject: =?utf-8?B?UmVwb3J0IERvbWFpbjog?=
             =?utf-8?Q?example.com_Submitter:_caf=C3=A9?=\r
            X-Folded: one\r
            \ttwo\r
            Message-ID: <abc@host>\r
            \r
            body
            """)
        #expect(message.headers.decoded("subject") == "Report Domain: example.com Submitter: café")
        #expect(message.headers["x-folded"] == "one two")
        #expect(message.headers.decoded("MESSAGE-ID") == "<abc@host>")
    }

    @Test func rfc2231ParametersWithContinuationsAndCharsets() {
        let split = HeaderParameters(
            parsing: #"attachment; filename*1="l.gz"; filename*0="amazonses.com!x!1745884800!1745971200.xm""#)
        #expect(split.value == "attachment")
        #expect(split["filename"] == "amazonses.com!x!1745884800!1745971200.xml.gz")
        let encoded = HeaderParameters(parsing: "attachment; filename*=utf-8''%E2%82%AC%20report.xml.gz")
        #expect(encoded["filename"] == "€ report.xml.gz")
        let mixed = HeaderParameters(
            parsing: #"attachment; filename*0*=utf-8''caf%C3%A9; filename*1*=%20r; filename*2="eport.zip""#)
        #expect(mixed["filename"] == "café report.zip")
        let quotedWord = HeaderParameters(parsing: #"application/zip; name="=?UTF-8?B?cmVwb3J0LnppcA==?=""#)
        #expect(quotedWord["name"] == "report.zip")
        let type = HeaderParameters(parsing: #"Multipart/Report; Report-Type="tlsrpt"; boundary="a;b""#)
        #expect(type.value == "multipart/report" && type["report-type"] == "tlsrpt" && type["boundary"] == "a;b")
    }

    @Test func base64AndQuotedPrintableAreLenient() {
        let encoded = Array(base64Report.utf8)
        let messy =
            Array(encoded.prefix(10)) + Array(" \r\n\t".utf8)
            + Array(encoded.dropFirst(10)).filter { $0 != UInt8(ascii: "=") }
        #expect(TransferDecoding.base64(messy[...]) == report)
        #expect(TransferDecoding.base64(Array((base64Report + "\r\n--junk after padding").utf8)[...]) == report)
        let qp = Array("<feedback attr=3D\"x\">soft=\r\nbreak=\nlf =C3=A9 =ZZ</feedback>".utf8)
        #expect(
            String(decoding: TransferDecoding.quotedPrintable(qp[...]), as: UTF8.self)
                == "<feedback attr=\"x\">softbreaklf é =ZZ</feedback>")
    }

    @Test func singlePartBodyIsTheReport() throws {
        // Google: the whole message is the zip.
        let message = try parse(
            """
            From: noreply-dmarc-support@google.com
            Content-Type: application/zip; name="google.com!example.com!1!2.zip"
            Content-Transfer-Encoding: base64

            \(base64Report)
            """)
        #expect(
            message.parts == [
                MailPart(
                    path: "1", contentType: "application/zip", filename: "google.com!example.com!1!2.zip", bytes: report
                )
            ])
    }

    @Test func nestedMultipartsAndForwardedMessages() throws {
        let message = try parse(
            """
            Content-Type: multipart/mixed; boundary="outer"

            preamble
            --outer
            Content-Type: multipart/related; boundary=inner

            --inner
            Content-Type: multipart/alternative; boundary="alt"

            --alt
            Content-Type: text/plain

            hello
            --alt
            Content-Type: text/html

            <p>hello</p>
            --alt--
            --inner
            Content-Type: application/gzip
            Content-Disposition: inline; filename="r.xml.gz"
            Content-Transfer-Encoding: base64

            \(base64Report)
            --inner--
            --outer
            Content-Type: message/rfc822

            From: someone@example.org
            Content-Type: multipart/mixed; boundary=fwd

            --fwd
            Content-Type: text/xml; name=forwarded.xml
            Content-Transfer-Encoding: quoted-printable

            <feedback>hello</feedback>
            --fwd--
            --outer--
            epilogue
            """)
        #expect(message.parts.map(\.path) == ["1.1.1", "1.1.2", "1.2", "2.1"])
        #expect(message.parts[2].filename == "r.xml.gz" && message.parts[2].bytes == report)
        #expect(message.parts[3].filename == "forwarded.xml" && message.parts[3].bytes == report)
        #expect(message.parts[1].contentType == "text/html")
    }

    @Test func missingCloseDelimiterAndCRLF() throws {
        let text =
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/xml\r\n\r\n<feedback>hello</feedback>\r\n--b\r\nContent-Type: text/plain\r\n\r\nlast part, no close"
        let message = try parse(text)
        #expect(message.parts.map(\.bytes) == [report, Array("last part, no close".utf8)])
    }

    @Test func failureReportsAreRecognised() throws {
        let arf = try parse(
            """
            Content-Type: multipart/report; report-type=feedback-report; boundary=x

            --x
            Content-Type: message/feedback-report

            Feedback-Type: auth-failure
            --x--
            """)
        #expect(arf.isFailureReport)
        let tlsrpt = try parse(
            "Content-Type: multipart/report; report-type=tlsrpt; boundary=x\n\n--x\nContent-Type: application/tlsrpt+json\n\n{}\n--x--\n"
        )
        #expect(!tlsrpt.isFailureReport && tlsrpt.parts.first?.contentType == "application/tlsrpt+json")
    }

    @Test func capsAreEnforced() throws {
        let many =
            "Content-Type: multipart/mixed; boundary=b\n\n"
            + String(repeating: "--b\nContent-Type: text/plain\n\nx\n", count: 100_001) + "--b--\n"
        #expect(throws: IngestError(.tooLarge, "")) { try parse(many) }
        let longHeader = "Subject: " + String(repeating: "a", count: 2 << 20) + "\n\nbody"
        #expect(throws: IngestError(.tooLarge, "")) { try parse(longHeader) }
        // With no blank line after it, one endless header line once escaped the cap.
        let noBody = "Subject: " + String(repeating: "S", count: 5 << 20)
        #expect(throws: IngestError(.tooLarge, "")) { try parse(noBody) }
        let noBodyLines =
            "Subject: a\n" + String(repeating: "X-Pad: " + String(repeating: "p", count: 1000) + "\n", count: 2000)
        #expect(throws: IngestError(.tooLarge, "")) { try parse(noBodyLines) }
    }

    /// Encoded words are decoded as before (words joined, white space between them dropped,
    /// malformed ones kept as written), and hostile fragments cost one pass: a header of
    /// `=?a?b?c ` repeated once took minutes at 512 KB.
    @Test func encodedWordsAreDecodedInOnePass() {
        let cases: [(String, String)] = [
            ("=?utf-8?B?Y2Fmw6k=?= =?utf-8?Q?_au_lait?=", "café au lait"),
            ("a =?utf-8?q?b?= c", "a b c"),
            ("=?utf-8?B?YQ==?=\r\n\t=?utf-8?B?Yg==?= x", "ab x"),
            ("=?bad", "=?bad"), ("=?utf-8?X?abc?=", "=?utf-8?X?abc?="),
            ("=?utf-8?Q?has space?=", "=?utf-8?Q?has space?="),
            ("=?=?utf-8?Q?ok?=", "=?ok"), ("=?utf-8*en?Q?lang?=", "lang"), ("=?iso-8859-1?Q?caf=E9?= !", "café !"),
            ("plain text", "plain text"), ("=?", "=?"), ("x=?utf-8?B??=y", "xy"),
        ]
        for (input, expected) in cases { #expect(EncodedWords.decode(input) == expected, "\(input)") }
        for fragment in ["=?a?b?c ", "=?a?b?c", "=?a?", "=?utf-8?Q?x", "=?utf-8?Q?x y"] {
            let hostile = String(repeating: fragment, count: (1 << 20) / fragment.utf8.count)
            let unchanged = EncodedWords.decode(hostile) == hostile  // compared here: no megabyte in a failure message
            #expect(unchanged, "\(fragment)")
        }
        let many = String(repeating: "=?utf-8?Q?a?= ", count: 50_000)
        let joined = EncodedWords.decode(many) == String(repeating: "a", count: 50_000) + " "
        #expect(joined)
    }

    @Test func mailExtractorFindsReportsByContentAndSkipsTheRest() throws {
        let gz = try TestSupport.gzip(Array(DMARCParserTests.document().utf8))
        let message = """
            Message-ID: <m1@example.com>
            TLS-Report-Domain: example.com
            Subject: =?utf-8?Q?Report_Domain:_example.com?=
            Content-Type: multipart/mixed; boundary=b
            ContentType: broken

            --b
            Content-Type: text/html

            <html><feedback/></html>
            --b
            Content-Type: application/gzip; name=report.xml.gz
            Content-Transfer-Encoding: base64

            \(Data(gz).base64EncodedString(options: .lineLength76Characters))
            --b
            Content-Type: application/octet-stream; name=logo.png
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=
            --b--
            """
        let extracted = MailExtractor().extract(message: Array(message.utf8)[...], number: 7)
        #expect(extracted.provenance.label == "message 7 <m1@example.com>")
        #expect(extracted.provenance.tlsReportDomain == "example.com")
        #expect(extracted.provenance.subject == "Report Domain: example.com")
        #expect(extracted.documents.count == 1)
        guard case .dmarc(let report, let part)? = extracted.documents.first else {
            Issue.record("no report: \(extracted.documents)")
            return
        }
        #expect(part == "part 2 gzip" && report.records.count == 1)
        let none = MailExtractor().extract(
            message: Array("Subject: hi\n\nFrom now on, hello.\n".utf8)[...], number: nil)
        #expect(none.skipped?.kind == .noReport && none.documents.isEmpty)
    }
}

@Suite struct InputDetectionTests {
    @Test func messagesAreRecognisedByTheirFirstHeaderField() {
        func looks(_ text: String) -> Bool { MailHeaders.looksLikeMessage(Array(text.utf8)[...]) }
        #expect(looks("Received: from a by b\nSubject: x\n\nbody"))
        #expect(looks("X-Mozilla-Status: 0001\n"))
        #expect(looks("DKIM-Signature: v=1"))
        #expect(!looks(#"{"organization-name":"Google Inc."}"#))
        #expect(!looks(#"<?xml version="1.0"?><feedback/>"#))
        #expect(!looks("From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n"))
        #expect(!looks("unused"))
        #expect(!looks(""))
    }
}
