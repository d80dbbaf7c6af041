import AsyncHTTPClient
import Crypto
import Foundation
import MailNetwork
import NIOCore
import NIOSSL
import ReportModel

/// Fetches an MTA-STS policy as senders do (RFC 8461 section 3.3): HTTPS to
/// `mta-sts.DOMAIN` on port 443 with the certificate checked for that name, no redirects, a
/// 200 answer of type text/plain, at most 64 KiB, within a short timeout.
struct PolicyFetcher: Sendable {
    /// Further trusted roots (`--ca-file`), beside the system's.
    let extraRootsFile: String?
    /// Seconds for the whole fetch.
    var timeoutSeconds: Int64 = 15

    /// The policy of `domain`, fetched from `address` (found by our own resolver, so that
    /// `--resolver` decides where the fetch goes).
    func fetch(domain: String, address: String) -> (policy: Lookup<MTASTSPolicy>, sha256: String?) {
        let host = "mta-sts.\(domain)"
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let file = extraRootsFile {
            guard let roots = try? NIOSSLCertificate.fromPEMFile(file), !roots.isEmpty else {
                return (.failed("the certificate authority file \(file) holds no PEM certificate"), nil)
            }
            tls.additionalTrustRoots = [.certificates(roots)]
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(min(10, timeoutSeconds)), read: .seconds(timeoutSeconds)))
        configuration.dnsOverride = [host: address]
        let settings = configuration
        let timeout = timeoutSeconds
        typealias Answer = (status: UInt, type: String?, body: [UInt8])
        // The whole exchange races a deadline: async-http-client's own ends with the response
        // head, and a body that trickles in must not hold the check.
        let outcome = Blocking.run { () async -> Result<Answer, Failure> in
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
            let result = await withTaskGroup(of: Result<Answer, Failure>?.self) { group in
                group.addTask {
                    do {
                        var request = HTTPClientRequest(url: "https://\(host)/.well-known/mta-sts.txt")
                        request.headers.add(name: "User-Agent", value: "MailTally transport check")
                        let response = try await client.execute(request, timeout: .seconds(timeout))
                        let body = try await response.body.collect(upTo: 64 << 10)
                        return .success(
                            (
                                UInt(response.status.code), response.headers.first(name: "Content-Type"),
                                Array(buffer: body)
                            ))
                    } catch is NIOTooManyBytesError {
                        return .failure(Failure(reason: "the policy at https://\(host) is larger than 64 KiB"))
                    } catch {
                        return .failure(Failure(reason: Self.explain(error, host: host)))
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(timeout))
                    return Task.isCancelled ? nil : .failure(Failure(reason: "https://\(host) did not answer in time"))
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first ?? .failure(Failure(reason: "https://\(host) did not answer in time"))
            }
            try? await client.shutdown()
            return result
        }
        switch outcome {
        case .failure(let failure):
            return (.failed(failure.reason), nil)
        case .success(let answer):
            guard answer.status == 200 else {
                let said =
                    (300..<400).contains(answer.status)
                    ? "a redirect, which senders do not follow" : "status \(answer.status)"
                return (.failed("https://\(host)/.well-known/mta-sts.txt answered with \(said)"), nil)
            }
            let digest = SHA256.hash(data: answer.body).map { String(format: "%02x", $0) }.joined()
            let text = String(decoding: answer.body.prefix(2000), as: UTF8.self)
            let mediaType = answer.type?.split(separator: ";").first.map { String($0).trimmedWhitespace().lowercased() }
            guard mediaType == "text/plain" else {
                let problem = RecordProblem("it is served as \(answer.type ?? "no type") rather than text/plain")
                return (.invalid(text: text, problem: problem), digest)
            }
            do {
                return (.found(try MTASTSPolicy(parsing: answer.body)), digest)
            } catch {
                return (.invalid(text: text, problem: error), digest)
            }
        }
    }

    struct Failure: Error {
        var reason: String
    }

    static func explain(_ error: any Error, host: String) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return "https://\(host) did not answer in time"
            }
            return "https://\(host) failed: \(error)"
        }
        return "https://\(host) failed: \(MailConnection.reason(error))"
    }
}
