import Foundation
import Glibc
import ReportModel

/// Where the records of large reports wait for the store, for one batch of inputs: one
/// temporary file (unlinked at once, so it goes with the process), appended by any parsing
/// thread, and a count of the records the batch holds in memory meanwhile. Past
/// ``inMemoryLimit`` every report of the batch sends its records to the file as they come: a
/// thousand small reports of 9,999 records each weigh no more than one large one, and the
/// batch needs one file, not one per report.
public final class RecordSpillArea: @unchecked Sendable {
    private let lock = NSLock()
    private var descriptor: Int32 = -1
    private var end: Int64 = 0
    private var held = 0
    /// Records the batch may hold in memory before every report spills.
    public let inMemoryLimit: Int
    /// How far past the limit one report may go before it spills (the count is told in steps).
    static var stepForTests: Int { ReportBuilder.holdStep }

    /// An area for one batch: its reports spill once it holds more than `inMemoryLimit` records.
    public init(inMemoryLimit: Int = 20_000) {
        self.inMemoryLimit = inMemoryLimit
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Counts `count` more records held in memory (negative: given back); returns whether
    /// the batch is now over its limit.
    func hold(_ count: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        held += count
        return held > inMemoryLimit
    }

    /// Writes `bytes` at the end of the file; returns where they went.
    func append(_ bytes: [UInt8]) throws(IngestError) -> (offset: Int64, length: Int) {
        lock.lock()
        if descriptor < 0 {
            do throws(IngestError) { descriptor = try Self.makeFile() } catch {
                lock.unlock()
                throw error
            }
        }
        let offset = end
        end += Int64(bytes.count)
        let file = descriptor
        lock.unlock()
        var written = 0
        while written < bytes.count {
            let wrote = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map {
                    pwrite(file, $0 + written, buffer.count - written, off_t(offset) + off_t(written))
                } ?? 0
            }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else {
                throw IngestError(
                    .tooLarge,
                    "the report is too large to hold in memory and its temporary file cannot be written: \(String(cString: strerror(errno)))"
                )
            }
            written += wrote
        }
        return (offset, bytes.count)
    }

    /// The bytes written at `offset`.
    func read(offset: Int64, length: Int) throws(IngestError) -> [UInt8] {
        lock.lock()
        let file = descriptor
        lock.unlock()
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let got = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { pread(file, $0 + done, length - done, off_t(offset) + off_t(done)) } ?? 0
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw IngestError(.read, "a temporary file of records was cut short") }
            done += got
        }
        return bytes
    }

    private static func makeFile() throws(IngestError) -> Int32 {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(folder)/mailtally-records-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard descriptor >= 0 else {
            throw IngestError(
                .tooLarge,
                "the report is too large to hold in memory and no temporary file can be made in \(folder): \(String(cString: strerror(errno)))"
            )
        }
        template.withUnsafeBufferPointer { buffer in _ = buffer.baseAddress.map { unlink($0) } }
        return descriptor
    }
}

/// The records of one report kept out of memory, in segments of a ``RecordSpillArea``, read
/// back in order by the store.
///
/// Each record is one length-prefixed entry: variable-length integers and strings (an
/// optional string is its length plus one, 0 for none), in the order of ``AggregateRecord``'s
/// fields. The file is ours; it is read only by this process.
final class RecordSpill: RecordStream, @unchecked Sendable {
    private let area: RecordSpillArea
    private var segments: [(offset: Int64, length: Int)] = []
    private var pending: [UInt8] = []
    private(set) var count = 0
    private(set) var messages: Int64 = 0

    private static let flushBytes = 256 << 10

    init(area: RecordSpillArea) {
        self.area = area
    }

    /// Appends records; they must be flushed before ``forEach(_:)`` is called.
    func append(_ records: [AggregateRecord]) throws(IngestError) {
        var entry: [UInt8] = []
        for record in records {
            entry.removeAll(keepingCapacity: true)
            Self.encode(record, into: &entry)
            Self.varint(UInt64(entry.count), into: &pending)
            pending += entry
            count += 1
            messages = messages.saturatingAdd(record.count)
            if pending.count >= Self.flushBytes { try flush() }
        }
    }

    /// Writes what is buffered, and lets go of the buffer.
    func flush() throws(IngestError) {
        guard !pending.isEmpty else { return }
        segments.append(try area.append(pending))
        pending = []
    }

