import Foundation
import Glibc
import Logging
import ReportIngest
import ReportModel
import ReportStore

/// Reads inputs, extracts and parses their reports, and stores them with the ingest log.
///
/// One bad input never stops the batch: its failure is logged with the reason, its bytes are
/// kept, and the next input goes on. Inputs whose bytes were seen before are not parsed again.
public struct IngestPipeline {
    /// Where inputs, their reports and the log go: any backend (``MailTallyStore``).
    public let store: any MailTallyStore
    /// What one input may cost to read (sizes, nesting, decompression); an input past them fails on its own.
    public var limits: IngestLimits
    /// Gets one debug line per logged outcome (shown with `MAILTALLY_DEBUG`).
    public var logger: Logger

    /// A pipeline into `store`, under the standard limits unless told otherwise.
    public init(store: any MailTallyStore, limits: IngestLimits = .standard, logger: Logger) {
        self.store = store
        self.limits = limits
        self.logger = logger
    }

    /// Ingests every file under `paths`.
    ///
    /// Inputs go through in batches: their bytes are read and hashed, inputs seen before are
    /// recognised with one query, the others are parsed on every core, and the batch goes to
    /// the writer, which stores the batches arriving within a second in one transaction.
    /// - Parameter progress: called after each batch with the files done and in all, and the
    ///   messages and bytes read so far (a large mbox is one file of many batches).
    /// - Throws: ``StoreError`` when the database fails; input problems are results, not errors.
    ///
    /// A file read whole before with no failure, whose size, modification time and inode are
    /// unchanged, is counted as a duplicate (and `unchanged`) without being read, unless
    /// `rehash` is set; every other file is read and hashed. A stamp is recorded in the
    /// transaction that stores the file's last input, so an interrupted run leaves nothing
    /// skipped that was not stored.
    ///
    /// IMAP `mailboxes` are read after the files, each to its end (docs/imap.md); one that
    /// cannot be read is said in the summary's ``IngestSummary/mailboxes`` and the others go on.
    public func run(
        paths: [String], mailboxes: [IMAPInbox] = [], command: String = "ingest", rehash: Bool = false,
        progress: ((IngestProgress) -> Void)? = nil
    ) throws(StoreError) -> IngestSummary {
        let (files, problems) = InputWalker.files(for: paths)
        let runID = try store.startRun(command: command)
        let batch = IngestBatch(pipeline: self, runID: runID)
        var filesDone = 0
        if let progress {
            batch.onFlush = { [unowned batch] in
                progress(
                    IngestProgress(
                        files: filesDone, totalFiles: files.count, messages: batch.messagesRead, bytes: batch.bytesRead)
                )
            }
        }
        for (path, reason) in problems {
            batch.summary.inputs += 1
            batch.add(
                .unreadable(
                    LoggedOutcome(input: path, part: "", status: .failed, kind: nil, code: "input", reason: reason)))
        }
        let known = rehash ? FileStampIndex() : try store.fileStamps()
        // Files whose inputs went to more than one batch (a large mbox): their stamps wait
        // for the end of the run, when every failure in them is known. The stamp of a file
        // read within one batch goes with that batch, into its transaction.
        var spanning: [FileStamp] = []
        for index in 0..<files.count {
            if Interruption.requested { break }
            let file = files[index]
            batch.summary.inputs += 1
            let stamp = file == "-" ? nil : Self.stamp(of: file)
            if let stamp, known.contains(stamp) {
                batch.summary.duplicates += 1
                batch.summary.unchanged += 1
                continue
            }
            let flushes = batch.flushes
            if try ingest(file: file, into: batch), let stamp {
                if batch.flushes == flushes { batch.add(stamp) } else { spanning.append(stamp) }
            }
            filesDone = index + 1
            if batch.isFull { try batch.flush() }
        }
        // Unchanged files skip the count above; a stopped run says how far it got.
        if !Interruption.requested { filesDone = files.count }
        batch.keepsCommittedRows = mailboxes.contains { $0.moves }
        var mailboxOutcomes: [MailboxOutcome] = []
        for inbox in mailboxes where !Interruption.requested {
            mailboxOutcomes.append(try IMAPIngest(inbox: inbox, store: store, limits: limits).run(into: batch))
        }
        try batch.flush(wait: true)
        // Only files with no failure anywhere in them are skipped next time.
        try store.saveFileStamps(spanning.filter { !batch.failedInputs.contains($0.path) })
        try store.finishRun(runID)
        var summary = batch.summary
        summary.mailboxes = mailboxOutcomes
        summary.interrupted = Interruption.signal
        return summary
    }

