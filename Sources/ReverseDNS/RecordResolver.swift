import CCAres
import Foundation
import ReportModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The record types `mailtally check` asks for.
public enum DNSRecordType: UInt16, Hashable, Sendable {
    case a = 1
    case mx = 15
    case txt = 16
    case aaaa = 28
    case tlsa = 52
}

/// One question: a name and a type.
public struct DNSQuestion: Hashable, Sendable {
    /// The name asked, without the trailing dot.
    public var name: String
    /// The type asked.
    public var type: DNSRecordType

    /// A question for `type` records of `name`.
    public init(_ name: String, _ type: DNSRecordType) {
        self.name = name
        self.type = type
    }
}

/// A record of an answer, as its type gives it.
public enum DNSRecordData: Hashable, Sendable {
    /// An A or AAAA record's address, as text.
    case address(String)
    /// An MX record.
    case mx(preference: Int, host: String)
    /// A TXT record: its character-strings joined, as RFC 7208 and RFC 7489 read them.
    case txt(String)
    /// A TLSA record.
    case tlsa(TLSARecord)
}

/// The answer to one question.
public struct DNSReply: Hashable, Sendable {
    /// How it went.
    public enum Status: Hashable, Sendable {
        /// Records of the type were found.
        case found
        /// NXDOMAIN: the name does not exist.
        case nameNotFound
        /// The name exists, with no record of the type (NODATA).
        case noData
        /// No answer came, or the server failed (SERVFAIL, REFUSED): nothing is known.
        case failed(String)
    }

    /// How it went.
    public var status: Status
    /// Whether the resolver set the AD bit: it validated the answer with DNSSEC.
    public var authenticated: Bool
    /// The records of the type asked (at most 64), in the order of the answer.
    public var records: [DNSRecordData]
    /// Where the answer's CNAME records led, when the name asked is an alias.
    public var canonicalName: String?

    /// A reply.
    public init(status: Status, authenticated: Bool, records: [DNSRecordData], canonicalName: String? = nil) {
        self.status = status
        self.authenticated = authenticated
        self.records = records
        self.canonicalName = canonicalName
    }
}

/// Asks many questions at once over one c-ares channel, and reads each answer with
/// ``DNSRecordReader`` (the AD bit included, which c-ares' own parsers do not give). Queries set
/// the AD bit (RFC 6840 section 5.7) so that a validating resolver says whether it validated.
public final class RecordResolver {
    private let ares: AresChannel
    private let window: Int
    private let deadlineSeconds: Double
    private var replies: [DNSQuestion: DNSReply] = [:]
    private var pending = 0
    fileprivate var idsInFlight: Set<UInt16> = []

    /// A resolver asking `configuration.server`, or the system's resolvers, with at most
    /// `configuration.concurrency` questions in flight.
    /// - Throws: ``ReverseDNSError`` when c-ares cannot start or the server address is not valid.
    public init(_ configuration: ResolverConfiguration) throws(ReverseDNSError) {
        ares = try AresChannel(configuration)
        window = max(1, configuration.concurrency)
        // c-ares doubles the timeout for each try; past all of them with room to spare, what
        // is still out is cancelled.
        let tries = Double(max(1, configuration.tries))
        deadlineSeconds = Double(max(1, configuration.timeoutMilliseconds)) / 1000 * (pow(2, tries) - 1) + 5
    }

    /// Asks every question, `window` at a time, and waits for all the answers (or their timeouts).
    public func resolve(_ questions: [DNSQuestion]) -> [DNSQuestion: DNSReply] {
        replies = [:]
        pending = 0
        var waiting = Array(Set(questions))
        let deadline = Date().addingTimeInterval(deadlineSeconds * Double(waiting.count / window + 1))
        while !waiting.isEmpty || pending > 0 {
            while pending < window, let question = waiting.popLast() { send(question) }
            guard pending > 0 else { continue }
            if Date() > deadline {
                ares_cancel(ares.channel)  // every query still out is answered ARES_ECANCELLED
                break
            }
            ares.waitAndProcess()
        }
        let result = replies
        replies = [:]
        return result
    }

    private func send(_ question: DNSQuestion) {
        guard DNSName.normalized(question.name) != nil else {
            replies[question] = DNSReply(status: .failed("not a valid DNS name"), authenticated: false, records: [])
            return
        }
        var buffer: UnsafeMutablePointer<UInt8>?
        var length: Int32 = 0
        // EDNS0 with a 1232-byte buffer: TXT and TLSA answers often exceed 512 bytes.
        // A random ID per query (RFC 5452): the answer is matched to its query by it.
        var id = UInt16.random(in: 1...UInt16.max)
        while idsInFlight.contains(id) { id = UInt16.random(in: 1...UInt16.max) }
        let status = ares_create_query(
            question.name, 1, Int32(question.type.rawValue), id, 1, &buffer, &length, 1232)
        guard status == ARES_SUCCESS, let buffer, length >= 12 else {
            replies[question] = DNSReply(
                status: .failed(AresChannel.message(status)), authenticated: false, records: [])
            return
        }
        defer { ares_free_string(buffer) }
        buffer[3] |= 0x20  // AD: "tell me whether you validated"
        pending += 1
        idsInFlight.insert(id)
        let tag = Unmanaged.passRetained(QuestionTag(question: question, id: id, resolver: self)).toOpaque()
        ares_send(
            ares.channel, buffer, length,
            { context, status, _, answer, length in
                guard let context else { return }
                let tag = Unmanaged<QuestionTag>.fromOpaque(context).takeRetainedValue()
                tag.resolver?.idsInFlight.remove(tag.id)
                tag.resolver?.answered(tag.question, status: status, answer: answer, length: Int(length))
            }, tag)
    }

