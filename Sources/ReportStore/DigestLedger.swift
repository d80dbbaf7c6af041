/// The kind of a digest: the nightly one, the weekly roll-up that always goes out, or the
/// alert command's input (new critical findings).
public enum DigestKind: String, Sendable, Hashable, CaseIterable {
    case daily, weekly, alert
}

/// One digest as the ledger keeps it (docs/digest.md): to whom, for which period, what it said
/// and whether it went out. A night's digest is sent once; the next one is new against the last
/// one sent.
public struct DigestRecord: Sendable, Hashable {
    /// The recipients, sorted and joined with commas: the ledger's key with the period and kind.
    public var recipients: String
    /// The last UTC day of the period it covered (days since 1970).
    public var periodEnd: Int64
    /// Daily or weekly.
    public var kind: DigestKind
    /// Whether the transport took it; a failed one is tried again by the next run.
    public var sent: Bool
    /// When it was sent or last tried, in seconds since 1970.
    public var at: Int64
    /// The findings it named, each `code subject`: what the next digest is new against.
    public var findings: [String]
    /// Its Message-ID, once sent.
    public var messageID: String?
    /// Why the last try failed.
    public var error: String?

    /// A record as the digest step made it.
    public init(
        recipients: String, periodEnd: Int64, kind: DigestKind, sent: Bool, at: Int64, findings: [String],
        messageID: String?, error: String?
    ) {
        self.recipients = recipients
        self.periodEnd = periodEnd
        self.kind = kind
        self.sent = sent
        self.at = at
        self.findings = findings
        self.messageID = messageID
        self.error = error
    }
}

/// Where the digests sent are remembered.
public protocol DigestLedger: AnyObject, Sendable {
    /// The records of one recipient set for periods ending on `lastDay` or before, newest
    /// period first, at most `limit`.
    func digestRecords(recipients: String, through lastDay: Int64, limit: Int) throws(StoreError) -> [DigestRecord]
    /// Records a digest, replacing the record of the same recipients, period and kind.
    func recordDigest(_ record: DigestRecord) throws(StoreError)
}
