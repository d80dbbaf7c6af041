/// How the store keeps an input's original bytes: as they came, or zlib-compressed when that
/// saves space (docs/counting.md, "Raw inputs"). Every backend stores the same form, so a store
/// can be copied to another without recompressing.
public enum StoredEncoding: String, Sendable, Hashable {
    /// The original bytes, already compressed (gzip, zip) or too small to gain.
    case identity
    /// The original bytes, zlib-compressed at level 1.
    case zlib

    /// The encoding named in a stored row; an unknown name reads as the bytes themselves, as
    /// every release before this type did.
    public init(stored name: String) {
        self = Self(rawValue: name) ?? .identity
    }
}
