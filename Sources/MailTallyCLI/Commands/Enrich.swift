import ArgumentParser
import Foundation
import ReportModel
import ReportRendering
import ReportStore
import ReverseDNS

/// How `enrich` (and `nightly`) ask DNS.
struct DNSOptions: ParsableArguments {
    @Option(
        help:
            "The DNS server to ask, host:port (default: $MAILTALLY_RESOLVER, else the configuration file's, else the system's resolvers)."
    )
    var resolver: String?

    @Option(help: "Seconds to wait for the first try of a query (c-ares doubles it for the retry).")
    var timeout: Double = 2

    @Option(help: "Tries per query, the first included.")
    var tries: Int = 2

    @Option(help: "Addresses looked up at once.")
    var concurrency: Int = 64

    func validate() throws {
        guard timeout > 0, timeout <= 60 else { throw ValidationError("--timeout takes 0 to 60 seconds") }
        guard (1...5).contains(tries) else { throw ValidationError("--tries takes 1 to 5") }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency takes 1 to 1024") }
    }

    /// The DNS server named, if any, and where.
    var effectiveResolver: (value: String, origin: String)? {
        if let resolver { return (resolver, "--resolver") }
        if let environment = ProcessInfo.processInfo.environment["MAILTALLY_RESOLVER"], !environment.isEmpty {
            return (environment, "$MAILTALLY_RESOLVER")
        }
        let file = Configuration.bestEffort
        return file.resolver.map { ($0, file.origin) }
    }

    var configuration: ResolverConfiguration {
        var configuration = ResolverConfiguration(server: effectiveResolver?.value)
        configuration.timeoutMilliseconds = Int32((timeout * 1000).rounded())
        configuration.tries = Int32(tries)
        configuration.concurrency = concurrency
        return configuration
    }
}

extension MailTally {
    struct Enrich: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reverse DNS for every sender address not yet known, cached in the database.",
            discussion: """
                Looks up the PTR names of every DMARC source IP and TLS-RPT sending-MTA IP that has \
                no cached answer (or an expired one), many at once, and checks each name forward: a \
                name counts only when its A or AAAA records include the address. Answers are cached \
                with their TTL (kept between an hour and a week); no PTR for a day; failures and \
                timeouts for an hour. Imports never wait for DNS: this is the only command that asks \
                it (nightly runs it after ingest unless --offline). It takes the store's run lock, as \
                nightly does, so two hosts do not look up the same addresses at once: the second \
                waits up to --wait seconds.
                Exit status: 0 done (failed lookups are cached and counted, not errors); 2 usage; \
                3 database error; 4 another run held the lock past --wait.

                Examples:
                  mailtally enrich
                  mailtally enrich --resolver 127.0.0.1:5353 --concurrency 64 --timeout 2 --limit 5000
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var dns: DNSOptions

        @Flag(help: "Ask again for every address, cached or not.")
        var all = false

        @Option(help: "Look up at most this many addresses in this run (the rest wait for the next).")
        var limit: Int?

        @Flag(help: "Print the counts as JSON.")
        var json = false

        @Option(help: "Seconds to wait for another run's lock.")
        var wait: Int = 600

        func run() throws {
            let database = try store.open(mustExist: true)
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            guard wait >= 0 else { throw ValidationError("--wait must not be negative") }
            let lock: any StoreRunLock
            do { lock = try database.lockRuns(waiting: TimeInterval(wait)) } catch { throw CommandFailure(error) }
            defer { withExtendedLifetime(lock) {} }
            let outcome = try Self.enrich(
                database, configuration: dns.configuration, all: all, limit: limit, progress: true)
            database.checkpoint()
            if json {
                Terminal.write(outcome.json)
            } else {
                Terminal.write(outcome.line + "\n")
            }
        }

        /// Looks up what is missing or expired and caches the answers, a chunk at a time (an
        /// interrupted run keeps what it finished).
        static func enrich(
            _ database: any MailTallyStore, configuration: ResolverConfiguration, all: Bool = false, limit: Int? = nil,
            progress showProgress: Bool = false
        ) throws -> EnrichOutcome {
            let started = Date()
            let now = Int64(started.timeIntervalSince1970)
            let addresses: [String]
            do {
                addresses = try database.addressesNeedingReverseDNS(now: all ? Int64.max : now, limit: limit)
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            var outcome = EnrichOutcome()
            guard !addresses.isEmpty else { return outcome }
            let resolver: ReverseResolver
            do {
                resolver = try ReverseResolver(configuration)
            } catch {
                throw ValidationError("\(error)")
            }
            let progress = Terminal.Progress(enabled: showProgress && Terminal.standardErrorIsTTY)
            var done = 0
            for slice in addresses.chunks(of: 4096) {
                let chunk = Array(slice)
                let entries = resolver.lookUp(chunk, now: now) { finished in
                    progress.update(done + finished, of: addresses.count, "enrich")
                }
                do {
                    try database.saveReverseDNS(entries)
                } catch {
                    throw CommandFailure(.database, "\(error)")
                }
                done += chunk.count
                outcome.add(entries)
                outcome.notAddresses += chunk.count - entries.count
            }
            progress.finish()
            outcome.seconds = Date().timeIntervalSince(started)
            return outcome
        }
    }
}

/// What one enrichment run found.
struct EnrichOutcome: Encodable {
    var asked = 0
    var named = 0
    var confirmed = 0
    var noPTR = 0
    var timedOut = 0
    var failed = 0
    var notAddresses = 0
    var seconds = 0.0

    mutating func add(_ entries: [ReverseDNSEntry]) {
        asked += entries.count
        for entry in entries {
            switch entry.status {
            case .found:
                named += 1
                if entry.isConfirmed { confirmed += 1 }
            case .notFound, .noData: noPTR += 1
            case .timeout: timedOut += 1
            case .failed: failed += 1
            }
        }
    }

    var line: String {
        guard asked > 0 || notAddresses > 0 else { return "enrich: every address is already known" }
        var line =
            "enrich: \(asked) address\(asked == 1 ? "" : "es") looked up in \(String(format: "%.1f", seconds)) s: "
        line += "\(named) named (\(confirmed) confirmed), \(noPTR) without PTR, \(timedOut) timed out, \(failed) failed"
        if notAddresses > 0 { line += "; \(notAddresses) not IP addresses" }
        return line
    }

    enum CodingKeys: String, CodingKey {
        case asked, named, confirmed, seconds
        case noPTR = "no_ptr"
        case timedOut = "timed_out"
        case failed
        case notAddresses = "not_addresses"
    }

    var json: String { JSONOutput.encode(self) }
}
