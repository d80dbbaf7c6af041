import Foundation

/// What an MX host's port 25 says to a sending MTA, up to the TLS handshake: the greeting, the
/// EHLO keywords, STARTTLS, the TLS version and the certificates presented. It ends with QUIT
/// and never sends `MAIL FROM`: no message is ever started.
public struct SMTPProbe: Sendable {
    /// What the probe learnt.
    public struct Outcome: Sendable {
        /// Whether a connection and a 220 greeting came.
        public var connected = false
        /// The greeting's first line.
        public var banner: String?
        /// Whether EHLO listed STARTTLS.
        public var offersSTARTTLS = false
        /// The negotiated version, after a handshake.
        public var tlsVersion: String?
        /// The certificates presented, leaf first, each with its SubjectPublicKeyInfo.
        public var certificates: [(certificate: [UInt8], publicKey: [UInt8])] = []
        /// Why it stopped short, in one sentence.
        public var problem: String?

        /// Nothing learnt yet (or a probe not made, saying why in ``problem``).
        public init(problem: String? = nil) {
            self.problem = problem
        }
    }

    /// The name given in EHLO.
    public var heloName: String
    /// Seconds for the TCP connection.
    public var connectTimeout: Int64 = 10
    /// Seconds for each reply (RFC 5321 section 4.5.3.2 allows 5 minutes for the greeting; a
    /// check waits less and says so).
    public var replyTimeout: TimeInterval = 20

    /// A probe that greets with `heloName`.
    public init(heloName: String) {
        self.heloName = heloName
    }

    /// Probes `address` on `port`, giving `serverName` in SNI.
    public func run(address: String, port: Int = 25, serverName: String) -> Outcome {
        var outcome = Outcome()
        let connection: MailConnection
        do {
            connection = try MailConnection(
                host: address, port: port, tls: nil, framer: SMTPFramer(), connectTimeout: connectTimeout,
                maxQueuedBytes: 1 << 20)
        } catch {
            outcome.problem = error.message
            return outcome
        }
        defer { connection.close() }
        func command(_ line: String) throws(MailNetworkError) -> SMTPReply {
            try connection.send(Array("\(line)\r\n".utf8), timeout: Int64(replyTimeout))
            return try reply()
        }
        func reply() throws(MailNetworkError) -> SMTPReply {
            let frame = try connection.receive(timeout: replyTimeout)
            do {
                return try SMTPReply(parsing: frame)
            } catch {
                throw MailNetworkError(.protocolViolation, "\(connection.server) sent \(error.description)")
            }
        }
        do throws(MailNetworkError) {
            let greeting = try reply()
            outcome.banner = String((greeting.lines.first ?? "").prefix(200))
            guard greeting.code == 220 else {
                outcome.problem = "\(connection.server) greeted with \(greeting.text)"
                _ = try? command("QUIT")
                return outcome
            }
            outcome.connected = true
            let ehlo = try command("EHLO \(heloName)")
            guard ehlo.code == 250 else {
                outcome.problem = "\(connection.server) answered EHLO with \(ehlo.text)"
                _ = try? command("QUIT")
                return outcome
            }
            outcome.offersSTARTTLS = ehlo.lines.dropFirst().contains {
                $0.uppercased() == "STARTTLS" || $0.uppercased().hasPrefix("STARTTLS ")
            }
            guard outcome.offersSTARTTLS else {
                _ = try? command("QUIT")
                return outcome
            }
            let agreed = try command("STARTTLS")
            guard agreed.code == 220 else {
                outcome.problem = "\(connection.server) answered STARTTLS with \(agreed.text)"
                _ = try? command("QUIT")
                return outcome
            }
            let presented = try connection.startTLSInspecting(serverName: serverName)
            // The EHLO after the handshake: its answer proves the handshake finished.
            let again = try command("EHLO \(heloName)")
            outcome.certificates = presented.certificates
            outcome.tlsVersion = connection.tlsVersion()
            if again.code != 250 { outcome.problem = "\(connection.server) answered EHLO under TLS with \(again.text)" }
            _ = try? command("QUIT")
        } catch {
            outcome.problem = error.message
        }
        return outcome
    }
}
