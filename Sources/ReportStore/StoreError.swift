/// A store failure, with what the store was doing. Every backend says its failures this way, so
/// a command prints one sentence (and exits 3) whichever database `--db` names.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What the store was doing ("storing inputs", "opening mailtally.sqlite").
    public let operation: String
    /// The backend's own words for what went wrong.
    public let message: String
    /// What kind of failure it is, for the exit status.
    public let kind: Kind

    /// The failures a command answers differently.
    public enum Kind: Sendable {
        /// The store failed (exit 3).
        case failure
        /// A command that only reads found no store where `--db` points (exit 3).
        case missing
        /// Another run holds the run lock (exit 4).
        case locked
    }

    /// A failure said in `message`, met while doing `operation`.
    public init(message: String, while operation: String, kind: Kind = .failure) {
        self.operation = operation
        self.message = message
        self.kind = kind
    }

    /// "database error while OPERATION: MESSAGE", the sentence commands print.
    public var description: String { "database error while \(operation): \(message)" }
}
