import Foundation

/// Where output goes, and whether a person is watching.
enum Terminal {
    static var standardErrorIsTTY: Bool { isatty(STDERR_FILENO) == 1 }
    static var standardOutputIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }

    /// The width text tables must fit: `$COLUMNS`, else the terminal's, else none (a pipe).
    static var width: Int? {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            return columns
        }
        guard standardOutputIsTTY else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// A one-line progress indicator on standard error, redrawn in place.
    final class Progress {
        private var lastDraw = Date.distantPast
        private let enabled: Bool

        init(enabled: Bool = Terminal.standardErrorIsTTY) {
            self.enabled = enabled
        }

        func update(_ done: Int, of total: Int, _ label: String) {
            update("\(label) \(done)/\(total)", force: done == total)
        }

        /// Redraws the line with `text`, at most ten times a second unless `force`.
        func update(_ text: String, force: Bool = false) {
            guard enabled, force || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        }

        func finish() {
            guard enabled else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}
