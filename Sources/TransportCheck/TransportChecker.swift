import Foundation
import MailNetwork
import ReportAnalysis
import ReportModel
import ReverseDNS

/// Why a check could not start (a resolver address or a CA file that cannot be used).
public struct TransportCheckError: Error, CustomStringConvertible, Sendable {
    /// The sentence shown.
    public var description: String
    init(_ description: String) { self.description = description }
}

/// How `mailtally check` looks.
public struct TransportCheckConfiguration: Sendable {
    /// The DNS server (`--resolver`) and its timeouts.
    public var resolver: ResolverConfiguration
    /// Further trusted roots for the SMTP and HTTPS certificates (`--ca-file`).
    public var extraRootsFile: String?
    /// The name given in EHLO.
    public var heloName: String
    /// The Public Suffix List, for which `rua` destinations are outside the domain.
    public var publicSuffixes: PublicSuffixList
    /// MX hosts probed at once.
    public var probeConcurrency = 8
    /// MX hosts checked per domain, in preference order.
    public var maxHosts = 10
    /// Seconds for each SMTP reply and for the HTTPS fetch.
    public var timeoutSeconds: Int64 = 15
    /// Whether loopback, private, link-local and other non-global addresses may be probed: yes
    /// for domains named on the command line, no for domains taken from reports (anyone can mail
    /// a report naming a domain whose MX points inside your network).
    public var probesPrivateAddresses = true

    /// Whether `address` may be probed.
    func allowsProbing(_ address: String) -> Bool {
        probesPrivateAddresses || AddressScope.isGlobal(address)
    }

    static func privateAddressProblem(_ host: String, _ address: String) -> String {
        "\(host) resolves to \(address), which is not a public address: not probed for a domain taken from "
            + "reports (name the domain to `mailtally check`, or give --probe-private)"
    }

    /// A configuration asking `resolver`, trusting the system's roots and `extraRootsFile`.
    public init(
        resolver: ResolverConfiguration, extraRootsFile: String?, heloName: String, publicSuffixes: PublicSuffixList
    ) {
        self.resolver = resolver
        self.extraRootsFile = extraRootsFile
        self.heloName = heloName
        self.publicSuffixes = publicSuffixes
    }
}

/// The live transport check of a domain (docs/transport.md): DNS, then the MTA-STS policy, then
/// each MX host's port 25. Blocking; DNS questions of a stage go out together, probes run
/// `probeConcurrency` at a time.
public final class TransportChecker {
    private let configuration: TransportCheckConfiguration
    private let resolver: RecordResolver
    private let inspector: CertificateInspector
    private let fetcher: PolicyFetcher

    /// - Throws: ``TransportCheckError`` for a resolver address or a CA file that cannot be used.
    public init(_ configuration: TransportCheckConfiguration) throws(TransportCheckError) {
        self.configuration = configuration
        do {
            resolver = try RecordResolver(configuration.resolver)
        } catch {
            throw TransportCheckError(error.description)
        }
        inspector = try CertificateInspector(extraRootsFile: configuration.extraRootsFile)
        fetcher = PolicyFetcher(
            extraRootsFile: configuration.extraRootsFile, timeoutSeconds: configuration.timeoutSeconds)
    }

