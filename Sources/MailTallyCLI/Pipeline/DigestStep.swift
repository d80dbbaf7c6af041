import Foundation
import Glibc
import MailNetwork
import ReportAnalysis
import ReportIngest
import ReportModel
import ReportRendering
import ReportStore

/// When a nightly digest goes out (`--mail-when`).
enum MailWhen: String, CaseIterable, Sendable {
    /// Only when a finding is new since the last digest sent (the default).
    case new
    /// Whenever there is any finding.
    case findings
    /// Every night.
    case always
}

/// How digests travel: the local sendmail, or a submission server (docs/digest.md).
enum MailTransport: Sendable {
    /// `/usr/sbin/sendmail -t -oi`, the Unix way, as cron mails.
    case sendmail(path: String)
    /// A submission server, with how to log in.
    case smtp(SMTPServerAddress, credentials: IMAPCredentialSource?, trust: MailTLSTrust)

    /// Hands the message over. - Throws: one sentence saying why it was not taken.
    func deliver(_ message: MailMessage, from sender: String) throws(MailNetworkError) {
        switch self {
        case .sendmail(let path):
            try Self.runSendmail(path, message: message.rendered())
        case .smtp(let server, let source, let trust):
            let credentials: SMTPCredentials?
            switch try source?.resolve() {
            case .password(let password): credentials = .password(password)
            case .bearerToken(let token): credentials = .bearerToken(token)
            case nil: credentials = nil
            }
            let client = try SMTPClient(
                server: server, credentials: credentials, trust: trust, heloName: Self.hostName)
            defer { client.quit() }
            try client.send(
                from: Self.address(of: sender), to: message.to.map(Self.address), message: message.rendered())
        }
    }

    /// The bare address of `Name <address>`.
    static func address(of entry: String) -> String {
        guard let open = entry.lastIndex(of: "<"), let close = entry.lastIndex(of: ">"), open < close else {
            return entry.trimmingCharacters(in: .whitespaces)
        }
        return String(entry[entry.index(after: open)..<close])
    }

    /// This host's name, for EHLO and Message-IDs.
    static var hostName: String {
        let name = ProcessInfo.processInfo.hostName
        return name.isEmpty || name.contains(" ") ? "localhost" : name
    }

    /// Pipes the message to sendmail, which takes the recipients from its headers (`-t`) and
    /// does not end it at a line holding a dot (`-oi`).
    static func runSendmail(_ path: String, message: [UInt8]) throws(MailNetworkError) {
        try CommandRunner.run(
            executable: path, arguments: ["-t", "-oi"], input: message, what: "\(path) -t -oi")
    }
}

/// Runs a program with bytes on its standard input, for the local sendmail and the alert
/// command: its exit status and the first line it wrote on standard error make the error.
enum CommandRunner {
    /// `command` through `/bin/sh -c`.
    static func run(_ command: String, input: [UInt8], what: String) throws(MailNetworkError) {
        try run(executable: "/bin/sh", arguments: ["-c", command], input: input, what: what)
    }

    /// Runs the program, feeding `bytes`, for at most `timeout` seconds: a program that hangs is
    /// ended and said to have hung.
    static func run(
        executable path: String, arguments: [String], input bytes: [UInt8], what: String, timeout: TimeInterval = 300
    ) throws(MailNetworkError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw MailNetworkError(.local, "\(what) could not start: \(error)")
        }
        // A program that exits without reading all of its input must not end this one with
        // SIGPIPE: the write fails instead, and the exit status says why.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let said = BoundedOutput()
        DispatchQueue.global().async {
            try? input.fileHandleForWriting.write(contentsOf: Data(bytes))
            try? input.fileHandleForWriting.close()
        }
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            said.drain(errors.fileHandleForReading)
            drained.signal()
        }
        guard exited.wait(timeout: .now() + timeout) == .success else {
            process.terminate()
            throw MailNetworkError(.timeout, "\(what) did not finish within \(Int(timeout)) seconds")
        }
        // What it wrote before it exited (a child it left behind may hold the pipe: not waited for).
        _ = drained.wait(timeout: .now() + 1)
        guard process.terminationStatus == 0 else {
            let first = String(decoding: said.value, as: UTF8.self).split(separator: "\n").first.map { ": \($0)" } ?? ""
            throw MailNetworkError(.refused, "\(what) failed with status \(process.terminationStatus)\(first)")
        }
    }
}

/// The first 4 KiB a program writes, read to its end so the program never blocks on a full pipe.
final class BoundedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var kept = Data()

    func drain(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return }
            lock.lock()
            if kept.count < 4096 { kept.append(chunk.prefix(4096 - kept.count)) }
            lock.unlock()
        }
    }

    var value: Data {
        lock.lock()
        defer { lock.unlock() }
        return kept
    }
}

