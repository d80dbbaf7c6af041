import Foundation
import Glibc
import Synchronization

/// SIGINT and SIGTERM during a command that writes: the command stops reading, lets the writer
/// commit what was read (a second at most), says what was stored and exits with 128 plus the
/// signal's number (130, 143), as shells do. A second signal ends the process at once (SQLite
/// rolls the open transaction back; nothing half-written remains).
enum Interruption {
    /// The signal received, or 0.
    private static let received = Atomic<Int32>(0)

    /// Installs the handlers (once per process).
    static func install() {
        _ = received.load(ordering: .relaxed)  // initialised here, never first in a handler
        // A parent may have left them blocked (the mask is inherited): they would never arrive.
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM] {
            sigaddset(&signals, number)
        }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        // Without SA_RESTART: a read waiting on a pipe or a terminal returns EINTR at once
        // (InputReader stops there) instead of waiting on for data that may never come.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in
            Interruption.received.store(number, ordering: .relaxed)
            Glibc.signal(number, SIG_DFL)  // the next one ends the process
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        for number in [SIGINT, SIGTERM] { sigaction(number, &action, nil) }
    }

    /// The signal that asked the command to stop, if one did.
    static var signal: Int32? {
        let number = received.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    static var requested: Bool { signal != nil }

    /// `SIGTERM`, `SIGINT`.
    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(number)"
        }
    }
}
