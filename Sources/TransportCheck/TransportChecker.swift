import Foundation
import MailNetwork
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
        let dmarcRecord: Lookup<DMARCRecord> = Self.txtLookup(
            reply("_dmarc.\(domain)", .txt), prefix: "v=DMARC1", parse: DMARCRecord.init(parsing:))

        // Stage 2: each MX host's addresses and TLSA records, and the rua authorisations.
        let hosts = (mx.value ?? []).filter { !$0.host.isEmpty }.prefix(configuration.maxHosts)
        let external = externalDestinations(of: dmarcRecord.value, domain: domain)
        var questions: [DNSQuestion] = []
        for host in hosts {
            questions += [
                DNSQuestion(host.host, .a), DNSQuestion(host.host, .aaaa), DNSQuestion("_25._tcp.\(host.host)", .tlsa),
            ]
        }
        questions += external.map { DNSQuestion("\(domain)._report._dmarc.\($0)", .txt) }
        let second = resolver.resolve(questions)
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
            if let address = addresses.first {
                (policy, policySHA256) = fetcher.fetch(domain: domain, address: address)
            } else if case .failed(let reason) = reply(stsName, .a).status {
                policy = .failed("\(stsName) could not be resolved: \(reason)")
            } else {
                policy = .failed("\(stsName) has no address, so senders cannot fetch the policy")
            }
        }

        // The probes.
        let probe = SMTPProbe(heloName: configuration.heloName)
        let inspector = self.inspector
        let date = Date(timeIntervalSince1970: TimeInterval(now))
        let checks = ProbeRunner(limit: configuration.probeConcurrency).map(Array(hosts)) { host -> MXHostCheck in
            let a = second[DNSQuestion(host.host, .a)]
            let aaaa = second[DNSQuestion(host.host, .aaaa)]
            let addresses = Self.addressLookup(a, aaaa)
            let tlsaReply = second[DNSQuestion("_25._tcp.\(host.host)", .tlsa)]
            let tlsa = Self.tlsaLookup(tlsaReply)
            var outcome: SMTPProbe.Outcome?
            var probed: String?
            for address in (addresses.value ?? []).prefix(2) {
                outcome = probe.run(address: address, serverName: host.host)
                probed = address
                if outcome?.connected == true { break }
            }
            let certificate = outcome.flatMap { inspector.check($0.certificates, host: host.host, now: date) }
            let dane = Self.dane(
                tlsa, authenticated: tlsaReply?.authenticated ?? false, chain: outcome?.certificates ?? [])
            return MXHostCheck(
                host: host.host, preference: host.preference, addresses: addresses, tlsa: tlsa,
                tlsaAuthenticated: tlsaReply?.authenticated ?? false,
                probe: outcome.map { outcome in
                    SMTPProbeOutcome(
                        address: probed ?? "", connected: outcome.connected, banner: outcome.banner,
                        offersSTARTTLS: outcome.offersSTARTTLS, tlsVersion: outcome.tlsVersion,
                        problem: outcome.problem)
                },
                certificate: certificate, dane: dane, coveredByPolicy: policy.value.map { $0.covers(host.host) })
        }

        let destinations = external.map { destination -> DMARCCheck.ExternalDestination in
            let answer = second[DNSQuestion("\(domain)._report._dmarc.\(destination)", .txt)]
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
        return TransportCheck(
            domain: domain, checkedAt: now, mxAuthenticated: mxReply.authenticated,
            mx: mx, hosts: checks,
            mtaSTS: MTASTSCheck(record: stsRecord, policy: policy, policySHA256: policySHA256),
            tlsReporting: tlsReporting,
            dmarc: DMARCCheck(record: dmarcRecord, externalDestinations: destinations), spf: spf)
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
        switch reply.status {
        case .nameNotFound, .noData: return .absent
        case .failed(let reason): return .failed(reason)
        case .found: break
        }
        let texts = reply.records.compactMap { record -> String? in
            guard case .txt(let text) = record, text.lowercased().hasPrefix(prefix.lowercased()) else { return nil }
            return text
        }
        guard let text = texts.first else { return .absent }
        guard texts.count == 1 else {
            return .invalid(
                text: texts.joined(separator: " | "),
                problem: RecordProblem("there are \(texts.count) records, and senders ignore them all"))
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
        _ tlsa: Lookup<[TLSARecord]>, authenticated: Bool, chain: [(certificate: [UInt8], publicKey: [UInt8])]
    ) -> DANEOutcome {
        guard let records = tlsa.value, !records.isEmpty else { return .notPublished }
        guard authenticated else { return .unauthenticated }
        guard records.contains(where: \.isUsableForSMTP) else { return .unusable }
        guard !chain.isEmpty else { return .notCompared }
        return CertificateInspector.daneMatches(records, chain: chain) ? .matched : .mismatched
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

    func map<T, R>(_ items: [T], _ body: @escaping (T) -> R) -> [R] {
        let slots = ResultSlots<R>(count: items.count)
        let gate = DispatchSemaphore(value: max(1, limit))
        let group = DispatchGroup()
        nonisolated(unsafe) let body = body
        nonisolated(unsafe) let items = items
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
