import Foundation
import Logging
import ReportStore
import SQLiteStore
import TestSupport
import Testing

@testable import MailTallyCLI

/// Progress on one large mailbox counts its messages and bytes, not files (`1/1`).
@Suite struct ProgressTests {
    @Test func aLargeMailboxReportsMessagesAndBytesAsItGoes() throws {
        let folder = try TestSupport.temporaryDirectory()
        let mbox = folder.appendingPathComponent("big.mbox").path
        // 600 small messages (Python's mailbox writes them): more than two batches of 256.
        try TestSupport.shell(
            "python3",
            [
                "-c",
                """
                import mailbox, sys
                from email.message import EmailMessage
                box = mailbox.mbox(sys.argv[1])
                for i in range(600):
                    m = EmailMessage()
                    m["From"] = "reports@example.net"; m["To"] = "dmarc@example.com"; m["Subject"] = f"note {i}"
                    m["Message-ID"] = f"<{i}@example.net>"
                    m.set_content("no report in this one\\n" * 20)
                    box.add(m)
                box.flush()
                """, mbox,
            ])
        let store = try SQLiteReportStore(path: folder.appendingPathComponent("progress.sqlite").path)
        var seen: [IngestPipeline.IngestProgress] = []
        let summary = try IngestPipeline(store: store, logger: Logger(label: "test")).run(paths: [mbox]) {
            seen.append($0)
        }
        #expect(summary.skipped == 600)
        let during = try #require(seen.first)
        #expect(during.files == 0 && during.totalFiles == 1)
        #expect(during.messages >= 256)
        #expect(during.line.hasPrefix("0/1 files, \(during.messages) messages, "))
        #expect(seen.last?.messages == 600)
        #expect(seen.last?.files == 1)
    }
}

/// File system errors in one sentence, with errno's reason.
@Suite struct FileProblemTests {
    @Test func foundationErrorsBecomeTheirReason() throws {
        #expect(FileProblem.text(of: EACCES) == "permission denied")
        let folder = try TestSupport.temporaryDirectory()
        let blocker = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        do {
            try FileManager.default.createDirectory(
                at: blocker.appendingPathComponent("sub"), withIntermediateDirectories: true)
            Issue.record("a folder was made under a file")
        } catch {
            #expect(FileProblem.reason(error) == "not a directory")
        }
        do {
            try Data("x".utf8).write(to: folder.appendingPathComponent("missing/file"))
            Issue.record("a file was written into a missing folder")
        } catch {
            #expect(FileProblem.reason(error) == "no such file or directory")
        }
    }
}
