import Foundation

/// An exclusive lock beside the database (`mailtally.sqlite.lock`), so that overlapping
/// nightly runs take turns. The kernel releases it when the process ends, however it ends.
final class RunLock {
    let path: String
    private let descriptor: Int32

    /// Waits up to `timeout` seconds for the lock.
    /// - Throws: ``CommandFailure`` (`locked`) naming the holder when the wait runs out.
    init(path: String, timeout: TimeInterval) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CommandFailure(.database, "cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(descriptor)
                throw CommandFailure(.database, "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
            guard Date() < deadline else {
                let holder =
                    (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(
                        in: .whitespacesAndNewlines) ?? ""
                close(descriptor)
                throw CommandFailure(
                    .locked,
                    "another run holds \(path)\(holder.isEmpty ? "" : " (process \(holder))"); gave up after \(Int(timeout)) s"
                )
            }
            usleep(200_000)
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
