import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Makes the processes writing one database take turns, one transaction each, in the order
/// they asked.
///
/// SQLite lets a writer wait for the write lock (`busy_timeout`) but is not fair: a waiting
/// process polls, and a long import that starts its next transaction the moment it commits the
/// last wins every time, so a small ingest waiting beside it failed with "database is locked"
/// after a minute. Two open-file-description locks on a file beside the database
/// (`mailtally.sqlite.writers.lock`) fix the order: a writer takes the *queue* lock, then the
/// *turn* lock, lets go of the queue, writes, and lets go of its turn. A writer that has just
/// had its turn must queue again behind the one already waiting, which holds the queue lock
/// until its turn comes. The locks belong to the open file, so a process that dies lets go.
final class WriterTurns: @unchecked Sendable {
    private let descriptor: Int32
    /// One turn at a time within this process too (the locks belong to the open file, which
    /// every thread of the process shares).
    private let local = NSRecursiveLock()
    private var depth = 0

    /// `F_OFD_SETLK` (Linux 3.15): Glibc's module leaves it out (it is a GNU extension).
    private static let setOpenFileLock: Int32 = 37
    private static let queueByte: Int64 = 0
    private static let turnByte: Int64 = 1

    /// Nil when no lock file can be made beside the database (a read-only folder): writers then
    /// rely on SQLite's own waiting.
    init?(databasePath: String) {
        let descriptor = open(databasePath + ".writers.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Runs `body` in this process's turn, waiting for it up to `timeout` seconds (then
    /// running it anyway: SQLite's own busy timeout still guards the write).
    func inTurn<T>(timeout: TimeInterval, _ body: () throws -> T) rethrows -> T {
        local.lock()
        defer { local.unlock() }
        depth += 1
        defer { depth -= 1 }
        if depth > 1 { return try body() }  // nested in a turn this thread already has
        let deadline = Date(timeIntervalSinceNow: timeout)
        let queued = lock(Self.queueByte, until: deadline)
        let turn = lock(Self.turnByte, until: deadline)
        if queued { unlock(Self.queueByte) }
        defer { if turn { unlock(Self.turnByte) } }
        return try body()
    }

    /// Takes the lock on one byte, polling until `deadline`. A poll, not a blocking wait, so
    /// that a process stuck holding it cannot hang this one for longer than the timeout.
    private func lock(_ byte: Int64, until deadline: Date) -> Bool {
        var pause: useconds_t = 200
        while true {
            if set(byte, type: Int16(F_WRLCK)) { return true }
            guard errno == EAGAIN || errno == EACCES || errno == EINTR, Date() < deadline else { return false }
            usleep(pause)
            pause = min(pause * 2, 5_000)
        }
    }

    private func unlock(_ byte: Int64) {
        _ = set(byte, type: Int16(F_UNLCK))
    }

    private func set(_ byte: Int64, type: Int16) -> Bool {
        var region = flock()
        region.l_type = type
        region.l_whence = Int16(SEEK_SET)
        region.l_start = off_t(byte)
        region.l_len = 1
        return fcntl(descriptor, Self.setOpenFileLock, &region) == 0
    }
}
