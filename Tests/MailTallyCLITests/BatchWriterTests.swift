import Foundation
import ReportStore
import SQLiteStore
import TestSupport
import Testing

@testable import MailTallyCLI

/// The writer keeps a transaction open for batches arriving within its commit interval, then
/// commits and waits for the next: with a producer slower than the interval it waits, between
/// transactions, with no deadline at all.
@Suite struct BatchWriterTests {
    @Test func slowBatchesAreEachCommittedInOrder() throws {
        let store = try SQLiteReportStore(
            path: try TestSupport.temporaryDirectory().appendingPathComponent("w.sqlite").path)
        let runID = try store.startRun(command: "test")
        let writer = BatchWriter(store: store, runID: runID, commitInterval: 0.01)
        var seen: [LoggedOutcome] = []
        for index in 0..<5 {
            let outcome = LoggedOutcome(
                input: "input-\(index)", part: "", status: .failed, kind: nil, code: "input", reason: "unreadable")
            try writer.submit(StoreBatch(inputs: [.unreadable(outcome)]))
            // Longer than the commit interval: the writer commits and waits for the next batch.
            Thread.sleep(forTimeInterval: 0.05)
            seen += writer.takeCommitted()
        }
        seen += try writer.finish()
        #expect(seen.map(\.input) == (0..<5).map { "input-\($0)" })
        #expect(try store.failedInputs().map(\.input) == (0..<5).map { "input-\($0)" })
        // The writer starts again after finishing.
        try writer.submit(
            StoreBatch(inputs: [
                .unreadable(
                    LoggedOutcome(input: "late", part: "", status: .failed, kind: nil, code: "input", reason: "x"))
            ]))
        #expect(try writer.finish().map(\.input) == ["late"])
    }

    /// A batch's file stamps are recorded in its transaction, except for files with a failure.
    @Test func stampsAreCommittedWithTheirBatchUnlessTheFileFailed() throws {
        let store = try SQLiteReportStore(
            path: try TestSupport.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let writer = BatchWriter(store: store, runID: try store.startRun(command: "test"), commitInterval: 0.01)
        let failed = FileStamp(path: "/in/failed.xml", size: 10, modifiedNanoseconds: 1, inode: 7)
        let read = FileStamp(path: "/in/read.xml", size: 20, modifiedNanoseconds: 2, inode: 8)
        let outcome = LoggedOutcome(
            input: failed.path, part: "", status: .failed, kind: nil, code: "input", reason: "unreadable")
        try writer.submit(StoreBatch(inputs: [.unreadable(outcome)], stamps: [failed, read]))
        _ = try writer.finish()
        let stamps = try store.fileStamps()
        #expect(stamps.contains(read))
        #expect(!stamps.contains(failed))
    }
}

/// The run's file list, held as bytes, in the order of whole paths.
@Suite struct InputPathsTests {
    @Test func filesSortByWholePathAcrossFolders() {
        var paths = InputPaths()
        paths.append("-")
        let start = paths.count
        let inbox = paths.addFolder("in")
        let deeper = paths.addFolder("in/b/")
        let dotted = paths.addFolder("in/b.c")
        paths.append(name: Array("z.xml".utf8), folder: deeper)
        paths.append(name: Array("b".utf8), folder: inbox)
        paths.append(name: Array("y.xml".utf8), folder: dotted)
        paths.append(name: Array("a.xml".utf8), folder: inbox)
        paths.append(name: Array("b-1".utf8), folder: inbox)
        paths.sort(from: start)
        // "in/b.c/…" before "in/b/…": "." sorts before "/"; "in/b" before "in/b-1" before both.
        #expect(
            (0..<paths.count).map { paths[$0] } == ["-", "in/a.xml", "in/b", "in/b-1", "in/b.c/y.xml", "in/b/z.xml"])
    }
}
