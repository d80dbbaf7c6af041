import ReportModel

/// The class of a sending source over a period, from its DMARC counts and what named it.
public enum SourceClass: String, Sendable, CaseIterable, Comparable {
    /// Most of its mail passes DMARC: yours, or sending for you.
    case authorised
    /// Shows a relay (our DKIM survived while SPF failed for our own domain, or receivers
    /// named a forwarder or mailing list), or a known forwarder.
    case forwarder
    /// A known service (source map or catalogue) whose mail mostly fails DMARC.
    case misconfigured
    /// Mostly fails DMARC from an address with no PTR name, an unconfirmed one, or an ISP or
    /// hosting network: likely spoofing.
    case suspicious
    /// Mostly fails DMARC, but neither known nor suspicious: a confirmed name of an unknown
    /// organisation, or reverse DNS not looked up yet (`mailtally enrich`).
    case unknown

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    /// Orders classes as declared, so that tallies and tables list them the same way every time.
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// A class and the counts behind it.
public struct SourceVerdict: Hashable, Sendable {
    /// The class the source falls in over the period.
    public var sourceClass: SourceClass
    /// Why, in a few words with the counts (`fails DMARC: 50 of 50; no PTR name`).
    public var reason: String
}

/// Classification of sources, as the commercial DMARC tools label them.
public enum SourceClassifier {
    /// The verdict for a source's DMARC totals; nil when it sent no DMARC-reported mail.
    /// - Parameters:
    ///   - evidence: the strongest reverse DNS evidence among the source's IPs.
    public static func classify(
        _ totals: DMARCTotals, source: SourceResolver.Source, evidence: ReverseDNSEvidence
    ) -> SourceVerdict? {
        let messages = totals.messages
        guard messages > 0 else { return nil }
        let pass = min(totals.dmarcPass, messages)
        let relayed = min(totals.relayed, messages)
        let category = source.category.map(SourceCategory.init)
        let knownSender =
            source.origin == .sourceMap || (category.map { !$0.isAnyonesNetwork && $0 != .forwarder } ?? false)
        let passing = "\(Count.grouped(pass)) of \(Count.grouped(messages)) pass DMARC"
        let failing = "fails DMARC: \(Count.grouped(messages - pass)) of \(Count.grouped(messages))"

        if category == .forwarder {
            return SourceVerdict(sourceClass: .forwarder, reason: "known forwarder; \(passing)")
        }
        // Evidence of a relay, never DKIM-alone passes as such: an ESP passes SPF for its own
        // bounce domain, not ours, and is authorised (docs/findings.md, "Relayed mail").
        // Mailbox providers and gateways forward their users' mail (Gmail, Outlook, a security
        // gateway): their relayed mail makes them a forwarder too; an ESP never relays.
        let mayRelay = !knownSender || (source.origin != .sourceMap && (category == .mailbox || category == .gateway))
        if mayRelay && relayed > 0 && relayed >= messages - relayed {
            return SourceVerdict(
                sourceClass: .forwarder,
                reason:
                    "\(Count.grouped(relayed)) of \(Count.grouped(messages)) relayed (our DKIM survived, SPF failed for our domain, or the receiver named a forwarder); \(passing)"
            )
        }
        if pass >= messages - pass {  // half or more, without doubling a count
            return SourceVerdict(sourceClass: .authorised, reason: passing)
        }
        if knownSender {
            return SourceVerdict(sourceClass: .misconfigured, reason: "known \(category?.name ?? "source"); \(failing)")
        }
        if let category, category.isAnyonesNetwork {
            return SourceVerdict(sourceClass: .suspicious, reason: "\(failing); \(category.name) network")
        }
        switch evidence {
        case .none: return SourceVerdict(sourceClass: .suspicious, reason: "\(failing); no PTR name")
        case .unconfirmed: return SourceVerdict(sourceClass: .suspicious, reason: "\(failing); PTR name not confirmed")
        case .confirmed: return SourceVerdict(sourceClass: .unknown, reason: "\(failing); not a known service")
        case .unknown: return SourceVerdict(sourceClass: .unknown, reason: "\(failing); reverse DNS not looked up")
        }
    }
}

/// How many sources of a class, and their mail.
public struct SourceClassTally: Hashable, Sendable {
    /// The class counted.
    public var sourceClass: SourceClass
    /// How many sources have it.
    public var sources: Int
    /// Their DMARC-reported messages, summed (saturating).
    public var messages: Int64
    /// Of those, the ones that passed DMARC.
    public var dmarcPass: Int64

    /// Tallies classified rows per class, in class order.
    public static func tally(_ rows: [CorrelationRow]) -> [SourceClassTally] {
        var tallies: [SourceClass: SourceClassTally] = [:]
        for row in rows {
            guard let verdict = row.verdict else { continue }
            var tally =
                tallies[verdict.sourceClass]
                ?? SourceClassTally(sourceClass: verdict.sourceClass, sources: 0, messages: 0, dmarcPass: 0)
            tally.sources += 1
            tally.messages.add(saturating: row.dmarc.messages)
            tally.dmarcPass.add(saturating: row.dmarc.dmarcPass)
            tallies[verdict.sourceClass] = tally
        }
        return tallies.values.sorted { $0.sourceClass < $1.sourceClass }
    }
}
