import ReportAnalysis
import ReportModel

// The sentences of the findings: every word a finding says is written here, from the facts the
// rules in ReportAnalysis found (docs/findings.md). Each format (pack, JSON, text) shows these.

extension Finding {
    /// The sentence.
    public var text: String { FindingSentences.text(facts) }
    /// Counts, sources, MX hosts and dates that support the text, one line each.
    public var evidence: [String] { FindingSentences.evidence(facts) }
    /// What to do about it, in a few words, when there is something to do.
    public var action: String? { FindingSentences.action(facts) }
}

/// Facts into sentences.
enum FindingSentences {
    static func text(_ facts: FindingFacts) -> String {
        switch facts {
        case .spoofingDelivered(let messages, let sources, let policy, _):
            return "\(Count.messages(messages)) from \(Count.of(sources, "unauthorised source")) failed DMARC and "
                + "\(messages == 1 ? "was" : "were") delivered" + context(policy)
        case .spoofingBlocked(let messages, let sources, let rejected, let quarantined, _):
            let what = [
                rejected > 0 ? "\(Count.grouped(rejected)) rejected" : nil,
                quarantined > 0 ? "\(Count.grouped(quarantined)) quarantined" : nil,
            ]
            .compactMap { $0 }.joined(separator: " and ")
            return "\(Count.messages(messages)) from \(Count.of(sources, "unauthorised source")) failed DMARC and "
                + "receivers stopped them (\(what)): the policy doing its job"
        case .knownSenderBlocked(let messages, let sources, let domain, _, _):
            return "Receivers rejected or quarantined \(Count.messages(messages)) from "
                + "\(Count.of(sources, "known service")) sending as \(domain): fix their SPF or DKIM alignment"
        case .knownSenderFailing(let messages, let sources, _, _):
            return "\(Count.messages(messages)) from \(Count.of(sources, "known service")) failed DMARC but "
                + "\(messages == 1 ? "was" : "were") delivered: fix their SPF or DKIM alignment before enforcing"
        case .forwardedFailing(let messages, _):
            return "\(Count.messages(messages)) relayed by forwarders or mailing lists failed DMARC: "
                + "expected when a relay changes the message; nothing to fix at your end"
        case .authorisedPartlyFailing(let messages, let sources, _):
            return "\(Count.messages(messages)) from \(Count.of(sources, "source")) that mostly pass failed DMARC"
        case .newSources(let count, let window, let domain, _):
            return "\(Count.of(count, "source")) not seen in the \(window) days before sent mail as \(domain)"
        case .passRateDrop(let before, let now, _, _, _, _):
            return "The DMARC pass rate fell from \(Percent.format(before)) to \(Percent.format(now))"
        case .tlsFailuresUndetailed(let failed, _, let domain):
            return "\(Count.of(failed, "TLS session")) to the MX hosts of \(domain) failed; reporters gave no details"
        case .tlsFailures(let figures):
            return "\(Count.of(figures.itemised, "TLS session")) to the MX hosts of \(figures.domain) failed, "
                + "as reporters itemised them"
        case .tlsCertificateFailures(let certificate, let figures):
            return "Senders could not validate the certificate of an MX host of \(figures.domain) in "
                + Count.of(certificate, "session")
        case .stsTestingFailures(let failed, _):
            return "MTA-STS is in testing mode and \(Count.of(failed, "session")) failed: "
                + "fix them before moving to enforce"
        case .noPolicyFound(_, _, let domain):
            return "Senders found no MTA-STS or DANE policy for \(domain): "
                + "delivery to it is not protected against downgrade"
        case .readyForEnforcement(let rate, _, _, _):
            return "The policy is still p=none while \(Percent.format(rate)) of mail passes DMARC: "
                + "consider p=quarantine"
        case .implausibleDateRange(let count, _):
            return "\(Count.of(count, "report")) \(count == 1 ? "has a date range" : "have date ranges") "
                + "that cannot be right: counted on a bounded span, not over the range "
                + (count == 1 ? "it states" : "they state")
        case .transport(let facts):
            return TransportSentences.text(facts)
        }
    }

