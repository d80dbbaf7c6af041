import Foundation
import PostgresStore
import ReportModel
import ReportStore
import SQLiteStore

/// Opens the store `--db` names, whichever backend keeps it: the one place that knows the
/// backends, so that commands see only ``MailTallyStore`` (docs/architecture.md). A new backend
/// is a target of its own and a case here; no command changes.
public enum StoreOpener {
    /// A store's location as messages may show it: a `postgres://` URL's password masked.
    public static func shown(_ location: String) -> String {
        guard PostgresLocation.names(location) else { return location }
        return (try? PostgresLocation(parsing: location))?.description ?? "postgres://… (not a valid URL)"
    }

    /// Whether `location` holds a password (a `postgres://` URL with one).
    public static func holdsPassword(_ location: String) -> Bool {
        guard PostgresLocation.names(location) else { return false }
        return (try? PostgresLocation(parsing: location))?.password != nil
    }

    /// Opens the store at `location`, creating and migrating it when it may be written.
    /// - Parameters:
    ///   - location: what `--db` (or `$MAILTALLY_DB`) says: a path to an SQLite file, or a
    ///     `postgres://` URL (docs/postgresql.md).
    ///   - mustExist: for commands that only read what `ingest` made: a missing store is an
    ///     error of kind `.missing` instead of a new empty one.
    ///   - publicSuffixes: the Public Suffix List of the duplicate key (docs/counting.md).
    ///   - rawFolder: keep new raw inputs as files in this folder (`--raw-dir`); the store
    ///     remembers it.
    public static func open(
        _ location: String, mustExist: Bool = false, publicSuffixes: LazyPublicSuffixList = .system(),
        rawFolder: RawInputFolder? = nil
    ) throws(StoreError) -> any MailTallyStore {
        if PostgresLocation.names(location) {
            let parsed: PostgresLocation
            do {
                parsed = try PostgresLocation(parsing: location)
            } catch {
                throw StoreError(message: "\(error)", while: "reading --db")
            }
            return try PostgresReportStore(
                parsed, mustExist: mustExist, publicSuffixes: publicSuffixes, rawFolder: rawFolder)
        }
        let files = FileManager.default
        if mustExist && !files.fileExists(atPath: location) {
            throw StoreError(
                message: "no database at \(location): run `mailtally ingest` first, or pass --db",
                while: "opening \(location)", kind: .missing)
        }
        // A file this user may only read is opened read-only: query commands still work on it.
        let writable = !files.fileExists(atPath: location) || files.isWritableFile(atPath: location)
        return try SQLiteReportStore(
            path: location, readOnly: !writable, publicSuffixes: publicSuffixes, rawFolder: rawFolder)
    }
}
