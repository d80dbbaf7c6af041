import ArgumentParser
import Foundation
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore
import TransportCheck

/// How `check` and `nightly` look at the domains' transport live.
struct TransportOptions: ParsableArguments {
    @Option(
        name: .customLong("helo"),
        help: "The name given in EHLO to the MX hosts (default: this host's name).")
    var heloName: String?

    @Option(help: "MX hosts probed at once.")
    var probeConcurrency: Int = 8

    @Option(help: "Seconds to wait for each SMTP reply and for the MTA-STS policy.")
    var probeTimeout: Int = 15

    @Flag(
        help:
            "Probe loopback and private addresses for domains taken from the store too (always done for domains named on the command line)."
    )
    var probePrivate = false

    func validate() throws {
        guard (1...64).contains(probeConcurrency) else { throw ValidationError("--probe-concurrency takes 1 to 64") }
        guard (1...300).contains(probeTimeout) else { throw ValidationError("--probe-timeout takes 1 to 300 seconds") }
        if let heloName, DNSName.normalized(heloName) == nil {
            throw ValidationError("--helo takes a host name, not '\(heloName)'")
        }
    }

    /// The checker's settings.
    func configuration(dns: DNSOptions, caFile: String?, publicSuffixes: PublicSuffixList, namedDomains: Bool)
        -> TransportCheckConfiguration
    {
        var resolver = dns.configuration
        resolver.concurrency = max(resolver.concurrency, 16)
        var configuration = TransportCheckConfiguration(
            resolver: resolver, extraRootsFile: caFile, heloName: heloName ?? Self.hostName,
            publicSuffixes: publicSuffixes)
        configuration.probeConcurrency = probeConcurrency
        configuration.timeoutSeconds = Int64(probeTimeout)
        configuration.probesPrivateAddresses = namedDomains || probePrivate
        return configuration
    }

    /// This host's name when it is a DNS name with a dot, else `localhost.localdomain`.
    static var hostName: String {
        let name = ProcessInfo.processInfo.hostName
        return name.contains(".") && DNSName.normalized(name) != nil ? name : "localhost.localdomain"
    }
}

extension MailTally {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check live how mail to each domain is protected: MX, STARTTLS, certificates, MTA-STS, DANE, TLS-RPT, DMARC and SPF.",
            discussion: """
                Looks up the domain's MX hosts and records, fetches its MTA-STS policy over HTTPS, and \
                connects to port 25 of each MX host: the greeting, EHLO, STARTTLS and the TLS \
                handshake, then QUIT (never MAIL FROM). The certificate chain is checked against the \
                system's roots and --ca-file, its names against the MX host and the policy, its \
                expiry, and the TLSA records (DANE, counted only when the resolver validates \
                DNSSEC). The check is stored with its time (unless --no-store) and its findings \
                join the TLS sessions reporters saw fail at each MX in the last --days days \
                (docs/transport.md). With no domain, every domain in the store is checked.
                Exit status: 0 checked (findings are output, not errors); 2 usage; 3 database error.

                Examples:
                  mailtally check example.com
                  mailtally check example.com example.org --json
                  mailtally check --resolver 127.0.0.1:5353 --ca-file test-ca.pem example.test
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var resolver: ResolverOptions
        @OptionGroup var dns: DNSOptions
        @OptionGroup var transport: TransportOptions

        @Option(
            help:
                "A PEM file of further certificate authorities to trust for the MX hosts and the policy host, beside the system's (a test set-up; senders on the Internet trust only public roots)."
        )
        var caFile: String?

        @Option(help: "The days of reports the findings join (ending today).")
        var days: Int = 7

        @Flag(help: "Do not store the checks (a one-off look; the pack shows stored checks only).")
        var noStore = false

        @Flag(help: "Print the checks and their findings as JSON.")
        var json = false

        @Argument(help: "The domains to check (default: every domain in the store).")
        var domains: [String] = []

        func validate() throws {
            guard (1...366).contains(days) else { throw ValidationError("--days takes 1 to 366") }
            for domain in domains where DNSName.normalized(domain) == nil {
                throw ValidationError("'\(domain)' is not a domain name")
            }
        }

        func run() throws {
            _ = try Configuration.current()
            let database = try store.open(mustExist: domains.isEmpty)
            let names: [String]
            do {
                names =
                    domains.isEmpty
                    ? try database.domains().filter { !$0.isEmpty } : domains.compactMap(DNSName.normalized)
            } catch {
                throw CommandFailure(error)
            }
            let sourceResolver = try resolver.makeResolver()
            let checks = try Self.check(
                names,
                configuration: transport.configuration(
                    dns: dns, caFile: caFile, publicSuffixes: sourceResolver.publicSuffixList,
                    namedDomains: !domains.isEmpty))
            if !noStore {
                do { try database.recordTransportChecks(checks) } catch { throw CommandFailure(error) }
            }
            let today = DaySpread.day(of: Int64(Date().timeIntervalSince1970))
            let period = DayPeriod(firstDay: today - Int64(days) + 1, lastDay: today)
            let findings: [[Finding]]
            do {
                let assembler = try ReportAssembler(store: database, resolver: sourceResolver)
                findings = try checks.map { check throws(StoreError) in
                    let options = ReportAssembler.Options(
                        compare: false, newSourceDays: 0, longTrends: false, completeness: false, findingsOnly: true)
                    var report = try assembler.report(domain: check.domain, period: period, options: options)
                    if noStore { report = report.replacingTransport(check) }
                    return report.findings.filter(\.isTransport)
                }
            } catch {
                throw CommandFailure(error)
            }
            if json {
                Terminal.write(TransportRenderer.json(Array(zip(checks, findings))))
                return
            }
            var out = ""
            for (check, findings) in zip(checks, findings) {
                out += "\(Escape.terminal(check.domain)) \(TransportRenderer.checked(check)):\n"
                out += TransportRenderer.lines(check).map { Escape.terminal($0) + "\n" }.joined()
                if findings.isEmpty {
                    out += "  no findings\n"
                }
                for finding in findings {
                    out +=
                        "  \(finding.severity.rawValue.uppercased()) \(Escape.terminal(finding.text)) (\(finding.code))\n"
                    for line in finding.evidence { out += "    \(Escape.terminal(line))\n" }
                    if let action = finding.action { out += "    → \(Escape.terminal(action))\n" }
                }
                out += "\n"
            }
            Terminal.write(out)
        }

        /// Checks every domain, one after the other (each one's probes run at once).
        static func check(_ domains: [String], configuration: TransportCheckConfiguration) throws -> [TransportCheck] {
            let checker: TransportChecker
            do {
                checker = try TransportChecker(configuration)
            } catch {
                throw ValidationError(error.description)
            }
            return domains.map { checker.check($0, now: Int64(Date().timeIntervalSince1970)) }
        }
    }
}
