import Foundation
import Glibc
import MailNetwork

/// Where an IMAP account's secret comes from; read at every connection, so that a rotated
/// password file or a fresh OAuth token is picked up by a reconnect. Never printed or logged.
public enum IMAPCredentialSource: Sendable {
    /// A password already read, and where from (`$MAILTALLY_IMAP_PASSWORD`, the configuration file).
    case password(String, from: String)
    /// A file whose first line is the password (`--password-file`).
    case passwordFile(String)
    /// A command that prints an OAuth 2.0 bearer token (`--oauth2-token-command`), run with
    /// `/bin/sh -c`, as mbsync's and msmtp's are.
    case tokenCommand(String)

    /// The first secret given, in the order every source is read: a token command, a password
    /// file, a password (`passwordFrom` says where it came from); nil when none is.
    static func first(tokenCommand: String?, passwordFile: String?, password: String?, passwordFrom: String)
        -> IMAPCredentialSource?
    {
        if let tokenCommand { return .tokenCommand(tokenCommand) }
        if let passwordFile { return .passwordFile(passwordFile) }
        if let password, !password.isEmpty { return .password(password, from: passwordFrom) }
        return nil
    }

    /// How the secret is given, for `config` and messages: never the secret itself.
    public var shown: String {
        switch self {
        case .password(_, let origin): "password from \(origin) (hidden)"
        case .passwordFile(let path): "password file \(path)"
        case .tokenCommand(let command): "OAuth 2.0 token from `\(command)`"
        }
    }

    /// The credentials to log in with. - Throws: a sentence naming the file or command, never
    /// the secret.
    func resolve() throws(MailNetworkError) -> IMAPCredentials {
        switch self {
        case .password(let password, _):
            return .password(password)
        case .passwordFile(let path):
            return .password(try Self.readPasswordFile(path))
        case .tokenCommand(let command):
            return .bearerToken(try Self.runTokenCommand(command))
        }
    }

    /// The first line of a password file that others cannot read.
    static func readPasswordFile(_ path: String) throws(MailNetworkError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw MailNetworkError(
                .local, "the password file \(path) cannot be read: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o007 == 0 else {
            throw MailNetworkError(
                .local, "the password file \(path) can be read by others: refused (chmod o-rwx \(path))")
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 << 10 else {
            throw MailNetworkError(.local, "the password file \(path) cannot be read")
        }
        let line =
            String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .first.map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) } ?? ""
        guard !line.isEmpty else { throw MailNetworkError(.local, "the password file \(path) is empty") }
        return line
    }

    /// The token a command prints (its first line), within 60 seconds.
    static func runTokenCommand(_ command: String) throws(MailNetworkError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw MailNetworkError(.local, "the token command `\(command)` could not start: \(error)")
        }
        // Read both pipes while it runs: a command that writes much must not block on a full pipe.
        let collected = TokenOutput()
        let group = DispatchGroup()
        for (pipe, isError) in [(output, false), (errors, true)] {
            group.enter()
            DispatchQueue.global().async {
                // The first 64 KiB are kept; the rest is read and dropped, so the command never
                // blocks on a full pipe and memory stays bounded.
                var kept = Data()
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    if kept.count < 64 << 10 { kept.append(chunk.prefix((64 << 10) - kept.count)) }
                }
                collected.set(kept, isError: isError)
                group.leave()
            }
        }
        if group.wait(timeout: .now() + 60) == .timedOut {
            process.terminate()
            throw MailNetworkError(.local, "the token command `\(command)` gave no token within 60 seconds")
        }
        process.waitUntilExit()
        let (stdout, stderr) = collected.values
        guard process.terminationStatus == 0 else {
            let said = String(decoding: stderr, as: UTF8.self).split(separator: "\n").first.map { ": \($0)" } ?? ""
            throw MailNetworkError(
                .local, "the token command `\(command)` failed with status \(process.terminationStatus)\(said)")
        }
        let token =
            String(decoding: stdout, as: UTF8.self).split(separator: "\n").first
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard !token.isEmpty else { throw MailNetworkError(.local, "the token command `\(command)` printed no token") }
        return token
    }
}

/// What a token command printed, gathered from two threads.
private final class TokenOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var stdout = Data()
    private var stderr = Data()

    func set(_ data: Data, isError: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isError { stderr = data } else { stdout = data }
    }

    var values: (Data, Data) {
        lock.lock()
        defer { lock.unlock() }
        return (stdout, stderr)
    }
}