/// The digest part of `nightly` (docs/digest.md): one message per recipient set, new against the
/// last one sent, recorded in the store's ledger so that a rerun of the same night sends nothing;
/// and the alert command's input. Both read one set of domain reports, gathered once.
final class DigestStep {
    let store: any MailTallyStore
    let resolver: SourceResolver
    /// The recipient sets: each gets one digest of every domain.
    let recipientSets: [[String]]
    let sender: String
    let when: MailWhen
    /// The weekly roll-up goes out on runs whose last day is this weekday (1 Sunday … 7 Saturday).
    let weeklyDay: Int?
    /// How digests travel; nil when only the alert command runs.
    let transport: MailTransport?
    /// Where the packs are, for the links.
    let packFolder: URL
    let lastDay: Int64
    let newSourceDays: Int
    /// The largest zip of the pack attached; a larger one is left out and said.
    let attachmentLimit: Int
    /// The domains' reports over ``period``, once gathered.
    private var gathered: [DomainReport]?

    init(
        store: any MailTallyStore, resolver: SourceResolver, recipientSets: [[String]], sender: String,
        when: MailWhen, weeklyDay: Int?, transport: MailTransport?, packFolder: URL, lastDay: Int64,
        newSourceDays: Int, attachmentLimit: Int = 10 << 20
    ) {
        self.store = store
        self.resolver = resolver
        self.recipientSets = recipientSets
        self.sender = sender
        self.when = when
        self.weeklyDay = weeklyDay
        self.transport = transport
        self.packFolder = packFolder
        self.lastDay = lastDay
        self.newSourceDays = newSourceDays
        self.attachmentLimit = attachmentLimit
    }

    /// Every domain's report over ``period``, with its findings: gathered on first use.
    func reports() throws(StoreError) -> [DomainReport] {
        if let gathered { return gathered }
        let assembler = try ReportAssembler(store: store, resolver: resolver)
        var reports: [DomainReport] = []
        for domain in try store.domains() {
            reports.append(
                try assembler.report(
                    domain: domain, period: period,
                    options: ReportAssembler.Options(compare: true, newSourceDays: newSourceDays, findingsOnly: true)))
        }
        gathered = reports
        return reports
    }

    /// What happened to one recipient set.
    struct Outcome {
        var recipients: String
        /// Sent now; else why not (`nil` error: nothing to say, or sent before).
        var sent = false
        var skipped: String?
        var error: String?
    }

    /// The digest's period: the 7 days to the last day, against the 7 before.
    var period: DayPeriod { DayPeriod(firstDay: lastDay - 6, lastDay: lastDay) }

