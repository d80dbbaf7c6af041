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
                    facts: .tlsFailuresUndetailed(
                        failed: tls.failedSessions, reports: tls.reports, domain: report.domain))
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
        let byMX = (report.summary.tlsBreakdown?.failuresByReceivingMX ?? [:]).filter { !$0.key.isEmpty }
        let figures = TLSFailureFigures(
            domain: report.domain, byResultType: ordered.map { Tally($0.key, $0.value) },
            byMX: byMX.rankedByValue().prefix(thresholds.topSources).map { Tally($0.key, $0.value) },
            itemised: ReportCounts.sum(tls.failuresByResultType.values), total: tls.failedSessions,
            worstMX: worstMX(report))
        if certificate > 0 {
            return [
                Finding(
                    code: .tlsCertificateFailures, severity: .critical, subject: report.domain,
                    facts: .tlsCertificateFailures(certificate: certificate, figures))
            ]
        }
        return [Finding(code: .tlsFailures, severity: .warning, subject: report.domain, facts: .tlsFailures(figures))]
    }

    /// The named MX host with the most failed sessions.
    func worstMX(_ report: DomainReport) -> String? {
        report.summary.tlsBreakdown?.failuresByReceivingMX.filter { !$0.key.isEmpty }
            .max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
    }
}
