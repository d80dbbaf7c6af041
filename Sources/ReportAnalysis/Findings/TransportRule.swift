import ReportModel

/// The findings of the live transport check, joined with the TLS sessions reporters saw fail
/// at the same MX host (docs/findings.md, "Transport findings"): the check says the cause, the
/// reports say what it cost.
struct TransportRule: FindingRule {
    let thresholds: FindingThresholds

    /// Certificates expiring within this many days are a warning...
    static let expiryWarningDays: Int64 = 14
    /// ...and within this many, critical.
    static let expiryCriticalDays: Int64 = 3

    /// The result types (RFC 8460 section 4.3) that match each live finding.
    enum ReportedTypes {
        static let expired = ["certificate-expired"]
        static let untrusted = ["certificate-not-trusted", "validation-failure"]
        static let name = ["certificate-host-mismatch"]
        static let starttls = ["starttls-not-supported"]
        static let dane = ["tlsa-invalid", "dnssec-invalid", "dane-required"]
        static let policy = ["sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"]
        static let any: [String] = []
    }

    func findings(for report: DomainReport) -> [Finding] {
        guard let evidence = report.transport else { return [] }
        let check = evidence.latest
        let domain = check.domain
        var findings: [Finding] = []
        func add(_ code: FindingCode, _ severity: Finding.Severity, _ subject: String, _ facts: TransportFacts) {
            findings.append(Finding(code: code, severity: severity, subject: subject, facts: .transport(facts)))
        }
        let policy = check.mtaSTS.policy.value
        let enforced = policy?.mode == .enforce
        // Under an enforced policy, senders refuse what they cannot validate; otherwise they
        // fall back to unauthenticated TLS and only report it.
        let validationSeverity: Finding.Severity = enforced ? .critical : .warning

        var takesMail = true
        switch check.mx {
        case .absent: add(.noMX, .warning, domain, .noMX(domain: domain, nullMX: false))
        case .found(let records) where records.allSatisfy({ $0.host.isEmpty }):
            add(.noMX, .notice, domain, .noMX(domain: domain, nullMX: true))
            takesMail = false
        case .found(let records) where records.contains(where: { $0.host.isEmpty }):
            add(.nullMXBesideOthers, .warning, domain, .nullMXBesideOthers(domain: domain))
        default: break
        }
        if check.hostsNotChecked > 0 {
            add(
                .mxNotAllChecked, .notice, domain,
                .mxNotAllChecked(domain: domain, checked: check.hosts.count, more: check.hostsNotChecked))
        }
        let reachable = check.hosts.filter { $0.probe?.connected == true }
        let unreachableSeverity: Finding.Severity = reachable.isEmpty ? .critical : .warning

        for host in check.hosts {
            let name = host.host
            func reported(_ types: [String]) -> ReportedFailures { self.reported(report, host: name, types: types) }
            guard let probe = host.probe, probe.connected else {
                let problem: String
                switch host.addresses {
                case .absent: problem = "it has no A or AAAA record"
                case .invalid(_, let reason): problem = reason.reason
                case .failed(let reason): problem = "its address could not be looked up (\(reason))"
                default: problem = host.probe?.problem ?? "port 25 did not answer"
                }
                add(.mxUnreachable, unreachableSeverity, name, .mxUnreachable(host: name, problem: problem))
                continue
            }
            guard probe.offersSTARTTLS else {
                add(
                    .mxNoSTARTTLS, .critical, name,
                    .noSTARTTLS(host: name, address: probe.address, reported: reported(ReportedTypes.starttls)))
                continue
            }
            guard let certificate = host.certificate else {
                let problem =
                    probe.problem
                    ?? (probe.tlsVersion != nil
                        ? "the certificate it presented could not be read" : "the TLS handshake did not finish")
                add(.mxHandshakeFailed, .critical, name, .handshakeFailed(host: name, problem: problem))
                continue
            }
            if let version = probe.tlsVersion, ["TLSv1.0", "TLSv1.1"].contains(version) {
                add(.mxOldTLS, .warning, name, .oldTLS(host: name, version: version))
            }
            let days = certificate.daysUntilExpiry(at: check.checkedAt)
            let expiryDay = certificate.notAfter / 86_400
            if certificate.notAfter <= check.checkedAt {
                add(
                    .mxCertificateExpired, .critical, name,
                    .certificateExpired(host: name, day: expiryDay, reported: reported(ReportedTypes.expired)))
                // Renewing it from the same authority would not help: said too.
                if certificate.chainTrustedApartFromDates == false {
                    add(
                        .mxCertificateUntrusted, validationSeverity, name,
                        .certificateUntrusted(
                            host: name, problem: certificate.untrustedProblem ?? "its chain is not trusted",
                            reported: reported(ReportedTypes.untrusted)))
                }
            } else {
                if days <= Self.expiryWarningDays {
                    add(
                        .mxCertificateExpiring, days <= Self.expiryCriticalDays ? .critical : .warning, name,
                        .certificateExpiring(host: name, days: days, day: expiryDay, issuer: certificate.issuer))
                }
                if !certificate.chainTrusted {
                    add(
                        .mxCertificateUntrusted, validationSeverity, name,
                        .certificateUntrusted(
                            host: name, problem: certificate.chainProblem ?? "its chain is not trusted",
                            reported: reported(ReportedTypes.untrusted)))
                }
            }
            if !certificate.namesMatchHost {
                add(
                    .mxCertificateNameMismatch, validationSeverity, name,
                    .certificateNameMismatch(
                        host: name, names: certificate.names, enforced: enforced,
                        reported: reported(ReportedTypes.name)))
            }
            switch host.dane {
            case .mismatched:
                let records = host.tlsa.value?.map(\.shown) ?? []
                add(
                    .daneMismatch, .critical, name,
                    .daneMismatch(host: name, records: records, reported: reported(ReportedTypes.dane)))
            case .unauthenticated:
                add(
                    .daneUnauthenticated, .notice, name,
                    .daneUnauthenticated(host: name, records: host.tlsa.value?.count ?? 0))
            default: break
            }
        }

        if let policy, policy.mode != .none {
            for host in check.hosts where host.coveredByPolicy == false {
                add(
                    .stsHostNotCovered, policy.mode == .enforce ? .critical : .warning, host.host,
                    .stsHostNotCovered(
                        host: host.host, patterns: policy.mxPatterns, mode: policy.mode,
                        reported: reported(report, host: host.host, types: ReportedTypes.any)))
            }
        }
        switch check.mtaSTS.record {
        case .invalid(_, let problem):
            add(.stsRecordInvalid, .warning, domain, .stsRecordInvalid(domain: domain, problem: problem.reason))
        case .found(let record):
            switch check.mtaSTS.policy {
            case .failed(let problem):
                add(
                    .stsPolicyUnavailable, .warning, domain,
                    .stsPolicyUnavailable(
                        domain: domain, problem: problem,
                        reported: reported(report, host: nil, types: ReportedTypes.policy)))
            case .invalid(_, let problem):
                add(
                    .stsPolicyUnavailable, .warning, domain,
                    .stsPolicyUnavailable(
                        domain: domain, problem: "the policy is not valid: \(problem.reason)",
                        reported: reported(report, host: nil, types: ReportedTypes.policy)))
            default: break
            }
            // Compared as parsed, so white space or line ends that change nothing say nothing.
            if let previous = evidence.previous, let before = previous.mtaSTS.policy.value,
                let now = check.mtaSTS.policy.value, !before.means(now), previous.mtaSTS.record.value?.id == record.id
            {
                add(
                    .stsIDUnchanged, .warning, domain,
                    .stsIDUnchanged(domain: domain, id: record.id, previousCheck: previous.checkedAt))
            }
        default: break
        }
        if let ready = readiness(report, evidence) {
            add(.stsReadyForEnforce, .notice, domain, ready)
        }

        switch check.tlsReporting {
        case .absent where takesMail:
            add(
                .noTLSReportingRecord, .warning, domain,
                .noTLSReportingRecord(domain: domain, reportsReceived: report.summary.tls.reports))
        case .invalid(_, let problem):
            add(
                .tlsReportingRecordInvalid, .warning, domain,
                .tlsReportingRecordInvalid(domain: domain, problem: problem.reason))
        default: break
        }
        // Protected: an MTA-STS policy that is not `none`, or DANE on every MX host.
        let daneEverywhere = check.hosts.allSatisfy { $0.dane == .matched || $0.dane == .mismatched }
        let stsInForce = check.mtaSTS.record.value != nil && check.mtaSTS.policy.value?.mode != MTASTSMode.none
        if takesMail, !stsInForce, !daneEverywhere, !check.hosts.isEmpty {
            add(.noDowngradeProtection, .notice, domain, .noDowngradeProtection(domain: domain))
        }

        switch check.spf.record {
        case .found:
            if check.spf.lookups > 10 {
                add(
                    .spfTooManyLookups, .critical, domain,
                    .spfTooManyLookups(domain: domain, lookups: check.spf.lookups, macros: check.spf.macroTerms))
            }
            if check.spf.voidLookups > 2 {
                add(.spfVoidLookups, .warning, domain, .spfVoidLookups(domain: domain, voids: check.spf.voidLookups))
            }
            if let problem = check.spf.permanentError {
                add(.spfInvalid, .critical, domain, .spfInvalid(domain: domain, problem: problem))
            }
        case .invalid(_, let problem):
            add(.spfInvalid, .critical, domain, .spfInvalid(domain: domain, problem: problem.reason))
        case .absent: add(.spfMissing, .warning, domain, .spfMissing(domain: domain))
        case .failed: break
        }

        switch check.dmarc.record {
        case .absent:
            add(.dmarcRecordProblem, .critical, domain, .dmarcRecordProblem(domain: domain, problem: nil))
        case .invalid(_, let problem):
            add(.dmarcRecordProblem, .critical, domain, .dmarcRecordProblem(domain: domain, problem: problem.reason))
        case .found(let record):
            if let notes = record.notes, !notes.isEmpty {
                add(
                    .dmarcRecordProblem, .warning, domain,
                    .dmarcRecordProblem(domain: domain, problem: notes.joined(separator: "; ")))
            }
        case .failed: break
        }
        for destination in check.dmarc.externalDestinations where destination.authorised == false {
            add(
                .dmarcDestinationUnauthorised, .warning, destination.domain,
                .dmarcDestinationUnauthorised(
                    domain: check.dmarc.inheritedFrom ?? domain, destination: destination.domain))
        }

        let failed = failedLookups(check)
        if !failed.isEmpty {
            add(.transportLookupsFailed, .warning, domain, .lookupsFailed(domain: domain, names: failed))
        }
        return findings
    }

