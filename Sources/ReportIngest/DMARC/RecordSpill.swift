import Glibc
import ReportModel

/// The records of a report too large to hold in memory, written by the parser to a temporary
/// file (unlinked at once, so it goes with the process) and read back in order by the store.
/// A report of ten million records takes a few hundred bytes of memory per thousand records
/// in flight instead of gigabytes.
///
/// Each record is one length-prefixed entry: variable-length integers and strings (an
/// optional string is its length plus one, 0 for none), in the order of ``AggregateRecord``'s
/// fields. The file is ours; it is read only by this process.
final class RecordSpill: RecordStream, @unchecked Sendable {
    private let descriptor: Int32
    private var pending: [UInt8] = []
    private(set) var count = 0
    private(set) var messages: Int64 = 0
    private var written: Int64 = 0

    private static let flushBytes = 1 << 20

    init() throws(IngestError) {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(folder)/mailtally-records-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard descriptor >= 0 else {
            throw IngestError(.tooLarge, "the report is too large to hold in memory and no temporary file can be made: \(String(cString: strerror(errno)))")
        }
        template.withUnsafeBufferPointer { buffer in _ = buffer.baseAddress.map { unlink($0) } }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Appends records; they must be written before ``forEach(_:)`` is called.
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

    /// Writes what is buffered.
    func flush() throws(IngestError) {
        var offset = 0
        while offset < pending.count {
            let wrote = pending.withUnsafeBytes { buffer in
                buffer.baseAddress.map { pwrite(descriptor, $0 + offset, buffer.count - offset, off_t(written)) } ?? 0
            }
            guard wrote > 0 else {
                if wrote < 0 && errno == EINTR { continue }
                throw IngestError(.tooLarge, "the report is too large to hold in memory and its temporary file cannot be written: \(String(cString: strerror(errno)))")
            }
            offset += wrote
            written += Int64(wrote)
        }
        pending.removeAll(keepingCapacity: true)
    }

    func forEach(_ body: (AggregateRecord) throws -> Void) throws {
        try flush()
        var buffer: [UInt8] = []
        var position = 0  // in `buffer`
        var fileOffset: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: Self.flushBytes)
        /// Makes `needed` bytes available from `position`; false at the end of the file.
        func fill(_ needed: Int) throws -> Bool {
            while buffer.count - position < needed {
                if position > 0 {
                    buffer.removeFirst(position)
                    position = 0
                }
                let got = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(fileOffset)) }
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { return false }
                fileOffset += Int64(got)
                buffer += chunk[0..<got]
            }
            return true
        }
        for _ in 0..<count {
            // The length prefix is at most 10 bytes; the file may end sooner after a short entry.
            _ = try fill(10)
            guard let length = Self.readVarint(buffer, &position), try fill(Int(length)) else {
                throw IngestError(.read, "a temporary file of records was cut short")
            }
            let end = position + Int(length)
            var cursor = position
            let record = try Self.decode(buffer, &cursor, end: end)
            position = end
            try body(record)
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
        for value in [record.disposition?.rawValue, record.dkim?.rawValue, record.spf?.rawValue] { string(value, into: &bytes) }
        varint(UInt64(record.reasons.count), into: &bytes)
        for reason in record.reasons {
            string(reason.type?.rawValue, into: &bytes)
            string(reason.comment, into: &bytes)
        }
        for value in [record.headerFrom, record.envelopeFrom, record.envelopeTo] { string(value, into: &bytes) }
        varint(UInt64(record.dkimResults.count), into: &bytes)
        for result in record.dkimResults {
            for value in [result.domain, result.selector, result.result?.rawValue, result.receivedResult, result.humanResult] {
                string(value, into: &bytes)
            }
        }
        varint(UInt64(record.spfResults.count), into: &bytes)
        for result in record.spfResults {
            for value in [result.domain, result.scope?.rawValue, result.result?.rawValue, result.receivedResult, result.humanResult] {
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
            reasons.append(OverrideReason(type: try text().map(OverrideReasonType.init(rawValue:)), comment: try text()))
        }
        let headerFrom = try text(), envelopeFrom = try text(), envelopeTo = try text()
        var dkimResults: [DKIMAuthResult] = []
        for _ in 0..<(try number()) {
            dkimResults.append(DKIMAuthResult(
                domain: try text(), selector: try text(), result: try text().map(AuthResult.init(rawValue:)), receivedResult: try text(),
                humanResult: try text()))
        }
        var spfResults: [SPFAuthResult] = []
        for _ in 0..<(try number()) {
            spfResults.append(SPFAuthResult(
                domain: try text(), scope: try text().map(SPFScope.init(rawValue:)), result: try text().map(AuthResult.init(rawValue:)),
                receivedResult: try text(), humanResult: try text()))
        }
        return AggregateRecord(
            sourceIP: sourceIP, count: count, disposition: disposition, dkim: dkim, spf: spf, reasons: reasons, headerFrom: headerFrom,
            envelopeFrom: envelopeFrom, envelopeTo: envelopeTo, dkimResults: dkimResults, spfResults: spfResults)
    }
}
