import Foundation
import ReportStore

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock` on a lock file beside the database, held until the value is released.
/// The kernel releases it when the process ends, however it ends. Never taken on the database
/// file itself: closing a second descriptor of it would drop SQLite's own POSIX locks.
final class FileLock: StoreRunLock {
    /// The lock file.
    let path: String
    private let descriptor: Int32

    /// Opens (creating) the lock file at `path`; nil when it cannot be made (a read-only folder).
    private init?(path: String) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        self.path = path
    }

    /// Waits as long as it takes: for locks held for a short step (a migration).
    /// - Returns: nil when the lock file cannot be made; the caller goes on without it.
    static func waiting(at path: String) -> FileLock? {
        guard let lock = FileLock(path: path) else { return nil }
        while flock(lock.descriptor, LOCK_EX) != 0 && errno == EINTR {}
        return lock
    }

    /// Waits up to `timeout` seconds, then fails naming the holder; the holder's process id is
    /// written into the file, for the next one to say who holds it.
    static func waiting(at path: String, timeout: TimeInterval) throws(StoreError) -> FileLock {
        guard let lock = FileLock(path: path) else {
            throw StoreError(
                message: "cannot create the lock file \(path): \(String(cString: strerror(errno)))",
                while: "taking the run lock")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(lock.descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw StoreError(
                    message: "cannot lock \(path): \(String(cString: strerror(errno)))", while: "taking the run lock")
            }
            guard Date() < deadline else {
                let holder =
                    (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(
                        in: .whitespacesAndNewlines) ?? ""
                throw StoreError(
                    message:
                        "another run holds \(path)\(holder.isEmpty ? "" : " (process \(holder))"); gave up after \(Int(timeout)) s",
                    while: "taking the run lock", kind: .locked)
            }
            usleep(200_000)
        }
        ftruncate(lock.descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(lock.descriptor, $0, strlen($0)) }
        return lock
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
