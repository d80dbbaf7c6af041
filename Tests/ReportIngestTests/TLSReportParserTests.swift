import Foundation
import ReportModel
import Testing

@testable import ReportIngest

/// One fixture per TLS-RPT quirk (docs/dialects.md), asserting the parsed values.
@Suite struct TLSReportParserTests {
    func parse(_ text: String) throws -> TLSReport { try TLSReportParser().parse(Array(text.utf8)) }

    static let google = """
        {"organization-name":"Google Inc.","date-range":{"start-datetime":"2026-11-28T00:00:00Z","end-datetime":"2026-11-28T23:59:59Z"},
         "contact-info":"smtp-tls-reporting@google.com","report-id":"2026-11-28T00:00:00Z_example.com",
         "policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: *.example.com","max_age: 86400"],
           "policy-domain":"Example.com","mx-host":["*.example.com"]},
           "summary":{"total-successful-session-count":120,"total-failure-session-count":4},
           "failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"2001:DB8::25","receiving-mx-hostname":"MX1.example.com.",
             "receiving-mx-helo":"mx1.example.com","receiving-ip":"192.0.2.10","failed-session-count":3,
             "additional-information":"https://example.com/tls","failure-reason-code":"X509_V_ERR_CERT_HAS_EXPIRED"},
             {"result-type":"Testing","failed-session-count":"1"}]}]}
        """

