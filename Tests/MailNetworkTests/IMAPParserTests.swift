import Foundation
import MailNetwork
import Testing

@Suite("IMAP responses, framing and names")
struct IMAPParserTests {
    func parse(_ text: String) throws -> IMAPResponse {
        try IMAPResponseParser.parse(Array(text.utf8))
    }

    @Test("status responses keep their codes")
    func statusResponses() throws {
        #expect(
            try parse("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n")
                == .status(.ok, code: IMAPResponseCode(name: "UIDVALIDITY", argument: "3857529045"), text: "UIDs valid")
        )
        #expect(
            try parse("M3 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
                == .tagged(
                    tag: "M3", status: .no, code: IMAPResponseCode(name: "AUTHENTICATIONFAILED", argument: ""),
                    text: "Authentication failed."))
        #expect(try parse("* BYE Server shutting down.\r\n") == .status(.bye, code: nil, text: "Server shutting down."))
        #expect(try parse("+ idling\r\n") == .continuation("idling"))
        #expect(try parse("* 12 EXISTS\r\n") == .exists(12))
        #expect(
            try parse("* CAPABILITY IMAP4rev1 move Auth=PLAIN\r\n") == .capability(["IMAP4REV1", "MOVE", "AUTH=PLAIN"]))
    }

    @Test("SEARCH, LIST and FETCH with literals")
    func dataResponses() throws {
        #expect(try parse("* SEARCH 4 9 10\r\n") == .search([4, 9, 10]))
        #expect(try parse("* SEARCH\r\n") == .search([]))
        #expect(
            try parse("* LIST (\\HasNoChildren) \".\" \"Reports.&AOk-t&AOk-\"\r\n")
                == .list(attributes: ["\\HasNoChildren"], delimiter: ".", name: Array("Reports.&AOk-t&AOk-".utf8)))
        #expect(
            try parse("* LIST () NIL {5}\r\nIN\"BX\r\n")
                == .list(attributes: [], delimiter: nil, name: Array("IN\"BX".utf8)))
        let body = "From: a@b\r\n\r\n{5}\r\n)x"
        let response = try parse(
            "* 3 FETCH (UID 17 RFC822.SIZE 23 BODY[] {\(body.utf8.count)}\r\n\(body) FLAGS (\\Seen))\r\n")
        #expect(
            response
                == .fetch(
                    sequence: 3, IMAPFetchData(uid: 17, size: 23, body: Array(body.utf8), flags: ["\\Seen"])))
    }

    @Test("bad responses are refused with a reason, never a crash")
    func refusals() throws {
        for text in [
            "* 3 FETCH (UID x)\r\n", "* 3 FETCH (UID 99999999999)\r\n", "* 3 FETCH (BODY[] {10}\r\nabc)\r\n",
            "M1 WHAT now\r\n", "* OK [UNCLOSED\r\n", "* SEARCH 1 two\r\n", "M1 BYE no\r\n",
            "* 1 FETCH " + String(repeating: "(", count: 40) + "\r\n",
        ] {
            #expect(throws: IMAPProtocolError.self, "\(text.debugDescription)") { try parse(text) }
        }
        // Invalid UTF-8 in the first word (found by the fuzzer: the parser stepped back by the
        // decoded text's length, before the buffer).
        let invalid: [UInt8] = Array("* ".utf8) + [0xFF, 0xFF, 0xF9] + Array(" OK fine\r\n".utf8)
        #expect(try IMAPResponseParser.parse(invalid) == .other("\u{FFFD}\u{FFFD}\u{FFFD} OK fine"))
        // A fetch capped in bytes answers BODY[]<0>.
        #expect(
            try parse("* 2 FETCH (UID 9 BODY[]<0> {3}\r\nabc)\r\n")
                == .fetch(sequence: 2, IMAPFetchData(uid: 9, body: Array("abc".utf8))))
    }

    /// Feeds `bytes` in pieces of `step` and returns the responses cut.
    func frames(_ bytes: [UInt8], step: Int, maxLiteral: Int = 1 << 20) throws -> [String] {
        var framer = IMAPFramer(maxLiteralBytes: maxLiteral)
        var buffer: [UInt8] = []
        var cut: [String] = []
        var offset = 0
        while offset < bytes.count {
            buffer += bytes[offset..<min(offset + step, bytes.count)]
            offset += step
            while let length = try buffer.withUnsafeBytes({ try framer.responseLength(in: $0) }) {
                cut.append(String(decoding: buffer[..<length], as: UTF8.self))
                buffer.removeFirst(length)
            }
        }
        #expect(buffer.isEmpty)
        return cut
    }

    @Test("the framer cuts responses with literals however the bytes arrive")
    func framing() throws {
        let stream = "* 1 FETCH (UID 5 BODY[] {12}\r\nline1\r\n{3}\r\n)\r\n* 2 EXISTS\r\nM1 OK done\r\n"
        for step in [1, 2, 7, 100] {
            #expect(
                try frames(Array(stream.utf8), step: step) == [
                    "* 1 FETCH (UID 5 BODY[] {12}\r\nline1\r\n{3}\r\n)\r\n", "* 2 EXISTS\r\n", "M1 OK done\r\n",
                ])
        }
        #expect(throws: IMAPProtocolError.self) {
            try frames(Array("* 1 FETCH (BODY[] {2000}\r\n".utf8), step: 5, maxLiteral: 1000)
        }
        #expect(throws: IMAPProtocolError.self) {
            var framer = IMAPFramer(maxLineBytes: 100, maxLiteralBytes: 100)
            let line = [UInt8](repeating: 0x41, count: 200)
            _ = try line.withUnsafeBytes { try framer.responseLength(in: $0) }
        }
        // Literals chained without end make one response past its bound, however small each is.
        #expect(throws: IMAPProtocolError.self) {
            var framer = IMAPFramer(maxLineBytes: 100, maxLiteralBytes: 100)
            let chain = Array(String(repeating: "X {60}\r\n" + String(repeating: "y", count: 60), count: 20).utf8)
            _ = try chain.withUnsafeBytes { try framer.responseLength(in: $0) }
        }
    }

    @Test("modified UTF-7 both ways")
    func modifiedUTF7() {
        let names = ["INBOX", "Rapports DMARC", "Reçus", "日本語", "a&b", "~peter/mail/台北/日本語", "😀 emoji"]
        for name in names {
            let wire = ModifiedUTF7.encode(name)
            #expect(wire.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f })
            #expect(ModifiedUTF7.decode(Array(wire.utf8)) == name)
        }
        // RFC 3501's own example.
        #expect(ModifiedUTF7.encode("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-")
        #expect(ModifiedUTF7.encode("a&b") == "a&-b")
        #expect(ModifiedUTF7.decode(Array("&Jjo".utf8)) == nil)
        #expect(ModifiedUTF7.decode(Array("&AGE-".utf8)) == nil)
    }

    @Test("IMAP URLs: users with @, ports, IPv6, UTF-8 mailboxes, and names of messages")
    func accounts() throws {
        let account = try IMAPAccount(url: "imaps://dmarc@example.com@imap.example.com/Reports/Re%C3%A7us")
        #expect(account.user == "dmarc@example.com")
        #expect(account.host == "imap.example.com")
        #expect(account.port == 993)
        #expect(account.mailbox == "Reports/Reçus")
        #expect(account.accountName == "imaps://dmarc%40example.com@imap.example.com")
        #expect(
            account.messageName(uidValidity: 7, uid: 42)
                == "imaps://dmarc%40example.com@imap.example.com/Reports/Re%C3%A7us;UIDVALIDITY=7;UID=42")
        let plain = try IMAPAccount(url: "imap://u@[::1]:1143")
        #expect(plain.security == .startTLS)
        #expect(plain.host == "::1")
        #expect(plain.port == 1143)
        #expect(plain.mailbox == "INBOX")
        #expect(plain.mailboxName == "imap://u@[::1]:1143/INBOX")
        for bad in [
            "imaps://imap.example.com/INBOX", "imaps://u:secret@host/INBOX", "imaps://u@host:99999/", "imap://u@/x",
            "pop3://u@host/", "imaps://u@host/IN%0ABOX",
        ] {
            #expect(throws: MailNetworkError.self, "\(bad)") { try IMAPAccount(url: bad) }
        }
    }
}

