import Crypto
import Foundation
import ReportModel
import SwiftASN1
// The validity check set aside tells an expired chain from an untrusted one: the package's
// documented route for that (its deprecation notes name these SPIs).
@_spi(DisableValidityCheck) import X509

/// Checks the chain an MX presented as a sending MTA would under MTA-STS (RFC 8461 section 4.2):
/// a path to a trusted root under RFC 5280 at the time of the check (swift-certificates'
/// verifier), and a subjectAltName DNS name that covers the MX host (RFC 6125, one leftmost
/// wildcard label). DANE (RFC 7672) compares the TLSA records with the same chain.
struct CertificateInspector: Sendable {
    let roots: CertificateStore

    /// Trusts the system's roots and the PEM certificates of `extraRootsFile`.
    /// - Throws: ``TransportCheckError`` when the file cannot be read or holds no certificate.
    init(extraRootsFile: String?) throws(TransportCheckError) {
        var extra: [Certificate] = []
        if let file = extraRootsFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw TransportCheckError("the certificate authority file \(file) cannot be read")
            }
            let documents = (try? PEMDocument.parseMultiple(pemString: text)) ?? []
            extra = documents.compactMap { try? Certificate(pemDocument: $0) }
            guard !extra.isEmpty else {
                throw TransportCheckError("the certificate authority file \(file) holds no PEM certificate")
            }
        }
        var store = CertificateStore.systemTrustRoots
        store.append(contentsOf: extra)
        roots = store
    }

    /// The leaf of `chain` checked for the host `names` (the MX name, and where its alias leads);
    /// nil when the leaf could not be read.
    func check(_ chain: [(certificate: [UInt8], publicKey: [UInt8])], names hosts: [String], now: Date)
        -> CertificateCheck?
    {
        guard let first = chain.first, let leaf = try? Certificate(derEncoded: first.certificate) else { return nil }
        let intermediates = chain.dropFirst().compactMap { try? Certificate(derEncoded: $0.certificate) }
        let names = Self.dnsNames(of: leaf)
        let trust = validate(leaf: leaf, intermediates: intermediates, now: now)
        var check = CertificateCheck(
            subject: String(describing: leaf.subject).prefix(300).description,
            issuer: String(describing: leaf.issuer).prefix(300).description,
            names: Array(names.prefix(32)),
            notBefore: Int64(leaf.notValidBefore.timeIntervalSince1970),
            notAfter: Int64(leaf.notValidAfter.timeIntervalSince1970),
            chainTrusted: trust.now, chainProblem: trust.problem,
            namesMatchHost: names.contains { name in hosts.contains { Self.name(name, covers: $0) } },
            certificateSHA256: Self.hex(SHA256.hash(data: first.certificate)),
            publicKeySHA256: Self.hex(SHA256.hash(data: first.publicKey)))
        check.chainTrustedApartFromDates = trust.apartFromDates
        check.untrustedProblem = trust.untrustedProblem
        return check
    }

    /// Whether a usable TLSA record matches (RFC 7672 section 3.1): DANE-EE(3) the leaf itself;
    /// DANE-TA(2) a certificate above it in the presented chain, which then must be the anchor
    /// of a valid path from the leaf, whose names must cover one of the host `names`. Selector 0 is the
    /// certificate, 1 its public key; matching type 0 exact, 1 SHA-256, 2 SHA-512.
    func daneMatches(
        _ records: [TLSARecord], chain: [(certificate: [UInt8], publicKey: [UInt8])], names hosts: [String]
    ) -> Bool {
        let usable = records.filter(\.isUsableForSMTP)
        guard let leafEntry = chain.first else { return false }
        if usable.contains(where: { $0.usage == 3 && Self.matches($0, leafEntry) }) { return true }
        let parsed = chain.map { try? Certificate(derEncoded: $0.certificate) }
        guard let first = parsed.first, let leaf = first,
            Self.dnsNames(of: leaf).contains(where: { name in hosts.contains { Self.name(name, covers: $0) } })
        else { return false }
        for record in usable where record.usage == 2 {
            for index in chain.indices.dropFirst() where Self.matches(record, chain[index]) {
                guard let anchor = parsed[index] else { continue }
                let intermediates = parsed[1..<index].compactMap { $0 }
                let result = Blocking.run { () async -> CertificateValidationResult in
                    var verifier = Verifier(rootCertificates: CertificateStore([anchor])) { RFC5280Policy() }
                    return await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
                }
                if case .validCertificate = result { return true }
            }
        }
        return false
    }

    static func matches(_ record: TLSARecord, _ entry: (certificate: [UInt8], publicKey: [UInt8])) -> Bool {
        let selected = record.selector == 0 ? entry.certificate : entry.publicKey
        switch record.matchingType {
        case 0: return selected == record.data
        case 1: return Array(SHA256.hash(data: selected)) == record.data
        default: return Array(SHA512.hash(data: selected)) == record.data
        }
    }

    /// Whether the chain is trusted now, and apart from its dates (so an expired certificate
    /// from an unknown authority is said to be both), with the reasons.
    private func validate(leaf: Certificate, intermediates: [Certificate], now: Date) -> (
        now: Bool, problem: String?, apartFromDates: Bool, untrustedProblem: String?
    ) {
        let roots = self.roots
        func run(_ checkDates: Bool) -> CertificateValidationResult {
            Blocking.run { () async -> CertificateValidationResult in
                if checkDates {
                    var verifier = Verifier(rootCertificates: roots) { RFC5280Policy() }
                    return await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
                }
                var verifier = Verifier(rootCertificates: roots) { RFC5280Policy.withValidityCheckDisabled() }
                return await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
            }
        }
        if case .validCertificate = run(true) { return (true, nil, true, nil) }
        let apart = run(false)
        var untrusted: String?
        if case .couldNotValidate(let failures) = apart {
            if leaf.issuer == leaf.subject {
                untrusted = "it is self-signed"
            } else if let reason = failures.first?.policyFailureReason {
                untrusted = "the chain fails: \(String(describing: reason).prefix(200))"
            } else {
                untrusted =
                    "its chain does not lead to a trusted root (issuer: \(String(describing: leaf.issuer).prefix(120)))"
            }
        }
        let problem: String?
        if leaf.notValidAfter < now {
            problem = "it expired on \(Self.day(leaf.notValidAfter))"
        } else if leaf.notValidBefore > now {
            problem = "it is not valid before \(Self.day(leaf.notValidBefore))"
        } else {
            problem = untrusted ?? "a certificate of its chain is outside its validity period"
        }
        return (false, problem, untrusted == nil, untrusted)
    }

    static func dnsNames(of certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .dnsName(let text) = name { return text.lowercased() }
            return nil
        }
    }

    /// RFC 6125 section 6.4: exact, or `*.` for exactly one leftmost label.
    static func name(_ name: String, covers host: String) -> Bool {
        DNSName.matches(host, pattern: name)
    }

    static func day(_ date: Date) -> String {
        DayPeriod.isoDate(ofDay: Int64(date.timeIntervalSince1970.rounded(.down)) / 86_400)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Runs async work from a blocking caller: the check is a blocking pipeline (the main thread and
/// the probe threads), and swift-certificates' verifier and async-http-client are async.
/// Precondition: never called from a Swift concurrency task or a NIO event loop, whose threads
/// the wait would hold while the work needs them.
enum Blocking {
    private final class Box<T>: @unchecked Sendable { var value: T? }

    static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await body()
            done.signal()
        }
        done.wait()
        // The semaphore orders the write before this read.
        guard let value = box.value else { preconditionFailure("the task ended without a value") }
        return value
    }
}
