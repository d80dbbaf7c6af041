import CCAres
import ReportModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How `mailtally enrich` asks DNS.
public struct ResolverConfiguration: Sendable {
    /// `host:port` (`127.0.0.1:5353`, `[::1]:53`), or nil for the system's resolvers (/etc/resolv.conf).
    public var server: String?
    /// Time for the first try of a query; c-ares doubles it for each retry.
    public var timeoutMilliseconds: Int32 = 2000
    /// Tries per query, the first included.
    public var tries: Int32 = 2
    /// IPs being looked up at once.
    public var concurrency: Int = 64
    /// PTR names checked by forward lookup, per IP.
    public var namesToConfirm: Int = 4

    /// The defaults, asking `server` (nil: the system's resolvers).
    public init(server: String? = nil) {
        self.server = server
    }
}

/// How long answers are cached: the PTR TTL within bounds; negative answers for a day;
/// failures for an hour, so the next nightly run asks again.
public struct ReverseDNSCachePolicy: Sendable {
    /// The least time a found name is kept, however short its TTL (an hour).
    public var minimumSeconds: Int64 = 3600
    /// The most time a found name is kept, however long its TTL (a week).
    public var maximumSeconds: Int64 = 7 * 86_400
    /// How long NXDOMAIN and NODATA answers are kept (a day).
    public var negativeSeconds: Int64 = 86_400
    /// How long timeouts and failures are kept (an hour), so the next nightly run asks again.
    public var failureSeconds: Int64 = 3600

    /// The defaults above.
    public init() {}

    func lifetime(status: ReverseDNSEntry.Status, ttl: Int64?) -> Int64 {
        switch status {
        case .found: min(max(ttl ?? minimumSeconds, minimumSeconds), maximumSeconds)
        case .notFound, .noData: negativeSeconds
        case .timeout, .failed: failureSeconds
        }
    }
}

/// Why the resolver could not start: c-ares failed, or `--resolver` is not an address.
public struct ReverseDNSError: Error, CustomStringConvertible, Sendable {
    /// The message shown to the user.
    public var description: String
}

/// Reverse DNS with forward confirmation over c-ares: many lookups in flight on one thread,
/// short timeouts, a bounded number of retries. One instance runs one batch at a time.
public final class ReverseResolver {
    private let configuration: ResolverConfiguration
    private let policy: ReverseDNSCachePolicy
    private let ares: AresChannel

    private var lookups: [Lookup] = []
    private var next = 0
    private var inFlight = 0
    private var finished: [ReverseDNSEntry] = []
    private var now: Int64 = 0

    /// - Throws: ``ReverseDNSError`` when c-ares cannot start or the server address is not valid.
    public init(_ configuration: ResolverConfiguration, policy: ReverseDNSCachePolicy = .init()) throws(ReverseDNSError)
    {
        self.configuration = configuration
        self.policy = policy
        ares = try AresChannel(configuration)
    }

    /// Looks up every IP (PTR, then A or AAAA for up to ``ResolverConfiguration/namesToConfirm``
    /// names) and returns one entry per valid IP, in no particular order. Strings that are not
    /// IP addresses are left out.
    /// - Parameters:
    ///   - now: Unix seconds, for the cache dates.
    ///   - progress: called with the number of finished lookups from time to time.
    public func lookUp(_ ips: [String], now: Int64, progress: ((Int) -> Void)? = nil) -> [ReverseDNSEntry] {
        self.now = now
        lookups = ips.compactMap(Lookup.init(ip:))
        next = 0
        inFlight = 0
        finished = []
        finished.reserveCapacity(lookups.count)
        var reported = 0
        while finished.count < lookups.count {
            startLookups()
            if inFlight == 0 && next >= lookups.count { break }
            waitAndProcess()
            if let progress, finished.count - reported >= 256 {
                reported = finished.count
                progress(reported)
            }
        }
        progress?(finished.count)
        let result = finished
        lookups = []
        finished = []
        return result
    }

    // MARK: Event loop

