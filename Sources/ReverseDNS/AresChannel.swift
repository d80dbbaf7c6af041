import CCAres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One c-ares channel and its event loop, shared by the reverse resolver and the record
/// resolver: many queries in flight on one thread, short timeouts, bounded retries.
final class AresChannel {
    let channel: ares_channel

    /// - Throws: ``ReverseDNSError`` when c-ares cannot start or the server address is not valid.
    init(_ configuration: ResolverConfiguration) throws(ReverseDNSError) {
        var status = ares_library_init(ARES_LIB_INIT_ALL)
        guard status == ARES_SUCCESS else { throw ReverseDNSError(description: "c-ares: \(Self.message(status))") }
        var options = ares_options()
        options.timeout = max(1, configuration.timeoutMilliseconds)
        options.tries = max(1, configuration.tries)
        var channel: ares_channel?
        status = ares_init_options(&channel, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES)
        guard status == ARES_SUCCESS, let channel else {
            ares_library_cleanup()
            throw ReverseDNSError(description: "c-ares: \(Self.message(status))")
        }
        self.channel = channel
        if let server = configuration.server {
            status = ares_set_servers_ports_csv(channel, server)
            guard status == ARES_SUCCESS else {
                throw ReverseDNSError(
                    description: "resolver '\(server)' is not an address (expected host:port, e.g. 127.0.0.1:5353)")
            }
        }
    }

    deinit {
        ares_destroy(channel)
        ares_library_cleanup()
    }

    /// Waits (at most a second) for the channel's sockets, then lets c-ares read answers, time
    /// queries out and retry; answered queries call their callbacks from here.
    func waitAndProcess() {
        var sockets = [ares_socket_t](repeating: ARES_SOCKET_BAD, count: Int(ARES_GETSOCK_MAXNUM))
        let bits = UInt32(bitPattern: ares_getsock(channel, &sockets, ARES_GETSOCK_MAXNUM))
        var fds: [pollfd] = []
        for index in 0..<Int(ARES_GETSOCK_MAXNUM) {
            let readable = bits & (1 << UInt32(index)) != 0
            let writable = bits & (1 << UInt32(index + Int(ARES_GETSOCK_MAXNUM))) != 0
            guard readable || writable else { continue }
            fds.append(
                pollfd(
                    fd: sockets[index], events: Int16((readable ? POLLIN : 0) | (writable ? POLLOUT : 0)), revents: 0))
        }
        var maximum = timeval(tv_sec: 1, tv_usec: 0)
        var remaining = timeval()
        let wait = ares_timeout(channel, &maximum, &remaining)
        let milliseconds = wait.map { Int32($0.pointee.tv_sec * 1000 + $0.pointee.tv_usec / 1000) } ?? 1000
        let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), max(0, milliseconds)) }
        if ready <= 0 {
            ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)  // timeouts and retries
            return
        }
        for fd in fds where fd.revents != 0 {
            let readable = fd.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0
            let writable = fd.revents & Int16(POLLOUT) != 0
            ares_process_fd(channel, readable ? fd.fd : ARES_SOCKET_BAD, writable ? fd.fd : ARES_SOCKET_BAD)
        }
    }

    /// c-ares' words for a status code.
    static func message(_ code: Int32) -> String {
        ares_strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