    func run() throws(StoreError) -> [Outcome] {
        guard let transport else { return [] }
        var outcomes: [Outcome] = []
        for recipients in recipientSets {
            let key = recipients.map { MailTransport.address(of: $0).lowercased() }.sorted().joined(separator: ",")
            var outcome = Outcome(recipients: key)
            let weekly = weeklyDay.map { Self.weekday(of: lastDay) == $0 } ?? false
            let kind: DigestKind = weekly ? .weekly : .daily
            let records = try store.digestRecords(recipients: key, through: lastDay, limit: 20)
            if records.contains(where: { $0.periodEnd == lastDay && $0.kind == kind && $0.sent }) {
                outcome.skipped = "sent before for \(DayPeriod.isoDate(ofDay: lastDay))"
                outcomes.append(outcome)
                continue
            }
            let lastSent = records.first { $0.sent && $0.periodEnd <= lastDay }
            let said = Set(lastSent?.findings ?? [])
            var parts: [Digest.Part] = []
            var keys: [String] = []
            for report in try reports() {
                let findings = report.findings.sorted { ($0.severity, $0.code) < ($1.severity, $1.code) }
                let new = findings.filter { !said.contains(Self.key($0)) }
                let open = findings.filter { said.contains(Self.key($0)) }
                keys += findings.map(Self.key)
                let stem = StakeholderPack.fileStem(for: report.domain)
                let day = packFolder.appendingPathComponent(DayPeriod.isoDate(ofDay: lastDay))
                var reporters: [String: Int64] = [:]
                for row in try store.dmarcReportsByReporter(domains: [report.domain], period: period) {
                    reporters[row.orgName, default: 0] += row.reports
                }
                parts.append(
                    Digest.Part(
                        report: report, new: new, stillOpen: open,
                        links: [day.appendingPathComponent("7d/\(stem).html").path],
                        reporters: reporters.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map {
                            (name: $0.key, reports: $0.value)
                        }))
            }
            let (attachment, note) = packAttachment()
            let digest = Digest(lastDay: lastDay, weekly: weekly, parts: parts, attachmentNote: note)
            let anyNew = parts.contains { !$0.new.isEmpty }
            let anyFinding = parts.contains { !$0.new.isEmpty || !$0.stillOpen.isEmpty }
            let send =
                weekly
                || (when == .always) || (when == .findings && anyFinding) || (when == .new && anyNew)
            guard send else {
                outcome.skipped = "nothing new"
                outcomes.append(outcome)
                continue
            }
            let message = MailMessage(
                from: sender, to: recipients, subject: digest.subject, host: MailTransport.hostName,
                text: digest.text(), html: digest.html(), attachments: attachment.map { [$0] } ?? [])
            let now = Int64(Date().timeIntervalSince1970)
            do throws(MailNetworkError) {
                try transport.deliver(message, from: sender)
            } catch {
                outcome.error = error.message
                try store.recordDigest(
                    DigestRecord(
                        recipients: key, periodEnd: lastDay, kind: kind, sent: false, at: now, findings: [],
                        messageID: nil, error: error.message))
                outcomes.append(outcome)
                continue
            }
            try store.recordDigest(
                DigestRecord(
                    recipients: key, periodEnd: lastDay, kind: kind, sent: true, at: now, findings: keys,
                    messageID: message.messageID, error: nil))
            outcome.sent = true
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// The 7-day pack's HTML pages and CSV files as one zip, and a line saying what is attached
    /// or why it is not.
    func packAttachment() -> (MailMessage.Attachment?, String?) {
        let folder = packFolder.appendingPathComponent("\(DayPeriod.isoDate(ofDay: lastDay))/7d")
        let names =
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".html") || $0.hasSuffix(".csv") }.sorted()
        guard !names.isEmpty, attachmentLimit > 0 else { return (nil, nil) }
        var entries: [ZipWriter.Entry] = []
        var read = 0
        for name in names {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                continue
            }
            read += data.count
            // Past eight times the cap, no compression brings it under: stop reading.
            guard read / 8 <= attachmentLimit else {
                return (nil, "The pack is too large to attach; it is at \(folder.path).")
            }
            entries.append(ZipWriter.Entry(name: name, bytes: [UInt8](data)))
        }
        guard let zip = ZipWriter.archive(entries) else {
            return (nil, "The pack could not be zipped; it is at \(folder.path).")
        }
        guard zip.count <= attachmentLimit else {
            return (
                nil,
                "The pack (\(zip.count >> 10) KiB zipped) is over the \(attachmentLimit >> 10) KiB attachment cap; "
                    + "it is at \(folder.path)."
            )
        }
        let filename = "mailtally-\(DayPeriod.isoDate(ofDay: lastDay))-7d.zip"
        return (
            MailMessage.Attachment(filename: filename, contentType: "application/zip", bytes: zip),
            "Attached: \(filename), the 7-day pack's pages and tables (\(names.count) files)."
        )
    }

    /// Runs `command` (`/bin/sh -c`) with the critical findings not alerted before as JSON on
    /// standard input, once per night: `[{"domain", "code", "severity", "subject", "text",
    /// "action"}]`. - Returns: why it failed, or nil.
    func alert(command: String) throws(StoreError) -> String? {
        let key = "alert-command"
        let records = try store.digestRecords(recipients: key, through: lastDay, limit: 20)
        if records.contains(where: { $0.periodEnd == lastDay && $0.kind == .alert && $0.sent }) { return nil }
        let said = Set(records.first { $0.sent && $0.kind == .alert }?.findings ?? [])
        let critical = try reports().flatMap { report in
            report.findings.filter { $0.severity == .critical }.map { (report.domain, $0) }
        }
        let keys = critical.map { Self.key($0.1) }
        let fresh = critical.filter { !said.contains(Self.key($0.1)) }
        let now = Int64(Date().timeIntervalSince1970)
        guard !fresh.isEmpty else { return nil }
        struct Alert: Encodable {
            var domain, code, severity, subject, text: String
            var action: String?
        }
        let alerts = fresh.map { domain, finding in
            Alert(
                domain: domain, code: finding.code.rawValue, severity: finding.severity.rawValue,
                subject: finding.subject, text: finding.text, action: finding.action)
        }
        let input = Array(JSONOutput.encode(alerts).utf8)
        do throws(MailNetworkError) {
            try CommandRunner.run(command, input: input, what: "the alert command")
        } catch {
            try store.recordDigest(
                DigestRecord(
                    recipients: key, periodEnd: lastDay, kind: .alert, sent: false, at: now, findings: [],
                    messageID: nil, error: error.message))
            return error.message
        }
        try store.recordDigest(
            DigestRecord(
                recipients: key, periodEnd: lastDay, kind: .alert, sent: true, at: now, findings: keys, messageID: nil,
                error: nil))
        return nil
    }

    /// `code subject`: what makes a finding the same finding from one digest to the next.
    static func key(_ finding: Finding) -> String { "\(finding.code.rawValue) \(finding.subject)" }

    /// 1 Sunday … 7 Saturday, of a UTC day (day 0, 1970-01-01, was a Thursday).
    static func weekday(of day: Int64) -> Int {
        Int(((day + 4) % 7 + 7) % 7) + 1
    }
}
