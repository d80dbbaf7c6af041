import Foundation
import TestSupport
import Testing

@testable import ReportIngest

@Suite struct ContainerTests {
    let report = [UInt8](utf8: "<feedback><report_metadata/></feedback>\n")

    @Test func plainBytesPassThrough() throws {
        let payloads = try ContainerUnwrapper().unwrap(report)
        #expect(payloads == [Payload(bytes: report, path: "")])
    }

    @Test("the zip writer's archives read back by our reader and by Python's zipfile")
    func zipWriterRoundTrips() throws {
        let big = [UInt8](String(repeating: "<record>ünïcode</record>\n", count: 2000).utf8)
        let tiny: [UInt8] = [0x00, 0xFF]
        let archive = try #require(
            ZipWriter.archive([
                ZipWriter.Entry(name: "a.xml", bytes: report), ZipWriter.Entry(name: "pack/Reçus.csv", bytes: big),
                ZipWriter.Entry(name: "tiny.bin", bytes: tiny),
            ]))
        #expect(archive.count < big.count / 4, "the large entry is deflated")
        // Our reader gives the entries that look like documents (the binary one is junk to it).
        let payloads = try ContainerUnwrapper().unwrap(archive)
        #expect(payloads.map(\.path) == ["zip:a.xml", "zip:pack/Reçus.csv"])
        #expect(payloads.first?.bytes == report && payloads.last?.bytes == big)
        let file = try TestSupport.temporaryDirectory().appendingPathComponent("w.zip")
        try Data(archive).write(to: file)
        let check = try TestSupport.shell(
            "python3",
            [
                "-c",
                "import zipfile,sys,json; z=zipfile.ZipFile(sys.argv[1]); "
                    + "print(json.dumps([z.testzip(), z.namelist(), [len(z.read(n)) for n in z.namelist()]]))",
                file.path,
            ])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(
            check.output.contains(
                "[null, [\"a.xml\", \"pack/Re\\u00e7us.csv\", \"tiny.bin\"], [\(report.count), \(big.count), 2]]"),
            "\(check.output)")
    }

    @Test func gzipIsInflated() throws {
        let payloads = try ContainerUnwrapper().unwrap(try TestSupport.gzip(report))
        #expect(payloads == [Payload(bytes: report, path: "gzip")])
    }

    @Test func concatenatedGzipMembersAreJoined() throws {
        let first = [UInt8](utf8: "<feedback><report_metadata>")
        let second = [UInt8](utf8: "</report_metadata></feedback>")
        let bytes = try TestSupport.gzip(first) + TestSupport.gzip(second)
        #expect(try ContainerUnwrapper().unwrap(bytes).map(\.bytes) == [first + second])
    }

    @Test func trailingJunkAfterGzipIsIgnored() throws {
        let bytes = try TestSupport.gzip(report) + [UInt8](utf8: "\r\n\r\njunk")
        #expect(try ContainerUnwrapper().unwrap(bytes).map(\.bytes) == [report])
    }

    @Test func truncatedGzipIsRejected() throws {
        let bytes = try TestSupport.gzip(Array(repeating: report, count: 50).flatMap { $0 })
        #expect(throws: IngestError(.gzip, "")) {
            try ContainerUnwrapper().unwrap(Array(bytes.prefix(bytes.count - 12)))
        }
    }

    @Test func corruptGzipCRCIsRejected() throws {
        var bytes = try TestSupport.gzip(report)
        bytes[bytes.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        #expect(throws: IngestError(.gzip, "")) { try ContainerUnwrapper().unwrap(bytes) }
    }

    @Test func zlibStreamIsInflated() throws {
        let payloads = try ContainerUnwrapper().unwrap(try TestSupport.zlib(report))
        #expect(payloads == [Payload(bytes: report, path: "zlib")])
    }

    @Test func nestedGzipIsUnwrappedToTheDepthCap() throws {
        let twice = try TestSupport.gzip(try TestSupport.gzip(report))
        #expect(try ContainerUnwrapper().unwrap(twice) == [Payload(bytes: report, path: "gzip/gzip")])

        var deep = report
        for _ in 0..<5 { deep = try TestSupport.gzip(deep) }
        #expect(throws: IngestError(.nestedTooDeep, "")) { try ContainerUnwrapper().unwrap(deep) }
    }

    @Test func decompressedSizeIsCapped() throws {
        let big = [UInt8](utf8: "<feedback>") + [UInt8](repeating: UInt8(ascii: "a"), count: 200_000)
        var limits = IngestLimits()
        limits.maxReportBytes = 100_000
        #expect(throws: IngestError(.tooLarge, "")) {
            try ContainerUnwrapper(limits: limits).unwrap(try TestSupport.gzip(big))
        }
        let zipped = try TestSupport.zip([("big.xml", big)])
        #expect(throws: IngestError(.tooLarge, "")) { try ContainerUnwrapper(limits: limits).unwrap(zipped) }
    }

    @Test func zipYieldsEveryReportEntryAndSkipsTheRest() throws {
        let second = [UInt8](utf8: "{\"organization-name\": \"x\"}")
        let bytes = try TestSupport.zip([
            ("var/", []), ("var/log/report.xml", report), ("README.txt", [UInt8](utf8: "hello")),
            ("empty.xml", []), ("tls.json", second),
        ])
        let payloads = try ContainerUnwrapper().unwrap(bytes)
        #expect(
            payloads == [
                Payload(bytes: report, path: "zip:var/log/report.xml"), Payload(bytes: second, path: "zip:tls.json"),
            ])
    }

    /// Streamed inflation: zlib may hold output back when the buffer is full (a match cut at
    /// its end) with no input left; documents whose length falls at or near a multiple of the
    /// 64 KiB output buffer come out whole from every container, and in a zip a gzip member
    /// followed by trailing bytes still has its entry's CRC-32 checked.
    @Test func streamedInflationGivesEveryByteBack() throws {
        var documents: [[UInt8]] = []
        for blocks in [1, 2, 3, 7] {
            for delta in [-3, -1, 0, 1, 2, 258] {
                let size = blocks * 65_536 + delta
                // Long repeats: the last matches end at the stream's very end.
                let pattern = [UInt8](utf8: "<feedback><x>abcdefgh</x>")
                documents.append((0..<size).map { pattern[$0 % pattern.count] })
            }
        }
        for document in documents {
            let zipped = try TestSupport.zip([("r.xml", document)])
            #expect(
                try ContainerUnwrapper().unwrap(zipped).map(\.bytes) == [document], "zip of \(document.count) bytes")
            #expect(
                try ContainerUnwrapper().unwrap(try TestSupport.gzip(document)).map(\.bytes) == [document],
                "gzip of \(document.count)")
            #expect(
                try ContainerUnwrapper().unwrap(try TestSupport.zlib(document)).map(\.bytes) == [document],
                "zlib of \(document.count)")
        }
        // A gzip member and trailing bytes in a zip entry whose CRC-32 is wrong: refused.
        let good = try TestSupport.zip([("r.xml.gz", try TestSupport.gzip(report) + [UInt8](utf8: "\r\njunk"))])
        #expect(try ContainerUnwrapper().unwrap(good).map(\.bytes) == [report])
        let end = try #require(ZipReader.findEndOfCentralDirectory(good))
        var bad = good
        bad[Int(ZipReader.u32(good, end + 16)) + 16] ^= 0xFF  // the entry's CRC-32 in the central directory
        #expect(throws: IngestError(.zip, "")) { try ContainerUnwrapper().unwrap(bad) }
    }

    /// The records in memory are bounded across every report of a batch, not per report: past
    /// the area's limit each report sends its records to the shared file as they come, and
    /// every record still comes back, in order.
    @Test func manyReportsShareOneBoundOnRecordsInMemory() throws {
        func report(_ id: Int, records: Int) -> [UInt8] {
            var xml =
                "<feedback><report_metadata><org_name>o</org_name><report_id>\(id)</report_id><date_range><begin>1795824000</begin>"
            xml +=
                "<end>1795910399</end></date_range></report_metadata><policy_published><domain>d.example</domain></policy_published>"
            for index in 0..<records {
                xml +=
                    "<record><row><source_ip>10.0.\(index / 256).\(index % 256)</source_ip><count>\(index + 1)</count></row></record>"
            }
            return [UInt8](utf8: xml + "</feedback>")
        }
        let zipped = try TestSupport.zip((0..<6).map { ("r\($0).xml", report($0, records: 2_000)) })
        let area = RecordSpillArea(inMemoryLimit: 1_000)
        let reports = ReportExtractor(spillArea: area).extract(zipped).compactMap {
            if case .dmarc(let report, _) = $0 { report } else { nil }
        }
        #expect(reports.count == 6)
        var heldInMemory = 0
        for report in reports {
            heldInMemory += report.records.count
            var counts: [Int64] = []
            try report.forEachRecord { counts.append($0.count) }
            #expect(counts == (1...2_000).map(Int64.init))
            #expect(report.recordCount == 2_000 && report.messageCount == 2_001_000)
        }
        #expect(heldInMemory <= 1_000 + 6 * RecordSpillArea.stepForTests, "\(heldInMemory) records held in memory")
    }

    @Test func zipWithGzipInsideIsUnwrapped() throws {
        let bytes = try TestSupport.zip([("r.xml.gz", try TestSupport.gzip(report))])
        #expect(try ContainerUnwrapper().unwrap(bytes) == [Payload(bytes: report, path: "zip:r.xml.gz/gzip")])
    }

    @Test func zipWithoutReportIsRejected() throws {
        let bytes = try TestSupport.zip([("bad.xml", []), ("notes.txt", [UInt8](utf8: "nothing"))])
        #expect(throws: IngestError(.zip, "")) { try ContainerUnwrapper().unwrap(bytes) }
    }

    @Test func truncatedZipIsRejected() throws {
        let bytes = try TestSupport.zip([("r.xml", Array(repeating: report, count: 40).flatMap { $0 })])
        #expect(throws: IngestError(.zip, "")) { try ContainerUnwrapper().unwrap(Array(bytes.prefix(bytes.count / 2))) }
    }

    @Test func sniffingUsesMagicBytesOnly() {
        #expect(ContainerKind.sniff([0x1F, 0x8B, 0x08]) == .gzip)
        #expect(ContainerKind.sniff([0x50, 0x4B, 0x03, 0x04]) == .zip)
        #expect(ContainerKind.sniff([0x78, 0x9C, 0x00]) == .zlib)
        #expect(ContainerKind.sniff([0x78, 0x9D]) == .plain)  // header checksum fails
        #expect(ContainerKind.sniff([UInt8](utf8: "<?xml")) == .plain)
        #expect(DocumentKind.sniff([0xEF, 0xBB, 0xBF] + [UInt8](utf8: " \n<feedback/>")) == .xml)
        #expect(DocumentKind.sniff([0xFF, 0xFE, 0x3C, 0x00]) == .xml)
        #expect(DocumentKind.sniff([0x3C, 0x00, 0x3F, 0x00]) == .xml)
        #expect(DocumentKind.sniff([UInt8](utf8: "\n {\"a\":1}")) == .json)
        #expect(DocumentKind.sniff([UInt8](utf8: "unused")) == .junk)
        #expect(DocumentKind.sniff([]) == .junk)
    }

    @Test func junkDocumentIsNamedInTheError() throws {
        let documents = ReportExtractor().extract(try TestSupport.gzip([UInt8](utf8: "unused")))
        guard case .failed(let part, let error)? = documents.first else {
            Issue.record("expected a failure, got \(documents)")
            return
        }
        #expect(part == "gzip")
        #expect(error.code == .notAReport)
        #expect(error.detail.contains("'unused'"))
    }

    /// Regression: ZIPFoundation's in-memory reader crashed on archives whose offsets point past
    /// the end (found by scripts/fuzz); each of these lies must be a clear error.
    @Test func lyingZipOffsetsAndSizesAreErrors() throws {
        let good = try TestSupport.zip([("r.xml", report)])
        let end = try #require(ZipReader.findEndOfCentralDirectory(good))
        let directory = Int(ZipReader.u32(good, end + 16))
        func patched(_ offset: Int, _ value: UInt32) -> [UInt8] {
            var bytes = good
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
            return bytes
        }
        let cases: [(String, [UInt8])] = [
            ("central directory past the end", patched(end + 16, 0xFFFF_FF00)),
            ("central directory size past the end", patched(end + 12, 0x7FFF_FFFF)),
            ("local header past the end", patched(directory + 42, UInt32(good.count + 100))),
            ("compressed size past the end", patched(directory + 20, 0x7FFF_FFFF)),
            ("wrong CRC", patched(directory + 16, 0xDEAD_BEEF)),
            ("no end record", Array(good.prefix(good.count - 22))),
        ]
        for (label, bytes) in cases {
            #expect(throws: IngestError(.zip, ""), "\(label)") { try ContainerUnwrapper().unwrap(bytes) }
        }
        // Overlapping entries share one budget for the archive: 3 entries of 40 KB under a 100 KB cap.
        let big = [UInt8](repeating: UInt8(ascii: "<"), count: 40_000)
        var limits = IngestLimits()
        limits.maxReportBytes = 100_000
        let three = try TestSupport.zip([("a.xml", big), ("b.xml", big), ("c.xml", big)])
        #expect(throws: IngestError(.tooLarge, "")) { try ContainerUnwrapper(limits: limits).unwrap(three) }
    }
}