    private func startLookups() {
        while inFlight < configuration.concurrency && next < lookups.count {
            let lookup = lookups[next]
            next += 1
            inFlight += 1
            send(name: lookup.reverseName, type: DNSType.ptr, tag: QueryTag(lookup: lookup, forwardName: nil))
        }
    }

    private func waitAndProcess() { ares.waitAndProcess() }

    private func send(name: String, type: Int32, tag: QueryTag) {
        let channel = ares.channel
        tag.resolver = self
        let context = Unmanaged.passRetained(tag).toOpaque()
        ares_query(
            channel, name, DNSType.internetClass, type,
            { context, status, _, answer, length in
                guard let context else { return }
                let tag = Unmanaged<QueryTag>.fromOpaque(context).takeRetainedValue()
                tag.resolver?.answered(tag, status: status, answer: answer, length: length)
            }, context)
    }

    // MARK: Answers

    private func answered(_ tag: QueryTag, status: Int32, answer: UnsafeMutablePointer<UInt8>?, length: Int32) {
        let lookup = tag.lookup
        if let name = tag.forwardName {
            lookup.pendingForward -= 1
            if status == ARES_SUCCESS, let answer, lookup.confirmedName == nil,
                DNSAnswer.addresses(answer, Int(length), family: lookup.family).contains(lookup.bytes)
            {
                lookup.confirmedName = name
            }
            if lookup.pendingForward == 0 { finish(lookup, status: .found) }
            return
        }
        guard status == ARES_SUCCESS, let answer else {
            finish(
                lookup, status: Self.status(of: status),
                detail: status == ARES_SUCCESS ? nil : AresChannel.message(status))
            return
        }
        let names = DNSAnswer.ptrNames(answer, Int(length), address: lookup.bytes, family: lookup.family)
        guard !names.isEmpty else {
            finish(lookup, status: .noData)
            return
        }
        lookup.names = names
        lookup.ttl = DNSAnswer.minimumTTL(answer, Int(length), type: UInt16(DNSType.ptr))
        let toConfirm = names.prefix(max(1, configuration.namesToConfirm))
        lookup.pendingForward = toConfirm.count
        for name in toConfirm {
            send(
                name: name, type: lookup.family == AF_INET ? DNSType.a : DNSType.aaaa,
                tag: QueryTag(lookup: lookup, forwardName: name))
        }
    }

    private func finish(_ lookup: Lookup, status: ReverseDNSEntry.Status, detail: String? = nil) {
        inFlight -= 1
        finished.append(
            ReverseDNSEntry(
                ip: lookup.ip, status: status, names: lookup.names, confirmedName: lookup.confirmedName,
                ttl: lookup.ttl,
                resolvedAt: now, expiresAt: now + policy.lifetime(status: status, ttl: lookup.ttl), detail: detail))
    }

    private static func status(of code: Int32) -> ReverseDNSEntry.Status {
        switch code {
        case ARES_ENOTFOUND: .notFound
        case ARES_ENODATA: .noData
        case ARES_ETIMEOUT: .timeout
        default: .failed
        }
    }
}

/// One IP's lookup: the PTR query, then the forward queries of its names.
private final class Lookup {
    let ip: String
    let bytes: [UInt8]
    let family: Int32
    let reverseName: String
    var names: [String] = []
    var confirmedName: String?
    var ttl: Int64?
    var pendingForward = 0

    init?(ip text: String) {
        guard let (bytes, family) = IPAddress.parse(text) else { return nil }
        self.ip = text
        self.bytes = bytes
        self.family = family
        self.reverseName = IPAddress.reverseName(bytes)
    }
}

/// The context c-ares hands back to the callback.
private final class QueryTag {
    let lookup: Lookup
    let forwardName: String?
    unowned(unsafe) var resolver: ReverseResolver?

    init(lookup: Lookup, forwardName: String?) {
        self.lookup = lookup
        self.forwardName = forwardName
    }
}

enum DNSType {
    static let internetClass: Int32 = 1
    static let a: Int32 = 1
    static let ptr: Int32 = 12
    static let aaaa: Int32 = 28
}
