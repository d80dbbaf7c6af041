import ArgumentParser
import Foundation
import MailNetwork
import ReportAnalysis
import ReportModel
import ReportRendering
import ReportStore
import ReverseDNS

extension MailTally {
    struct Nightly: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The cron job: ingest what is new, then write the packs for the day, 7 and 30 days.",
            discussion: """
                Ingests every inbox (inputs and messages seen before are recognised by their hash and \
                skipped cheaply), looks up the names of new sender addresses (as `enrich` does; not \
                with --offline), then writes the stakeholder pack (Markdown, CSV and HTML) for the previous UTC day (or --date) \
                and for the 7 and 30 days ending with it, under OUT/DATE/day, OUT/DATE/7d and OUT/DATE/30d. \
                A pack already written from the same reports, names, options, source map, Public Suffix \
                List and mailtally build is kept as it is (its .mailtally-pack file says what it was \
                written from); --rewrite writes it anyway. \
                A run lock (a file beside an SQLite database, an advisory lock on a PostgreSQL server, \
                whichever host runs) makes overlapping runs take turns: the second waits up to \
                --wait seconds, then exits with status 4.
                Reports arrive one to three days after the day they cover: each run also brings up to \
                date the packs of the --revisit days before (default 3); only files whose content \
                changed are written again, and each page says how many of the usual reporters have \
                reported for its last day.
                Quiet on success unless --verbose; errors go to standard error. A failure logged \
                before for the same bytes is known: said in one line, and not a reason for status 1.
                Exit status: 0 success; 1 some input failed that had not failed before (the packs are still written); 2 usage; \
                3 database error, or an IMAP mailbox could not be read to its end (the packs are still written); \
                6 the digest could not be sent (the packs are written; the next run tries again); 4 another run holds the lock; 5 the packs could not be written; \
                130 or 143 SIGINT or SIGTERM stopped the ingest (what was read is stored, no pack written).

                Examples:
                  mailtally nightly --inbox /var/mail/dmarc --out /srv/reports
                  mailtally nightly --inbox imaps://dmarc@imap.example.com/INBOX --password-file /etc/mailtally/imap-pass \\
                      --move-to Processed --failed-to Failed --out /srv/reports
                  mailtally nightly --inbox ~/Maildir/.DMARC --inbox /srv/tlsrpt --out /srv/reports --date 2026-12-01 --offline
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var caps: LimitOptions
        @OptionGroup var resolver: ResolverOptions
        @OptionGroup var dns: DNSOptions
        @OptionGroup var transport: TransportOptions

        @Flag(help: "Do not check the domains' transport live (no `check` step; --offline skips it too).")
        var noCheck = false

        @Option(
            help:
                "A PEM file of further certificate authorities to trust in the live check (a test set-up; not --ca-file, which is for IMAP)."
        )
        var checkCAFile: String?

        @Option(help: "Check at most this many domains live, those with the most reports in the last 30 days first.")
        var checkMaxDomains: Int = 100

        @Flag(
            help:
                "Do not ask DNS for the names of new sender addresses (no `enrich` step; also $MAILTALLY_OFFLINE=1 unless --resolver is given)."
        )
        var offline = false

        /// `--offline`, or `MAILTALLY_OFFLINE=1` without a resolver named on the command line.
        var skipsDNS: Bool {
            offline || (dns.effectiveResolver == nil && ProcessInfo.processInfo.environment["MAILTALLY_OFFLINE"] == "1")
        }

        @Option(
            name: .customLong("inbox"),
            help: "An mbox, Maildir or folder, or an IMAP mailbox (imaps://USER@HOST/MAILBOX), to ingest (repeatable).")
        var inboxes: [String] = []

        @OptionGroup var imap: IMAPOptions
        @OptionGroup var mail: MailOptions

        @Option(
            name: .customLong("out"), help: "The folder the packs go under (default: the configuration file's out).")
        var outOption: String?

        /// `--out`, else the configuration file's.
        var out: String { outOption ?? Configuration.bestEffort.out ?? "" }

        @Option(help: "The last day of the packs (YYYY-MM-DD; default: yesterday, UTC).")
        var date: String?

        @Option(help: "Seconds to wait for another run's lock.")
        var wait: Int = 600

        @Flag(help: "Read and hash every inbox file, even those unchanged since an earlier run.")
        var rehash = false

        @Flag(help: "Write the packs even when those in OUT are up to date.")
        var rewrite = false

        @Flag(help: "Say what was ingested and written.")
        var verbose = false

        @Option(
            help:
                "Also bring up to date the packs of this many days before the last one (reports arrive 1 to 3 days late)."
        )
        var revisit: Int = 3

        @Option(
            help: "A source is new when it sent no mail in this many days before the pack's period (0: never say so).")
        var newSourceDays: Int = 30

        func validate() throws {
            if let date, DayPeriod.day(fromISODate: date) == nil {
                throw ValidationError("--date takes YYYY-MM-DD, not '\(date)'")
            }
            guard wait >= 0 else { throw ValidationError("--wait must not be negative") }
            guard (0...60).contains(revisit) else {
                throw ValidationError("--revisit takes 0 to 60 days, not \(revisit)")
            }
            guard (1...10_000).contains(checkMaxDomains) else {
                throw ValidationError("--check-max-domains takes 1 to 10000, not \(checkMaxDomains)")
            }
            guard (0...3650).contains(newSourceDays) else {
                throw ValidationError("--new-source-days takes 0 to 3650, not \(newSourceDays)")
            }
            let configuration = try Configuration.current()
            guard outOption != nil || configuration.out != nil else {
                throw ValidationError("say where the packs go: --out, or out in the configuration file")
            }
            // A missing inbox is a mistake in the cron line, not an input that failed.
            let named = inboxes.isEmpty ? configuration.inboxes : inboxes
            for inbox in named
            where inbox != "-" && !IMAPAccount.isURL(inbox)
                && !FileManager.default.fileExists(atPath: inbox)
            {
                throw ValidationError(
                    "\(inboxes.isEmpty ? "inbox of \(configuration.origin)" : "--inbox") \(inbox): no such file or folder"
                )
            }
        }

        /// The inboxes: `--inbox`, else the configuration file's paths and IMAP accounts.
        func allInboxes() throws -> (paths: [String], mailboxes: [IMAPInbox]) {
            guard inboxes.isEmpty else { return try imap.split(inboxes) }
            let configuration = try Configuration.current()
            let mailboxes = try configuration.mailboxes.map { try imap.inbox($0.url) }
            return (configuration.inboxes, mailboxes)
        }

        func run() throws {
            let (paths, mailboxes) = try allInboxes()
            let configuration = try Configuration.current()
            let recipientSets = try mail.recipientSets(configuration)
            let sender = try mail.sender(configuration)
            // A digest that cannot be sent is said before anything runs, not after the night's work.
            let transport =
                recipientSets.isEmpty
                ? nil : try mail.transport(configuration, caFile: imap.caFile ?? configuration.caFile)
            let resolver = try self.resolver.makeResolver()
            let database = try store.open()
            let lock: any StoreRunLock
            do { lock = try database.lockRuns(waiting: TimeInterval(wait)) } catch { throw CommandFailure(error) }
            defer { withExtendedLifetime(lock) {} }
            Interruption.install()
            let summary: IngestSummary
            do {
                summary = try IngestPipeline(store: database, limits: caps.limits, logger: MailTally.logger)
                    .run(paths: paths, mailboxes: mailboxes, command: "nightly", rehash: rehash)
            } catch {
                throw CommandFailure(.database, "\(error)")
            }
            summary.reportErrors()
            if verbose { Terminal.error(summary.line) }
            database.checkpoint()
            summary.exitIfInterrupted("nightly (before writing the packs)")
            if !skipsDNS {
                // Names make the pack better but never stop it: a DNS failure is a warning.
                do {
                    let configuration = dns.configuration
                    let outcome = try Enrich.enrich(database, configuration: configuration)
                    if verbose { Terminal.error(outcome.line) }
                    database.checkpoint()
                    if outcome.asked > 0 && outcome.timedOut + outcome.failed == outcome.asked {
                        Terminal.error(
                            "mailtally: warning: enrich: no answer from \(Self.describe(configuration)) (\(outcome.timedOut) of \(outcome.asked) "
                                + "lookups timed out, \(outcome.failed) failed); the packs name sources by what is cached"
                        )
                    }
                } catch {
                    Terminal.error("mailtally: warning: enrich: \(error); the packs name sources by what is cached")
                }
            }

            if !skipsDNS && !noCheck {
                checkTransport(database, resolver: resolver)
            }

            let today = DaySpread.day(of: Int64(Date().timeIntervalSince1970))
            let last = date.flatMap(DayPeriod.day(fromISODate:)) ?? today - 1
            var written: [String] = []
            do {
                // The last day first, then the days before it that late reports may have changed.
                for day in stride(from: last, through: last - Int64(revisit), by: -1) {
                    try writePacks(
                        database, resolver: resolver, lastDay: day, revisited: day != last, written: &written)
                }
            } catch let failure as CommandFailure {
                if !written.isEmpty {
                    Terminal.error(
                        "mailtally: packs written (or up to date) before the failure: "
                            + written.joined(separator: ", "))
                }
                throw failure
            }
            var mailFailed = false
            let alertCommand = mail.alertCommand ?? configuration.mail.alertCommand
            if transport != nil || alertCommand != nil {
                let step = DigestStep(
                    store: database, resolver: resolver, recipientSets: recipientSets, sender: sender,
                    when: try mail.when(configuration), weeklyDay: mail.weeklyDay(configuration), transport: transport,
                    packFolder: URL(fileURLWithPath: out), lastDay: last, newSourceDays: newSourceDays,
                    attachmentLimit: mail.mailAttachMaxBytes)
                let outcomes: [DigestStep.Outcome]
                let alertFailure: String?
                do {
                    outcomes = try step.run()
                    alertFailure = try alertCommand.flatMap { command throws(StoreError) in
                        try step.alert(command: command)
                    }
                } catch {
                    throw CommandFailure(error)
                }
                for outcome in outcomes {
                    if let error = outcome.error {
                        mailFailed = true
                        // The server's words are a stranger's bytes: no control character reaches the terminal.
                        Terminal.error(
                            Escape.terminal(
                                "mailtally: the digest to \(outcome.recipients) was not sent: \(error) (the next run tries again)"
                            ))
                    } else if verbose {
                        Terminal.error(
                            "digest to \(outcome.recipients): \(outcome.sent ? "sent" : "not sent, \(outcome.skipped ?? "")")"
                        )
                    }
                }
                if let alertFailure {
                    mailFailed = true
                    Terminal.error(Escape.terminal("mailtally: \(alertFailure) (the next run tries again)"))
                }
            }
            summary.reportMailboxFailures()
            if !summary.mailboxFailures.isEmpty {
                Terminal.error(
                    "mailtally: the packs were written from what was stored: \(out)/\(DayPeriod.isoDate(ofDay: last)) (day, 7d, 30d)"
                )
                throw ExitCode(CommandFailure.Kind.database.rawValue)
            }
            if mailFailed { throw ExitCode(CommandFailure.Kind.mail.rawValue) }
            if summary.newFailures > 0 {
                // Cron mails this: where the packs are, beside what failed.
                Terminal.error(
                    "mailtally: the packs were written all the same: \(out)/\(DayPeriod.isoDate(ofDay: last)) (day, 7d, 30d)"
                )
                throw ExitCode(CommandFailure.Kind.inputsFailed.rawValue)
            }
        }

        /// Checks every domain with reports live and stores the checks; the packs show them. A
        /// failure is a warning: the packs are written from what is stored.
        /// The domains come from reports, which anyone can send: only those with reports in the
        /// last 30 days, at most --check-max-domains, and never a private address unless
        /// --probe-private (docs/transport.md).
        func checkTransport(_ database: any MailTallyStore, resolver: SourceResolver) {
            do {
                let today = DaySpread.day(of: Int64(Date().timeIntervalSince1970))
                let window = DayPeriod(firstDay: today - 29, lastDay: today)
                var reports: [String: Int64] = [:]
                for (domain, totals) in try database.dmarcTotals(domains: [], period: window) {
                    reports[domain, default: 0] += totals.reports
                }
                for (domain, totals) in try database.tlsTotals(domains: [], period: window) {
                    reports[domain, default: 0] += totals.reports
                }
                let domains = reports.filter { $0.value > 0 }.compactMap { entry in
                    DNSName.normalized(entry.key).map { ($0, entry.value) }
                }.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(checkMaxDomains).map(\.0)
                guard !domains.isEmpty else { return }
                let checks = try Check.check(
                    Array(Set(domains)).sorted(),
                    configuration: transport.configuration(
                        dns: dns, caFile: checkCAFile, publicSuffixes: resolver.publicSuffixList, namedDomains: false))
                try database.recordTransportChecks(checks)
                if verbose { Terminal.error("checked \(Count.of(checks.count, "domain")) live") }
            } catch {
                Terminal.error("mailtally: warning: check: \(error); the packs show the checks stored before")
            }
        }

        /// Writes (or keeps) the day, 7-day and 30-day packs ending with `lastDay`, adding each
        /// folder to `written` as soon as it is up to date.
        func writePacks(
            _ database: any MailTallyStore, resolver: SourceResolver, lastDay: Int64, revisited: Bool,
            written: inout [String]
        ) throws {
            let folder = URL(fileURLWithPath: out).appendingPathComponent(DayPeriod.isoDate(ofDay: lastDay))
            for (name, days) in [("day", Int64(1)), ("7d", 7), ("30d", 30)] {
                let period = DayPeriod(firstDay: lastDay - days + 1, lastDay: lastDay)
                let path = folder.appendingPathComponent(name)
                let pack: (files: [String], written: Bool, changed: [String])
                do {
                    let manifest = PackManifest(parts: [
                        "content \(try database.contentGeneration())", "period \(period.firstDay) \(period.lastDay)",
                        "all domains, compared, md html csv, new sources \(newSourceDays)", self.resolver.fingerprint(),
                    ])
                    let options = ReportAssembler.Options(
                        compare: true, newSourceDays: newSourceDays, longTrends: days >= 30, completeness: true)
                    pack = try Report.writePack(
                        database, resolver: resolver, domains: [], period: period, options: options, format: .all,
                        to: path,
                        manifest: manifest, rewrite: rewrite)
                } catch let error as StoreError {
                    throw CommandFailure(.database, "\(error)")
                }
                written.append(path.path)
                if verbose {
                    if !pack.written {
                        Terminal.error("\(path.path) is up to date (\(pack.files.count) files)")
                    } else if pack.changed.isEmpty {
                        Terminal.error("\(path.path) checked: unchanged")
                    } else {
                        Terminal.error(
                            "\(revisited ? "updated" : "wrote") \(path.path): \(pack.changed.count) of \(pack.files.count) files changed"
                                + (revisited ? " (late reports)" : ""))
                    }
                }
            }
        }

        /// The resolver `enrich` asked, for a warning: `--resolver`, else the system's.
        static func describe(_ configuration: ResolverConfiguration) -> String {
            if let server = configuration.server { return "the resolver \(server)" }
            let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
            let servers = text.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                return fields.count >= 2 && fields[0] == "nameserver" ? String(fields[1]) : nil
            }
            return servers.isEmpty
                ? "the system's resolvers (none in /etc/resolv.conf)"
                : "the system's resolvers (\(servers.joined(separator: ", ")))"
        }
    }
}
