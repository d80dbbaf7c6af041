import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// How a mail protocol cuts the byte stream into responses (IMAP: lines with literals).
public protocol MailFramer: Sendable {
    /// The length of the first whole response in `bytes`, or nil when more are needed.
    mutating func responseLength(in bytes: UnsafeRawBufferPointer) throws(IMAPProtocolError) -> Int?
}

extension IMAPFramer: MailFramer {}

/// The certificate checks of a TLS connection: the system's roots, plus a private authority's
/// (`--ca-file`), and the server's name (or address) always checked against the certificate.
public struct MailTLSTrust: Sendable, Equatable {
    /// A PEM file of further trusted roots, beside the system's.
    public var extraRootsFile: String?

    /// Checks against the system's roots and, when given, the roots in `extraRootsFile`.
    public init(extraRootsFile: String? = nil) {
        self.extraRootsFile = extraRootsFile
    }

    func makeContext() throws(MailNetworkError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        if let file = extraRootsFile {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw MailNetworkError(.tls, "the certificate authority file \(file) cannot be read")
            }
            do {
                configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(file))]
            } catch {
                throw MailNetworkError(.tls, "the certificate authority file \(file) holds no PEM certificate")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw MailNetworkError(.tls, "TLS cannot be set up: \(error)")
        }
    }
}

/// Why a mail connection failed, in one sentence, and of which kind (the CLI's exit status and
/// whether a retry can help depend on it).
public struct MailNetworkError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The server could not be reached (refused, unresolved, unreachable).
        case connect
        /// TLS failed: not offered, or the certificate was refused.
        case tls
        /// The server refused the credentials.
        case authentication
        /// The server did not answer in time.
        case timeout
        /// The connection closed (the server went away, or said BYE).
        case closed
        /// The server broke the protocol.
        case protocolViolation
        /// The server refused a command (a tagged NO or BAD).
        case refused
        /// Something on this side (a file, a setting).
        case local
    }

    /// Which kind.
    public var kind: Kind
    /// The sentence.
    public var message: String
    /// The response code of a refusal (`LIMIT`, `UNAVAILABLE`, `AUTHENTICATIONFAILED`), when there was one.
    public var code: String?

    /// An error of `kind` saying `message`.
    public init(_ kind: Kind, _ message: String, code: String? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    public var description: String { message }

    /// Whether a new connection may get further: the server went away or stopped answering.
    public var isTransient: Bool { kind == .closed || kind == .timeout || kind == .connect }
}

/// One TCP connection to a mail server, used from one thread at a time with blocking calls:
/// bytes out, whole responses in (cut by a ``MailFramer``), TLS from the start or after
/// STARTTLS. Responses wait in a bounded queue; a server that sends far more than was asked
/// is cut off.
public final class MailConnection: @unchecked Sendable {
    /// `host:port`, for messages.
    public let server: String
    let channel: any Channel
    private let queue: ResponseQueue
    private let framing: FramingHandler
    private let host: String
    /// Whether the connection is encrypted.
    public private(set) var isEncrypted: Bool