    func forEach(_ body: (AggregateRecord) throws -> Void) throws {
        try flush()
        for segment in segments {
            let bytes = try area.read(offset: segment.offset, length: segment.length)
            var position = 0
            while position < bytes.count {
                guard let length = Self.readVarint(bytes, &position), Int(length) <= bytes.count - position else {
                    throw IngestError(.read, "a temporary file of records is damaged")
                }
                let end = position + Int(length)
                var cursor = position
                let record = try Self.decode(bytes, &cursor, end: end)
                position = end
                try body(record)
            }
        }
    }

    // MARK: - Encoding

    static func varint(_ value: UInt64, into bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func string(_ text: String?, into bytes: inout [UInt8]) {
        guard let text else { return bytes.append(0) }
        varint(UInt64(text.utf8.count) + 1, into: &bytes)
        bytes += text.utf8
    }

    static func encode(_ record: AggregateRecord, into bytes: inout [UInt8]) {
        string(record.sourceIP, into: &bytes)
        varint(UInt64(record.count), into: &bytes)
        for value in [record.disposition?.rawValue, record.dkim?.rawValue, record.spf?.rawValue] {
            string(value, into: &bytes)
        }
        varint(UInt64(record.reasons.count), into: &bytes)
        for reason in record.reasons {
            string(reason.type?.rawValue, into: &bytes)
            string(reason.comment, into: &bytes)
        }
        for value in [record.headerFrom, record.envelopeFrom, record.envelopeTo] { string(value, into: &bytes) }
        varint(UInt64(record.dkimResults.count), into: &bytes)
        for result in record.dkimResults {
            for value in [
                result.domain, result.selector, result.result?.rawValue, result.receivedResult, result.humanResult,
            ] {
                string(value, into: &bytes)
            }
        }
        varint(UInt64(record.spfResults.count), into: &bytes)
        for result in record.spfResults {
            for value in [
                result.domain, result.scope?.rawValue, result.result?.rawValue, result.receivedResult,
                result.humanResult,
            ] {
                string(value, into: &bytes)
            }
        }
    }

    static func readVarint(_ bytes: [UInt8], _ position: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    static func decode(_ bytes: [UInt8], _ position: inout Int, end: Int) throws(IngestError) -> AggregateRecord {
        func number() throws(IngestError) -> UInt64 {
            guard position < end, let value = readVarint(bytes, &position), position <= end else {
                throw IngestError(.read, "a temporary file of records is damaged")
            }
            return value
        }
        func text() throws(IngestError) -> String? {
            let length = try number()
            guard length > 0 else { return nil }
            let size = Int(length - 1)
            guard size <= end - position else { throw IngestError(.read, "a temporary file of records is damaged") }
            defer { position += size }
            return String(decoding: bytes[position..<(position + size)], as: UTF8.self)
        }
        let sourceIP = try text() ?? ""
        let count = Int64(try number())
        let disposition = try text().map(Disposition.init(rawValue:))
        let dkim = try text().map(AlignedVerdict.init(rawValue:))
        let spf = try text().map(AlignedVerdict.init(rawValue:))
        var reasons: [OverrideReason] = []
        for _ in 0..<(try number()) {
            reasons.append(
                OverrideReason(type: try text().map(OverrideReasonType.init(rawValue:)), comment: try text()))
        }
        let headerFrom = try text()
        let envelopeFrom = try text()
        let envelopeTo = try text()
        var dkimResults: [DKIMAuthResult] = []
        for _ in 0..<(try number()) {
            dkimResults.append(
                DKIMAuthResult(
                    domain: try text(), selector: try text(), result: try text().map(AuthResult.init(rawValue:)),
                    receivedResult: try text(),
                    humanResult: try text()))
        }
        var spfResults: [SPFAuthResult] = []
        for _ in 0..<(try number()) {
            spfResults.append(
                SPFAuthResult(
                    domain: try text(), scope: try text().map(SPFScope.init(rawValue:)),
                    result: try text().map(AuthResult.init(rawValue:)),
                    receivedResult: try text(), humanResult: try text()))
        }
        return AggregateRecord(
            sourceIP: sourceIP, count: count, disposition: disposition, dkim: dkim, spf: spf, reasons: reasons,
            headerFrom: headerFrom,
            envelopeFrom: envelopeFrom, envelopeTo: envelopeTo, dkimResults: dkimResults, spfResults: spfResults)
    }
}
