import ReportModel

/// One rule that turns a domain's numbers into findings: each rule is a type of its own, so a
/// rule can be read, tested and changed without the others (docs/findings.md lists every code).
protocol FindingRule: Sendable {
    /// The thresholds the rule compares with.
    var thresholds: FindingThresholds { get }
    /// The rule's findings for one domain's period; none when it does not apply.
    func findings(for report: DomainReport) -> [Finding]
}

/// The rules in the order findings of one severity are listed, most severe first.
struct FindingRules {
    var thresholds: FindingThresholds

    /// Every rule; findings of equal severity keep this order.
    var rules: [any FindingRule] {
        [
            SpoofingRule(thresholds: thresholds), KnownSenderRule(thresholds: thresholds),
            ForwardedFailingRule(thresholds: thresholds), PartlyFailingRule(thresholds: thresholds),
            NewSourcesRule(thresholds: thresholds), PassRateDropRule(thresholds: thresholds),
            TLSFailureRule(thresholds: thresholds), STSTestingRule(thresholds: thresholds),
            NoPolicyFoundRule(thresholds: thresholds), ReadyForEnforcementRule(thresholds: thresholds),
            ImplausibleRangeRule(thresholds: thresholds), TransportRule(thresholds: thresholds),
        ]
    }

    func findings(for report: DomainReport) -> [Finding] {
        let findings = Self.withoutRepeats(rules.flatMap { $0.findings(for: report) })
        // Stable: by severity, then in the order of the rules.
        return findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity < b.element.severity : a.offset < b.offset
        }.map(\.element)
    }
}

extension FindingRules {
    /// The codes of the live check that say why a certificate fails.
    static let liveCertificateCodes: Set<FindingCode> = [
        .mxCertificateExpired, .mxCertificateUntrusted, .mxCertificateNameMismatch, .mxCertificateExpiring,
    ]

    /// Leaves out what the reports say when the live check says it better: certificate failures
    /// when every MX they name has a live certificate finding (the live one names the cause and
    /// joins the same sessions), and `no-policy-found` beside `no-downgrade-protection`.
    static func withoutRepeats(_ findings: [Finding]) -> [Finding] {
        let live = Set(findings.filter { liveCertificateCodes.contains($0.code) }.map(\.subject))
        let unprotected = findings.contains { $0.code == .noDowngradeProtection }
        return findings.filter { finding in
            if finding.code == .noPolicyFound { return !unprotected }
            guard case .tlsCertificateFailures(_, let figures) = finding.facts, !live.isEmpty else { return true }
            let named = figures.byMX.map(\.name).compactMap(DNSName.normalized)
            return named.isEmpty || !named.allSatisfy(live.contains)
        }
    }
}

extension FindingRule {
    /// The correlation rows whose mail failed DMARC and whose class is one of `classes`.
    func failingRows(_ report: DomainReport, of classes: Set<SourceClass>) -> [CorrelationRow] {
        report.sources.filter {
            $0.dmarc.failed > 0 && $0.verdict != nil && classes.contains($0.verdict?.sourceClass ?? .unknown)
        }
    }

    /// The sum of one DMARC figure over `rows`, saturating.
    func sum(_ rows: [CorrelationRow], _ value: (DMARCTotals) -> Int64) -> Int64 {
        rows.reduce(Int64(0)) { $0.saturatingAdd(value($1.dmarc)) }
    }

    /// The biggest rows by `value`, with the figures each one's line of evidence states.
    func figures(_ rows: [CorrelationRow], _ value: (DMARCTotals) -> Int64) -> [SourceFigures] {
        rows.sorted { a, b in value(a.dmarc) != value(b.dmarc) ? value(a.dmarc) > value(b.dmarc) : a.source < b.source }
            .prefix(thresholds.topSources).map { row in
                SourceFigures(
                    name: row.displayName, sourceClass: row.verdict?.sourceClass, failed: row.dmarc.failed,
                    messages: row.dmarc.messages, counted: value(row.dmarc),
                    addresses: Array(row.sourceIPs.prefix(thresholds.addressesPerSource)),
                    moreAddresses: row.sourceIPs.count > thresholds.addressesPerSource)
            }
    }

    /// The biggest rows' names, for an action ("Mailchimp, SendGrid and 2 more").
    func named(_ rows: [CorrelationRow]) -> NamedSources {
        let sorted = rows.sorted {
            $0.dmarc.failed != $1.dmarc.failed ? $0.dmarc.failed > $1.dmarc.failed : $0.source < $1.source
        }
        let shown = sorted.prefix(thresholds.sourcesNamedInAction).map(\.displayName)
        return NamedSources(names: Array(shown), more: sorted.count - shown.count)
    }
}