    static func evidence(_ facts: FindingFacts) -> [String] {
        switch facts {
        case .spoofingDelivered(_, _, _, let senders), .knownSenderFailing(_, _, let senders, _):
            return senders.map { line($0, outcome: "delivered") }
        case .spoofingBlocked(_, _, _, _, let senders):
            return senders.map { line($0, outcome: "stopped") }
        case .knownSenderBlocked(_, _, _, let senders, _):
            return senders.map { line($0, outcome: "rejected or quarantined") }
        case .forwardedFailing(_, let senders), .authorisedPartlyFailing(_, _, let senders):
            return senders.map { line($0, outcome: nil) }
        case .newSources(_, _, _, let shown):
            return shown.map {
                "\($0.name)\(label($0.sourceClass)): \(Count.messages($0.messages)), "
                    + "\(Percent.format($0.passRate)) passed DMARC"
            }
        case .passRateDrop(_, _, let passed, let messages, let passedBefore, let messagesBefore):
            return [
                "\(Count.grouped(passed)) of \(Count.messages(messages)) passed, against "
                    + "\(Count.grouped(passedBefore)) of \(Count.grouped(messagesBefore)) before"
            ]
        case .tlsFailuresUndetailed(let failed, let reports, _):
            return [
                "\(Count.of(failed, "failed session")) in \(Count.of(reports, "report")), none itemised by result type"
            ]
        case .tlsFailures(let figures), .tlsCertificateFailures(_, let figures):
            var lines = figures.byResultType.map { "\($0.name): \(Count.of($0.count, "failed session"))" }
            lines += figures.byMX.map { "MX \($0.name): \(Count.of($0.count, "failed session"))" }
            if figures.itemised != figures.total {
                lines.append(
                    "reporters itemised \(Count.of(figures.itemised, "failed session")) by result type, "
                        + "and reported \(Count.grouped(figures.total)) failed in total")
            }
            return lines
        case .stsTestingFailures(_, let maxAge):
            return ["policy mode testing, max_age \(maxAge.map(String.init) ?? "unknown")"]
        case .noPolicyFound(let sessions, let reports, _):
            return ["\(Count.of(sessions, "session")) under no-policy-found in \(Count.of(reports, "report"))"]
        case .readyForEnforcement(_, let passed, let messages, let tags):
            return ["\(Count.grouped(passed)) of \(Count.messages(messages)) passed; published \(tags)"]
        case .implausibleDateRange(_, let shown):
            return shown.map(\.description)
        case .transport(let facts):
            return TransportSentences.evidence(facts)
        }
    }

    static func action(_ facts: FindingFacts) -> String? {
        switch facts {
        case .spoofingDelivered(_, _, let policy, _):
            return policy == .monitor
                ? "Once your own sources pass, move the policy to p=quarantine so receivers stop delivering spoofed mail"
                : "Check why failing mail was delivered: raise pct to 100, and look at the receivers' override reasons"
        case .knownSenderBlocked(_, _, _, _, let named):
            return "Fix SPF or DKIM for " + names(named) + ": receivers are refusing your own mail"
        case .knownSenderFailing(_, _, _, let named):
            return "Fix SPF or DKIM alignment for " + names(named) + " before enforcing the policy"
        case .passRateDrop:
            return
                "Find which source's mail started failing (the sources table, and `mailtally records` for one source)"
        case .tlsFailuresUndetailed:
            return "Check STARTTLS and the MTA-STS policy of the MX hosts"
        case .tlsFailures(let figures):
            return "Check STARTTLS and the MTA-STS policy of " + mx(figures.worstMX)
        case .tlsCertificateFailures(_, let figures):
            return "Renew or fix the certificate of " + mx(figures.worstMX) + " (its names, chain and expiry)"
        case .stsTestingFailures:
            return "Fix the TLS failures before moving MTA-STS to enforce"
        case .readyForEnforcement:
            return "Move the policy to p=quarantine"
        case .transport(let facts):
            return TransportSentences.action(facts)
        case .spoofingBlocked, .forwardedFailing, .authorisedPartlyFailing, .newSources, .noPolicyFound,
            .implausibleDateRange:
            return nil
        }
    }

    /// Why failing mail was delivered: " (the policy is p=none: …)", or what let it through an
    /// enforcing policy.
    static func context(_ policy: PolicyInForce) -> String {
        switch policy {
        case .unknown: return ""
        case .monitor: return " (the policy is p=none: receivers take no action)"
        case .enforcing(let p, let pct, let overrides):
            var why: [String] = []
            if let pct { why.append("pct=\(pct) applies the policy to part of the mail") }
            if !overrides.isEmpty {
                why.append(
                    "receivers overrode it ("
                        + overrides.map { "\($0.name) \(Count.grouped($0.count))" }.joined(separator: ", ") + ")")
            }
            return " despite p=\(p.rawValue)" + (why.isEmpty ? "" : ": " + why.joined(separator: "; "))
        }
    }

    /// One source's line: "Name [class]: 6 of 6 messages failed DMARC, 6 rejected (ips)". With
    /// no `outcome` the line stops at "failed DMARC": "failed DMARC, 470 failed" says it twice.
    static func line(_ source: SourceFigures, outcome: String?) -> String {
        let ips = source.addresses.joined(separator: ", ") + (source.moreAddresses ? ", …" : "")
        let tail = outcome.map { ", \(Count.grouped(source.counted)) \($0)" } ?? ""
        return "\(source.name)\(label(source.sourceClass)): \(Count.grouped(source.failed)) of "
            + "\(Count.messages(source.messages)) failed DMARC" + tail + (ips.isEmpty ? "" : " (\(ips))")
    }

    /// " [class]", or nothing for a source with no class.
    static func label(_ sourceClass: SourceClass?) -> String { sourceClass.map { " [\($0.rawValue)]" } ?? "" }

    /// "Mailchimp, SendGrid and 2 more".
    static func names(_ named: NamedSources) -> String {
        named.names.joined(separator: ", ") + (named.more > 0 ? " and \(named.more) more" : "")
    }

    /// "MX mx1.example.com", or "the MX hosts" when no host is named.
    static func mx(_ host: String?) -> String { host.map { "MX \($0)" } ?? "the MX hosts" }
}