    /// Reported failures at `host` (every MX when nil) of `types` (every type when empty).
    func reported(_ report: DomainReport, host: String?, types: [String]) -> ReportedFailures {
        var sessions: Int64 = 0
        var reporters: Set<String> = []
        var seenTypes: Set<String> = []
        for group in report.tlsFailures {
            if let host {
                guard let mx = group.receivingMX, DNSName.normalized(mx) == host else { continue }
            }
            guard types.isEmpty || types.contains(group.resultType) else { continue }
            sessions = sessions.saturatingAdd(group.failedSessions)
            reporters.insert(group.reporter)
            seenTypes.insert(group.resultType)
        }
        return ReportedFailures(
            sessions: sessions, reporters: reporters.count, resultTypes: seenTypes.sorted(), period: report.period)
    }

    /// The readiness gate: the live policy in testing, every MX clean, and reports of the
    /// window from enough reporters with no failure, for long enough.
    func readiness(_ report: DomainReport, _ evidence: TransportEvidence) -> TransportFacts? {
        let check = evidence.latest
        guard check.mtaSTS.policy.value?.mode == .testing, let window = evidence.window, !check.hosts.isEmpty else {
            return nil
        }
        guard check.hostsNotChecked == 0 else { return nil }
        let clean = check.hosts.allSatisfy { host in
            guard let certificate = host.certificate, host.probe?.offersSTARTTLS == true else { return false }
            return certificate.chainTrusted && certificate.namesMatchHost && host.coveredByPolicy == true
                && host.dane != .mismatched
        }
        let fromChecks = evidence.testingSince.map { (check.checkedAt - $0) / 86_400 } ?? 0
        let days = max(fromChecks, window.testingAtStart ? TransportEvidence.readinessDays : 0)
        guard clean, window.failedSessions == 0, window.stsSessions > 0,
            window.reporters >= TransportEvidence.readinessReporters, days >= TransportEvidence.readinessDays,
            window.modesSeen.allSatisfy({ $0 == .testing })
        else { return nil }
        return .stsReadyForEnforce(
            domain: check.domain, days: days, reporters: window.reporters, sessions: window.stsSessions)
    }