    /// Checks `domain` (already lowercased) at `now` (Unix seconds).
    public func check(_ domain: String, now: Int64) -> TransportCheck {
        let stsName = "mta-sts.\(domain)"
        let first = resolver.resolve([
            DNSQuestion(domain, .mx), DNSQuestion("_mta-sts.\(domain)", .txt),
            DNSQuestion("_smtp._tls.\(domain)", .txt), DNSQuestion("_dmarc.\(domain)", .txt),
            DNSQuestion(domain, .txt), DNSQuestion(stsName, .a), DNSQuestion(stsName, .aaaa),
            DNSQuestion(domain, .a), DNSQuestion(domain, .aaaa),
        ])
        func reply(_ name: String, _ type: DNSRecordType) -> DNSReply {
            first[DNSQuestion(name, type)]
                ?? DNSReply(status: .failed("not asked"), authenticated: false, records: [])
        }
        let mxReply = reply(domain, .mx)
        let mx = Self.mxLookup(mxReply)
        let stsRecord: Lookup<MTASTSRecord> = Self.txtLookup(
            reply("_mta-sts.\(domain)", .txt), prefix: "v=STSv1", parse: MTASTSRecord.init(parsing:))
        let tlsReporting: Lookup<TLSRPTRecord> = Self.txtLookup(
            reply("_smtp._tls.\(domain)", .txt), prefix: "v=TLSRPTv1", parse: TLSRPTRecord.init(parsing:))
        var dmarcRecord: Lookup<DMARCRecord> = Self.txtLookup(
            reply("_dmarc.\(domain)", .txt), prefix: "v=DMARC1", parse: DMARCRecord.init(parsing:))
        // A subdomain without a record of its own is under its organisational domain's (RFC 7489 section 6.6.3).
        var dmarcFrom: String?
        let organisational = configuration.publicSuffixes.organizationalDomain(of: domain)
        if case .absent = dmarcRecord, organisational != domain {
            let question = DNSQuestion("_dmarc.\(organisational)", .txt)
            if let answer = resolver.resolve([question])[question] {
                let inherited: Lookup<DMARCRecord> = Self.txtLookup(
                    answer, prefix: "v=DMARC1", parse: DMARCRecord.init(parsing:))
                if case .absent = inherited {
                } else {
                    dmarcRecord = inherited
                    dmarcFrom = organisational
                }
            }
        }

        // Stage 2: each MX host's addresses and TLSA records, and the rua authorisations.
        // No MX but an address: senders deliver to the domain itself (RFC 5321 section 5.1).
        var records = mx.value ?? []
        if mxReply.status == .noData, !(reply(domain, .a).records + reply(domain, .aaaa).records).isEmpty {
            records = [MXRecord(preference: 0, host: domain)]
        }
        var seen: Set<String> = []
        let distinct = records.filter { !$0.host.isEmpty && seen.insert($0.host).inserted }
        let hosts = distinct.prefix(configuration.maxHosts)
        // Reports under an inherited record are the organisational domain's: its consent names it.
        let policyDomain = dmarcFrom ?? domain
        let external = externalDestinations(of: dmarcRecord.value, domain: policyDomain)
        var questions: [DNSQuestion] = []
        for host in hosts {
            questions += [
                DNSQuestion(host.host, .a), DNSQuestion(host.host, .aaaa), DNSQuestion("_25._tcp.\(host.host)", .tlsa),
            ]
        }
        questions += external.map { DNSQuestion("\(policyDomain)._report._dmarc.\($0)", .txt) }
        var second = resolver.resolve(questions)
        // An MX host that is an alias: DANE looks for TLSA at the name it leads to first (RFC
        // 7672 section 2.2.3), and the certificate may be for either name.
        var canonical: [String: String] = [:]
        for host in hosts {
            let led =
                second[DNSQuestion(host.host, .a)]?.canonicalName
                ?? second[DNSQuestion(host.host, .aaaa)]?.canonicalName
            if let led, led != host.host { canonical[host.host] = led }
        }
        if !canonical.isEmpty {
            second.merge(resolver.resolve(canonical.values.map { DNSQuestion("_25._tcp.\($0)", .tlsa) })) { a, _ in a }
        }
        let spf = SPFWalk(resolver: resolver).check(domain: domain, reply: reply(domain, .txt))

        // The policy, when announced.
        var policy: Lookup<MTASTSPolicy> = .absent
        var policySHA256: String?
        if stsRecord.value != nil {
            let addresses =
                (reply(stsName, .a).records + reply(stsName, .aaaa).records).compactMap { record -> String? in
                    if case .address(let text) = record { return text }
                    return nil
                }
            if let address = addresses.first, !configuration.allowsProbing(address) {
                policy = .failed(TransportCheckConfiguration.privateAddressProblem(stsName, address))
            } else if let address = addresses.first {
                (policy, policySHA256) = fetcher.fetch(domain: domain, address: address)
            } else if case .failed(let reason) = reply(stsName, .a).status {
                policy = .failed("\(stsName) could not be resolved: \(reason)")
            } else {
                policy = .failed("\(stsName) has no address, so senders cannot fetch the policy")
            }
        }

        // The probes.
        var probe = SMTPProbe(heloName: configuration.heloName)
        probe.replyTimeout = TimeInterval(configuration.timeoutSeconds)
        probe.connectTimeout = min(10, configuration.timeoutSeconds)
        let inspector = self.inspector
        let configuration = self.configuration
        let probeSettings = probe
        let aliases = canonical
        let answers = second
        let policyFound = policy.value
        let date = Date(timeIntervalSince1970: TimeInterval(now))
        let checks = ProbeRunner(limit: configuration.probeConcurrency).map(Array(hosts)) { host -> MXHostCheck in
            let a = answers[DNSQuestion(host.host, .a)]
            let aaaa = answers[DNSQuestion(host.host, .aaaa)]
            // An address where a name belongs: RFC 5321 wants a host name as the MX target.
            let addresses =
                AddressScope.isAddress(host.host)
                ? .invalid(
                    text: host.host,
                    problem: RecordProblem("the MX target \(host.host) is an IP address, not a host name (RFC 5321)"))
                : Self.addressLookup(a, aaaa)
            let aliasTLSA = aliases[host.host].flatMap { answers[DNSQuestion("_25._tcp.\($0)", .tlsa)] }
            let tlsaReply =
                aliasTLSA?.status == .found ? aliasTLSA : answers[DNSQuestion("_25._tcp.\(host.host)", .tlsa)]
            let names = [host.host] + (aliases[host.host].map { [$0] } ?? [])
            let tlsa = Self.tlsaLookup(tlsaReply)
            var outcome: SMTPProbe.Outcome?
            var probed: String?
            for address in (addresses.value ?? []).prefix(2) {
                probed = address
                guard configuration.allowsProbing(address) else {
                    outcome = SMTPProbe.Outcome(
                        problem: TransportCheckConfiguration.privateAddressProblem(host.host, address))
                    continue
                }
                outcome = probeSettings.run(address: address, serverName: host.host)
                if outcome?.connected == true { break }
            }
            let certificate = outcome.flatMap { inspector.check($0.certificates, names: names, now: date) }
            // DANE applies when the TLSA answer and the host's addresses are validated (RFC 7672 section 2.2).
            let validated =
                (tlsaReply?.authenticated ?? false) && (a?.authenticated == true || aaaa?.authenticated == true)
            let dane = Self.dane(
                tlsa, authenticated: validated, chain: outcome?.certificates ?? [], names: names, inspector: inspector)
            var check = MXHostCheck(
                host: host.host, preference: host.preference, addresses: addresses, tlsa: tlsa,
                tlsaAuthenticated: tlsaReply?.authenticated ?? false,
                probe: outcome.map { outcome in
                    SMTPProbeOutcome(
                        address: probed ?? "", connected: outcome.connected, banner: outcome.banner,
                        offersSTARTTLS: outcome.offersSTARTTLS, tlsVersion: outcome.tlsVersion,
                        problem: outcome.problem)
                },
                certificate: certificate, dane: dane, coveredByPolicy: policyFound.map { $0.covers(host.host) })
            check.canonicalName = aliases[host.host]
            return check
        }

        let destinations = external.map { destination -> DMARCCheck.ExternalDestination in
            let answer = second[DNSQuestion("\(policyDomain)._report._dmarc.\(destination)", .txt)]
            switch answer?.status {
            case .found:
                let authorised = answer?.records.contains { record in
                    if case .txt(let text) = record { return text.lowercased().hasPrefix("v=dmarc1") }
                    return false
                }
                return .init(domain: destination, authorised: authorised ?? false)
            case .nameNotFound, .noData: return .init(domain: destination, authorised: false)
            case .failed, nil: return .init(domain: destination, authorised: nil)
            }
        }
        var dmarc = DMARCCheck(record: dmarcRecord, externalDestinations: destinations)
        dmarc.inheritedFrom = dmarcFrom
        var check = TransportCheck(
            domain: domain, checkedAt: now, mxAuthenticated: mxReply.authenticated,
            mx: mx, hosts: checks,
            mtaSTS: MTASTSCheck(record: stsRecord, policy: policy, policySHA256: policySHA256),
            tlsReporting: tlsReporting, dmarc: dmarc, spf: spf)
        check.hostsNotChecked = distinct.count - hosts.count
        return check
    }

