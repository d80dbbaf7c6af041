import ReportAnalysis
import ReportModel

/// A live transport check as the outputs show it (docs/transport.md): text lines for `check`
/// and `summary`, two pack tables (the MX hosts, the records), and the JSON of docs/output.md.
public enum TransportRenderer {
    /// One MX host's states in words, the cells of the pack table and the text output.
    struct HostStates {
        var starttls, tlsVersion, certificate, expires, daysLeft, names, policy, dane: String

        init(_ host: MXHostCheck, at now: Int64) {
            let probe = host.probe
            if probe?.connected != true {
                starttls = "unreachable"
            } else {
                starttls = probe?.offersSTARTTLS == true ? (host.certificate == nil ? "handshake failed" : "yes") : "no"
            }
            tlsVersion = probe?.tlsVersion ?? ""
            if let certificate = host.certificate {
                if certificate.chainTrusted {
                    self.certificate = "trusted"
                } else if certificate.notAfter <= now {
                    self.certificate = "expired"
                } else {
                    self.certificate = "untrusted (\(certificate.chainProblem ?? "no path to a trusted root"))"
                }
                expires = DayPeriod.isoDate(ofDay: certificate.notAfter / 86_400)
                daysLeft = "\(certificate.daysUntilExpiry(at: now))"
                names = certificate.namesMatchHost ? "match" : "mismatch"
            } else {
                (self.certificate, expires, daysLeft, names) = ("", "", "", "")
            }
            policy = host.coveredByPolicy.map { $0 ? "covered" : "not covered" } ?? ""
            dane = host.dane.rawValue
        }
    }

    /// The MX hosts' table: the live states beside the TLS sessions reporters saw fail there.
    public static func hostTable(_ check: TransportCheck, failuresByMX: [String: Int64]) -> PackTable {
        var failures: [String: Int64] = [:]
        for (mx, count) in failuresByMX {
            if let name = DNSName.normalized(mx) { failures[name, default: 0].add(saturating: count) }
        }
        let rows = check.hosts.map { host -> [String] in
            let states = HostStates(host, at: check.checkedAt)
            return [
                host.host, "\(host.preference)", host.probe?.address ?? "", states.starttls, states.tlsVersion,
                states.certificate, states.expires, states.daysLeft, states.names, states.policy, states.dane,
                "\(failures[host.host] ?? 0)",
            ]
        }
        return PackTable(
            name: "transport", title: "MX hosts, checked live",
            header: [
                "mx_host", "preference", "address", "starttls", "tls_version", "certificate", "expires", "days_left",
                "names", "mta_sts", "dane", "reported_failed_sessions",
            ],
            rows: rows, textColumns: [0, 2, 3, 4, 5, 6, 8, 9, 10],
            labels: [
                "MX host", "pref", "address", "STARTTLS", "TLS", "certificate", "expires", "days left", "names",
                "MTA-STS", "DANE", "failed sessions reported",
            ],
            note: "Checked \(time(check.checkedAt)) UTC from port 25; failed sessions are those TLS-RPT reporters "
                + "named for each host in the period.")
    }

    /// The records' table: MTA-STS, TLS-RPT, DMARC and SPF, each with its state and what it says.
    public static func recordTable(_ check: TransportCheck) -> PackTable {
        PackTable(
            name: "transport-records", title: "DNS records, checked live", header: ["record", "state", "detail"],
            rows: recordRows(check), textColumns: [0, 1, 2], labels: ["record", "state", "what it says"])
    }