    /// The names whose lookups failed, so the check could say nothing about them.
    func failedLookups(_ check: TransportCheck) -> [String] {
        var names: [String] = []
        if case .failed = check.mx { names.append(check.domain + " MX") }
        if case .failed = check.mtaSTS.record { names.append("_mta-sts.\(check.domain)") }
        if case .failed = check.tlsReporting { names.append("_smtp._tls.\(check.domain)") }
        if case .failed = check.dmarc.record { names.append("_dmarc.\(check.domain)") }
        if case .failed = check.spf.record { names.append(check.domain + " TXT (SPF)") }
        for host in check.hosts {
            if case .failed = host.tlsa { names.append("_25._tcp.\(host.host) TLSA") }
        }
        names += check.dmarc.externalDestinations.filter { $0.authorised == nil }.map {
            "\(check.dmarc.inheritedFrom ?? check.domain)._report._dmarc.\($0.domain)"
        }
        return names
    }
}

extension FindingCode {
    /// An MX host's certificate has expired.
    public static let mxCertificateExpired = Self(rawValue: "mx-certificate-expired")
    /// An MX host's certificate expires within 14 days.
    public static let mxCertificateExpiring = Self(rawValue: "mx-certificate-expiring")
    /// An MX host's chain does not lead to a trusted root.
    public static let mxCertificateUntrusted = Self(rawValue: "mx-certificate-untrusted")
    /// An MX host's certificate is not for its name.
    public static let mxCertificateNameMismatch = Self(rawValue: "mx-certificate-name-mismatch")
    /// An MX host does not offer STARTTLS.
    public static let mxNoSTARTTLS = Self(rawValue: "mx-no-starttls")
    /// An MX host could not be reached on port 25.
    public static let mxUnreachable = Self(rawValue: "mx-unreachable")
    /// An MX host's TLS handshake failed.
    public static let mxHandshakeFailed = Self(rawValue: "mx-tls-handshake-failed")
    /// Validated TLSA records match nothing the MX presented.
    public static let daneMismatch = Self(rawValue: "dane-mismatch")
    /// TLSA records that the resolver did not validate.
    public static let daneUnauthenticated = Self(rawValue: "dane-unauthenticated")
    /// The MTA-STS policy does not cover an MX host.
    public static let stsHostNotCovered = Self(rawValue: "sts-mx-not-covered")
    /// The MTA-STS policy cannot be fetched or read.
    public static let stsPolicyUnavailable = Self(rawValue: "sts-policy-unavailable")
    /// The `_mta-sts` record is not valid.
    public static let stsRecordInvalid = Self(rawValue: "sts-record-invalid")
    /// The policy changed and its id did not.
    public static let stsIDUnchanged = Self(rawValue: "sts-id-unchanged")
    /// MTA-STS in testing long enough with no failures: ready for enforce.
    public static let stsReadyForEnforce = Self(rawValue: "sts-ready-for-enforce")
    /// No TLS-RPT record.
    public static let noTLSReportingRecord = Self(rawValue: "no-tls-rpt-record")
    /// The TLS-RPT record is not valid.
    public static let tlsReportingRecordInvalid = Self(rawValue: "tls-rpt-record-invalid")
    /// Neither MTA-STS nor DANE.
    public static let noDowngradeProtection = Self(rawValue: "no-downgrade-protection")
    /// SPF needs more than 10 lookups.
    public static let spfTooManyLookups = Self(rawValue: "spf-too-many-lookups")
    /// SPF has more than 2 void lookups.
    public static let spfVoidLookups = Self(rawValue: "spf-void-lookups")
    /// The SPF record is not valid.
    public static let spfInvalid = Self(rawValue: "spf-invalid")
    /// No SPF record.
    public static let spfMissing = Self(rawValue: "spf-missing")
    /// A rua destination has not authorised the domain's reports.
    public static let dmarcDestinationUnauthorised = Self(rawValue: "dmarc-rua-unauthorised")
    /// The DMARC record is missing or not valid.
    public static let dmarcRecordProblem = Self(rawValue: "dmarc-record-problem")
    /// DNS lookups of the check failed.
    public static let transportLookupsFailed = Self(rawValue: "transport-lookups-failed")
    /// No MX, or a null MX.
    public static let noMX = Self(rawValue: "no-mx")
    /// An MX host that negotiates TLS 1.0 or 1.1 at best.
    public static let mxOldTLS = Self(rawValue: "mx-old-tls")
    /// A null MX beside other MX records.
    public static let nullMXBesideOthers = Self(rawValue: "null-mx-beside-others")
    /// More MX hosts than the check looks at.
    public static let mxNotAllChecked = Self(rawValue: "mx-not-all-checked")
}