    /// The `rua` mailto domains whose organisational domain is not the checked domain's.
    private func externalDestinations(of record: DMARCRecord?, domain: String) -> [String] {
        guard let record else { return [] }
        let own = configuration.publicSuffixes.organizationalDomain(of: domain)
        return DMARCRecord.mailtoDomains(record.aggregateReportURIs).filter {
            configuration.publicSuffixes.organizationalDomain(of: $0) != own
        }
    }

    // MARK: Reading replies

    static func mxLookup(_ reply: DNSReply) -> Lookup<[MXRecord]> {
        switch reply.status {
        case .found:
            let records = reply.records.compactMap { record -> MXRecord? in
                if case .mx(let preference, let host) = record { return MXRecord(preference: preference, host: host) }
                return nil
            }
            return .found(records.sorted { ($0.preference, $0.host) < ($1.preference, $1.host) })
        case .nameNotFound, .noData: return .absent
        case .failed(let reason): return .failed(reason)
        }
    }

    /// The one TXT record starting with `prefix` (case-insensitive), parsed; two or more is an
    /// error the RFCs share (senders then ignore the records).
    static func txtLookup<Value>(
        _ reply: DNSReply, prefix: String, parse: (String) throws(RecordProblem) -> Value
    ) -> Lookup<Value> {
        // Only records whose first tag is exactly `v=VERSION` are ours; others are not read at all.
        txtLookup(
            reply,
            isOurs: { text in
                let first = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let pair = first.split(separator: "=", maxSplits: 1)
                return pair.count == 2 && String(pair[0]).trimmedWhitespace().lowercased() == "v"
                    && "v=" + String(pair[1]).trimmedWhitespace() == prefix
            }, parse: parse, many: { "there are \($0) records, and senders ignore them all" })
    }