    static func recordRows(_ check: TransportCheck) -> [[String]] {
        let domain = check.domain
        var rows: [[String]] = []
        let mx = check.mx.value.map { records in
            records.map { "\($0.preference) \($0.host.isEmpty ? "." : $0.host)" }.joined(separator: ", ")
        }
        rows.append(["MX \(domain)", state(check.mx), mx ?? detail(check.mx)])
        rows.append([
            "_mta-sts.\(domain)", state(check.mtaSTS.record),
            check.mtaSTS.record.value.map { "id=\($0.id)" } ?? detail(check.mtaSTS.record),
        ])
        if case .absent = check.mtaSTS.policy, check.mtaSTS.record.value == nil {
        } else {
            rows.append([
                "https://mta-sts.\(domain)/.well-known/mta-sts.txt", state(check.mtaSTS.policy),
                check.mtaSTS.policy.value.map {
                    "mode \($0.mode.rawValue), max_age \($0.maxAge), mx \($0.mxPatterns.joined(separator: " "))"
                } ?? detail(check.mtaSTS.policy),
            ])
        }
        rows.append([
            "_smtp._tls.\(domain)", state(check.tlsReporting),
            check.tlsReporting.value.map { $0.reportURIs.joined(separator: ", ") } ?? detail(check.tlsReporting),
        ])
        var dmarc = detail(check.dmarc.record)
        if let record = check.dmarc.record.value {
            dmarc =
                "p=\(record.policy.rawValue)" + (record.subdomainPolicy.map { " sp=\($0.rawValue)" } ?? "")
                + (record.nonexistentPolicy.map { " np=\($0.rawValue)" } ?? "") + " pct=\(record.percent)"
                + " adkim=\(record.dkimAlignment.rawValue) aspf=\(record.spfAlignment.rawValue)"
                + (record.aggregateReportURIs.isEmpty
                    ? "" : " rua=" + record.aggregateReportURIs.joined(separator: ","))
            for destination in check.dmarc.externalDestinations {
                let said =
                    destination.authorised.map { $0 ? "authorised" : "not authorised" } ?? "authorisation unknown"
                dmarc += "; \(destination.domain) \(said)"
            }
        }
        if let organisational = check.dmarc.inheritedFrom {
            dmarc += " (the record of \(organisational), which applies to \(domain): its sp= if given, else its p=)"
        }
        rows.append(["_dmarc.\(check.dmarc.inheritedFrom ?? domain)", state(check.dmarc.record), dmarc])
        var spf = detail(check.spf.record)
        if check.spf.record.value != nil {
            spf =
                "\(Count.of(check.spf.lookups, "DNS lookup")) (limit 10), \(check.spf.voidLookups) void (limit 2)"
            if let problem = check.spf.problems.first { spf += "; \(problem)" }
        }
        rows.append(["SPF \(domain)", state(check.spf.record), spf])
        return rows
    }

    static func state<T>(_ lookup: Lookup<T>) -> String {
        switch lookup {
        case .found: "found"
        case .absent: "absent"
        case .invalid: "invalid"
        case .failed: "lookup failed"
        }
    }

    static func detail<T>(_ lookup: Lookup<T>) -> String {
        switch lookup {
        case .found, .absent: ""
        case .invalid(let text, let problem): "\(problem.reason): \(text.prefix(120))"
        case .failed(let reason): reason
        }
    }

    /// `2026-12-07 03:50`.
    static func time(_ seconds: Int64) -> String {
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - day * 86_400
        let hours = rest / 3600
        let minutes = rest % 3600 / 60
        return "\(DayPeriod.isoDate(ofDay: day)) \(hours < 10 ? "0" : "")\(hours):\(minutes < 10 ? "0" : "")\(minutes)"
    }

    /// "(checked 2026-12-07 03:51 UTC)".
    public static func checked(_ check: TransportCheck) -> String { "(checked \(time(check.checkedAt)) UTC)" }

