import Foundation

/// Raw inputs kept as files instead of in the database (`--raw-dir`), for large stores: the
/// database then holds only what is queried (docs/counting.md, "Raw inputs"). A file is named by
/// the SHA-256 of the input's original bytes (`ab/cd/abcd…`, and `abcd….N` for chunk N of a
/// large input) and holds the bytes in their stored form, so the same input is one file however
/// often it arrives, and the store's row says how to read it.
///
/// A file is written whole (a temporary name, `fsync`, then renamed into place) before the
/// transaction that names it commits; a run that fails after writing leaves a file no row names,
/// which the next arrival of the same input reuses.
public struct RawInputFolder: Sendable, Equatable {
    /// The folder, as an absolute path.
    public let path: String

    /// The folder at `path` (made absolute against the working directory).
    public init(path: String) {
        self.path =
            path.hasPrefix("/")
            ? path
            : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                .standardizedFileURL.path
    }

    /// Where the bytes of input `sha256` (or of its chunk `chunk`) are.
    public func file(for sha256: [UInt8], chunk: Int? = nil) -> String {
        let hex = sha256.map { String(format: "%02x", $0) }.joined()
        let name = chunk.map { "\(hex).\($0)" } ?? hex
        return "\(path)/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(name)"
    }

    /// Writes the stored bytes of an input (or one chunk of it), unless a file of that size is
    /// there already (the same content, by its name).
    public func write(_ bytes: UnsafeRawBufferPointer, sha256: [UInt8], chunk: Int? = nil) throws(StoreError) {
        let file = file(for: sha256, chunk: chunk)
        var info = stat()
        if stat(file, &info) == 0, info.st_size == bytes.count { return }
        let folder = (file as NSString).deletingLastPathComponent
        let temporary = "\(folder)/.\((file as NSString).lastPathComponent).\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(
                message: "cannot make \(folder): \(error.localizedDescription)", while: "keeping a raw input")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)") }
        var written = 0
        while let base = bytes.baseAddress, written < bytes.count {
            let count = Glibc.write(descriptor, base + written, bytes.count - written)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = failure("cannot write \(temporary)")
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("cannot sync \(temporary)")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, file) == 0 else {
            let error = failure("cannot rename \(temporary) to \(file)")
            unlink(temporary)
            throw error
        }
    }

    /// The stored bytes of an input (or of one chunk of it).
    public func read(sha256: [UInt8], chunk: Int? = nil) throws(StoreError) -> [UInt8] {
        let file = file(for: sha256, chunk: chunk)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw StoreError(
                message: "the raw input file \(file) is missing or unreadable", while: "reading a stored input")
        }
        return [UInt8](data)
    }

    /// The stored bytes of an input kept as a file by a store whose folder is `folder` (nil when
    /// the store names none, which a row kept as a file contradicts).
    public static func read(
        in folder: RawInputFolder?, of store: String, sha256: [UInt8], chunk: Int? = nil
    ) throws(StoreError) -> [UInt8] {
        guard let folder else {
            throw StoreError(
                message: "a raw input is kept as a file, and \(store) names no folder for them (store_meta raw_dir)",
                while: "reading a stored input")
        }
        return try folder.read(sha256: sha256, chunk: chunk)
    }

    private func failure(_ what: String) -> StoreError {
        StoreError(message: "\(what): \(String(cString: strerror(errno)))", while: "keeping a raw input")
    }
}

/// How a store settles where its raw inputs go: the folder it remembers, the one asked for now.
public enum RawFolderSetting {
    /// The folder to use: the one the store remembers (`stored`), else the one asked for, which
    /// `remember` then records (nil for a store opened read-only). Asking for another folder
    /// than the remembered one is refused: the files already kept there would be lost to it.
    public static func settle(
        _ asked: RawInputFolder?, store: String, stored: String?, remember: ((String) throws -> Void)?
    ) throws(StoreError) -> RawInputFolder? {
        if let stored {
            let folder = RawInputFolder(path: stored)
            if let asked, asked != folder {
                throw StoreError(
                    message: "\(store) keeps its raw inputs in \(folder.path), not \(asked.path): "
                        + "pass --raw-dir \(folder.path), or none", while: "opening \(store)")
            }
            return folder
        }
        guard let asked else { return nil }
        do {
            try remember?(asked.path)
        } catch {
            throw StoreError(message: "\(error)", while: "recording the raw input folder of \(store)")
        }
        return asked
    }
}