    /// The one TXT record of `reply` that `isOurs`, parsed; `many` says why several are wrong.
    static func txtLookup<Value>(
        _ reply: DNSReply, isOurs: (String) -> Bool, parse: (String) throws(RecordProblem) -> Value,
        many: (Int) -> String
    ) -> Lookup<Value> {
        switch reply.status {
        case .nameNotFound, .noData: return .absent
        case .failed(let reason): return .failed(reason)
        case .found: break
        }
        let texts = reply.records.compactMap { record -> String? in
            guard case .txt(let text) = record, isOurs(text) else { return nil }
            return text
        }
        guard let text = texts.first else { return .absent }
        guard texts.count == 1 else {
            return .invalid(text: texts.joined(separator: " | "), problem: RecordProblem(many(texts.count)))
        }
        do {
            return .found(try parse(text))
        } catch {
            return .invalid(text: String(text.prefix(500)), problem: error)
        }
    }

    static func addressLookup(_ a: DNSReply?, _ aaaa: DNSReply?) -> Lookup<[String]> {
        let replies = [a, aaaa].compactMap { $0 }
        let addresses = replies.flatMap { reply in
            reply.records.prefix(8).compactMap { record -> String? in
                if case .address(let text) = record { return text }
                return nil
            }
        }
        if !addresses.isEmpty { return .found(addresses) }
        if let failed = replies.lazy.compactMap({ reply -> String? in
            if case .failed(let reason) = reply.status { return reason }
            return nil
        }).first {
            return .failed(failed)
        }
        return .absent
    }

    static func tlsaLookup(_ reply: DNSReply?) -> Lookup<[TLSARecord]> {
        guard let reply else { return .failed("not asked") }
        switch reply.status {
        case .found:
            return .found(
                reply.records.compactMap { record in
                    if case .tlsa(let value) = record { return value }
                    return nil
                })
        case .nameNotFound, .noData: return .absent
        case .failed(let reason): return .failed(reason)
        }
    }

    static func dane(
        _ tlsa: Lookup<[TLSARecord]>, authenticated: Bool, chain: [(certificate: [UInt8], publicKey: [UInt8])],
        names: [String], inspector: CertificateInspector
    ) -> DANEOutcome {
        if case .failed = tlsa { return .lookupFailed }
        guard let records = tlsa.value, !records.isEmpty else { return .notPublished }
        guard authenticated else { return .unauthenticated }
        guard records.contains(where: \.isUsableForSMTP) else { return .unusable }
        guard !chain.isEmpty else { return .notCompared }
        return inspector.daneMatches(records, chain: chain, names: names) ? .matched : .mismatched
    }
}

/// Which addresses are global (routable on the Internet), for the probe's refusal of others:
/// the networks below never are.
enum AddressScope {
    static let nonGlobal = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/3", "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
    ].compactMap(IPNetwork.init)

    /// Whether `text` is an IPv4 or IPv6 address.
    static func isAddress(_ text: String) -> Bool { IPNetwork.parseAddress(text) != nil }

    /// Whether `text` is an address outside every non-global network (IPv4-mapped IPv6 read as IPv4).
    static func isGlobal(_ text: String) -> Bool {
        guard let bytes = IPNetwork.parseAddress(text) else { return false }
        return !nonGlobal.contains { $0.contains(bytes) }
    }
}

/// Results filled in from several threads.
private final class ResultSlots<R>: @unchecked Sendable {
    let lock = NSLock()
    var results: [R?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
}

/// Runs blocking work on at most `limit` threads at once, results in input order.
struct ProbeRunner {
    let limit: Int

    func map<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) -> R) -> [R] {
        let slots = ResultSlots<R>(count: items.count)
        let gate = DispatchSemaphore(value: max(1, limit))
        let group = DispatchGroup()
        for index in items.indices {
            gate.wait()
            group.enter()
            Thread.detachNewThread {
                let result = body(items[index])
                slots.lock.withLock { slots.results[index] = result }
                gate.signal()
                group.leave()
            }
        }
        group.wait()
        return slots.results.compactMap { $0 }
    }
}