    /// The check in lines of text, for `check` and `summary`, under a heading of the caller's.
    public static func lines(_ check: TransportCheck) -> [String] {
        var lines: [String] = []
        for host in check.hosts {
            let states = HostStates(host, at: check.checkedAt)
            var parts = ["STARTTLS \(states.starttls)"]
            if !states.tlsVersion.isEmpty { parts.append(states.tlsVersion) }
            if !states.certificate.isEmpty {
                parts.append("certificate \(states.certificate), names \(states.names), expires \(states.expires)")
            }
            if !states.policy.isEmpty { parts.append("MTA-STS \(states.policy)") }
            parts.append("DANE \(states.dane)")
            if host.probe?.connected != true, let problem = host.probe?.problem {
                parts.append(problem)
            }
            lines.append(
                "  MX \(host.preference) \(host.host) (\(host.probe?.address ?? "no address")): "
                    + parts.joined(separator: "; "))
        }
        for row in recordRows(check) {
            lines.append("  \(row[0]): \(row[1])" + (row[2].isEmpty ? "" : ": \(row[2])"))
        }
        return lines
    }

    /// The check as JSON (docs/output.md, "transport").
    public struct JSON: Encodable, Sendable {
        var domain, checked_at: String
        var mx_authenticated: Bool
        var mx: [Host]
        var records: [Record]

        struct Host: Encodable, Sendable {
            var host: String
            var preference: Int
            var addresses: [String]
            var address_probed: String?
            var connected, starttls: Bool
            var banner, tls_version, problem: String?
            var certificate: Certificate?
            var dane: String
            var tlsa: [String]
            var tlsa_authenticated: Bool
            var mta_sts_covered: Bool?
            var canonical_name: String?
        }

        struct Certificate: Encodable, Sendable {
            var subject, issuer, not_before, not_after, sha256, public_key_sha256: String
            var names: [String]
            var days_left: Int64
            var chain_trusted, names_match_host: Bool
            var chain_problem: String?
        }

        struct Record: Encodable, Sendable {
            var record, state, detail: String
        }

        static func host(_ host: MXHostCheck, checkedAt: Int64) -> Host {
            Host(
                host: host.host, preference: host.preference, addresses: host.addresses.value ?? [],
                address_probed: host.probe?.address, connected: host.probe?.connected ?? false,
                starttls: host.probe?.offersSTARTTLS ?? false, banner: host.probe?.banner,
                tls_version: host.probe?.tlsVersion, problem: host.probe?.problem,
                certificate: host.certificate.map { certificate in
                    Certificate(
                        subject: certificate.subject, issuer: certificate.issuer,
                        not_before: TransportRenderer.time(certificate.notBefore),
                        not_after: TransportRenderer.time(certificate.notAfter),
                        sha256: certificate.certificateSHA256, public_key_sha256: certificate.publicKeySHA256,
                        names: certificate.names, days_left: certificate.daysUntilExpiry(at: checkedAt),
                        chain_trusted: certificate.chainTrusted, names_match_host: certificate.namesMatchHost,
                        chain_problem: certificate.chainProblem)
                }, dane: host.dane.rawValue, tlsa: host.tlsa.value?.map(\.shown) ?? [],
                tlsa_authenticated: host.tlsaAuthenticated, mta_sts_covered: host.coveredByPolicy,
                canonical_name: host.canonicalName)
        }

        /// The JSON of `check`.
        public init(_ check: TransportCheck) {
            domain = check.domain
            checked_at = TransportRenderer.time(check.checkedAt)
            mx_authenticated = check.mxAuthenticated
            mx = check.hosts.map { Self.host($0, checkedAt: check.checkedAt) }
            records = TransportRenderer.recordRows(check).map { Record(record: $0[0], state: $0[1], detail: $0[2]) }
        }
    }

    /// The `check --json` document: each check with its findings.
    public static func json(_ checks: [(TransportCheck, [Finding])]) -> String {
        struct Entry: Encodable {
            var transport: JSON
            var findings: [JSONSummaryRenderer.FindingEntry]
        }
        struct Document: Encodable { var checks: [Entry] }
        return JSONOutput.encode(
            Document(
                checks: checks.map {
                    Entry(transport: JSON($0.0), findings: $0.1.map(JSONSummaryRenderer.FindingEntry.init))
                }))
    }
}
