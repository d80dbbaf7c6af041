/// Where a report came from when it arrived by mail: the message and its headers.
public struct MessageProvenance: Hashable, Sendable {
    /// The message's position in its mbox (1-based); `nil` for a single-message file.
    public var number: Int?
    /// `Message-ID`, as the header gives it: names the message in errors (``label``).
    public var messageID: String?
    /// `Date`, as written (not parsed): when the reporter says it mailed the report.
    public var date: String?
    /// `From`, encoded words decoded: who mailed the report.
    public var from: String?
    /// `Subject`, encoded words decoded.
    public var subject: String?
    /// RFC 8460 `TLS-Report-Domain` and `TLS-Report-Submitter`.
    public var tlsReportDomain: String?
    /// `TLS-Report-Submitter`: the domain of the organisation that sent a TLS report.
    public var tlsReportSubmitter: String?

    /// Makes provenance from a message's headers (decoded by the mail parser).
    public init(
        number: Int? = nil, messageID: String? = nil, date: String? = nil, from: String? = nil, subject: String? = nil,
        tlsReportDomain: String? = nil, tlsReportSubmitter: String? = nil
    ) {
        self.number = number
        self.messageID = messageID
        self.date = date
        self.from = from
        self.subject = subject
        self.tlsReportDomain = tlsReportDomain
        self.tlsReportSubmitter = tlsReportSubmitter
    }

    /// `message 1832 <id@host>`: how errors name the message.
    public var label: String {
        var parts: [String] = []
        if let number { parts.append("message \(number)") }
        if let messageID, !messageID.isEmpty {
            let id = messageID.hasPrefix("<") ? messageID : "<\(messageID)>"
            parts.append(id.count > 120 ? String(id.prefix(120)) + "…>" : id)
        }
        return parts.isEmpty ? "message" : parts.joined(separator: " ")
    }
}

/// What a logged part was: a report of either kind, or what a skipped part turned out to be
/// (the `kind` column of the ingest log).
public struct OutcomeKind: OpenValue {
    /// The `kind` text as logged (`dmarc`, `no-report`).
    public let rawValue: String
    /// Wraps text already normalised, as read back from storage; parsers use ``init(normalizing:)``.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// A DMARC aggregate report.
    public static let dmarc = Self(rawValue: "dmarc")
    /// An SMTP TLS report.
    public static let tlsrpt = Self(rawValue: "tlsrpt")
    /// A DMARC failure report (ARF): not an aggregate report.
    public static let arf = Self(rawValue: "arf")
    /// A message with no report in it.
    public static let noReport = Self(rawValue: "no-report")
    /// A text file (a README) met in a folder.
    public static let text = Self(rawValue: "text")
    /// A PDF document.
    public static let pdf = Self(rawValue: "pdf")
    /// An image.
    public static let image = Self(rawValue: "image")
}
