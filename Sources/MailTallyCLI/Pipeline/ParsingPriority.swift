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

    /// `DispatchQueue.concurrentPerform` at the parsing priority: started from a dispatch worker
    /// (never the caller's own thread, which keeps its priority), every thread that runs an
    /// iteration lowered first. Returns when all iterations are done.
    static func concurrentPerform(iterations: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            DispatchQueue.concurrentPerform(iterations: iterations) { index in
                lowerCurrentThread()
                body(index)
            }
            done.signal()
        }
        done.wait()
    }

    /// Lowers the calling thread's priority once. On Linux the nice value belongs to the
    /// thread: `setpriority(PRIO_PROCESS, 0, …)` changes the calling thread's only.
    private static func lowerCurrentThread() {
        guard pthread_getspecific(lowered) == nil else { return }
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        if getpriority(which, 0) < niceness { setpriority(which, 0, niceness) }
        pthread_setspecific(lowered, UnsafeRawPointer(bitPattern: 1))
    }
}
