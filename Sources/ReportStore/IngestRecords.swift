import ReportModel

/// One input as the store keeps it: its identity and its original bytes, compressed.
public struct StoredInput: Sendable {
    /// The path the user gave (or `-` for standard input).
    public var input: String
    /// SHA-256 of the original bytes: the input's identity, by which a later run knows it was seen.
    public var sha256: [UInt8]
    /// Size of the original bytes.
    public var size: Int
    /// How ``bytes`` (or each chunk) hold the original bytes.
    public var encoding: StoredEncoding
    /// The original bytes in ``encoding``; empty when ``chunks`` holds them (docs/counting.md, "Raw inputs").
    public var bytes: [UInt8]
    /// The message, when the input is one message of a mailbox or an .eml file.
    public var message: MessageProvenance?
    /// An input too large to store as one value: its original bytes, read a chunk at a time
    /// (``bytes`` is then empty); each chunk is stored on its own, in ``encoding``.
    public var chunks: (any RawInputChunks)?
    /// When the input first arrived, in seconds since 1970, when not now: a copied store keeps
    /// its arrival times, against which report dates are judged (docs/counting.md, "Date ranges").
    public var firstSeen: Int64?

    /// An input ready to store: `bytes` (or the chunks) are already in `encoding`.
    public init(
        input: String, sha256: [UInt8], size: Int, encoding: StoredEncoding, bytes: [UInt8],
        message: MessageProvenance? = nil,
        chunks: (any RawInputChunks)? = nil
    ) {
        self.input = input
        self.sha256 = sha256
        self.size = size
        self.encoding = encoding
        self.bytes = bytes
        self.message = message
        self.chunks = chunks
    }
}

/// The original bytes of a large input, a chunk at a time (a mapped file).
public protocol RawInputChunks: Sendable {
    /// Calls `body` with each chunk in order, already in the input's stored encoding, so that the backend
    /// can store one chunk at a time and never hold the input whole.
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws
}

/// What ingest made of one part of an input.
public enum PartOutcome: Sendable {
    /// A DMARC aggregate report, found at `part` (where in the input: message and MIME part).
    case dmarc(AggregateReport, part: String)
    /// An SMTP TLS report (TLS-RPT), found at `part`.
    case tls(TLSReport, part: String)
    /// Not an aggregate report, and not an error: `kind` says what it was (`no-report` for a
    /// message without one, `arf` for a DMARC failure report).
    case skipped(part: String, kind: OutcomeKind, reason: String)
    /// A part that could not be read as a report: `code` names the kind of error, `reason` says why.
    case failed(part: String, code: String, reason: String)
}

/// The status of an input or part in the ingest log.
public enum IngestStatus: String, Sendable, Codable {
    /// In order: stored; already stored (same bytes or same report key); held no aggregate report; refused.
    case imported, duplicate, skipped, failed
}

/// One row of the ingest log, as written.
public struct LoggedOutcome: Sendable, Hashable {
    /// The input it is about, named as in ``StoredInput/input``.
    public var input: String
    /// Where in the input (message and MIME part); empty for the input as a whole.
    public var part: String
    /// What became of it.
    public var status: IngestStatus
    /// What the part was: `dmarc` or `tlsrpt` for a report, the kind of a skipped part (`arf`,
    /// `no-report`, …); nil for an input that failed before it was recognised.
    public var kind: OutcomeKind?
    /// The error's code (`store` when the backend refused a report); nil unless it failed.
    public var code: String?
    /// Why, in words, when there is more to say: a failure, a skipped part, an input seen before.
    public var reason: String?
    /// A failure logged before for the same bytes (or, for an input that could not be read,
    /// the same input, part and reason): known, said once, not a new failure.
    public var known = false

    /// A log row; ``known`` starts false and the backend sets it.
    public init(input: String, part: String, status: IngestStatus, kind: OutcomeKind?, code: String?, reason: String?) {
        self.input = input
        self.part = part
        self.status = status
        self.kind = kind
        self.code = code
        self.reason = reason
    }
}

