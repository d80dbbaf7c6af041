import Foundation
import Synchronization

/// The Public Suffix List (publicsuffix.org), for organisational domains.
///
/// Debian's `publicsuffix` package installs it at ``defaultPath``. Without a list, the
/// organisational domain falls back to the last two labels.
public struct PublicSuffixList: Sendable {
    /// Where Debian's `publicsuffix` package installs the list; `$MAILTALLY_PSL` and `--psl` override it.
    public static let defaultPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    private var rules: Set<String> = []
    private var wildcards: Set<String> = []
    private var exceptions: Set<String> = []
    /// Whether a list was loaded (else the two-label fallback applies).
    public let isLoaded: Bool

    /// An empty list: organisational domains are the last two labels.
    public init() {
        isLoaded = false
    }

    /// Parses the list's text format: one rule a line, `//` comments, `*.` wildcards, `!` exceptions.
    /// The list is lowercase by definition; lines are read as bytes (it is loaded on every query).
    public init(text: String) {
        var text = text
        var rules: Set<String> = []
        var wildcards: Set<String> = []
        var exceptions: Set<String> = []
        // About one rule per 25 bytes of the real list: no rehashing while the set grows.
        rules.reserveCapacity(text.utf8.count / 25)
        text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var stop = start
                while stop < end && bytes[stop] != 0x20 && bytes[stop] != 0x09 && bytes[stop] != 0x0D { stop += 1 }
                if stop > start && !(stop - start >= 2 && bytes[start] == 0x2F && bytes[start + 1] == 0x2F) {
                    if bytes[start] == 0x21 {  // "!"
                        exceptions.insert(
                            String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<stop]), as: UTF8.self))
                    } else if stop - start > 2 && bytes[start] == 0x2A && bytes[start + 1] == 0x2E {  // "*."
                        wildcards.insert(
                            String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 2)..<stop]), as: UTF8.self))
                    } else {
                        rules.insert(
                            String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self))
                    }
                }
                start = end + 1
            }
        }
        self.rules = rules
        self.wildcards = wildcards
        self.exceptions = exceptions
        isLoaded = !rules.isEmpty
    }

    /// Loads the list from a file; `nil` when it cannot be read.
    public static func load(path: String = defaultPath) -> PublicSuffixList? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            return nil
        }
        let list = PublicSuffixList(text: text)
        return list.isLoaded ? list : nil
    }

    /// The organisational (registrable) domain of a host name: its public suffix plus one label.
    /// `mail-sor-f41.google.com` → `google.com`, `a.b.example.co.uk` → `example.co.uk`.
    /// Returns the name itself when it is a public suffix or has one label.
    public func organizationalDomain(of host: String) -> String {
        var name = host.trimmingCharacters(in: .whitespaces).lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        let labels = name.split(separator: ".").map(String.init)
        guard labels.count >= 2 else { return name }
        guard isLoaded else { return labels.suffix(2).joined(separator: ".") }
        // Find the longest matching public suffix (default rule "*": one label).
        var suffixLength = 1
        for start in 0..<labels.count {
            let candidate = labels[start...].joined(separator: ".")
            let length = labels.count - start
            if exceptions.contains(candidate) {
                suffixLength = length - 1
                break
            }
            if rules.contains(candidate) {
                suffixLength = max(suffixLength, length)
                break
            }
            if start + 1 < labels.count, wildcards.contains(labels[(start + 1)...].joined(separator: ".")) {
                suffixLength = max(suffixLength, length)
                break
            }
        }
        guard suffixLength < labels.count else { return name }
        return labels.suffix(suffixLength + 1).joined(separator: ".")
    }
}

/// A Public Suffix List parsed the first time a name needs it. Most queries never look at a PTR
/// name or a domain-like reporter, and parsing the list's 10,000 rules was a tenth of a
/// `correlate` of one domain.
public final class LazyPublicSuffixList: Sendable {
    private let state: Mutex<PublicSuffixList?>
    private let load: @Sendable () -> PublicSuffixList

    /// A list made by `load` when first used.
    public init(_ load: @escaping @Sendable () -> PublicSuffixList) {
        state = Mutex(nil)
        self.load = load
    }

    /// A list already made.
    public init(_ list: PublicSuffixList) {
        state = Mutex(list)
        load = { list }
    }

    /// The list at `$MAILTALLY_PSL`, else at ``PublicSuffixList/defaultPath``, read when first
    /// used; without one, organisational domains are the last two labels.
    public static func system() -> LazyPublicSuffixList {
        LazyPublicSuffixList {
            let path = ProcessInfo.processInfo.environment["MAILTALLY_PSL"] ?? PublicSuffixList.defaultPath
            return PublicSuffixList.load(path: path) ?? PublicSuffixList()
        }
    }

    /// The list, parsed on first access; the lock makes concurrent first uses parse it once.
    public var list: PublicSuffixList {
        state.withLock { list in
            if let list { return list }
            let loaded = load()
            list = loaded
            return loaded
        }
    }
}
