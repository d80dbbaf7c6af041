import Dispatch
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ReportStore

/// One connection to the server, used by one caller at a time, for the store's synchronous
/// protocols: each call runs its async postgres-nio work to the end on a queue of its own while
/// the caller waits. The work never runs on Swift's shared pool of threads, so a caller that is
/// itself on that pool (a test) cannot starve it.
final class PostgresSession: @unchecked Sendable {
    private let connector: PostgresConnector
    private let executor = QueueTaskExecutor()
    /// One caller at a time: a transaction's statements must not interleave with another's.
    private let turn = NSLock()
    private var connection: PostgresConnection?
    /// Tells the statements waiting on the connection when it closes.
    private let closeWatch: CloseWatch
    let logger: Logger

    init(_ connector: PostgresConnector) throws(StoreError) {
        self.connector = connector
        logger = connector.logger
        let connection = try Self.wait(on: executor) { () async throws(StoreError) -> PostgresConnection in
            try await connector.connect()
        }
        self.connection = connection
        closeWatch = CloseWatch(connection)
    }

    deinit {
        if let connection { try? connection.close().wait() }
    }

    /// Runs `body` with the connection, outside any transaction.
    @discardableResult
    func run<T>(_ what: String, _ body: (ServerConnection) throws -> T) throws(StoreError) -> T {
        turn.lock()
        defer { turn.unlock() }
        let link = ServerConnection(
            connection: try usable(what), logger: logger, executor: executor, closeWatch: closeWatch)
        do {
            return try body(link)
        } catch {
            throw storeError(error, while: what)
        }
    }

    /// Runs `body` in one transaction, retried from the start (up to ``attempts`` times, after a
    /// short random pause) when PostgreSQL says it must be: a serialization failure or a
    /// deadlock between concurrent writers (SQLSTATE 40001, 40P01) is never the user's problem.
    /// - Parameters:
    ///   - begin: the statement that starts it (a read-only snapshot for questions).
    ///   - readOnly: nothing is written, so `begin` and the end are sent without waiting for
    ///     their answers (the connection runs statements in order): a question costs one round
    ///     trip per statement of its own, not two more.
    @discardableResult
    func transaction<T>(
        _ what: String, begin: String = "BEGIN", readOnly: Bool = false, _ body: (ServerConnection) throws -> T
    ) throws(StoreError) -> T {
        turn.lock()
        defer { turn.unlock() }
        let link = ServerConnection(
            connection: try usable(what), logger: logger, executor: executor, closeWatch: closeWatch)
        var attempt = 0
        while true {
            attempt += 1
            do {
                if readOnly { link.send(begin) } else { try link.execute(begin) }
                do {
                    let result = try body(link)
                    if readOnly { link.send("COMMIT") } else { try link.execute("COMMIT") }
                    return result
                } catch {
                    if readOnly { link.send("ROLLBACK") } else { try? link.execute("ROLLBACK") }
                    throw error
                }
            } catch {
                if attempt < Self.attempts, Self.mustRetry(error) {
                    usleep(UInt32.random(in: 5_000...(20_000 * UInt32(attempt))))
                    continue
                }
                throw storeError(error, while: what)
            }
        }
    }

    /// How many times a transaction PostgreSQL aborted for a concurrent one is tried.
    static let attempts = 20

