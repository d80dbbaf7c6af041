import Foundation
import TestSupport
import Testing

@testable import ReportIngest

@Suite struct MboxReaderTests {
    func messages(_ text: String, maxMessageBytes: Int = 1 << 20) throws -> [MboxReader.Message] {
        try messages(bytes: Array(text.utf8), maxMessageBytes: maxMessageBytes)
    }

    func messages(bytes: [UInt8], maxMessageBytes: Int = 1 << 20) throws -> [MboxReader.Message] {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("box.mbox")
        try Data(bytes).write(to: file)
        let descriptor = open(file.path, O_RDONLY)
        defer { close(descriptor) }
        let reader = MboxReader(reader: InputReader(descriptor: descriptor), maxMessageBytes: maxMessageBytes)
        var all: [MboxReader.Message] = []
        while let message = try reader.next() { all.append(message) }
        return all
    }

    func text(_ message: MboxReader.Message) -> String { String(decoding: message.bytes, as: UTF8.self) }

    @Test func splitsOnSeparatorsOnly() throws {
        let box = """
            From MAILER-DAEMON Fri Jul  8 12:08:34 2011
            Subject: one

            From now on, a body line.
            >From the quoted kind.
            >>From twice quoted.

            From - Sat Jan 03 12:00:00 2015
            Subject: two

            body two
            From 1712345678901234567@xxx Mon Jan 01 00:00:00 +0000 2024
            still body two (no blank line before it)

            From 1712345678901234567@xxx Mon Jan 01 00:00:00 +0000 2024
            Subject: three

            body three

            """
        let all = try messages(box)
        #expect(all.count == 3)
        #expect(
            text(all[0]) == "Subject: one\n\nFrom now on, a body line.\nFrom the quoted kind.\n>From twice quoted.\n")
        #expect(text(all[1]).hasSuffix("still body two (no blank line before it)\n"))
        #expect(text(all[2]) == "Subject: three\n\nbody three\n")
        #expect(all.map(\.number) == [1, 2, 3])
        #expect(all[1].offset > 0)
    }

    @Test func trustsContentLengthWhenItEndsTheMessage() throws {
        let body =
            "From Mon here, a body line that looks like a separator\n\nFrom someone Mon Jan 01 00:00:00 2024\nmore body\n"
        let box =
            "From a Mon Jan 01 00:00:00 2024\nSubject: cl2\nContent-Length: \(body.utf8.count)\n\n\(body)\nFrom b Mon Jan 01 00:00:00 2024\nSubject: next\n\nx\n"
        let all = try messages(box)
        #expect(all.count == 2)
        #expect(text(all[0]).hasSuffix("more body\n"))
        #expect(text(all[1]) == "Subject: next\n\nx\n")
    }

    @Test func wrongContentLengthFallsBackToSeparators() throws {
        let box =
            "From a Mon Jan 01 00:00:00 2024\nContent-Length: 5000\n\nshort\n\nFrom b Mon Jan 01 00:00:00 2024\nSubject: next\n\nx\n"
        let all = try messages(box)
        #expect(all.count == 2)
        #expect(text(all[0]) == "Content-Length: 5000\n\nshort\n")
        let tooShort =
            "From a Mon Jan 01 00:00:00 2024\nContent-Length: 2\n\nlonger body\n\nFrom b Mon Jan 01 00:00:00 2024\nSubject: next\n\nx\n"
        #expect(try messages(tooShort).map(text) == ["Content-Length: 2\n\nlonger body\n", "Subject: next\n\nx\n"])
    }

    /// A `Content-Length` near 2^63 once overflowed the sum with the bytes read so far and
    /// trapped, on every run over that mailbox. It is a lie like any other now.
    @Test func contentLengthNearTwoToTheSixtyThreeIsALie() throws {
        for length in ["9223372036854775807", "9223372036854775800", "99999999999999999999999", "-5", "0x10"] {
            let box =
                "From a Mon Jan 01 00:00:00 2024\nContent-Length: \(length)\n\nbody\n\nFrom b Mon Jan 01 00:00:00 2024\nSubject: next\n\nx\n"
            #expect(
                try messages(box).map(text) == ["Content-Length: \(length)\n\nbody\n", "Subject: next\n\nx\n"],
                "\(length)")
        }
    }

    /// One endless line is read in pieces: it fails its message when over the cap, and is kept
    /// whole (with a `From ` inside it untouched) when under it.
    @Test func longLinesComeInPieces() throws {
        let line = String(repeating: "y", count: 3 << 20) + " From x Mon Jan 01 00:00:00 2024"
        let box =
            "From a Mon Jan 01 00:00:00 2024\nSubject: long\n\n\(line)\n\nFrom b Mon Jan 01 00:00:00 2024\nSubject: small\n\nx\n"
        let capped = try messages(box, maxMessageBytes: 2 << 20)
        #expect(capped.count == 2)
        #expect(capped[0].error == IngestError(.tooLarge, ""))
        #expect(text(capped[1]) == "Subject: small\n\nx\n")
        let whole = try messages(box, maxMessageBytes: 8 << 20)
        #expect(whole.map(text) == ["Subject: long\n\n\(line)\n", "Subject: small\n\nx\n"])
        // A header line past the cap, with no body at all.
        let header = "From a Mon Jan 01 00:00:00 2024\nSubject: " + String(repeating: "S", count: 3 << 20)
        let only = try messages(header, maxMessageBytes: 2 << 20)
        #expect(only.count == 1 && only[0].error == IngestError(.tooLarge, ""))
    }

    @Test func crlfLineEnds() throws {
        let box =
            "From a Mon Jan 01 00:00:00 2024\r\nSubject: one\r\n\r\nbody\r\n\r\nFrom b Mon Jan 01 00:00:00 2024\r\nSubject: two\r\n\r\nbody\r\n"
        #expect(try messages(box).map(text) == ["Subject: one\r\n\r\nbody\r\n", "Subject: two\r\n\r\nbody\r\n"])
    }

    @Test func oversizedMessagesAreReportedAndSkipped() throws {
        let big = String(repeating: "x", count: 5000)
        let box =
            "From a Mon Jan 01 00:00:00 2024\nSubject: big\n\n\(big)\n\nFrom b Mon Jan 01 00:00:00 2024\nSubject: small\n\nx\n"
        let all = try messages(box, maxMessageBytes: 1000)
        #expect(all.count == 2)
        #expect(all[0].error == IngestError(.tooLarge, "") && all[0].bytes.isEmpty)
        #expect(all[1].error == nil && text(all[1]) == "Subject: small\n\nx\n")
    }
}