    /// What stat says about a regular file, or nil.
    static func stamp(of path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let nanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        return FileStamp(
            path: path, size: Int64(info.st_size), modifiedNanoseconds: nanoseconds,
            inode: Int64(bitPattern: UInt64(info.st_ino)))
    }

    /// What a run has read so far.
    public struct IngestProgress: Sendable {
        /// Files done so far.
        public var files: Int
        /// Files the walk found in all.
        public var totalFiles: Int
        /// Messages read so far, over every mailbox.
        public var messages: Int
        /// Bytes read so far.
        public var bytes: Int64

        /// `1/1 files, 12400 messages, 812 MiB read`.
        public var line: String {
            var text = "\(files)/\(totalFiles) files"
            if messages > 0 { text += ", \(messages) messages" }
            return text + ", \(bytes >> 20) MiB read"
        }
    }

    /// One input's bytes, waiting to be parsed.
    struct Unit: Sendable {
        enum Kind: Sendable {
            case report
            /// A message; `number` is its position in an mbox.
            case message(number: Int?)
        }
        var input: String
        var bytes: [UInt8]
        var kind: Kind
        /// SHA-256 of `bytes`, computed by the batch on every core.
        var digest: [UInt8] = []
        /// A large report file, mapped instead of read (``bytes`` is then empty).
        var mapped: MappedInput? = nil

        /// The input's size in bytes.
        var size: Int { mapped?.bytes.count ?? bytes.count }
    }

    /// Report files larger than this are mapped, hashed, parsed and stored a chunk at a time.
    static let largeInputBytes = 16 << 20

    /// Reads one input file (or `-`) into the batch: an mbox (starts with `From `) message by
    /// message, one message (starts with a header field), or a bare report file. Recognised by
    /// content, never by name.
    /// - Returns: whether the file was read to its end.
    @discardableResult
    func ingest(file: String, into batch: IngestBatch) throws(StoreError) -> Bool {
        func fail(_ part: String, _ code: String, _ reason: String) {
            // Stopped by a signal: the input is not a failure, it is read again next time.
            guard !Interruption.requested else { return }
            batch.add(
                .unreadable(
                    LoggedOutcome(input: file, part: part, status: .failed, kind: nil, code: code, reason: reason)))
        }
        let descriptor: Int32
        do {
            descriptor = try Self.open(file)
        } catch {
            fail("", "input", error.description)
            return false
        }
        defer { if file != "-" { close(descriptor) } }
        let reader = InputReader(descriptor: descriptor)
        let prefix: [UInt8]
        do {
            prefix = try Self.readPrefix(reader, count: 64 << 10)
        } catch {
            fail("", error.code.name, error.detail)
            return false
        }

        if prefix.starts(with: MboxReader.fromPrefix) {
            let mbox = MboxReader(
                reader: InputReader(descriptor: descriptor, prefix: prefix), maxMessageBytes: limits.maxMessageBytes)
            var read = 0
            while true {
                // Stopped half-way: the file was not read whole, so it gets no stamp.
                if Interruption.requested { return false }
                let next: MboxReader.Message?
                do {
                    next = try mbox.next()
                } catch {
                    // The rest of the file is unknown: the input failed, and no stamp says it was read.
                    fail(read == 0 ? "" : "after message \(read)", error.code.name, error.detail)
                    return false
                }
                guard let message = next else { break }
                read = message.number
                if let error = message.error {
                    let label = MessageProvenance(number: message.number).label + " at byte \(message.offset)"
                    fail(label, error.code.name, error.detail)
                } else {
                    batch.add(Unit(input: file, bytes: message.bytes, kind: .message(number: message.number)))
                }
                if batch.isFull { try batch.flush() }
            }
            return true
        }
        let isMessage = MailHeaders.looksLikeMessage(prefix[...])
        do {
            let reader = InputReader(descriptor: descriptor, prefix: prefix)
            if isMessage {
                // A message is held whole while it is taken apart: the message cap applies.
                let bytes = try reader.readAll(limit: limits.maxMessageBytes)
                batch.add(Unit(input: file, bytes: bytes, kind: .message(number: nil)))
            } else if let (mapped, digest) = try Self.mapIfLarge(
                descriptor: descriptor, reader: reader, limit: limits.maxInputBytes)
            {
                try batch.flush()  // a large input goes alone, in a batch of its own
                batch.add(Unit(input: file, bytes: [], kind: .report, digest: digest, mapped: mapped))
                try batch.flush()
            } else {
                let bytes = try reader.readAll(limit: limits.maxInputBytes)
                batch.add(Unit(input: file, bytes: bytes, kind: .report))
            }
        } catch let error as IngestError {
            fail("", error.code.name, error.detail)
            return false
        } catch let error as StoreError {
            throw error
        } catch {
            fail("", "input", "\(error)")
            return false
        }
        return true
    }

