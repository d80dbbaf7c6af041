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
            ImplausibleRangeRule(thresholds: thresholds),
        ]
    }

    func findings(for report: DomainReport) -> [Finding] {
        let findings = rules.flatMap { $0.findings(for: report) }
        // Stable: by severity, then in the order of the rules.
        return findings.enumerated().sorted { a, b in
            a.element.severity != b.element.severity ? a.element.severity < b.element.severity : a.offset < b.offset
        }.map(\.element)
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

    /// The biggest rows by `value`, one line each: "Name [class]: 6 of 6 messages failed DMARC, 6 rejected (ips)".
    func evidence(_ rows: [CorrelationRow], _ value: (DMARCTotals) -> Int64, _ outcome: String) -> [String] {
        rows.sorted { a, b in value(a.dmarc) != value(b.dmarc) ? value(a.dmarc) > value(b.dmarc) : a.source < b.source }
            .prefix(thresholds.topSources).map { row in
                let shown = thresholds.addressesPerSource
                let ips =
                    row.sourceIPs.prefix(shown).joined(separator: ", ") + (row.sourceIPs.count > shown ? ", …" : "")
                let label = row.verdict.map { " [\($0.sourceClass.rawValue)]" } ?? ""
                // "failed DMARC, 470 failed" says nothing twice: the outcome only when it adds.
                let tail = outcome == "failed" ? "" : ", \(Count.grouped(value(row.dmarc))) \(outcome)"
                return
                    "\(row.displayName)\(label): \(Count.grouped(row.dmarc.failed)) of \(Count.messages(row.dmarc.messages)) failed DMARC"
                    + tail + (ips.isEmpty ? "" : " (\(ips))")
            }
    }

    /// "Mailchimp, SendGrid and 2 more": the biggest rows' names.
    func names(_ rows: [CorrelationRow]) -> String {
        let sorted = rows.sorted {
            $0.dmarc.failed != $1.dmarc.failed ? $0.dmarc.failed > $1.dmarc.failed : $0.source < $1.source
        }
        let shown = sorted.prefix(thresholds.sourcesNamedInAction).map(\.displayName)
        let rest = sorted.count - shown.count
        return shown.joined(separator: ", ") + (rest > 0 ? " and \(rest) more" : "")
    }
}