    private func answered(_ question: DNSQuestion, status: Int32, answer: UnsafeMutablePointer<UInt8>?, length: Int) {
        pending -= 1
        guard status == ARES_SUCCESS, let answer, length > 0 else {
            let reason = status == ARES_ETIMEOUT ? "no answer in time" : AresChannel.message(status)
            replies[question] = DNSReply(status: .failed(reason), authenticated: false, records: [])
            return
        }
        replies[question] = DNSRecordReader.read(UnsafeBufferPointer(start: answer, count: length), type: question.type)
    }
}

/// The context c-ares hands back to the callback.
private final class QuestionTag {
    let question: DNSQuestion
    let id: UInt16
    /// Strong: c-ares holds the tag only until the callback, which then lets it go.
    let resolver: RecordResolver?

    init(question: DNSQuestion, id: UInt16, resolver: RecordResolver) {
        self.question = question
        self.id = id
        self.resolver = resolver
    }
}

/// Reads a DNS answer message (RFC 1035 section 4.1): the header's RCODE and AD bit, then the
/// answer records of one type. Names are expanded by c-ares (`ares_expand_name`, which bounds
/// compression loops); the rest is bounds-checked by hand. Fuzzed (`scripts/fuzz 60 dns`).
public enum DNSRecordReader {
    /// The reply in `message` for records of `type`.
    public static func read(_ message: UnsafeBufferPointer<UInt8>, type: DNSRecordType) -> DNSReply {
        guard let base = message.baseAddress, message.count >= 12 else {
            return DNSReply(status: .failed("a DNS answer shorter than its header"), authenticated: false, records: [])
        }
        let length = message.count
        func u16(_ at: Int) -> Int { Int(base[at]) << 8 | Int(base[at + 1]) }
        let authenticated = base[3] & 0x20 != 0
        switch base[3] & 0x0F {
        case 0: break
        case 3: return DNSReply(status: .nameNotFound, authenticated: authenticated, records: [])
        case 2: return DNSReply(status: .failed("the server failed (SERVFAIL)"), authenticated: false, records: [])
        case 5: return DNSReply(status: .failed("the server refused (REFUSED)"), authenticated: false, records: [])
        case let code: return DNSReply(status: .failed("DNS error code \(code)"), authenticated: false, records: [])
        }
        // A name at `offset`, expanded; `offset` moves past it.
        func name(at offset: inout Int) -> String? {
            guard offset < length else { return nil }
            var expanded: UnsafeMutablePointer<CChar>?
            var encoded = 0
            guard ares_expand_name(base + offset, base, Int32(length), &expanded, &encoded) == ARES_SUCCESS,
                let expanded
            else { return nil }
            defer { ares_free_string(expanded) }
            offset += encoded
            return String(cString: expanded)
        }
        var offset = 12
        for _ in 0..<u16(4) {
            guard name(at: &offset) != nil else { return truncated(authenticated) }
            offset += 4
        }
        var records: [DNSRecordData] = []
        var canonical: String?
        for _ in 0..<u16(6) {
            guard name(at: &offset) != nil, offset + 10 <= length else { return truncated(authenticated) }
            let recordType = u16(offset)
            let dataLength = u16(offset + 8)
            let data = offset + 10
            offset = data + dataLength
            guard offset <= length else { return truncated(authenticated) }
            if recordType == 5 {  // CNAME: the chain's last target is the name the records belong to
                var at = data
                if let target = name(at: &at), at <= offset { canonical = DNSName.normalized(target) ?? canonical }
                continue
            }
            guard recordType == Int(type.rawValue), records.count < 64 else { continue }
            let bytes = UnsafeBufferPointer(start: base + data, count: dataLength)
            switch type {
            case .a where dataLength == 4, .aaaa where dataLength == 16:
                records.append(.address(addressText(Array(bytes))))
            case .mx where dataLength >= 3:
                var at = data + 2
                guard let host = name(at: &at), at <= offset else { continue }
                var normalized = host.lowercased()
                if normalized.hasSuffix(".") { normalized.removeLast() }
                records.append(.mx(preference: u16(data), host: normalized))
            case .txt:
                var text: [UInt8] = []
                var at = 0
                while at < dataLength {
                    let count = Int(bytes[at])
                    guard at + 1 + count <= dataLength else { break }
                    text += bytes[(at + 1)..<(at + 1 + count)]
                    at += 1 + count
                }
                records.append(.txt(String(decoding: text, as: UTF8.self)))
            case .tlsa where dataLength >= 3:
                records.append(
                    .tlsa(
                        TLSARecord(
                            usage: bytes[0], selector: bytes[1], matchingType: bytes[2], data: Array(bytes[3...]))))
            default: continue
            }
        }
        return DNSReply(
            status: records.isEmpty ? .noData : .found, authenticated: authenticated, records: records,
            canonicalName: canonical)
    }

    private static func truncated(_ authenticated: Bool) -> DNSReply {
        DNSReply(status: .failed("a DNS answer that ends inside a record"), authenticated: false, records: [])
    }

    /// IPv4 or IPv6 bytes as text (`inet_ntop`).
    static func addressText(_ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &text, 64) }
        guard written != nil else { return "" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
