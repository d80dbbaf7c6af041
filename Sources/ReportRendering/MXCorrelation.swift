import ReportAnalysis
import ReportModel

/// `correlate --by mx` (docs/correlation.md): each MX host of a domain with its live state (the
/// latest stored check) beside the TLS sessions reporters saw fail there. Hosts that reports
/// name but the MX records no longer list are kept: an old host still in senders' caches.
public struct MXCorrelationRow: Sendable, Hashable {
    /// The policy domain.
    public var domain: String
    /// The MX host, lowercased.
    public var host: String
    /// The live check of the host; nil when the latest check did not list it (or none was made).
    public var live: MXHostCheck?
    /// When that check ran.
    public var checkedAt: Int64?
    /// Failed sessions reporters named at this host, in all and by result type.
    public var failedSessions: Int64
    public var failuresByType: [String: Int64]
    /// Distinct reporters that named failures at it.
    public var reporters: Int

    /// The rows of one domain: the check's hosts in preference order, then hosts only reports name.
    public static func rows(domain: String, check: TransportCheck?, failures: [TLSFailureGroup]) -> [MXCorrelationRow] {
        var byHost: [String: (sessions: Int64, types: [String: Int64], reporters: Set<String>)] = [:]
        for group in failures {
            guard let host = group.receivingMX.flatMap(DNSName.normalized) else { continue }
            var entry = byHost[host] ?? (0, [:], [])
            entry.sessions.add(saturating: group.failedSessions)
            entry.types[group.resultType, default: 0].add(saturating: group.failedSessions)
            entry.reporters.insert(group.reporter)
            byHost[host] = entry
        }
        var rows: [MXCorrelationRow] = []
        for host in check?.hosts ?? [] {
            let reported = byHost.removeValue(forKey: host.host)
            rows.append(
                MXCorrelationRow(
                    domain: domain, host: host.host, live: host, checkedAt: check?.checkedAt,
                    failedSessions: reported?.sessions ?? 0, failuresByType: reported?.types ?? [:],
                    reporters: reported?.reporters.count ?? 0))
        }
        for (host, reported) in byHost.sorted(by: { ($0.value.sessions, $1.key) > ($1.value.sessions, $0.key) }) {
            rows.append(
                MXCorrelationRow(
                    domain: domain, host: host, live: nil, checkedAt: check?.checkedAt,
                    failedSessions: reported.sessions,
                    failuresByType: reported.types, reporters: reported.reporters.count))
        }
        return rows
    }

    static let header = [
        "domain", "mx_host", "in_mx_records", "starttls", "tls_version", "certificate", "days_left", "names", "mta_sts",
        "dane", "failed_sessions", "reporters", "failures_by_result_type",
    ]

    var cells: [String] {
        let states = live.map { TransportRenderer.HostStates($0, at: checkedAt ?? 0) }
        return [
            domain, host, live == nil ? (checkedAt == nil ? "not checked" : "no") : "yes", states?.starttls ?? "",
            states?.tlsVersion ?? "", states?.certificate ?? "", states?.daysLeft ?? "", states?.names ?? "",
            states?.policy ?? "", states?.dane ?? "", "\(failedSessions)", "\(reporters)",
            failuresByType.rankedByValue().map { "\($0.key) \($0.value)" }.joined(separator: "; "),
        ]
    }

    struct JSONRow: Encodable {
        var domain, mx_host: String
        var in_mx_records: Bool?
        var live: TransportRenderer.JSON.Host?
        var checked_at: String?
        var failed_sessions: Int64
        var reporters: Int
        var failures_by_result_type: [String: Int64]
    }

    /// The rows in `format`.
    public static func render(_ rows: [MXCorrelationRow], format: OutputFormat, width: Int?) -> String {
        switch format {
        case .csv: return CSVTable.render(header: header, rows: rows.map(\.cells))
        case .md:
            return PackTable(
                name: "mx", title: "", header: header, rows: rows.map(\.cells),
                textColumns: Set(header.indices).subtracting([10, 11])
            ).markdown
        case .text:
            guard !rows.isEmpty else { return "No MX host checked or named in TLS reports.\n" }
            return TextTable(header: header.map(DomainSummaryView.label), rows: rows.map(\.cells), maxWidth: width)
                .render()
        case .json:
            struct Document: Encodable { var mx: [JSONRow] }
            return JSONOutput.encode(
                Document(
                    mx: rows.map { row in
                        JSONRow(
                            domain: row.domain, mx_host: row.host,
                            in_mx_records: row.checkedAt == nil ? nil : row.live != nil,
                            live: row.live.map { TransportRenderer.JSON.host($0, checkedAt: row.checkedAt ?? 0) },
                            checked_at: row.checkedAt.map(TransportRenderer.time), failed_sessions: row.failedSessions,
                            reporters: row.reporters, failures_by_result_type: row.failuresByType)
                    }))
        }
    }
}
