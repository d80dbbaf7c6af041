import Foundation
import ReportStore

/// Where a PostgreSQL store is, as `--db` names it:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?sslmode=disable|require|verify-full&sslrootcert=FILE]`
/// (`postgresql://` too, as libpq accepts). The password never appears in ``description``.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is protected, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP: for loopback and trusted networks only.
        case disable
        /// TLS required; the certificate is checked against `sslrootcert` when one is given
        /// (as libpq does), else not.
        case require
        /// TLS required, the chain checked against `sslrootcert` or the system's roots, and
        /// the server's name against the host.
        case verifyFull = "verify-full"
    }

    /// The role to log in as.
    public var user: String
    /// The password given in the URL, if any (else `PGPASSWORD` or the password file).
    public var password: String?
    /// The server's host name or address.
    public var host: String
    /// The server's port (5432 unless given).
    public var port: Int
    /// The database's name.
    public var database: String
    /// How the connection is protected (`require` unless given: mail reports are not for
    /// the network to read).
    public var tls: TLSMode
    /// A file of PEM certificates to trust instead of the system's roots.
    public var rootCertificates: String?

    /// Whether `text` names a PostgreSQL store rather than a file.
    public static func names(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` URL; a clear error names what is wrong with it (the password
    /// masked).
    public init(parsing text: String) throws(StoreError) {
        let masked = Self.masked(text)
        func refuse(_ why: String) -> StoreError {
            StoreError(message: "\(masked): \(why)", while: "reading --db", kind: .failure)
        }
        guard Self.names(text), let components = URLComponents(string: text) else {
            throw refuse("not a URL of the form postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME")
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty
        else { throw refuse("no user (postgres://USER@HOST/DBNAME)") }
        guard let host = components.host, !host.isEmpty else { throw refuse("no host") }
        let path = components.percentEncodedPath
        guard path.hasPrefix("/"), let database = String(path.dropFirst()).removingPercentEncoding,
            !database.isEmpty, !database.contains("/")
        else { throw refuse("no database name after the host (postgres://USER@HOST/DBNAME)") }
        if let port = components.port, !(1...65535).contains(port) { throw refuse("port \(port) is out of range") }
        var tls = TLSMode.require
        var rootCertificates: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw refuse(
                        "sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else { throw refuse("sslrootcert names no file") }
                rootCertificates = value
            default:
                throw refuse("unknown parameter \(item.name) (sslmode and sslrootcert are understood)")
            }
        }
        self.user = user
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        self.database = database
        self.tls = tls
        self.rootCertificates = rootCertificates
    }

    /// `postgres://user@host:5432/db?sslmode=require`: never the password.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        var text = "postgres://\(user)@\(shownHost):\(port)/\(database)?sslmode=\(tls.rawValue)"
        if let rootCertificates { text += "&sslrootcert=\(rootCertificates)" }
        return text
    }

    /// `text` with any password between `:` and `@` replaced by `***`, for messages about a URL
    /// that could not be parsed.
    static func masked(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else {
            return text
        }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}
