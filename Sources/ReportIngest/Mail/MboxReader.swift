/// Reads the messages of an mbox file one at a time, in bounded memory.
///
/// Handles mboxo and mboxrd (`>From ` lines lose one `>`), mboxcl and mboxcl2 (a
/// `Content-Length` header is trusted when the bytes after it end the message: a blank line and
/// a `From ` line, or the end of the file), and LF or CRLF line ends. A new message starts only
/// at a `From ` line that follows a blank line and looks like a separator (a sender, a time and a
/// year), so a `From ` line inside a body does not split a message.
///
/// Memory stays bounded whatever the file holds: a message past `maxMessageBytes` is dropped as
/// it is read (and fails alone), and a line is read in pieces of at most ``maxPieceBytes``, so one
/// endless line costs a piece, not the line. A read error ends the file with an error, never
/// silently (see ``InputReader``).
public final class MboxReader {
    /// One message: its bytes without the `From ` line, or why it could not be taken whole.
    public struct Message {
        /// 1 for the first message of the file.
        public var number: Int
        /// Byte offset of the message's `From ` line in the file.
        public var offset: Int64
        /// The message, mboxrd `>From ` lines unescaped; empty when it was too large.
        public var bytes: [UInt8]
        /// Why the message is missing (`too-large`); the messages after it still read.
        public var error: IngestError?
    }

    private let reader: InputReader
    private let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var position = 0
    /// File offset of `buffer[0]`.
    private var bufferOffset: Int64 = 0
    private var atEnd = false
    private var number = 0
    /// Whether the next byte starts a line (the last piece read ended one).
    private var atLineStart = true
    private static let chunkSize = 1 << 20
    /// The longest piece of a line handed out at once.
    static let maxPieceBytes = 1 << 20

    /// - Parameter reader: the file, with any bytes already read to sniff the format.
    public init(reader: InputReader, maxMessageBytes: Int) {
        self.reader = reader
        self.maxMessageBytes = maxMessageBytes
    }

