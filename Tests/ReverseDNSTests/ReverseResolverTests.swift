import Foundation
import ReportModel
import TestSupport
import Testing

@testable import ReverseDNS

/// c-ares against a real dnsmasq on loopback (Tests/Support/dns_fixture.py).
@Suite(.serialized) struct ReverseResolverTests {
    static let records = """
        host mail-a.example.net 192.0.2.10
        host mail-b.example.net 2001:db8::25
        # a PTR name that resolves elsewhere: not confirmed
        ptr 192.0.2.11 spoof.example.net
        address spoof.example.net 192.0.2.99
        # two PTR names; only the second resolves back
        ptr 192.0.2.12 first.example.net
        ptr 192.0.2.12 second.example.net
        address first.example.net 192.0.2.98
        address second.example.net 192.0.2.12
        """

    func resolver(_ fixture: DNSFixture, timeout: Int32 = 2000, tries: Int32 = 2, concurrency: Int = 64) throws
        -> ReverseResolver
    {
        var configuration = ResolverConfiguration(server: fixture.address)
        configuration.timeoutMilliseconds = timeout
        configuration.tries = tries
        configuration.concurrency = concurrency
        return try ReverseResolver(configuration)
    }

    @Test func namesConfirmationAndCacheLifetimes() throws {
        let fixture = try DNSFixture(records: Self.records)
        defer { fixture.stop() }
        let now: Int64 = 1_800_000_000
        let entries = try resolver(fixture).lookUp(
            [
                "192.0.2.10", "2001:db8::25", "192.0.2.11", "192.0.2.12", "192.0.2.13", "::ffff:192.0.2.10",
                "not an address",
            ], now: now)
        let byIP = Dictionary(uniqueKeysWithValues: entries.map { ($0.ip, $0) })
        #expect(entries.count == 6)  // the non-address is left out

        #expect(byIP["192.0.2.10"]?.status == .found)
        #expect(byIP["192.0.2.10"]?.confirmedName == "mail-a.example.net")
        // dnsmasq serves its records with a TTL of 7200 s; the cache keeps that long.
        #expect(byIP["192.0.2.10"]?.ttl == 7200)
        #expect(byIP["192.0.2.10"]?.expiresAt == now + 7200)
        #expect(byIP["2001:db8::25"]?.confirmedName == "mail-b.example.net")
        #expect(byIP["::ffff:192.0.2.10"]?.confirmedName == "mail-a.example.net")

        #expect(byIP["192.0.2.11"]?.status == .found)
        #expect(byIP["192.0.2.11"]?.names == ["spoof.example.net"])
        #expect(byIP["192.0.2.11"]?.confirmedName == nil)
        #expect(byIP["192.0.2.11"]?.evidence == .unconfirmed)

        #expect(Set(byIP["192.0.2.12"]?.names ?? []) == ["first.example.net", "second.example.net"])
        #expect(byIP["192.0.2.12"]?.confirmedName == "second.example.net")

        // No PTR record: NXDOMAIN, cached for a day.
        #expect(byIP["192.0.2.13"]?.status == .notFound)
        #expect(byIP["192.0.2.13"]?.expiresAt == now + 86_400)
    }

    @Test func slowZonesAnswerAndDeadZonesTimeOutWithManyInFlight() throws {
        let folder = try TestSupport.temporaryDirectory()
        let stats = folder.appendingPathComponent("stats.txt")
        let slow = (1...40).map { "host host\($0).slow.test 198.18.0.\($0)" }.joined(separator: "\n")
        let fixture = try DNSFixture(
            records: Self.records, slowRecords: slow, slowZones: ["0.18.198.in-addr.arpa", "slow.test"], delay: 0.3,
            deadZones: ["0.19.198.in-addr.arpa"], stats: stats)
        defer { fixture.stop() }
        let ips = (1...40).map { "198.18.0.\($0)" } + ["198.19.0.1", "198.19.0.2", "192.0.2.10"]
        // The timeout is ten times the relay's delay: on a loaded machine (the whole suite runs
        // in parallel, PostgreSQL servers starting) a slow answer must still count as an answer.
        let entries = try resolver(fixture, timeout: 3000, tries: 1).lookUp(ips, now: 0)
        let byIP = Dictionary(uniqueKeysWithValues: entries.map { ($0.ip, $0) })
        for index in 1...40 {
            #expect(byIP["198.18.0.\(index)"]?.confirmedName == "host\(index).slow.test")
        }
        #expect(byIP["198.19.0.1"]?.status == .timeout)
        #expect(byIP["198.19.0.2"]?.status == .timeout)
        #expect(byIP["198.19.0.2"]?.expiresAt == 3600)  // failures are asked again after an hour
        #expect(byIP["192.0.2.10"]?.confirmedName == "mail-a.example.net")
        // The relay held many queries at once: the lookups ran in parallel, not one by one.
        let held = try Self.mostHeld(stats)
        #expect(held >= 20, "the slow relay saw at most \(held) queries at once")
    }

    @Test func concurrencyIsBounded() throws {
        let folder = try TestSupport.temporaryDirectory()
        let stats = folder.appendingPathComponent("stats.txt")
        let slow = (1...12).map { "host host\($0).slow.test 198.18.0.\($0)" }.joined(separator: "\n")
        let fixture = try DNSFixture(
            records: Self.records, slowRecords: slow, slowZones: ["0.18.198.in-addr.arpa", "slow.test"], delay: 0.2,
            stats: stats)
        defer { fixture.stop() }
        let entries = try resolver(fixture, concurrency: 3).lookUp((1...12).map { "198.18.0.\($0)" }, now: 0)
        #expect(entries.filter(\.isConfirmed).count == 12)
        let held = try Self.mostHeld(stats)
        #expect(held >= 2 && held <= 3, "the slow relay saw \(held) queries at once with a limit of 3")
    }

    @Test func badServerAddressIsAnError() {
        #expect(throws: ReverseDNSError.self) { try ReverseResolver(ResolverConfiguration(server: "not a server")) }
    }

    @Test func reverseNamesAndHostNames() throws {
        let v6 = try #require(IPAddress.parse("2001:db8::567:89ab"))
        #expect(
            IPAddress.reverseName(v6.bytes)
                == "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
        let v4 = try #require(IPAddress.parse(" 192.0.2.1 "))
        #expect(IPAddress.reverseName(v4.bytes) == "1.2.0.192.in-addr.arpa")
        #expect(IPAddress.parse("192.0.2.256") == nil)
        #expect(DNSName.normalized("Mail.Example.NET.") == "mail.example.net")
        #expect(DNSName.normalized("<script>.example.net") == nil)
        #expect(DNSName.normalized("a..b") == nil)
        #expect(DNSName.normalized(String(repeating: "a", count: 64) + ".net") == nil)
    }

    static func mostHeld(_ stats: URL) throws -> Int {
        let text = try String(contentsOf: stats, encoding: .utf8)
        let line = text.split(separator: "\n").first { $0.hasPrefix("most_held ") }
        return line.flatMap { Int($0.dropFirst("most_held ".count)) } ?? 0
    }
}
