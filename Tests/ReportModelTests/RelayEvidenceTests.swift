import Testing

@testable import ReportModel

/// The relay evidence of a record (docs/findings.md, "Relayed mail"), worked by hand.
@Suite struct RelayEvidenceTests {
    let suffixes = PublicSuffixList(text: "com\nnet\norg\nexample\nco.uk\n")

    func record(
        dkim: AlignedVerdict = .pass, spf: AlignedVerdict = .fail, headerFrom: String? = "news.shop.example",
        spfResults: [SPFAuthResult], reasons: [OverrideReason] = []
    ) -> AggregateRecord {
        AggregateRecord(
            sourceIP: "192.0.2.1", count: 1, disposition: .monitor, dkim: dkim, spf: spf, reasons: reasons,
            headerFrom: headerFrom,
            spfResults: spfResults)
    }

    func shows(_ record: AggregateRecord, domain: String = "shop.example") -> Bool {
        RelayEvidence.shows(record, policyDomain: domain, suffixes: suffixes)
    }

    @Test func ourOwnDomainFailingSPFWhileDKIMSurvivesIsARelay() {
        for result in [AuthResult.fail, .softfail, .noResult, .neutral] {
            #expect(shows(record(spfResults: [SPFAuthResult(domain: "shop.example", result: result)])), "\(result)")
        }
        // A subdomain of our organisation is ours too.
        #expect(shows(record(spfResults: [SPFAuthResult(domain: "bounce.shop.example", result: .softfail)])))
    }

    @Test func anESPPassingSPFForItsOwnDomainIsNot() {
        #expect(!shows(record(spfResults: [SPFAuthResult(domain: "bounces.sendgrid.net", result: .pass)])))
        // Its own domain failing is its problem, not a relay of our mail.
        #expect(!shows(record(spfResults: [SPFAuthResult(domain: "amazonses.com", result: .fail)])))
        // Our domain passing, or erroring, shows no relay.
        #expect(!shows(record(spfResults: [SPFAuthResult(domain: "shop.example", result: .pass)])))
        #expect(!shows(record(spfResults: [SPFAuthResult(domain: "shop.example", result: .temperror)])))
        #expect(!shows(record(spfResults: [SPFAuthResult(domain: nil, result: .fail)])))
    }

    @Test func onlyMailThatPassedByDKIMAloneCounts() {
        let ours = [SPFAuthResult(domain: "shop.example", result: .fail)]
        #expect(!shows(record(dkim: .fail, spfResults: ours)))
        #expect(!shows(record(spf: .pass, spfResults: ours)))
    }

    @Test func receiversNamingARelayAreEvidenceWhateverTheVerdicts() {
        for type in [OverrideReasonType.forwarded, .trustedForwarder, .mailingList] {
            #expect(shows(record(dkim: .fail, spfResults: [], reasons: [OverrideReason(type: type)])), "\(type)")
        }
        #expect(!shows(record(dkim: .fail, spfResults: [], reasons: [OverrideReason(type: .localPolicy)])))
    }

    @Test func withoutAHeaderFromThePolicyDomainIsOurs() {
        let failing = [SPFAuthResult(domain: "mail.example.co.uk", result: .softfail)]
        #expect(shows(record(headerFrom: nil, spfResults: failing), domain: "example.co.uk"))
        #expect(!shows(record(headerFrom: nil, spfResults: failing), domain: "other.co.uk"))
    }
}