    @Test func readsEveryField() throws {
        let report = try parse(Self.google)
        #expect(report.organizationName == "Google Inc.")
        #expect(report.contactInfo == "smtp-tls-reporting@google.com")
        #expect(report.reportID == "2026-11-28T00:00:00Z_example.com")
        // 23:59:59 reads as the day's end
        #expect(report.dateRange == DateRange(begin: 1_795_824_000, end: 1_795_910_400))
        let result = try #require(report.policies.first)
        #expect(result.policy.type == .sts && result.policy.type.category == .sts)
        #expect(result.policy.domain == "example.com")
        #expect(result.policy.mxHosts == ["*.example.com"])
        #expect(result.policy.stsMode == .testing && result.policy.stsMaxAge == 86400)
        #expect(result.successfulSessions == 120 && result.failedSessions == 4)
        #expect(
            result.failureDetails.first
                == TLSFailureDetail(
                    resultType: .certificateExpired, sendingMTAIP: "2001:db8::25",
                    receivingMXHostname: "mx1.example.com",
                    receivingMXHelo: "mx1.example.com", receivingIP: "192.0.2.10", failedSessionCount: 3,
                    additionalInformation: "https://example.com/tls", failureReasonCode: "X509_V_ERR_CERT_HAS_EXPIRED"))
        #expect(result.failureDetails.first?.resultType.category == .transport)
        #expect(result.failureDetails.last?.resultType.rawValue == "testing")  // unknown, kept
        #expect(result.failureDetails.last?.resultType.category == .other)
        #expect(result.failureDetails.last?.failedSessionCount == 1)  // a numeric string
        #expect(result.detailedFailures == 4)
    }

    @Test func microsoftShapes() throws {
        let report = try parse(
            """
            \u{FEFF}{"organization-name":"Microsoft Corporation","date-range":{"start-datetime":"2026-11-28T00:00:00","end-datetime":"2026-11-28T23:59:59"},
             "contact-info":"tlsrpt-noreply@microsoft.com","report-id":"133944884956529435+example.com",
             "policies":[{"policy":{"policy-type":"tlsa","policy-string":["[\\"3 1 1 6007EE\\",\\"3 1 1 837C77\\"]"],"policy-domain":"example.com"},
               "summary":{"total-successful-session-count":2,"total-failure-session-count":1},
               "failure-details":[{"result-type":"sts-policy-fetch-error","failed-session-count":1}]}]}
            """)
        #expect(report.dateRange.begin == 1_795_824_000)  // no zone: UTC
        let policy = try #require(report.policies.first)
        #expect(policy.policy.type.category == .dane)
        #expect(policy.policy.strings == ["3 1 1 6007EE", "3 1 1 837C77"])
        #expect(
            policy.failureDetails.first?.sendingMTAIP == nil && policy.failureDetails.first?.receivingMXHostname == nil)
        #expect(policy.failureDetails.first?.resultType.category == .sts)
    }

    @Test func tolerantFieldsAndMissingValues() throws {
        let report = try parse(
            """
            {"organization-name":"refluxstop.de","date-range":{"start-datetime":"2026-11-28T00:00:00.000+01:00","end-datetime":"2026-11-29T00:00:00+01:00"},
             "contact-info":null,"report-id":"2026-11-28T00:00:00Z_idx1_example.com",
             "policies":[{"policy":{"policy-type":"no-policy-found","mx-host-pattern":"mx.example.com"},
               "summary":{"total-successful-session-count":5,"total-failure-session-count":0}},
               {"policy":{"policy-type":"sts","policy-string":"version: STSv1","policy-domain":"example.com","mx-host":"mx.example.com"},
               "summary":{"total-successful-session-count":1,"total-failure-session-count":2},
               "failure-details":[{"result-type":"sts-webpki-invalid","failed-session-count":2,"additional-info-uri":"https://x.example/"}]}]}
            """)
        #expect(report.contactInfo == nil)
        #expect(report.dateRange == DateRange(begin: 1_795_820_400, end: 1_795_906_800))
        #expect(report.policies[0].policy.domain == nil && report.policies[0].policy.mxHosts == ["mx.example.com"])
        #expect(report.policies[0].policy.type.category == .transport)
        #expect(report.policies[1].policy.strings == ["version: STSv1"])
        #expect(report.policies[1].failureDetails.first?.additionalInformation == "https://x.example/")
    }

    @Test func rejectsWhatIsNotATLSReport() throws {
        #expect(throws: IngestError(.malformedJSON, "")) { try parse(#"{"organization-name": "x", "#) }
        #expect(throws: IngestError(.notAReport, "")) { try parse(#"{"hello": "world"}"#) }
        #expect(throws: IngestError(.notAReport, "")) { try parse("[1, 2, 3]") }
        let base = Self.google
        #expect(throws: IngestError(.invalidValue, "")) {
            try parse(base.replacingOccurrences(of: "\"failed-session-count\":3", with: "\"failed-session-count\":-3"))
        }
        #expect(throws: IngestError(.invalidValue, "")) {
            try parse(
                base.replacingOccurrences(
                    of: "\"failed-session-count\":3", with: "\"failed-session-count\":99999999999999999999"))
        }
        #expect(throws: IngestError(.invalidValue, "")) {
            try parse(base.replacingOccurrences(of: "2026-11-28T23:59:59Z", with: "10000-01-01T00:00:00Z"))
        }
        #expect(throws: IngestError(.invalidValue, "")) {
            try parse(base.replacingOccurrences(of: "2026-11-28T23:59:59Z", with: "2026-11-27T00:00:00Z"))
        }
        #expect(throws: IngestError(.missingField, "")) {
            try parse(base.replacingOccurrences(of: "\"report-id\"", with: "\"report\""))
        }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: IngestError(.malformedJSON, "")) { try parse(#"{"a": "# + deep + "}") }
    }

    @Test func rfc3339Dates() {
        #expect(RFC3339.timestamp("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.timestamp("2026-11-28t12:00:00.123456z") == 1_795_867_200)
        #expect(RFC3339.timestamp("2026-11-28 12:00:00-02:30") == 1_795_876_200)
        #expect(RFC3339.timestamp("2026-02-30T00:00:00Z") == nil)
        #expect(RFC3339.timestamp("2026-11-28") == nil)
        #expect(RFC3339.timestamp("2026-11-28T00:00:00Zjunk") == nil)
    }
}