/// A failed input, for `mailtally errors`.
public struct FailedInput: Sendable, Hashable {
    /// When it was logged, in seconds since 1970.
    public var at: Int64
    /// The input, as the user named it when it failed.
    public var input: String
    /// Where in the input it failed; empty when the whole input did.
    public var part: String
    /// The error's code (empty when none was logged).
    public var code: String
    /// Why it failed (empty when none was logged).
    public var reason: String

    /// A failure as the ingest log holds it.
    public init(at: Int64, input: String, part: String, code: String, reason: String) {
        self.at = at
        self.input = input
        self.part = part
        self.code = code
        self.reason = reason
    }
}

/// The state of a raw input known to the store.
public enum KnownInputState: String, Sendable {
    /// Every part of it was imported, found duplicate or skipped.
    case done
    /// At least one part failed; the input is parsed again when it is met again.
    case failed
}

/// What the writer stores in one go: inputs, and the stamps of the files read whole into them
/// alone (see ``FileStamp``), recorded unless one of the file's inputs failed.
public struct StoreBatch: Sendable {
    /// The inputs to store, in order; each report is stored all in or all out.
    public var inputs: [PendingInput]
    /// The stamps to record for it (``stampsToRecord(after:)`` leaves out those of failed files; docs/counting.md,
    /// "When an input counts as read").
    public var stamps: [FileStamp]
    /// How far IMAP mailboxes have been read once these inputs are stored: recorded in the same
    /// transaction, so a checkpoint never runs ahead of what was stored. A checkpoint only
    /// moves forward while its UIDVALIDITY holds.
    public var checkpoints: [MailboxCheckpoint]

    /// A batch of inputs, the stamps of the files they came from and the mailbox checkpoints
    /// they reach.
    public init(inputs: [PendingInput], stamps: [FileStamp] = [], checkpoints: [MailboxCheckpoint] = []) {
        self.inputs = inputs
        self.stamps = stamps
        self.checkpoints = checkpoints
    }
}

/// A raw input as stored, for `reparse`.
public struct StoredRawInput: Sendable {
    /// The store's id for it: the cursor of ``StoredInputs/rawInputs(after:limit:maxBytes:)``, the key
    /// of its chunks.
    public var id: Int64
    /// SHA-256 of the original bytes.
    public var sha256: [UInt8]
    /// How `bytes` (or each chunk) are stored.
    public var encoding: StoredEncoding
    /// The stored bytes, in ``encoding``; empty when ``chunks`` hold them.
    public var bytes: [UInt8]
    /// How many chunks hold the input instead of ``bytes`` (0: none; see ``StoredInputs/rawInputChunks(of:_:)``).
    public var chunks: Int
    /// The input path last logged for it.
    public var input: String
    /// Its number in an mbox, for a message of one.
    public var messageNumber: Int?
    /// When it first arrived, in seconds since 1970.
    public var firstSeen: Int64

    /// A stored input as the backend read it.
    public init(
        id: Int64, sha256: [UInt8], encoding: StoredEncoding, bytes: [UInt8], chunks: Int, input: String,
        messageNumber: Int?, firstSeen: Int64
    ) {
        self.firstSeen = firstSeen
        self.id = id
        self.sha256 = sha256
        self.encoding = encoding
        self.bytes = bytes
        self.chunks = chunks
        self.input = input
        self.messageNumber = messageNumber
    }
}

/// One input's work for a batched write: parsed, recognised by its hash, or unreadable.
public enum PendingInput: Sendable {
    /// Read and parsed: the input to keep and what each of its parts gave.
    case parsed(StoredInput, [PartOutcome])
    /// Seen before (same SHA-256): logged as a duplicate without parsing.
    case seen(input: String, part: String, sha256: [UInt8])
    /// Could not be read at all: no bytes to keep.
    case unreadable(LoggedOutcome)
}

/// Where the rows being written come from: the input as the log names it, its stored bytes, the
/// mail message it was in and the run. Every report row and log row of an input carries them.
package struct InputOrigin {
    package var input: String
    package var rawInputID: Int64?
    package var messageID: Int64?
    package var runID: Int64?

    package init(input: String, rawInputID: Int64? = nil, messageID: Int64? = nil, runID: Int64?) {
        self.input = input
        self.rawInputID = rawInputID
        self.messageID = messageID
        self.runID = runID
    }
}
