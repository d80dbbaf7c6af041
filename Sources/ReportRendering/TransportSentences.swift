import ReportAnalysis
import ReportModel

/// The sentences of the transport findings (docs/findings.md, "Transport findings"): what the
/// live check found, what the reports say it cost, and what to do.
enum TransportSentences {
    static func text(_ facts: TransportFacts) -> String {
        switch facts {
        case .certificateExpired(let host, let day, let reported):
            return "\(host)'s certificate expired on \(DayPeriod.isoDate(ofDay: day))" + cost(reported)
        case .certificateExpiring(let host, let days, let day, _):
            let when = days == 0 ? "today" : days == 1 ? "tomorrow" : "in \(days) days"
            return "\(host)'s certificate expires \(when) (\(DayPeriod.isoDate(ofDay: day)))"
        case .certificateUntrusted(let host, let problem, let reported):
            return "\(host)'s certificate is not trusted: \(problem)" + cost(reported)
        case .certificateNameMismatch(let host, _, let enforced, let reported):
            return "\(host)'s certificate is not for \(host)"
                + (enforced ? ": MTA-STS senders refuse to deliver" : "") + cost(reported)
        case .noSTARTTLS(let host, _, let reported):
            return "\(host) does not offer STARTTLS: mail to it travels in plain text" + cost(reported)
        case .mxUnreachable(let host, let problem):
            return "\(host) could not be checked on port 25: \(problem)"
        case .oldTLS(let host, let version):
            return "\(host) offers at best \(version), which RFC 8996 retires: many senders refuse it"
        case .handshakeFailed(let host, let problem):
            return "\(host) offers STARTTLS but the TLS handshake fails: \(problem)"
        case .daneMismatch(let host, _, let reported):
            return "\(host)'s TLSA records match no certificate it presents: DANE senders refuse to deliver"
                + cost(reported)
        case .daneUnauthenticated(let host, let records):
            return "\(host) has \(Count.of(records, "TLSA record")) that the resolver did not validate with DNSSEC: "
                + "DANE could not be checked"
        case .stsHostNotCovered(let host, _, let mode, let reported):
            return "The MTA-STS policy (mode \(mode.rawValue)) does not cover \(host)"
                + (mode == .enforce ? ": senders that apply it refuse to deliver there" : "") + cost(reported)
        case .stsPolicyUnavailable(let domain, let problem, let reported):
            return "\(domain) announces MTA-STS but senders cannot use the policy: \(problem)" + cost(reported)
        case .stsRecordInvalid(let domain, let problem):
            return "The _mta-sts record of \(domain) is not valid: \(problem)"
        case .stsIDUnchanged(let domain, let id, _):
            return "The MTA-STS policy of \(domain) changed but its id (\(id)) did not: "
                + "senders keep the old policy until it expires"
        case .stsReadyForEnforce(_, let days, let reporters, _):
            return "MTA-STS has been in testing for \(days) days with no failures in reports from "
                + "\(Count.of(reporters, "reporter")): ready for enforce"
        case .noTLSReportingRecord(let domain, _):
            return "\(domain) has no TLS-RPT record (_smtp._tls): no sender can report TLS problems to you"
        case .tlsReportingRecordInvalid(let domain, let problem):
            return "The TLS-RPT record of \(domain) is not valid: \(problem)"
        case .noDowngradeProtection(let domain):
            return "Neither MTA-STS nor DANE protects mail to \(domain): "
                + "anyone on the path can strip STARTTLS unnoticed"
        case .spfTooManyLookups(_, let lookups, _):
            return "SPF needs \(lookups) DNS lookups (limit 10): receivers see permerror"
        case .spfVoidLookups(_, let voids):
            return "SPF has \(voids) lookups that answer nothing (limit 2): receivers may see permerror"
        case .spfInvalid(let domain, let problem):
            return "The SPF record of \(domain) is broken: \(problem)"
        case .spfMissing(let domain):
            return "\(domain) has no SPF record"
        case .dmarcDestinationUnauthorised(_, let destination):
            return "DMARC rua points to \(destination), which has not authorised it: "
                + "receivers send those reports nowhere"
        case .dmarcRecordProblem(let domain, let problem):
            return problem.map { "The DMARC record of \(domain) is not valid: \($0)" }
                ?? "\(domain) publishes no DMARC record"
        case .lookupsFailed(let domain, let names):
            return "\(Count.of(names.count, "DNS lookup")) for \(domain) failed: the check is incomplete"
        case .noMX(let domain, let nullMX):
            return nullMX
                ? "\(domain) publishes a null MX: it takes no mail"
                : "\(domain) publishes no MX record: senders deliver to its own address, if it has one"
        case .nullMXBesideOthers(let domain):
            return "\(domain) publishes a null MX beside other MX records: senders may refuse to deliver (RFC 7505)"
        case .mxNotAllChecked(let domain, let checked, let more):
            return "\(domain) has \(checked + more) MX hosts; the first \(checked) by preference were checked"
        }
    }

