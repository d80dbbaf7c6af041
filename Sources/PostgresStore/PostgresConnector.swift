import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import ReportStore

/// Opens connections to the PostgreSQL server a ``PostgresLocation`` names, with the password
/// from where PostgreSQL tools look, TLS as `sslmode` asks, and one clear sentence for each way
/// it can fail (wrong password, no such database, unreachable host, TLS not offered).
public struct PostgresConnector: Sendable {
    /// Where the store is.
    public let location: PostgresLocation
    let password: String?
    let logger: Logger

    /// A connector for `location`; the password is looked up once, here.
    public init(
        _ location: PostgresLocation, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.location = location
        password = PostgresPassword.find(for: location, environment: environment)
        var logger = Logger(label: "mailtally.postgres")
        logger.logLevel = .critical
        self.logger = logger
    }

    /// A new connection; the caller closes it.
    public func connect() async throws(StoreError) -> PostgresConnection {
        let operation = "connecting to \(location)"
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls = try makeTLS()
        } catch {
            throw StoreError(message: "\(error)", while: operation)
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw StoreError(message: Self.explain(error, location: location, password: password), while: operation)
        }
    }

    /// The TLS setting `sslmode` asks for.
    func makeTLS() throws -> PostgresConnection.Configuration.TLS {
        switch location.tls {
        case .disable:
            return .disable
        case .require, .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let file = location.rootCertificates {
                guard FileManager.default.isReadableFile(atPath: file) else {
                    throw TLSSetupFailure(message: "sslrootcert \(file) cannot be read")
                }
                configuration.trustRoots = .file(file)
            }
            switch location.tls {
            case .verifyFull: configuration.certificateVerification = .fullVerification
            // libpq's `require`: encrypted; the chain checked only when a root certificate is
            // given, and the name never.
            default:
                configuration.certificateVerification =
                    location.rootCertificates == nil ? .none : .noHostnameVerification
            }
            return .require(try NIOSSLContext(configuration: configuration))
        }
    }

    /// A TLS set-up that cannot start (an unreadable root certificate file).
    struct TLSSetupFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// One sentence for a failed connection, never with the password in it.
    static func explain(_ error: any Error, location: PostgresLocation, password: String?) -> String {
        let server = "the PostgreSQL server at \(location.host):\(location.port)"
        if let error = error as? PSQLError {
            switch error.code {
            case .sslUnsupported:
                return "\(server) does not offer TLS, and sslmode=\(location.tls.rawValue) requires it "
                    + "(sslmode=disable connects without, on a trusted network only)"
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                let said = error.serverInfo?[.message] ?? "an error"
                switch state {
                case "28P01":
                    return password == nil
                        ? "\(server) asks a password for \(location.user), and none was given "
                            + "(in the URL, PGPASSWORD or ~/.pgpass)"
                        : "\(server) refused the password for \(location.user)"
                case "28000": return "\(server) does not let \(location.user) in: \(said)"
                case "3D000": return "\(server) has no database \(location.database)"
                default: return "\(server) refused the connection: \(said) (\(state))"
                }
            case .authMechanismRequiresPassword:
                return "\(server) asks a password for \(location.user), and none was given "
                    + "(in the URL, PGPASSWORD or ~/.pgpass)"
            case .connectionError, .serverClosedConnection, .uncleanShutdown:
                if let underlying = error.underlying {
                    return explain(underlying, location: location, password: password)
                }
                return "\(server) closed the connection"
            default:
                if let underlying = error.underlying {
                    return explain(underlying, location: location, password: password)
                }
                return "\(server) could not be used (\(error.code))"
            }
        }
        if let error = error as? NIOConnectionError {
            if error.dnsAAAAError != nil || error.dnsAError != nil, error.connectionErrors.isEmpty {
                return "the host \(location.host) of the PostgreSQL server could not be resolved"
            }
            if let first = error.connectionErrors.first {
                return "cannot reach \(server): \(reason(first.error))"
            }
            return "cannot reach \(server)"
        }
        if error is NIOSSLError || error is BoringSSLError { return "TLS with \(server) failed: \(error)" }
        // A timeout reads "no answer within 10 seconds" (``reason(_:)``).
        return "cannot reach \(server): \(reason(error))"
    }

    /// An operating-system error in words ("connection refused").
    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? ChannelError, case .connectTimeout = error { return "no answer within 10 seconds" }
        return "\(error)"
    }
}
