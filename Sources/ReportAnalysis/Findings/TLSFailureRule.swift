import ReportModel

/// TLS sessions to the domain's MX hosts that failed, by result type and MX. Certificate
/// failures are a critical (senders that enforce MTA-STS or DANE cannot deliver), other
/// failures a warning, as are failures reporters gave no details for.
struct TLSFailureRule: FindingRule {
    let thresholds: FindingThresholds

    func findings(for report: DomainReport) -> [Finding] {
        let tls = report.summary.tls
        guard !tls.failuresByResultType.isEmpty || tls.failedSessions > 0 else { return [] }
        if tls.failuresByResultType.isEmpty {
            return [
                Finding(
                    code: .tlsFailures, severity: .warning, subject: report.domain,
                    text:
                        "\(Count.of(tls.failedSessions, "TLS session")) to the MX hosts of \(report.domain) failed; reporters gave no details",
                    evidence: [
                        "\(Count.of(tls.failedSessions, "failed session")) in \(Count.of(tls.reports, "report")), none itemised by result type"
                    ],
                    action: "Check STARTTLS and the MTA-STS policy of the MX hosts")
            ]
        }
        let ordered = tls.failuresByResultType.sorted { a, b in
            let ca = TLSResultType(rawValue: a.key).isCertificateFailure
            let cb = TLSResultType(rawValue: b.key).isCertificateFailure
            if ca != cb { return ca }
            return a.value != b.value ? a.value > b.value : a.key < b.key
        }
        let certificate = ordered.filter { TLSResultType(rawValue: $0.key).isCertificateFailure }.reduce(Int64(0)) {
            $0.saturatingAdd($1.value)
        }
        var evidence = ordered.map { "\($0.key): \(Count.of($0.value, "failed session"))" }
        if let byMX = report.summary.tlsBreakdown?.failuresByReceivingMX.filter({ !$0.key.isEmpty }), !byMX.isEmpty {
            evidence += byMX.rankedByValue().prefix(
                thresholds.topSources
            ).map { "MX \($0.key): \(Count.of($0.value, "failed session"))" }
        }
        let detailed = ReportCounts.sum(tls.failuresByResultType.values)
        if detailed != tls.failedSessions {
            evidence.append(
                "reporters itemised \(Count.of(detailed, "failed session")) by result type, and reported \(Count.grouped(tls.failedSessions)) failed in total"
            )
        }
        if certificate > 0 {
            return [
                Finding(
                    code: .tlsCertificateFailures, severity: .critical, subject: report.domain,
                    text:
                        "Senders could not validate the certificate of an MX host of \(report.domain) in \(Count.of(certificate, "session"))",
                    evidence: evidence,
                    action: "Renew or fix the certificate of " + (worstMX(report).map { "MX \($0)" } ?? "the MX hosts")
                        + " (its names, chain and expiry)")
            ]
        }
        return [
            Finding(
                code: .tlsFailures, severity: .warning, subject: report.domain,
                text:
                    "\(Count.of(detailed, "TLS session")) to the MX hosts of \(report.domain) failed, as reporters itemised them",
                evidence: evidence,
                action: "Check STARTTLS and the MTA-STS policy of "
                    + (worstMX(report).map { "MX \($0)" } ?? "the MX hosts"))
        ]
    }

    /// The named MX host with the most failed sessions.
    func worstMX(_ report: DomainReport) -> String? {
        report.summary.tlsBreakdown?.failuresByReceivingMX.filter { !$0.key.isEmpty }
            .max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }
}
