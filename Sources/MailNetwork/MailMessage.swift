import Foundation

/// A message as MailTally writes one (RFC 5322 and MIME, RFC 2045–2049): a text part and an
/// HTML part as `multipart/alternative`, attachments beside them in `multipart/mixed`,
/// non-ASCII header text as RFC 2047 encoded words, every body in base64 (lines of 76), and
/// `Auto-Submitted: auto-generated` (RFC 3834) so that autoresponders stay quiet.
public struct MailMessage: Sendable {
    /// A file sent with the message.
    public struct Attachment: Sendable {
        public var filename: String
        public var contentType: String
        public var bytes: [UInt8]

        /// An attachment of `contentType` (`application/zip`).
        public init(filename: String, contentType: String, bytes: [UInt8]) {
            self.filename = filename
            self.contentType = contentType
            self.bytes = bytes
        }
    }

    public var from: String
    public var to: [String]
    public var subject: String
    public var date: Date
    /// `<unique@host>`.
    public var messageID: String
    public var text: String
    public var html: String?
    public var attachments: [Attachment]

    /// A message; `messageID` is made from a random UUID and `host` when not given.
    public init(
        from: String, to: [String], subject: String, date: Date = Date(), messageID: String? = nil, host: String,
        text: String, html: String? = nil, attachments: [Attachment] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID ?? "<\(UUID().uuidString.lowercased())@\(host)>"
        self.text = text
        self.html = html
        self.attachments = attachments
    }

    /// The message's bytes, CRLF line ends throughout.
    public func rendered() -> [UInt8] {
        var out = ""
        func header(_ name: String, _ value: String) { out += "\(name): \(value)\r\n" }
        header("From", Self.encodedAddressList([from]))
        header("To", Self.encodedAddressList(to))
        header("Subject", Self.encodedWords(subject, nameLength: "Subject: ".count))
        header("Date", Self.rfc5322Date(date))
        header("Message-ID", messageID)
        header("MIME-Version", "1.0")
        header("Auto-Submitted", "auto-generated")
        header("X-Auto-Response-Suppress", "All")
        let boundary = "=_mailtally_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let alternative = Self.alternativePart(text: text, html: html, boundary: boundary + "_alt")
        if attachments.isEmpty {
            out += alternative
        } else {
            out += "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n"
            out += "--\(boundary)\r\n" + alternative
            for attachment in attachments {
                out += "\r\n--\(boundary)\r\n"
                let name = Self.safeFilename(attachment.filename)
                out += "Content-Type: \(attachment.contentType); name=\"\(name)\"\r\n"
                out += "Content-Disposition: attachment; filename=\"\(name)\"\r\n"
                out += "Content-Transfer-Encoding: base64\r\n\r\n"
                out += Self.base64Lines(attachment.bytes)
            }
            out += "\r\n--\(boundary)--\r\n"
        }
        return Array(out.utf8)
    }

    /// The text and HTML parts: a part's headers, then its body.
    static func alternativePart(text: String, html: String?, boundary: String) -> String {
        func part(_ type: String, _ body: String) -> String {
            // Text travels with CR LF line ends (RFC 2045), base64 or not.
            let lines = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            return "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + base64Lines(Array(lines.utf8))
        }
        guard let html else { return part("text/plain", text) }
        return "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
            + "--\(boundary)\r\n" + part("text/plain", text) + "\r\n--\(boundary)\r\n" + part("text/html", html)
            + "\r\n--\(boundary)--\r\n"
    }

    /// Base64 in lines of 76 characters, each ended with CRLF.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString()
        var out = ""
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            out += encoded[index..<end] + "\r\n"
            index = end
        }
        return out
    }

    /// Header text as it may travel: short ASCII as it is, anything else (long text, non-ASCII,
    /// or text that would read as an encoded word) as UTF-8 encoded words (`=?utf-8?B?…?=`) of at
    /// most 68 characters, one a line, so that even the first line with `Subject: ` stays under 78.
    public static func encodedWords(_ text: String, nameLength: Int = 0) -> String {
        let clean = text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : String($0) }.joined()
        if clean.unicodeScalars.allSatisfy({ $0.isASCII }) && clean.count + nameLength <= 78 && !clean.contains("=?") {
            return clean
        }
        // Whole code points per word: a word never splits a UTF-8 sequence.
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in clean.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            // 42 bytes are 56 characters of base64: 68 with `=?utf-8?B?` and `?=`.
            if chunk.count + bytes.count > 42 {
                words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// `Name <address>` entries with the names encoded when needed; addresses as given.
    static func encodedAddressList(_ list: [String]) -> String {
        list.map { entry in
            guard let open = entry.lastIndex(of: "<"), entry.hasSuffix(">") else { return entry }
            let name = entry[..<open].trimmingCharacters(in: .whitespaces)
            let address = entry[open...]
            guard !name.isEmpty else { return String(address) }
            if name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) && name.count < 60 {
                // A quoted string, its quotes and backslashes escaped.
                let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                    of: "\"", with: "\\\"")
                return "\"\(quoted)\" \(address)"
            }
            return "\(encodedWords(name, nameLength: 78)) \(address)"
        }.joined(separator: ",\r\n ")
    }

    /// `Mon, 07 Dec 2026 01:09:44 +0000`.
    public static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[((parts.weekday ?? 1) - 1) % 7]), \(two(parts.day)) \(months[((parts.month ?? 1) - 1) % 12]) "
            + "\(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// A file name safe inside a quoted parameter: ASCII letters, digits and `._-` only.
    static func safeFilename(_ name: String) -> String {
        let kept = name.unicodeScalars.map { scalar -> String in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? String(scalar) : "_"
        }.joined()
        return kept.isEmpty ? "attachment" : kept
    }
}