    /// Connects to `host:port`; with `tls`, the connection is encrypted from the start.
    /// - Parameter connectTimeout: seconds to wait for TCP (and not for TLS).
    public init(
        host: String, port: Int, tls: MailTLSTrust?, framer: some MailFramer, connectTimeout: Int64 = 15,
        maxQueuedBytes: Int = 256 << 20
    ) throws(MailNetworkError) {
        server = "\(host):\(port)"
        self.host = host
        let queue = ResponseQueue(maxBytes: maxQueuedBytes)
        let framing = FramingHandler(framer: framer, queue: queue)
        self.queue = queue
        self.framing = framing
        let sslContext = try tls?.makeContext()
        isEncrypted = tls != nil
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(connectTimeout))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(Self.sslHandler(context: sslContext, host: host))
                    }
                    try channel.pipeline.syncOperations.addHandler(framing)
                }
            }
        do {
            channel = try bootstrap.connect(host: host, port: port).wait()
        } catch {
            throw MailNetworkError(.connect, Self.explainConnect(error, server: "\(host):\(port)", host: host))
        }
    }

    deinit { close() }

    static func sslHandler(context: NIOSSLContext, host: String) throws(MailNetworkError) -> NIOSSLClientHandler {
        // SNI takes names only; for an address the certificate is checked against the address.
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        do {
            return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
        } catch {
            throw MailNetworkError(.tls, "TLS cannot be set up for \(host): \(error)")
        }
    }

    /// Sends `bytes` as they are, within `timeout` seconds: a server that stops reading is cut off.
    public func send(_ bytes: [UInt8], timeout: Int64 = 120) throws(MailNetworkError) {
        if let failure = queue.failure { throw failure }
        let channel = self.channel
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(timeout)) { channel.close(promise: nil) }
        defer { deadline.cancel() }
        do {
            try channel.writeAndFlush(ByteBuffer(bytes: bytes)).wait()
        } catch {
            throw queue.failure ?? MailNetworkError(.closed, "the connection to \(server) was lost: \(error)")
        }
    }

    /// The next whole response, waiting up to `timeout` seconds for it.
    public func receive(timeout: TimeInterval) throws(MailNetworkError) -> [UInt8] {
        try queue.next(timeout: timeout, server: server)
    }

    /// Whether a whole response is waiting.
    public var hasResponse: Bool { queue.hasFrame }

    /// Turns on TLS after the server agreed to STARTTLS. Refuses when the server sent anything
    /// after its agreement: bytes sent in the clear before the handshake could have been
    /// injected by anyone on the path.
    public func startTLS(trust: MailTLSTrust) throws(MailNetworkError) {
        let context = try trust.makeContext()
        let host = self.host
        try addTLSHandler { try Self.sslHandler(context: context, host: host) }
        isEncrypted = true
    }

    /// Turns on TLS after STARTTLS for inspection, not for trust: any certificate is accepted
    /// and what the server presented is kept, for the caller to check (the transport probe,
    /// which must see an expired or untrusted chain to say so). Versions from TLS 1.0 up are
    /// offered, so an old server's version is learnt rather than refused. Never used to send.
    public func startTLSInspecting(serverName: String?) throws(MailNetworkError) -> PresentedChain {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv1
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw MailNetworkError(.tls, "TLS cannot be set up: \(error)")
        }
        let presented = PresentedChain()
        try addTLSHandler {
            try NIOSSLClientHandler(
                context: context, serverHostname: serverName,
                customVerificationCallback: { certificates, promise in
                    presented.keep(certificates)
                    promise.succeed(.certificateVerified)
                })
        }
        isEncrypted = true
        return presented
    }

    /// Puts the TLS handler first in the pipeline, on the event loop, unless the server sent
    /// anything after agreeing to STARTTLS: bytes sent in the clear before the handshake could
    /// have been injected by anyone on the path.
    private func addTLSHandler(_ make: @escaping @Sendable () throws -> NIOSSLClientHandler) throws(MailNetworkError) {
        let framing = self.framing
        let queue = self.queue
        let server = self.server
        let result = channel.eventLoop.submit { () -> Bool in
            guard framing.isEmpty, !queue.hasFrame else { return false }
            try self.channel.pipeline.syncOperations.addHandler(make(), position: .first)
            return true
        }
        do {
            guard try result.wait() else {
                throw MailNetworkError(
                    .protocolViolation, "\(server) sent data after agreeing to STARTTLS, before the TLS handshake")
            }
        } catch let error as MailNetworkError {
            throw error
        } catch {
            throw MailNetworkError(.tls, "TLS with \(server) cannot start: \(error)")
        }
    }

    /// The negotiated TLS version once the handshake is done (`TLSv1.3`), else nil.
    public func tlsVersion() -> String? {
        let version = try? channel.pipeline.handler(type: NIOSSLClientHandler.self).flatMap { handler in
            self.channel.eventLoop.makeSucceededFuture(handler.tlsVersion)
        }.wait()
        switch version.flatMap({ $0 }) {
        case .tlsv1: return "TLSv1.0"
        case .tlsv11: return "TLSv1.1"
        case .tlsv12: return "TLSv1.2"
        case .tlsv13: return "TLSv1.3"
        case .none: return nil
        }
    }

    /// Closes the connection (idempotent).
    public func close() {
        channel.close(promise: nil)
    }

    /// One sentence for a failed connection.
    static func explainConnect(_ error: any Error, server: String, host: String) -> String {
        if let error = error as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty {
                return "the host \(host) could not be resolved"
            }
            if let first = error.connectionErrors.first { return "cannot reach \(server): \(reason(first.error))" }
            return "cannot reach \(server)"
        }
        return "cannot reach \(server): \(reason(error))"
    }

    /// An error from the network stack (NIO, TLS) in words; the HTTPS policy fetch says its
    /// errors with it too.
    public static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout(let time): return "no answer within \(time.nanoseconds / 1_000_000_000) seconds"
            case .ioOnClosedChannel, .alreadyClosed, .eof: return "the connection closed"
            default: return "\(error)"
            }
        }
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let inner):
                let said = "\(inner)"
                if said.contains("CERTIFICATE_VERIFY_FAILED") {
                    return "the server's certificate is not trusted: its chain does not lead to the system's roots "
                        + "or those of --ca-file, or it has expired"
                }
                if said.contains("WRONG_VERSION_NUMBER") || said.contains("PACKET_LENGTH_TOO_LONG") {
                    return "the server does not speak TLS on this port"
                }
                return "the TLS handshake failed (\(Self.shortBoringSSL(said)))"
            case .uncleanShutdown: return "the server closed the TLS connection uncleanly"
            case .unableToValidateCertificate: return "the server's certificate could not be validated"
            default: return "TLS failed (\(error))"
            }
        }
        if let error = error as? NIOSSLExtraError {
            if error == .failedToValidateHostname {
                return "the server's certificate is not for the name or address connected to"
            }
            return "TLS failed (\(error))"
        }
        if let error = error as? BoringSSLError { return "TLS failed (\(error))" }
        return "\(error)"
    }
}