    /// A report file larger than ``largeInputBytes``, copied to an unlinked temporary file
    /// (hashed on the way) and mapped from there, with its SHA-256; `nil` for a smaller input,
    /// whose bytes are then read by `reader` as usual. Never the file itself: one truncated or
    /// rewritten while it is read would kill the process (SIGBUS) or store bytes that are not
    /// the ones parsed; a read error of the copy is an error of this input, with errno's text.
    static func mapIfLarge(descriptor: Int32, reader: InputReader, limit: Int) throws(IngestError) -> (
        MappedInput, [UInt8]
    )? {
        var info = stat()
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            let size = Int(info.st_size)
            guard size <= limit else { throw IngestError(.tooLarge, "input of \(size) bytes exceeds \(limit) bytes") }
            guard size > largeInputBytes else { return nil }
        }
        // Read up to the threshold; past it, the rest goes to the copy too.
        var head: [UInt8] = []
        while head.count <= largeInputBytes {
            let chunk = try reader.read(upTo: 1 << 20)
            if chunk.isEmpty {
                reader.unread(head)
                return nil
            }
            head += chunk
        }
        let spool = try SpoolFile()
        var hasher = InputHasher()
        hasher.update(head)
        try spool.write(head)
        var total = head.count
        head = []
        while true {
            let chunk = try reader.read(upTo: 1 << 20)
            if chunk.isEmpty { break }
            total += chunk.count
            guard total <= limit else { throw IngestError(.tooLarge, "input exceeds \(limit) bytes") }
            hasher.update(chunk)
            try spool.write(chunk)
        }
        return (try MappedInput(descriptor: spool.descriptor, size: total), hasher.finish())
    }

    /// The first `count` bytes (fewer at the end of the file), however the reads split them.
    static func readPrefix(_ reader: InputReader, count: Int) throws(IngestError) -> [UInt8] {
        var prefix: [UInt8] = []
        while prefix.count < count {
            let chunk = try reader.read(upTo: count - prefix.count)
            if chunk.isEmpty { break }
            prefix += chunk
        }
        return prefix
    }

    /// Parses one unit. Pure, so units parse in parallel.
    /// - Parameter spillArea: the batch's, for the records of large reports.
    static func parse(_ unit: Unit, limits: IngestLimits, spillArea: RecordSpillArea) -> PendingInput {
        if let mapped = unit.mapped {
            let outcomes = ReportExtractor(limits: limits, spillArea: spillArea).extract(
                mapped.bytes, release: mapped.release
            ).map(outcome)
            let plain = ContainerKind.sniff(mapped.bytes.prefix(4)) == .plain
            let chunks = StoredChunks(mapped: mapped, compressed: plain)
            return .parsed(
                StoredInput(
                    input: unit.input, sha256: unit.digest, size: unit.size, encoding: plain ? .zlib : .identity,
                    bytes: [],
                    chunks: chunks),
                outcomes)
        }
        let stored = ReportExtractor.storedForm(of: unit.bytes)
        switch unit.kind {
        case .report:
            let outcomes = ReportExtractor(limits: limits, spillArea: spillArea).extract(unit.bytes).map(outcome)
            return .parsed(
                StoredInput(
                    input: unit.input, sha256: unit.digest, size: unit.bytes.count, encoding: stored.encoding,
                    bytes: stored.bytes),
                outcomes)
        case .message(let number):
            let extracted = MailExtractor(limits: limits, spillArea: spillArea).extract(
                message: unit.bytes[...], number: number)
            return .parsed(
                StoredInput(
                    input: unit.input, sha256: unit.digest, size: unit.bytes.count, encoding: stored.encoding,
                    bytes: stored.bytes,
                    message: extracted.provenance),
                outcomes(of: extracted))
        }
    }

    /// How a unit seen before is named in the log: a message by its headers only.
    static func seenLabel(_ unit: Unit) -> String {
        guard case .message(let number) = unit.kind else { return "" }
        let messageID = (try? MailHeaders.parse(unit.bytes[...]))?.0.decoded("message-id")
        return MessageProvenance(number: number, messageID: messageID).label
    }

    /// Parses every stored raw input again (after an upgrade of the parsers), replacing the
    /// reports each one gave; inputs that failed before may now be imported.
    ///
    /// Like ``run(paths:command:rehash:progress:)``: inputs are read from the store in batches,
    /// parsed on every core, and handed to the writer, which replaces each input's reports and
    /// stores the new ones, several batches to a transaction. Each input is replaced whole or
    /// not at all, so a failure leaves its old reports in place.
    public func reparse(progress: ((Int, Int) -> Void)? = nil) throws(StoreError) -> IngestSummary {
        try store.prepareForReparse()
        defer { try? store.finishReparse() }
        let limits = limits
        let store = store
        return try writeStoredBatches(into: store, command: "reparse", replacing: true, progress: progress) {
            stored in Self.parseAgain(stored, limits: limits, store: store)
        }
    }

    /// Reads this store's raw inputs a batch at a time, in store order, until all are read or
    /// a signal asks to stop, and stores what `batch` makes of each batch into `destination`
    /// through one batch writer, in a run named `command`.
    /// - Returns: the run's outcomes, counted as ingest counts them.
    func writeStoredBatches(
        into destination: any MailTallyStore, command: String, replacing: Bool, progress: ((Int, Int) -> Void)?,
        _ batch: ([StoredRawInput]) throws(StoreError) -> [PendingInput]
    ) throws(StoreError) -> IngestSummary {
        var summary = IngestSummary()
        let total = try store.rawInputCount()
        let runID = try destination.startRun(command: command)
        let writer = BatchWriter(store: destination, runID: runID, replacing: replacing)
        defer { writer.close() }
        var last: Int64 = 0
        var done = 0
        while !Interruption.requested {
            let stored = try store.rawInputs(after: last, limit: IngestBatch.maxUnits, maxBytes: IngestBatch.maxBytes)
            guard let final = stored.last else { break }
            last = final.id
            try writer.submit(StoreBatch(inputs: try batch(stored)))
            for outcome in writer.takeCommitted() { summary.count(outcome) }
            done += stored.count
            summary.inputs = done
            progress?(done, total)
        }
        for outcome in try writer.finish() { summary.count(outcome) }
        try destination.finishRun(runID)
        summary.interrupted = Interruption.signal
        return summary
    }

    /// Stored inputs parsed again on every core, in order; `adjust` may change what each gives
    /// before it is stored (`copy` adds the arrival time and the source of a large input's chunks).
    static func parseAgain(
        _ stored: [StoredRawInput], limits: IngestLimits, store: any MailTallyStore,
        adjust: @escaping @Sendable (StoredRawInput, inout PendingInput) -> Void = { _, _ in }
    ) -> [PendingInput] {
        var results = [PendingInput?](repeating: nil, count: stored.count)
        let spillArea = RecordSpillArea()
        results.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes its own slot only.
            nonisolated(unsafe) let slots = buffer
            ParsingPriority.concurrentPerform(iterations: stored.count) { index in
                var pending = Self.parseAgain(stored[index], limits: limits, store: store, spillArea: spillArea)
                adjust(stored[index], &pending)
                slots[index] = pending
            }
        }
        return results.compactMap { $0 }
    }

    /// One stored input parsed again, as it was first read: a message (with its number in an
    /// mbox) or a bare report.
    static func parseAgain(
        _ raw: StoredRawInput, limits: IngestLimits, store: any MailTallyStore, spillArea: RecordSpillArea
    )
        -> PendingInput
    {
        if raw.chunks > 0 {
            // A large input: its chunks go back into a file, mapped and parsed as at first.
            do {
                let spool = try SpoolFile()
                var size = 0
                var failure: IngestError?
                try store.rawInputChunks(of: raw.id) { chunk in
                    guard failure == nil else { return }
                    do throws(IngestError) {
                        let original = try ReportExtractor.original(fromStored: chunk, encoding: raw.encoding)
                        size += original.count
                        try spool.write(original)
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
                let mapped = try MappedInput(descriptor: spool.descriptor, size: size)
                let outcomes = ReportExtractor(limits: limits, spillArea: spillArea).extract(
                    mapped.bytes, release: mapped.release
                ).map(outcome)
                return .parsed(
                    StoredInput(input: raw.input, sha256: raw.sha256, size: size, encoding: raw.encoding, bytes: []),
                    outcomes)
            } catch let error as IngestError {
                return .unreadable(
                    LoggedOutcome(
                        input: raw.input, part: "", status: .failed, kind: nil, code: error.code.name,
                        reason: "stored bytes: \(error.detail)"))
            } catch {
                return .unreadable(
                    LoggedOutcome(
                        input: raw.input, part: "", status: .failed, kind: nil, code: "store", reason: "\(error)"))
            }
        }
        let bytes: [UInt8]
        do {
            bytes = try ReportExtractor.original(fromStored: raw.bytes, encoding: raw.encoding)
        } catch {
            return .unreadable(
                LoggedOutcome(
                    input: raw.input, part: "", status: .failed, kind: nil, code: error.code.name,
                    reason: "stored bytes: \(error.detail)"))
        }
        let input = StoredInput(
            input: raw.input, sha256: raw.sha256, size: bytes.count, encoding: raw.encoding, bytes: raw.bytes)
        if MailHeaders.looksLikeMessage(bytes[...]) {
            let extracted = MailExtractor(limits: limits, spillArea: spillArea).extract(
                message: bytes[...], number: raw.messageNumber)
            var message = input
            message.message = extracted.provenance
            return .parsed(message, outcomes(of: extracted))
        }
        return .parsed(input, ReportExtractor(limits: limits, spillArea: spillArea).extract(bytes).map(outcome))
    }

    /// The store outcomes of one message's documents, each part named after the message.
    static func outcomes(of extracted: ExtractedMessage) -> [PartOutcome] {
        let label = extracted.provenance.label
        if let error = extracted.error { return [.failed(part: label, code: error.code.name, reason: error.detail)] }
        if let skipped = extracted.skipped {
            return [.skipped(part: label, kind: skipped.kind, reason: skipped.reason)]
        }
        return extracted.documents.map { document in
            switch outcome(document) {
            case .dmarc(let report, let part): .dmarc(report, part: "\(label) \(part)")
            case .tls(let report, let part): .tls(report, part: "\(label) \(part)")
            case .failed(let part, let code, let reason): .failed(part: "\(label) \(part)", code: code, reason: reason)
            case .skipped(let part, let kind, let reason):
                .skipped(part: "\(label) \(part)", kind: kind, reason: reason)
            }
        }
    }

    static func outcome(_ document: ExtractedDocument) -> PartOutcome {
        switch document {
        case .dmarc(let report, let part): .dmarc(report, part: part)
        case .tls(let report, let part): .tls(report, part: part)
        case .failed(let part, let error): .failed(part: part, code: error.code.name, reason: error.detail)
        case .skipped(let part, let kind, let reason): .skipped(part: part, kind: kind, reason: reason)
        }
    }

    /// A descriptor open for reading: standard input for `-`, else the regular file at `path`.
    static func open(_ path: String) throws(InputError) -> Int32 {
        if path == "-" { return STDIN_FILENO }
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw InputError("cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else {
            close(descriptor)
            throw InputError("cannot open: is a folder")
        }
        return descriptor
    }
}

/// A large input's original bytes for the store, a chunk at a time from its mapping, each
/// chunk compressed when the input is not already.
struct StoredChunks: RawInputChunks, @unchecked Sendable {
    let mapped: MappedInput
    let compressed: Bool

    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try mapped.forEachChunk { chunk in
            guard compressed else { return try body(chunk) }
            // The input is recorded as zlib: a chunk stored as it came could not be read back.
            guard let packed = ReportExtractor.deflated(chunk) else { throw ChunkCompressionFailed() }
            try packed.withUnsafeBytes(body)
        }
    }
}

/// zlib could not compress a chunk of a large input (out of memory): the input fails and is
/// read again on the next run, rather than being stored in a form that cannot be read back.
struct ChunkCompressionFailed: Error, CustomStringConvertible {
    var description: String { "zlib could not compress a chunk of the input" }
}

/// A temporary file, unlinked at once: it goes with its descriptor.
final class SpoolFile {
    let descriptor: Int32
    private var written: off_t = 0

    init() throws(IngestError) {
        let folder = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(folder)/mailtally-input-XXXXXX".utf8CString)
        descriptor = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard descriptor >= 0 else {
            throw IngestError(.read, "cannot make a temporary file in \(folder): \(String(cString: strerror(errno)))")
        }
        template.withUnsafeBufferPointer { buffer in _ = buffer.baseAddress.map { unlink($0) } }
    }

    deinit { close(descriptor) }

    func write(_ bytes: [UInt8]) throws(IngestError) {
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { pwrite(descriptor, $0 + offset, buffer.count - offset, written) } ?? 0
            }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else {
                throw IngestError(.read, "cannot write a temporary file: \(String(cString: strerror(errno)))")
            }
            offset += wrote
            written += off_t(wrote)
        }
    }
}

struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