@Suite("SMTP replies, addresses and messages")
struct SMTPMessageTests {
    func replies(_ text: String, step: Int) throws -> [SMTPReply] {
        var framer = SMTPFramer()
        var buffer: [UInt8] = []
        var cut: [SMTPReply] = []
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            buffer += bytes[offset..<min(offset + step, bytes.count)]
            offset += step
            while let length = try buffer.withUnsafeBytes({ try framer.responseLength(in: $0) }) {
                cut.append(try SMTPReply(parsing: Array(buffer[..<length])))
                buffer.removeFirst(length)
            }
        }
        return cut
    }

    @Test("multi-line replies are cut whole, however the bytes arrive")
    func replyFraming() throws {
        let stream = "220 mx.example ESMTP\r\n250-mx.example\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n354 go\r\n"
        for step in [1, 3, 100] {
            let cut = try replies(stream, step: step)
            #expect(cut.map(\.code) == [220, 250, 354])
            #expect(cut[1].lines == ["mx.example", "STARTTLS", "AUTH PLAIN LOGIN"])
        }
        #expect(throws: IMAPProtocolError.self) { try SMTPReply(parsing: Array("hello\r\n".utf8)) }
        #expect(throws: IMAPProtocolError.self) { try SMTPReply(parsing: Array("250-a\r\n251 b\r\n".utf8)) }
    }

    @Test("submission URLs")
    func addresses() throws {
        let server = try SMTPServerAddress(url: "smtp://digest%40example.com@smtp.example.com")
        #expect(server.user == "digest@example.com")
        #expect(server.port == 587)
        #expect(server.security == .startTLS)
        let implicit = try SMTPServerAddress(url: "smtps://[::1]:2465")
        #expect(implicit.host == "::1")
        #expect(implicit.port == 2465)
        #expect(implicit.user == nil)
        for bad in ["smtp://u:pw@h", "smtp://h:0", "imap://h", "smtp://", "smtp://h/path"] {
            #expect(throws: MailNetworkError.self, "\(bad)") { try SMTPServerAddress(url: bad) }
        }
    }

    @Test("a message: encoded words, base64 bodies, multipart/alternative, Auto-Submitted")
    func messages() throws {
        let message = MailMessage(
            from: "MailTally <mailtally@example.com>", to: ["Pöstmaster <postmaster@example.com>"],
            subject: "[MailTally] 2 warnings on 3 domains, 2026-12-01 — exämple.de",
            date: Date(timeIntervalSince1970: 0),
            messageID: "<id@example.com>", host: "example.com", text: "Hello\n.\nBye", html: "<p>Hello</p>")
        let text = String(decoding: message.rendered(), as: UTF8.self)
        #expect(text.contains("Subject: =?utf-8?B?"))
        #expect(text.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(text.contains("Auto-Submitted: auto-generated\r\n"))
        #expect(text.contains("Content-Type: multipart/alternative;"))
        #expect(text.contains("To: =?utf-8?B?"))
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(!text.contains("\n\n"))
        #expect(text.split(separator: "\r\n").allSatisfy { $0.count <= 998 })
        // A long subject becomes several encoded words, each at most 75 characters.
        let long = MailMessage.encodedWords(String(repeating: "ä", count: 200))
        #expect(long.split(separator: "\r\n ").allSatisfy { $0.count <= 75 })
    }
}
