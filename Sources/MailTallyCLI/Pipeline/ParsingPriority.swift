import Dispatch
import Glibc

/// Parsing runs below the writer's priority. Ingest has one SQLite writer and parses on every
/// core: with both cores parsing as well, the scheduler gave the writer two thirds of a core
/// and the writer, the stage everything waits for, ran a third slower than it could. Parsing
/// threads take a higher nice value (a lower priority), so the writer has a core whenever it
/// has work and parsing takes the rest. No privilege is needed to lower a thread's priority.
enum ParsingPriority {
    /// The nice value of parsing threads (the writer keeps the process's own, usually 0).
    static let niceness: Int32 = 5

    private static let lowered: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` on a dispatch worker thread (never the caller's own, which keeps its
    /// priority) and waits for it; the threads it parses on call ``lowerCurrentThread()``.
    static func run(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            lowerCurrentThread()
            body()
            done.signal()
        }
        done.wait()
    }

    /// Lowers the calling thread's priority once. On Linux the nice value belongs to the
    /// thread: `setpriority(PRIO_PROCESS, 0, …)` changes the calling thread's only.
    static func lowerCurrentThread() {
        guard pthread_getspecific(lowered) == nil else { return }
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        if getpriority(which, 0) < niceness { setpriority(which, 0, niceness) }
        pthread_setspecific(lowered, UnsafeRawPointer(bitPattern: 1))
    }
}