    static func evidence(_ facts: TransportFacts) -> [String] {
        switch facts {
        case .certificateExpired(_, _, let reported), .certificateUntrusted(_, _, let reported),
            .noSTARTTLS(_, _, let reported), .stsPolicyUnavailable(_, _, let reported):
            return reportedLines(reported)
        case .certificateExpiring(_, _, _, let issuer):
            return ["issued by \(issuer)"]
        case .certificateNameMismatch(_, let names, _, let reported):
            let shown =
                names.prefix(8).joined(separator: ", ") + (names.count > 8 ? " and \(names.count - 8) more" : "")
            return ["names on the certificate: " + (names.isEmpty ? "none" : shown)] + reportedLines(reported)
        case .daneMismatch(_, let records, let reported):
            return records.prefix(4).map { "TLSA \($0)" } + reportedLines(reported)
        case .stsHostNotCovered(_, let patterns, _, let reported):
            return ["policy mx: " + patterns.prefix(8).joined(separator: ", ")] + reportedLines(reported)
        case .stsIDUnchanged(_, _, let previous):
            return ["the policy's bytes differ from the check of \(DayPeriod.isoDate(ofDay: previous / 86_400))"]
        case .stsReadyForEnforce(_, _, _, let sessions):
            return ["\(Count.of(sessions, "session")) under the policy in the last 30 days, none failed"]
        case .noTLSReportingRecord(_, let received):
            return received > 0
                ? ["\(Count.of(received, "TLS report")) still arrived in the period: senders use a cached record"]
                : []
        case .spfTooManyLookups(_, _, let macros):
            return macros > 0 ? ["\(Count.of(macros, "term")) with macros counted once each"] : []
        case .lookupsFailed(_, let names):
            return Array(names.prefix(8))
        case .mxUnreachable, .handshakeFailed, .daneUnauthenticated, .stsRecordInvalid, .oldTLS,
            .tlsReportingRecordInvalid, .noDowngradeProtection, .spfVoidLookups, .spfInvalid, .spfMissing,
            .dmarcDestinationUnauthorised, .dmarcRecordProblem, .noMX, .nullMXBesideOthers, .mxNotAllChecked:
            return []
        }
    }

