import Foundation
import ReportModel
import ReportStore
import StoreBackends
import TestSupport
import Testing

/// The live checks kept by both backends alike: stored whole with their time, read back newest
/// first within the time asked, replaced at the same second, and moving the content generation
/// (so `nightly` rewrites a pack that shows them).
@Suite struct TransportCheckStoreTests {
    static func check(_ domain: String, at time: Int64, id: String) throws -> TransportCheck {
        var certificate = CertificateCheck(
            subject: "CN=mx1", issuer: "CN=CA", names: ["mx1.\(domain)"], notBefore: time - 100, notAfter: time + 9_000,
            chainTrusted: true, chainProblem: nil, namesMatchHost: true, certificateSHA256: "ab",
            publicKeySHA256: "cd")
        certificate.chainTrustedApartFromDates = true
        let host = MXHostCheck(
            host: "mx1.\(domain)", preference: 10, addresses: .found(["192.0.2.1", "2001:db8::1"]),
            tlsa: .found([TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [1, 2, 3])]),
            tlsaAuthenticated: true,
            probe: SMTPProbeOutcome(
                address: "192.0.2.1", connected: true, banner: "mx1 ESMTP \u{1}é", offersSTARTTLS: true,
                tlsVersion: "TLSv1.3", problem: nil),
            certificate: certificate, dane: .matched, coveredByPolicy: true)
        var check = TransportCheck(
            domain: domain, checkedAt: time, mxAuthenticated: true,
            mx: .found([MXRecord(preference: 10, host: "mx1.\(domain)")]), hosts: [host],
            mtaSTS: MTASTSCheck(
                record: .found(try MTASTSRecord(parsing: "v=STSv1; id=\(id)")),
                policy: .invalid(text: "version: STSv2", problem: RecordProblem("its version is not STSv1")),
                policySHA256: "ef"),
            tlsReporting: .failed("no answer in time"),
            dmarc: DMARCCheck(
                record: .found(try DMARCRecord(parsing: "v=DMARC1; p=quarantine; rua=mailto:d@x.example")),
                externalDestinations: [.init(domain: "x.example", authorised: nil)]),
            spf: SPFCheck(record: .absent, lookups: 0, voidLookups: 0, macroTerms: 0, problems: []))
        check.hostsNotChecked = 2
        return check
    }

    @Test(arguments: TestBackend.available)
    func checksAreKeptWithTheirTime(_ backend: TestBackend) throws {
        let store = try StoreOpener.open(try backend.newStore())
        let before = try store.contentGeneration()
        let checks = [
            try Self.check("example.com", at: 1_000, id: "1"), try Self.check("example.com", at: 2_000, id: "2"),
            try Self.check("example.com", at: 3_000, id: "3"), try Self.check("example.org", at: 2_500, id: "9"),
        ]
        try store.recordTransportChecks(checks)
        #expect(try store.contentGeneration() != before)
        #expect(
            try store.transportChecks(domains: ["example.com"], through: .max, limit: 10) == checks.prefix(3).reversed()
        )
        #expect(try store.transportChecks(domains: ["example.com"], through: 2_999, limit: 1) == [checks[1]])
        #expect(
            try store.transportChecks(domains: ["example.com", "example.org"], through: 2_600, limit: 1) == [
                checks[1], checks[3],
            ])
        #expect(try store.transportChecks(domains: ["example.net"], through: .max, limit: 5).isEmpty)
        // The same domain and second: the later check replaces the earlier one.
        let again = try Self.check("example.com", at: 3_000, id: "4")
        try store.recordTransportChecks([again])
        #expect(try store.transportChecks(domains: ["example.com"], through: .max, limit: 1) == [again])
    }
}
