/// Where one IMAP response ends in the bytes received so far: a line, or a line that ends in a
/// literal announcement (`{n}`) followed by `n` bytes and the rest of the line, and so on
/// (RFC 3501, section 4.3). Bounded: a line or a literal past its limit is refused, so a
/// stranger's server cannot make the client hold more than one message and a little more.
public struct IMAPFramer: Sendable {
    /// The longest line between literals.
    public var maxLineBytes: Int
    /// The largest literal (one message's body, plus room).
    public var maxLiteralBytes: Int
    /// The largest whole response: one literal and a few lines (a response can chain literals).
    public var maxResponseBytes: Int
    /// Where the scan of the current response goes on: the start of a line not yet whole, or
    /// the end of a literal not yet received.
    private var resume = 0

    /// A framer with these limits.
    /// - Parameter maxLineBytes: 16 MiB by default: `* SEARCH` answers in one line, about 7
    ///   bytes a message, so a mailbox of 2 million messages fits.
    public init(maxLineBytes: Int = 16 << 20, maxLiteralBytes: Int) {
        self.maxLineBytes = maxLineBytes
        self.maxLiteralBytes = maxLiteralBytes
        maxResponseBytes = maxLiteralBytes + 2 * maxLineBytes
    }

    /// The length of the first whole response in `bytes` (which starts where the last response
    /// ended), or nil when more bytes are needed. After a whole response the framer starts
    /// again at 0 for the bytes after it.
    public mutating func responseLength(in bytes: UnsafeRawBufferPointer) throws(IMAPProtocolError) -> Int? {
        var position = resume
        while true {
            // Still inside a literal announced earlier.
            guard position <= bytes.count else { return nil }
            guard let newline = Self.index(of: 0x0A, in: bytes, from: position) else {
                if bytes.count - position > maxLineBytes {
                    throw IMAPProtocolError("the server sent a line of more than \(maxLineBytes) bytes")
                }
                resume = position
                return nil
            }
            if newline - position > maxLineBytes {
                throw IMAPProtocolError("the server sent a line of more than \(maxLineBytes) bytes")
            }
            guard newline < maxResponseBytes else {
                throw IMAPProtocolError("the server sent a response of more than \(maxResponseBytes) bytes")
            }
            if let literal = try Self.literalLength(endingLineAt: newline, in: bytes, lineStart: position) {
                guard literal <= maxLiteralBytes else {
                    throw IMAPProtocolError(
                        "the server announced a literal of \(literal) bytes, more than the \(maxLiteralBytes) allowed")
                }
                position = newline + 1 + literal
                guard position <= maxResponseBytes else {
                    throw IMAPProtocolError("the server sent a response of more than \(maxResponseBytes) bytes")
                }
                if position > bytes.count {
                    resume = position
                    return nil
                }
                continue
            }
            resume = 0
            return newline + 1
        }
    }

    private static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// The `n` of a line ending in `{n}` or `{n+}` (before CRLF), or nil.
    static func literalLength(endingLineAt newline: Int, in bytes: UnsafeRawBufferPointer, lineStart: Int)
        throws(IMAPProtocolError) -> Int?
    {
        var end = newline
        if end > lineStart && bytes[end - 1] == 0x0D { end -= 1 }
        guard end > lineStart, bytes[end - 1] == UInt8(ascii: "}") else { return nil }
        var index = end - 2
        if index >= lineStart && bytes[index] == UInt8(ascii: "+") { index -= 1 }
        let digitsEnd = index + 1
        while index >= lineStart && bytes[index] >= 0x30 && bytes[index] <= 0x39 { index -= 1 }
        guard index >= lineStart, bytes[index] == UInt8(ascii: "{"), digitsEnd > index + 1 else { return nil }
        guard digitsEnd - (index + 1) <= 12 else { throw IMAPProtocolError("the server announced an absurd literal") }
        var value = 0
        for position in (index + 1)..<digitsEnd { value = value * 10 + Int(bytes[position] - 0x30) }
        return value
    }
}

/// The server broke the protocol: a response that cannot be read, or past the limits.
public struct IMAPProtocolError: Error, CustomStringConvertible, Sendable {
    /// What was wrong, in words.
    public var description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
