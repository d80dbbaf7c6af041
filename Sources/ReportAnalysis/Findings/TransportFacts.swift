import ReportModel

/// What the live transport check and the reports say together (docs/findings.md, "Transport
/// findings"): the numbers and names each transport finding states.
public enum TransportFacts: Hashable, Sendable {
    /// An MX host's certificate expired on `day`.
    case certificateExpired(host: String, day: Int64, reported: ReportedFailures)
    /// An MX host's certificate expires in `days` days, on `day`.
    case certificateExpiring(host: String, days: Int64, day: Int64, issuer: String)
    /// An MX host's chain does not lead to a trusted root.
    case certificateUntrusted(host: String, problem: String, reported: ReportedFailures)
    /// An MX host's certificate names do not cover the host.
    case certificateNameMismatch(host: String, names: [String], enforced: Bool, reported: ReportedFailures)
    /// An MX host answers on port 25 without offering STARTTLS.
    case noSTARTTLS(host: String, address: String, reported: ReportedFailures)
    /// An MX host's port 25 could not be reached, or it has no address.
    case mxUnreachable(host: String, problem: String)
    /// An MX host negotiates a TLS version older than 1.2 at best.
    case oldTLS(host: String, version: String)
    /// STARTTLS was offered and the handshake failed.
    case handshakeFailed(host: String, problem: String)
    /// Validated TLSA records of an MX host match nothing it presented.
    case daneMismatch(host: String, records: [String], reported: ReportedFailures)
    /// TLSA records were found, but the resolver did not validate them.
    case daneUnauthenticated(host: String, records: Int)
    /// The MTA-STS policy's mx patterns do not cover an MX host.
    case stsHostNotCovered(host: String, patterns: [String], mode: MTASTSMode, reported: ReportedFailures)
    /// `_mta-sts` announces a policy that cannot be fetched or read.
    case stsPolicyUnavailable(domain: String, problem: String, reported: ReportedFailures)
    /// `_mta-sts` is present but not valid.
    case stsRecordInvalid(domain: String, problem: String)
    /// The policy's bytes changed since the check before, and its id did not.
    case stsIDUnchanged(domain: String, id: String, previousCheck: Int64)
    /// Testing for `days` days with no failure reported by `reporters` over `sessions`.
    case stsReadyForEnforce(domain: String, days: Int64, reporters: Int, sessions: Int64)
    /// No `_smtp._tls` record.
    case noTLSReportingRecord(domain: String, reportsReceived: Int64)
    /// `_smtp._tls` is present but not valid.
    case tlsReportingRecordInvalid(domain: String, problem: String)
    /// Neither MTA-STS nor DANE protects delivery to the domain.
    case noDowngradeProtection(domain: String)
    /// The SPF record needs more than 10 DNS lookups.
    case spfTooManyLookups(domain: String, lookups: Int, macros: Int)
    /// More than 2 of the SPF record's lookups answer nothing.
    case spfVoidLookups(domain: String, voids: Int)
    /// The SPF record is not valid (two records, a syntax error, an include with no record).
    case spfInvalid(domain: String, problem: String)
    /// The domain has no SPF record.
    case spfMissing(domain: String)
    /// A `rua` destination outside the domain has not agreed to take its reports.
    case dmarcDestinationUnauthorised(domain: String, destination: String)
    /// The DMARC record is missing (`problem` nil) or not valid.
    case dmarcRecordProblem(domain: String, problem: String?)
    /// DNS lookups failed, so parts of the check say nothing.
    case lookupsFailed(domain: String, names: [String])
    /// The domain publishes no MX, or a null MX (it takes no mail).
    case noMX(domain: String, nullMX: Bool)
    /// A null MX (RFC 7505) beside other MX records.
    case nullMXBesideOthers(domain: String)
    /// Only the first `checked` MX hosts were looked at; `more` were not.
    case mxNotAllChecked(domain: String, checked: Int, more: Int)
}

/// The TLS sessions reporters saw fail at one MX host in the period, of the result types that
/// match a live finding.
public struct ReportedFailures: Hashable, Sendable {
    /// Failed sessions.
    public var sessions: Int64
    /// Distinct reporting organisations.
    public var reporters: Int
    /// The result types counted (`certificate-expired`).
    public var resultTypes: [String]
    /// The period's first and last day.
    public var period: DayPeriod?

    /// Counts of reported failures.
    public init(sessions: Int64 = 0, reporters: Int = 0, resultTypes: [String] = [], period: DayPeriod? = nil) {
        self.sessions = sessions
        self.reporters = reporters
        self.resultTypes = resultTypes
        self.period = period
    }
}

/// What the pack knows of a domain's transport beside the period's reports: the latest stored
/// check, the one before it, and the TLS-RPT figures over the readiness window.
public struct TransportEvidence: Hashable, Sendable {
    /// The latest check made by the end of the period.
    public var latest: TransportCheck
    /// The check before it, for a policy that changed without a new id.
    public var previous: TransportCheck?
    /// When the checks first saw the policy in testing, counting back over an unbroken run.
    public var testingSince: Int64?
    /// TLS-RPT over the readiness window (``readinessDays`` ending with the period).
    public var window: ReadinessWindow?

    /// The evidence of a domain.
    public init(
        latest: TransportCheck, previous: TransportCheck?, testingSince: Int64?, window: ReadinessWindow?
    ) {
        self.latest = latest
        self.previous = previous
        self.testingSince = testingSince
        self.window = window
    }

    /// How long MTA-STS must have been in testing, without failures, to be ready for enforce.
    public static let readinessDays: Int64 = 30
    /// How many reporters must have seen it.
    public static let readinessReporters = 3
}

/// TLS-RPT figures over the readiness window.
public struct ReadinessWindow: Hashable, Sendable {
    /// Sessions under an sts policy, and those that failed.
    public var stsSessions: Int64
    public var failedSessions: Int64
    /// Reporters that sent TLS reports for the domain in the window.
    public var reporters: Int
    /// Whether reports of the window's first days already applied the policy in testing.
    public var testingAtStart: Bool
    /// Modes the reports of the window saw.
    public var modesSeen: [MTASTSMode]

    /// Figures over the window.
    public init(
        stsSessions: Int64, failedSessions: Int64, reporters: Int, testingAtStart: Bool, modesSeen: [MTASTSMode]
    ) {
        self.stsSessions = stsSessions
        self.failedSessions = failedSessions
        self.reporters = reporters
        self.testingAtStart = testingAtStart
        self.modesSeen = modesSeen
    }
}
