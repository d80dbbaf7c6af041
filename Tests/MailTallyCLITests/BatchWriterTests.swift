import Foundation
import ReportStore
import Testing
import TestSupport
@testable import MailTallyCLI

/// The writer keeps a transaction open for batches arriving within its commit interval, then
/// commits and waits for the next: with a producer slower than the interval it waits, between
/// transactions, with no deadline at all.
@Suite struct BatchWriterTests {
    @Test func slowBatchesAreEachCommittedInOrder() throws {
        let store = try ReportStore(path: try TestSupport.temporaryDirectory().appendingPathComponent("w.sqlite").path)
        let runID = try store.startRun(command: "test")
        let writer = BatchWriter(store: store, runID: runID, commitInterval: 0.01)
        var seen: [LoggedOutcome] = []
        for index in 0..<5 {
            let outcome = LoggedOutcome(input: "input-\(index)", part: "", status: .failed, kind: nil, code: "input", reason: "unreadable")
            try writer.submit([.unreadable(outcome)])
            // Longer than the commit interval: the writer commits and waits for the next batch.
            Thread.sleep(forTimeInterval: 0.05)
            seen += writer.takeCommitted()
        }
        seen += try writer.finish()
        #expect(seen.map(\.input) == (0..<5).map { "input-\($0)" })
        #expect(try store.failedInputs().map(\.input) == (0..<5).map { "input-\($0)" })
        // The writer starts again after finishing.
        try writer.submit([.unreadable(LoggedOutcome(input: "late", part: "", status: .failed, kind: nil, code: "input", reason: "x"))])
        #expect(try writer.finish().map(\.input) == ["late"])
    }
}