extension MailConnection {
    /// BoringSSL's reason code (`WRONG_VERSION_NUMBER`) out of its long error text, when found.
    static func shortBoringSSL(_ text: String) -> String {
        guard let range = text.range(of: "OPENSSL_internal:") else { return text }
        return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" })
    }
}

/// The certificates a server presented in a TLS handshake, leaf first: each one's DER and its
/// SubjectPublicKeyInfo's DER (what DANE records hash).
public final class PresentedChain: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [(certificate: [UInt8], publicKey: [UInt8])] = []

    /// The certificates, leaf first (at most 10).
    public var certificates: [(certificate: [UInt8], publicKey: [UInt8])] { lock.withLock { kept } }

    /// Keeps the certificates up to the first that cannot be read, so the leaf stays first.
    func keep(_ chain: [NIOSSLCertificate]) {
        var read: [(certificate: [UInt8], publicKey: [UInt8])] = []
        for certificate in chain.prefix(10) {
            guard let der = try? certificate.toDERBytes(), let key = try? certificate.extractPublicKey().toSPKIBytes()
            else { break }
            read.append((der, key))
        }
        lock.withLock { kept = read }
    }
}

/// Whole responses waiting for the client thread, and how the connection ended.
final class ResponseQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var frames: [[UInt8]] = []
    private var head = 0
    private var bytes = 0
    private let maxBytes: Int
    private var _failure: MailNetworkError?

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    var failure: MailNetworkError? {
        condition.lock()
        defer { condition.unlock() }
        return _failure
    }

    var hasFrame: Bool {
        condition.lock()
        defer { condition.unlock() }
        return head < frames.count
    }

    /// Adds a response; false when the queue is past its bound (the connection is then cut).
    func push(_ frame: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        bytes += frame.count
        frames.append(frame)
        condition.broadcast()
        return bytes <= maxBytes
    }

    /// Ends the queue: responses already in it are still read, then `error` is thrown. The first
    /// reason given wins.
    func fail(_ error: MailNetworkError) {
        condition.lock()
        defer { condition.unlock() }
        if _failure == nil { _failure = error }
        condition.broadcast()
    }

    func next(timeout: TimeInterval, server: String) throws(MailNetworkError) -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while head >= frames.count {
            if let _failure { throw _failure }
            if !condition.wait(until: deadline) {
                if head < frames.count { break }
                if let _failure { throw _failure }
                throw MailNetworkError(.timeout, "\(server) did not answer within \(Int(timeout)) seconds")
            }
        }
        let frame = frames[head]
        frames[head] = []
        head += 1
        bytes -= frame.count
        if head > 64 && head * 2 > frames.count {
            frames.removeFirst(head)
            head = 0
        }
        return frame
    }
}

/// Collects bytes from the network and hands whole responses to the queue.
final class FramingHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var framer: any MailFramer
    private let queue: ResponseQueue
    private var buffer = ByteBuffer()

    init(framer: any MailFramer, queue: ResponseQueue) {
        self.framer = framer
        self.queue = queue
    }

    /// Nothing received and not yet handed on (checked on the event loop).
    var isEmpty: Bool { buffer.readableBytes == 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            while buffer.readableBytes > 0 {
                let length = try buffer.withUnsafeReadableBytes {
                    (raw: UnsafeRawBufferPointer) throws(IMAPProtocolError) -> Int? in
                    try framer.responseLength(in: raw)
                }
                guard let length, let frame = buffer.readBytes(length: length) else { break }
                if !queue.push(frame) {
                    queue.fail(
                        MailNetworkError(.protocolViolation, "the server sent far more than was asked, unread"))
                    context.close(promise: nil)
                    return
                }
            }
            buffer.discardReadBytes()
        } catch {
            queue.fail(MailNetworkError(.protocolViolation, error.description))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let tlsFailure = error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
        queue.fail(
            MailNetworkError(
                tlsFailure ? .tls : .closed,
                tlsFailure
                    ? "TLS with the server failed: \(MailConnection.reason(error))"
                    : "the connection failed: \(MailConnection.reason(error))"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        queue.fail(MailNetworkError(.closed, "the server closed the connection"))
        context.fireChannelInactive()
    }
}