    /// Whether PostgreSQL asks for the transaction to be tried again.
    static func mustRetry(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// The connection, or the sentence of why there is none (a connection the server dropped is
    /// not opened again behind the user's back: a run that lost its server stops there).
    private func usable(_ what: String) throws(StoreError) -> PostgresConnection {
        guard let connection, !connection.isClosed else {
            throw StoreError(
                message:
                    "the connection to the PostgreSQL server at \(connector.location.host):\(connector.location.port) was lost",
                while: what)
        }
        return connection
    }

    /// A postgres-nio failure in one sentence: the server's own message and its SQLSTATE, or
    /// the lost connection.
    func storeError(_ error: any Error, while what: String) -> StoreError {
        let server = "the PostgreSQL server at \(connector.location.host):\(connector.location.port)"
        let lost =
            "; nothing of the unfinished transaction was kept (run the command again once the server is back)"
        if let error = error as? StoreError { return error }
        if error is ConnectionClosed {
            return StoreError(message: "the connection to \(server) was lost\(lost)", while: what)
        }
        guard let error = error as? PSQLError else { return StoreError(message: "\(error)", while: what) }
        switch error.code {
        case .server:
            let message = error.serverInfo?[.message] ?? "an error"
            let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
            let state = error.serverInfo?[.sqlState] ?? ""
            // 57P01-57P03: the server is shutting down or restarting.
            if state.hasPrefix("57P") {
                return StoreError(message: "\(server) went away (\(message))\(lost)", while: what)
            }
            return StoreError(message: "\(message)\(detail) [SQLSTATE \(state)]", while: what)
        case .serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection:
            return StoreError(message: "the connection to \(server) was lost\(lost)", while: what)
        default:
            return StoreError(message: "\(error.code)", while: what)
        }
    }

    /// Runs `body` as a task on `executor` and waits for it on the calling thread.
    static func wait<T: Sendable, Failure: Error>(
        on executor: QueueTaskExecutor, _ body: @escaping @Sendable () async throws(Failure) -> T
    ) throws(Failure) -> T {
        let box = ResultBox<T, Failure>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            do throws(Failure) {
                box.result = .success(try await body())
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        // The semaphore orders the write before this read.
        guard let result = box.result else { fatalError("a finished task left no result") }
        return try result.get()
    }
}

/// The result of a task, handed to the thread that waited for it.
private final class ResultBox<T, Failure: Error>: @unchecked Sendable {
    var result: Result<T, Failure>?
}

/// A connection as the store's code uses it: statements that block the calling thread until
/// the server answers (the store's protocols are synchronous), and `COPY` streams.
struct ServerConnection {
    let connection: PostgresConnection
    let logger: Logger
    fileprivate let executor: QueueTaskExecutor
    fileprivate let closeWatch: CloseWatch

    /// Runs a statement and returns every row of its answer.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try untilClosed(connection.query(query, logger: logger)).rows
    }

    /// Sends a statement given as text without waiting for its answer: the statements after it
    /// on this connection run after it, and a failure of its own shows in theirs.
    func send(_ sql: String) {
        _ = connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Runs a statement given as text, without parameters.
    func execute(_ sql: String) throws {
        _ = try untilClosed(connection.query(PostgresQuery(unsafeSQL: sql), logger: logger))
    }

    /// Waits for `future`, or for the connection to close, whichever comes first: postgres-nio
    /// never answers a statement sent on a connection the server has just closed (a restart),
    /// and a run must end with the error, not hang.
    func untilClosed<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        let outcome = FirstOutcome<T>()
        future.whenComplete { outcome.settle($0) }
        let waiter = closeWatch.add { outcome.settle(.failure(ConnectionClosed())) }
        defer { closeWatch.remove(waiter) }
        return try outcome.wait()
    }

    /// The first column of the first row of the answer, if any.
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) throws -> T? {
        try self.query(query).first.map { try $0.decode(T.self) }
    }

    /// Streams `rows` into `table` with `COPY … FROM STDIN` (text format).
    func copy(into table: String, columns: [String], rows: CopyRows) throws {
        guard rows.count > 0 else { return }
        let connection = connection
        let logger = logger
        let buffer = rows.buffer
        let done = connection.eventLoop.makePromise(of: Void.self)
        Task(executorPreference: executor) {
            do {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                    try await writer.write(buffer)
                }
                done.succeed(())
            } catch {
                done.fail(error)
            }
        }
        try untilClosed(done.futureResult)
    }
}

/// The connection closed before the server answered.
struct ConnectionClosed: Error {}

/// The statements waiting on one connection, told when it closes: one callback on the
/// connection's close for its whole life, not one per statement (those would pile up until it
/// closes, a million for a long import).
final class CloseWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var closed = false
    private var next = 0
    private var waiters: [Int: @Sendable () -> Void] = [:]

    init(_ connection: PostgresConnection) {
        connection.closeFuture.whenComplete { _ in self.close() }
    }

    /// Calls `onClose` when the connection closes (at once when it has). - Returns: the key
    /// that ``remove(_:)`` takes.
    func add(_ onClose: @escaping @Sendable () -> Void) -> Int {
        lock.lock()
        guard !closed else {
            lock.unlock()
            onClose()
            return -1
        }
        next += 1
        waiters[next] = onClose
        lock.unlock()
        return next
    }

    /// Forgets a waiter whose statement was answered.
    func remove(_ key: Int) {
        lock.lock()
        waiters[key] = nil
        lock.unlock()
    }

    private func close() {
        lock.lock()
        closed = true
        let waiting = waiters.values
        waiters = [:]
        lock.unlock()
        for onClose in waiting { onClose() }
    }
}

/// The first of several outcomes to arrive, handed to the thread that waits for it.
private final class FirstOutcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let arrived = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    /// Keeps `result` unless an outcome arrived before it.
    func settle(_ result: Result<T, any Error>) {
        lock.lock()
        defer { lock.unlock() }
        guard self.result == nil else { return }
        self.result = result
        arrived.signal()
    }

    func wait() throws -> T {
        arrived.wait()
        lock.lock()
        defer { lock.unlock() }
        guard let result else { throw ConnectionClosed() }
        return try result.get()
    }
}

/// Runs tasks on a serial dispatch queue of their own, off Swift's shared pool.
final class QueueTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "mailtally.postgres")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