    /// The next message, or `nil` at the end of the file.
    /// - Throws: ``IngestError`` with code `read` when the file cannot be read.
    public func next() throws(IngestError) -> Message? {
        // Find the separator: skip blank lines; anything else starts a message. Every message
        // ends at a line start, so this begins at one.
        var separatorOffset: Int64 = 0
        while true {
            separatorOffset = bufferOffset + Int64(position)
            let startsLine = atLineStart
            guard let line = try readLine() else { return nil }
            if startsLine && Self.isBlank(line) { continue }
            if !(startsLine && line.starts(with: Self.fromPrefix)) { unread(line, startsLine: startsLine) }
            break
        }
        number += 1
        var message: [UInt8] = []
        var overflow = false
        func append(_ bytes: some Collection<UInt8>) {
            guard !overflow else { return }
            if message.count + bytes.count > maxMessageBytes {
                overflow = true
                message = []
                return
            }
            message.append(contentsOf: bytes)
        }
        var inHeaders = true
        var contentLength: Int?
        var previousBlank = false
        while true {
            let startsLine = atLineStart
            guard let line = try readLine() else { break }
            if inHeaders {
                append(line)
                if startsLine && Self.isBlank(line) {
                    inHeaders = false
                    previousBlank = true
                    if let length = contentLength, !overflow,
                        let ended = try finishByContentLength(length, into: &message)
                    {
                        if ended { return finish(message, overflow: overflow, offset: separatorOffset) }
                        previousBlank =
                            message.last == 0x0A
                            && (message.dropLast().last == 0x0A
                                || message.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]))
                    }
                    continue
                }
                if startsLine, let length = Self.contentLength(line) { contentLength = length }
                continue
            }
            if previousBlank && startsLine && Self.isSeparator(line) {
                unread(line, startsLine: true)
                break
            }
            previousBlank = startsLine && Self.isBlank(line)
            append(startsLine ? Self.unescaped(line) : line)
        }
        return finish(message, overflow: overflow, offset: separatorOffset)
    }

    private func finish(_ bytes: [UInt8], overflow: Bool, offset: Int64) -> Message {
        var message = bytes
        // The blank line before the next separator (or at the end) belongs to the mbox format.
        if message.last == 0x0A {
            let trailing = message.count >= 2 && message[message.count - 2] == 0x0D ? 2 : 1
            let before = message.count - trailing
            if before > 0 && message[before - 1] == 0x0A { message.removeLast(trailing) }
        }
        let error = overflow ? IngestError(.tooLarge, "message exceeds \(maxMessageBytes) bytes") : nil
        return Message(number: number, offset: offset, bytes: overflow ? [] : message, error: error)
    }

    /// Reads `length` body bytes and checks that the message ends there. Returns `true` when it
    /// does, `false` when it does not (reading goes on line by line), `nil` when the body was
    /// shorter than `length` (the header lied).
    private func finishByContentLength(_ length: Int, into message: inout [UInt8]) throws(IngestError) -> Bool? {
        // Compared by subtraction: a declared length near 2^63 must not overflow the sum.
        guard length >= 0, length <= maxMessageBytes - message.count else { return nil }
        let bodyStart = message.count
        let body = try read(count: length)
        message.append(contentsOf: body)
        if body.count < length {
            // The file ended inside the declared body: the header lied unless no separator hides in it.
            if let split = Self.embeddedSeparator(in: message, from: bodyStart) {
                unread(message[split...], startsLine: true)
                message.removeSubrange(split...)
            }
            return true
        }
        // The message ends here when what follows is the end, or (a blank line and) a separator.
        let firstStartsLine = atLineStart
        guard let first = try readLine() else { return true }
        if firstStartsLine && Self.isSeparator(first) {
            unread(first, startsLine: true)
            return true
        }
        if firstStartsLine && Self.isBlank(first) {
            guard let second = try readLine() else { return true }
            unread(second, startsLine: true)
            if Self.isSeparator(second) { return true }
        }
        unread(first, startsLine: firstStartsLine)
        // Content-Length was wrong: look for a separator inside what was read and hand the rest back.
        if let split = Self.embeddedSeparator(in: message, from: bodyStart) {
            unread(message[split...], startsLine: true)
            message.removeSubrange(split...)
            return true
        }
        return false
    }

    // MARK: - Lines

    /// `From `: how every separator line starts, and how ingest recognises an mbox.
    public static let fromPrefix = Array("From ".utf8)

    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x0A || $0 == 0x0D }
    }

    /// A `From ` line that looks like an mbox separator: a sender, then a time and a year
    /// (`From MAILER-DAEMON Fri Jul  8 12:08:34 2011`, `From - Sat Jan 03 12:00:00 2015`,
    /// `From 1712345678@xxx Mon Jan 01 00:00:00 +0000 2024`).
    static func isSeparator(_ line: ArraySlice<UInt8>) -> Bool {
        guard line.starts(with: fromPrefix) else { return false }
        // Tokens of the first 256 bytes, split on spaces and tabs, line ends left out: at least
        // four, one a time (hh:mm or hh:mm:ss) and one a year (19xx or 20xx), in ASCII digits.
        let tokens = line.prefix(256).split(whereSeparator: {
            $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 0x0D || $0 == 0x0A
        })
        guard tokens.count >= 4 else { return false }
        func isDigits(_ bytes: ArraySlice<UInt8>, count: Int) -> Bool {
            bytes.count == count && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
        let hasTime = tokens.contains { token in
            let parts = token.split(separator: UInt8(ascii: ":"))
            return (parts.count == 2 || parts.count == 3) && parts.allSatisfy { isDigits($0, count: 2) }
        }
        let hasYear = tokens.contains { token in
            isDigits(token, count: 4) && (token.starts(with: "19".utf8) || token.starts(with: "20".utf8))
        }
        return hasTime && hasYear
    }

    /// mboxrd: `>From ` and `>>From ` lose one `>` (harmless for mboxo).
    static func unescaped(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard line.first == UInt8(ascii: ">") else { return line }
        let rest = line.drop { $0 == UInt8(ascii: ">") }
        return rest.starts(with: fromPrefix) ? line.dropFirst() : line
    }

    static func contentLength(_ line: ArraySlice<UInt8>) -> Int? {
        let name = Array("content-length:".utf8)
        guard line.count > name.count,
            zip(line.prefix(name.count), name).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 })
        else { return nil }
        let value = line.dropFirst(name.count).prefix(64).filter {
            $0 != 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0x0A
        }
        guard !value.isEmpty, value.count <= 19, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(String(decoding: value, as: UTF8.self))
    }

    /// Where a separator (`\n`, a blank line, a `From ` line) starts inside `bytes`, after `start`.
    static func embeddedSeparator(in bytes: [UInt8], from start: Int) -> Int? {
        var index = max(start, 1)
        while index < bytes.count {
            guard let newline = bytes[index...].firstIndex(of: 0x0A) else { return nil }
            let lineStart = newline + 1
            guard lineStart < bytes.count else { return nil }
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            let line = bytes[lineStart..<min(lineEnd + 1, bytes.count)]
            let previousEnd = newline
            let previousBlank =
                previousEnd >= 1
                && (bytes[previousEnd - 1] == 0x0A
                    || (previousEnd >= 2 && bytes[previousEnd - 1] == 0x0D && bytes[previousEnd - 2] == 0x0A))
            if previousBlank && isSeparator(line) { return lineStart }
            index = lineStart
        }
        return nil
    }

    /// The next line with its line end, or `nil` at the end. A line longer than
    /// ``maxPieceBytes`` comes in pieces (``atLineStart`` tells whether the next piece starts a
    /// line), so memory stays bounded.
    private func readLine() throws(IngestError) -> ArraySlice<UInt8>? {
        var scanned = 0  // bytes after `position` already searched for a line end
        while true {
            let limit = min(buffer.count, position + Self.maxPieceBytes)
            if let newline = buffer[(position + scanned)..<limit].firstIndex(of: 0x0A) {
                let line = buffer[position...newline]
                position = newline + 1
                atLineStart = true
                return line
            }
            scanned = limit - position
            if scanned >= Self.maxPieceBytes {
                let piece = buffer[position..<limit]
                position = limit
                atLineStart = false
                return piece
            }
            if try !refill() {
                guard position < buffer.count else { return nil }
                let line = buffer[position...]
                position = buffer.count
                atLineStart = true
                return line
            }
        }
    }

    private func read(count: Int) throws(IngestError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(count, 1 << 24))
        while output.count < count {
            if position == buffer.count, try !refill() { break }
            let take = min(count - output.count, buffer.count - position)
            output.append(contentsOf: buffer[position..<position + take])
            position += take
        }
        if let last = output.last { atLineStart = last == 0x0A }
        return output
    }

    /// Hands bytes back to be read again; `startsLine` says whether they began a line.
    private func unread(_ bytes: ArraySlice<UInt8>, startsLine: Bool) {
        if position >= bytes.count && buffer[(position - bytes.count)..<position].elementsEqual(bytes) {
            position -= bytes.count
        } else {
            buffer = Array(bytes) + buffer[position...]
            bufferOffset += Int64(position) - Int64(bytes.count)
            position = 0
        }
        atLineStart = startsLine
    }

    /// Reads more bytes; drops what was consumed. Returns `false` at the end of the file.
    private func refill() throws(IngestError) -> Bool {
        guard !atEnd else { return false }
        let chunk = try reader.read(upTo: Self.chunkSize)
        guard !chunk.isEmpty else {
            atEnd = true
            return false
        }
        if position > 0 {
            // Keep the unconsumed tail; searchFrom offsets in readLine are relative to position.
            bufferOffset += Int64(position)
            buffer.removeFirst(position)
            position = 0
        }
        buffer.append(contentsOf: chunk)
        return true
    }
}
