import Foundation
import ReportModel
import Testing

@testable import ReportAnalysis

/// The catalogue, naming by confirmed reverse DNS only, and the classes (worked by hand).
@Suite struct SourceClassificationTests {
    let psl = PublicSuffixList(text: "com\nnet\norg\nde\nexample\n")

    func totals(_ messages: Int64, pass: Int64, spf: Int64, dkim: Int64) -> DMARCTotals {
        var totals = DMARCTotals()
        totals.messages = messages
        totals.dmarcPass = pass
        totals.spfAlignedPass = spf
        totals.dkimAlignedPass = dkim
        return totals
    }

    func entry(_ ip: String, _ names: [String], confirmed: String?, status: ReverseDNSEntry.Status = .found)
        -> ReverseDNSEntry
    {
        ReverseDNSEntry(ip: ip, status: status, names: names, confirmedName: confirmed, resolvedAt: 0, expiresAt: 1)
    }

    @Test func shippedCatalogueIsConsistent() throws {
        let catalogue = SourceCatalogue.shipped
        #expect(catalogue.entries.count > 150)
        // Each source key has one service name and one category, whichever of its domains matched.
        let bySource = Dictionary(grouping: catalogue.entries, by: \.source)
        for (source, entries) in bySource {
            #expect(Set(entries.map(\.service)).count == 1, "source \(source) has several service names")
            #expect(
                Set(entries.map(\.category)).count == 1 || source == "salesforce.com" || source == "oracle.com",
                "source \(source) has several categories")
            #expect(catalogue.entry(forSource: source) != nil)
        }
        let known: Set<SourceCategory> = [.mailbox, .esp, .marketing, .saas, .gateway, .forwarder, .isp, .hosting]
        for entry in catalogue.entries {
            #expect(known.contains(entry.category), "\(entry.domain): unknown category \(entry.category)")
            #expect(catalogue.entry(forHostName: "host-1.\(entry.domain).")?.domain == entry.domain)
        }
        // The longest listed domain wins; names only match on label boundaries.
        #expect(
            catalogue.entry(forHostName: "mail-db8eur05on2051.outbound.protection.outlook.com")?.domain
                == "protection.outlook.com")
        #expect(catalogue.entry(forHostName: "notgoogle.com") == nil)
        #expect(catalogue.aliases["outlook.com"] == "microsoft.com")
        #expect(catalogue.aliases["mcsv.net"] == "mailchimp.com")
        #expect(throws: SourceMapError.self) { try SourceCatalogue(text: "only,three,fields") }
    }

    @Test func namesComeFromConfirmedReverseDNSOnly() {
        let resolver = SourceResolver(publicSuffixList: psl)
        let builder = CorrelationBuilder(
            resolver: resolver,
            reverseDNS: [
                "192.0.2.1": entry("192.0.2.1", ["mail-sor-f41.google.com"], confirmed: "mail-sor-f41.google.com"),
                "192.0.2.2": entry("192.0.2.2", ["mail-fake.google.com"], confirmed: nil),
                "192.0.2.3": entry("192.0.2.3", ["smtp.smallshop.example"], confirmed: "smtp.smallshop.example"),
                "192.0.2.4": entry("192.0.2.4", [], confirmed: nil, status: .notFound),
            ])
        let google = builder.source(forIP: "192.0.2.1")
        #expect(google == .init(key: "google.com", category: "mailbox", service: "Google", origin: .catalogue))
        #expect(google.displayName == "Google")
        // An unconfirmed PTR name is anyone's claim: the source stays a network.
        #expect(builder.source(forIP: "192.0.2.2") == .init(key: "192.0.2.0/24", origin: .network))
        #expect(builder.evidence(forIP: "192.0.2.2") == .unconfirmed)
        #expect(builder.source(forIP: "192.0.2.3") == .init(key: "smallshop.example", origin: .reverseDNS))
        #expect(builder.evidence(forIP: "192.0.2.4") == ReverseDNSEvidence.none)
        #expect(builder.evidence(forIP: "192.0.2.9") == .unknown)
    }

    @Test func sourceMapOverridesTheCatalogue() throws {
        let map = try SourceMap(text: ".smtp-out.amazonses.com,our-ses-account,esp\n198.51.100.0/24,google.com,saas\n")
        let resolver = SourceResolver(sourceMap: map, publicSuffixList: psl)
        #expect(
            resolver.source(forIP: "192.0.2.9", ptr: "a8-21.smtp-out.amazonses.com")
                == .init(key: "our-ses-account", category: "esp", origin: .sourceMap))
        // The map's source keeps the catalogue's service name; the map's category wins.
        #expect(
            resolver.source(forIP: "198.51.100.7")
                == .init(key: "google.com", category: "saas", service: "Google", origin: .sourceMap))
    }

    @Test func classesFromCountsWorkedByHand() {
        func verdict(_ t: DMARCTotals, _ source: SourceResolver.Source, _ evidence: ReverseDNSEvidence = .confirmed)
            -> SourceClass?
        {
            SourceClassifier.classify(t, source: source, evidence: evidence)?.sourceClass
        }
        let google = SourceResolver.Source(
            key: "google.com", category: "mailbox", service: "Google", origin: .catalogue)
        let unknownOrg = SourceResolver.Source(key: "smallshop.example", origin: .reverseDNS)
        let network = SourceResolver.Source(key: "192.0.2.0/24", origin: .network)
        let forwarder = SourceResolver.Source(
            key: "pobox.com", category: "forwarder", service: "Pobox", origin: .catalogue)
        let isp = SourceResolver.Source(key: "comcast.net", category: "isp", service: "Comcast", origin: .catalogue)
        let mapped = SourceResolver.Source(key: "our-crm", origin: .sourceMap)

        // 100 messages, 95 pass (90 by SPF): authorised.
        #expect(verdict(totals(100, pass: 95, spf: 90, dkim: 60), unknownOrg) == .authorised)
        // Exactly half passing counts as mostly passing.
        #expect(verdict(totals(10, pass: 5, spf: 5, dkim: 0), network, .none) == .authorised)
        // An unknown host passing by DKIM alone (80 of 100, SPF 10) with no evidence of a relay:
        // an ESP passing SPF for its own bounce domain, authorised (it used to be a forwarder).
        #expect(verdict(totals(100, pass: 90, spf: 10, dkim: 85), unknownOrg) == .authorised)
        #expect(verdict(totals(100, pass: 100, spf: 0, dkim: 100), network, .unknown) == .authorised)
        // The same with most of its mail showing a relay (our domain's SPF failed while DKIM
        // survived, or receivers said forwarded): a forwarder, even when some of it fails.
        var relayed = totals(100, pass: 90, spf: 10, dkim: 85)
        relayed.relayed = 80
        #expect(verdict(relayed, unknownOrg) == .forwarder)
        relayed = totals(100, pass: 40, spf: 0, dkim: 40)
        relayed.relayed = 60
        #expect(verdict(relayed, network, .none) == .forwarder)
        // A mailbox provider whose mail mostly shows a relay forwards its users' mail (Gmail
        // forwarding): a forwarder, even when the relay broke DKIM; an ESP's or a mapped
        // source's never makes it one.
        relayed = totals(450, pass: 100, spf: 0, dkim: 100)
        relayed.relayed = 400
        #expect(verdict(relayed, google) == .forwarder)
        let esp = SourceResolver.Source(key: "sendgrid.net", category: "esp", service: "SendGrid", origin: .catalogue)
        #expect(verdict(relayed, esp) == .misconfigured)
        #expect(verdict(relayed, mapped, .unknown) == .misconfigured)
        relayed.relayed = 40
        #expect(verdict(relayed, google) == .misconfigured)
        // A known ESP passing by DKIM alone signs for you: authorised.
        #expect(verdict(totals(450, pass: 450, spf: 0, dkim: 450), google) == .authorised)
        // A known forwarder is one, whatever its counts.
        #expect(verdict(totals(20, pass: 0, spf: 0, dkim: 0), forwarder) == .forwarder)
        // A known service failing: misconfigured; so is a source of your own map.
        #expect(verdict(totals(100, pass: 30, spf: 30, dkim: 0), google) == .misconfigured)
        #expect(verdict(totals(100, pass: 0, spf: 0, dkim: 0), mapped, .unknown) == .misconfigured)
        // Failing from an ISP network, with no PTR, or an unconfirmed one: suspicious.
        #expect(verdict(totals(6, pass: 0, spf: 0, dkim: 0), isp) == .suspicious)
        #expect(verdict(totals(34, pass: 0, spf: 0, dkim: 0), network, .none) == .suspicious)
        #expect(verdict(totals(7, pass: 1, spf: 1, dkim: 0), network, .unconfirmed) == .suspicious)
        // Failing under a confirmed name nobody knows, or never looked up: unknown.
        #expect(verdict(totals(40, pass: 0, spf: 0, dkim: 0), unknownOrg) == .unknown)
        #expect(verdict(totals(40, pass: 0, spf: 0, dkim: 0), network, .unknown) == .unknown)
        // No DMARC mail (a TLS-only reporter): no class.
        #expect(verdict(totals(0, pass: 0, spf: 0, dkim: 0), google) == nil)
        // The reason carries the counts.
        #expect(
            SourceClassifier.classify(totals(34, pass: 0, spf: 0, dkim: 0), source: network, evidence: .none)?.reason
                == "fails DMARC: 34 of 34; no PTR name")
    }

    @Test func correlationRowsCarryClassesAndTheirTallies() {
        let resolver = SourceResolver(publicSuffixList: psl)
        let builder = CorrelationBuilder(
            resolver: resolver,
            reverseDNS: [
                "192.0.2.1": entry("192.0.2.1", ["mail.example.org"], confirmed: "mail.example.org"),
                "192.0.2.2": entry("192.0.2.2", ["mail-fake.google.com"], confirmed: nil),
                "192.0.2.3": entry("192.0.2.3", [], confirmed: nil, status: .notFound),
                "198.51.100.1": entry("198.51.100.1", ["o1.ptr1.sendgrid.net"], confirmed: "o1.ptr1.sendgrid.net"),
            ])
        func aggregate(_ ip: String, _ t: DMARCTotals) -> DMARCSourceAggregate {
            DMARCSourceAggregate(
                domain: "example.org", sourceIP: ip, reporterOrgName: "google.com", reporterEmail: nil, reports: [1],
                totals: t)
        }
        let rows = builder.rows(
            by: .source,
            dmarc: [
                aggregate("192.0.2.1", totals(70, pass: 70, spf: 70, dkim: 0)),
                aggregate("192.0.2.2", totals(7, pass: 0, spf: 0, dkim: 0)),
                aggregate("192.0.2.3", totals(3, pass: 0, spf: 0, dkim: 0)),
                aggregate("198.51.100.1", totals(20, pass: 2, spf: 2, dkim: 0)),
            ], tls: [])
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ($0.source, $0) })
        // The domain's own servers are known senders.
        #expect(byKey["example.org"]?.category == "own")
        #expect(byKey["example.org"]?.verdict?.sourceClass == .authorised)
        // One network, two addresses: the strongest evidence (an unconfirmed name) decides.
        #expect(byKey["192.0.2.0/24"]?.evidence == .unconfirmed)
        #expect(byKey["192.0.2.0/24"]?.dmarc.messages == 10)
        #expect(
            byKey["192.0.2.0/24"]?.verdict
                == SourceVerdict(sourceClass: .suspicious, reason: "fails DMARC: 10 of 10; PTR name not confirmed"))
        #expect(byKey["sendgrid.net"]?.displayName == "SendGrid")
        #expect(byKey["sendgrid.net"]?.verdict?.sourceClass == .misconfigured)
        #expect(
            SourceClassTally.tally(rows) == [
                SourceClassTally(sourceClass: .authorised, sources: 1, messages: 70, dmarcPass: 70),
                SourceClassTally(sourceClass: .misconfigured, sources: 1, messages: 20, dmarcPass: 2),
                SourceClassTally(sourceClass: .suspicious, sources: 1, messages: 10, dmarcPass: 0),
            ])
    }
}
