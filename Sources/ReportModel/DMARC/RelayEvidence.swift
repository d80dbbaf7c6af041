/// Evidence that mail was relayed on by a forwarder or a mailing list (docs/findings.md,
/// "Relayed mail"): the rule every store applies to a record when it is stored.
///
/// `policy_evaluated` gives the aligned verdicts only; `auth_results` gives the raw results with
/// the domain each was checked for. An ESP sending for us with its own bounce domain passes SPF
/// for *its* domain (not aligned) and DKIM aligned: that is authorised mail, not forwarding.
/// Forwarding shows as our own envelope domain failing SPF at the receiver (the relay is not in
/// our SPF record) while our DKIM signature survived, or as a receiver saying so in an override.
public enum RelayEvidence {
    /// Raw SPF results that say the connecting host is not ours.
    public static let failingSPF: Set<AuthResult> = [.fail, .softfail, .noResult, .neutral]
    /// Override reasons that name a relay.
    public static let relayReasons: Set<OverrideReasonType> = [.forwarded, .trustedForwarder, .mailingList]

    /// Whether `record` shows relayed mail: a receiver's override reason names a relay, or
    /// DMARC passed by DKIM alone (aligned DKIM pass, aligned SPF not) while a raw SPF result
    /// for a domain of our own organisation (that of the header From, else the policy domain)
    /// failed.
    public static func shows(_ record: AggregateRecord, policyDomain: String, suffixes: PublicSuffixList) -> Bool {
        if !record.reasons.isEmpty, record.reasons.contains(where: { $0.type.map(relayReasons.contains) ?? false }) {
            return true
        }
        guard record.dkim == .pass, record.spf != .pass else { return false }
        let failing = record.spfResults.filter { result in
            guard let result = result.result, failingSPF.contains(result) else { return false }
            return true
        }
        guard !failing.isEmpty else { return false }
        let from = record.headerFrom.flatMap { $0.isEmpty ? nil : $0 } ?? policyDomain
        let ours = suffixes.organizationalDomain(of: from)
        return failing.contains { result in
            guard let domain = result.domain, !domain.isEmpty else { return false }
            return suffixes.organizationalDomain(of: domain) == ours
        }
    }
}
