import Foundation

/// The password of a PostgreSQL login, from where every PostgreSQL tool looks: the URL, then
/// `PGPASSWORD`, then the password file (`PGPASSFILE`, else `~/.pgpass`).
public enum PostgresPassword {
    /// The password for `location`, or nil when none is given anywhere (the server may not
    /// ask for one).
    public static func find(
        for location: PostgresLocation, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let password = location.password { return password }
        if let password = environment["PGPASSWORD"] { return password }
        let path =
            environment["PGPASSFILE"]
            ?? environment["HOME"].map { $0 + "/.pgpass" }
            ?? NSHomeDirectory() + "/.pgpass"
        guard let file = PasswordFile(path: path) else { return nil }
        return file.password(host: location.host, port: location.port, database: location.database, user: location.user)
    }
}

/// A `.pgpass` file: lines of `hostname:port:database:username:password`, `*` matching anything
/// in the first four fields, `\:` and `\\` escaping, `#` starting a comment. As libpq does, a
/// file that its group or others may read is ignored: a password there is not a secret.
public struct PasswordFile: Sendable {
    /// One line's fields, unescaped.
    struct Entry: Sendable {
        var host, port, database, user, password: String
    }

    let entries: [Entry]

    /// The file at `path`, or nil when it is missing, unreadable or readable by others.
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
            status.st_mode & (S_IRWXG | S_IRWXO) == 0,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        self.init(text: String(decoding: data, as: UTF8.self))
    }

    /// The entries of a password file's text.
    init(text: String) {
        entries = text.split(whereSeparator: \.isNewline).compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = Self.fields(of: line)
            guard fields.count == 5 else { return nil }
            return Entry(host: fields[0], port: fields[1], database: fields[2], user: fields[3], password: fields[4])
        }
    }

    /// The password of the first entry that matches, as libpq picks it.
    public func password(host: String, port: Int, database: String, user: String) -> String? {
        func matches(_ field: String, _ value: String) -> Bool { field == "*" || field == value }
        // libpq matches "localhost" for connections over a Unix socket; over TCP the host is compared
        // as written.
        return entries.first {
            matches($0.host, host) && matches($0.port, String(port)) && matches($0.database, database)
                && matches($0.user, user)
        }?.password
    }

    /// A line cut on unescaped colons, with `\:` and `\\` unescaped.
    static func fields(of line: Substring) -> [String] {
        var fields: [String] = []
        var field = ""
        var escaped = false
        for character in line {
            if escaped {
                field.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