    static func action(_ facts: TransportFacts) -> String? {
        switch facts {
        case .certificateExpired(let host, _, _):
            return "Renew the certificate of \(host) now, and check that its renewal runs by itself"
        case .certificateExpiring(let host, _, _, _):
            return "Renew the certificate of \(host) before it expires"
        case .certificateUntrusted(let host, _, _):
            return "Give \(host) a certificate from a public authority, with its intermediate certificates"
        case .certificateNameMismatch(let host, _, _, _):
            return "Give \(host) a certificate whose names include \(host)"
        case .noSTARTTLS(let host, _, _):
            return "Turn on STARTTLS on \(host), with a certificate for its name"
        case .mxUnreachable(let host, _):
            return "Check that \(host) resolves and accepts connections on port 25, or remove it from the MX records"
        case .oldTLS(let host, _):
            return "Turn on TLS 1.2 and 1.3 on \(host)"
        case .handshakeFailed(let host, _):
            return "Check the TLS set-up of \(host): its protocols, ciphers and certificate"
        case .daneMismatch(let host, _, _):
            return "Publish TLSA records for the certificate \(host) presents (a new key needs its record first)"
        case .daneUnauthenticated:
            return "Run the check with a DNSSEC-validating resolver (--resolver) to see whether DANE holds"
        case .stsHostNotCovered(let host, _, _, _):
            return "Add \(host) (or a *. pattern covering it) to the policy's mx lines, then change the _mta-sts id"
        case .stsPolicyUnavailable(let domain, _, _):
            return "Serve the policy at https://mta-sts.\(domain)/.well-known/mta-sts.txt as text/plain, "
                + "with a valid certificate for mta-sts.\(domain)"
        case .stsRecordInvalid(let domain, _):
            return "Publish \"v=STSv1; id=…\" (1 to 32 letters and digits) at _mta-sts.\(domain)"
        case .stsIDUnchanged(let domain, _, _):
            return "Change the id in the _mta-sts.\(domain) record"
        case .stsReadyForEnforce:
            return "Set mode: enforce in the policy and change the _mta-sts id"
        case .noTLSReportingRecord(let domain, _):
            return "Publish \"v=TLSRPTv1; rua=mailto:…\" at _smtp._tls.\(domain)"
        case .tlsReportingRecordInvalid(let domain, _):
            return "Publish \"v=TLSRPTv1; rua=mailto:…\" at _smtp._tls.\(domain)"
        case .noDowngradeProtection:
            return "Publish an MTA-STS policy (testing first), or TLSA records under DNSSEC"
        case .spfTooManyLookups:
            return "Remove includes you no longer use, or replace some with ip4:/ip6: ranges"
        case .spfVoidLookups:
            return "Remove the terms that name domains with no records"
        case .spfInvalid:
            return "Publish exactly one valid SPF record, with includes of domains that have one"
        case .spfMissing(let domain):
            return "Publish an SPF record for \(domain) (\"v=spf1 -all\" if it sends no mail)"
        case .dmarcDestinationUnauthorised(let domain, let destination):
            return "Ask \(destination) to publish \"v=DMARC1\" at \(domain)._report._dmarc.\(destination), "
                + "or remove it from rua"
        case .dmarcRecordProblem(let domain, _):
            return "Publish a valid DMARC record at _dmarc.\(domain)"
        case .lookupsFailed:
            return "Run the check again; if it persists, check the domain's name servers"
        case .nullMXBesideOthers:
            return "Remove the null MX (\"0 .\") or the other MX records"
        case .noMX, .mxNotAllChecked:
            return nil
        }
    }

    /// ": TLS-RPT shows 120 certificate-expired failures on it from 3 reporters", or nothing.
    static func cost(_ reported: ReportedFailures) -> String {
        guard reported.sessions > 0 else { return "" }
        let types = reported.resultTypes.count == 1 ? " " + reported.resultTypes[0] : ""
        return "; TLS-RPT shows \(Count.grouped(reported.sessions))\(types) "
            + "\(reported.sessions == 1 ? "failure" : "failures") from \(Count.of(reported.reporters, "reporter"))"
            + (reported.period.map {
                " between \(DayPeriod.isoDate(ofDay: $0.firstDay)) and \(DayPeriod.isoDate(ofDay: $0.lastDay))"
            } ?? "")
    }

    static func reportedLines(_ reported: ReportedFailures) -> [String] {
        guard reported.sessions > 0, reported.resultTypes.count > 1 else { return [] }
        return ["reported result types: " + reported.resultTypes.joined(separator: ", ")]
    }
}
