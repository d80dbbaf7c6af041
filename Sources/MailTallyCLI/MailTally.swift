import ArgumentParser
import Foundation
import Logging
import ReportModel

/// `mailtally`: DMARC aggregate and SMTP TLS reports into answers.
public struct MailTally: ParsableCommand {
    /// The command's name, help text, version and subcommands, for swift-argument-parser.
    public static let configuration = CommandConfiguration(
        commandName: "mailtally",
        abstract: "Turn DMARC aggregate reports and SMTP TLS reports into answers.",
        discussion: """
            Examples:
              mailtally ingest ~/Takeout/dmarc.mbox reports/
              mailtally summary
              mailtally report --out pack/ --format all
              mailtally nightly --inbox /var/mail/dmarc --out /srv/reports
            """,
        version: MailTallyVersion.current,
        subcommands: [
            Ingest.self, Summary.self, Correlate.self, Sources.self, Report.self, Nightly.self, Enrich.self,
            Errors.self, Reparse.self, Backup.self, Copy.self, Records.self, Config.self, Watch.self, Check.self,
        ])

    /// Required by `ParsableCommand`; the root command has no options of its own.
    public init() {}

    nonisolated(unsafe) static var logger = Logger(label: "mailtally")

    /// Parses the command line, runs the command and exits with the documented status
    /// (docs/output.md, "Exit status"): 0 success, 1 an input failed that had not failed before,
    /// 2 usage error, 3 database error, 4 another nightly run holds the lock, 5 the pack could not
    /// be written, 128 plus the signal's number when SIGINT or SIGTERM stopped a run.
    public static func runAndExit(arguments: [String]? = nil) -> Never {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["MAILTALLY_DEBUG"] == nil ? .warning : .debug
            return handler
        }
        logger = Logger(label: "mailtally")
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let failure as CommandFailure {
            Terminal.error("mailtally: \(failure.description)")
            Foundation.exit(failure.kind.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Terminal.write(message + "\n") }
                Foundation.exit(0)
            }
            if !message.isEmpty { Terminal.error(message) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
