import Foundation
import ReportIngest

/// What a pack folder was written from (`.mailtally-pack`): a digest of everything its content
/// depends on, and the files written with their sizes. `nightly` keeps a pack whose digest is
/// unchanged and whose files are all there, so a run with nothing new writes nothing again.
///
/// The digest covers the store's content generation (reports stored or removed, names looked
/// up), the period and options, the source map's bytes, the Public Suffix List file and the
/// mailtally executable itself (another build may write other content).
struct PackManifest {
    static let fileName = ".mailtally-pack"

    let digest: String

    init(parts: [String]) {
        let text = (["mailtally pack 1"] + parts + [Self.executableIdentity()]).joined(separator: "\n")
        digest = Self.sha256Hex(Array(text.utf8))
    }

    /// SHA-256 of `bytes` in lowercase hex.
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        ReportExtractor.sha256(bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The files of the pack in `folder` when it was written from the same digest and every
    /// file is still there with its size; nil otherwise.
    func upToDate(in folder: URL) -> [String]? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(Self.fileName).path) else {
            return nil
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first.map(String.init) == digest else { return nil }
        var names: [String] = []
        for line in lines.dropFirst() {
            guard let space = line.firstIndex(of: " "), let size = Int64(line[..<space]) else { return nil }
            let name = String(line[line.index(after: space)...])
            guard
                let attributes = try? FileManager.default.attributesOfItem(
                    atPath: folder.appendingPathComponent(name).path),
                (attributes[.size] as? NSNumber)?.int64Value == size
            else { return nil }
            names.append(name)
        }
        return names
    }

    /// Forgets the folder's manifest: done before a pack is written, so a write that fails
    /// half-way leaves no claim that the folder is up to date.
    static func remove(in folder: URL) {
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(fileName))
    }

    /// Records `files` (written into `folder`) under this digest.
    func record(_ files: [String], in folder: URL) throws {
        var text = digest + "\n"
        for name in files {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            text += "\((attributes[.size] as? NSNumber)?.int64Value ?? -1) \(name)\n"
        }
        let temporary = folder.appendingPathComponent(Self.fileName + ".tmp")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, folder.appendingPathComponent(Self.fileName).path) == 0 else {
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [
                    NSFilePathErrorKey: temporary.path,
                    NSUnderlyingErrorKey: POSIXError(.init(rawValue: errno) ?? .EIO),
                ])
        }
    }

    /// Size, modification time and inode of a file, or "none".
    static func fileIdentity(_ path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "none" }
        return "\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ino)"
    }

    /// The running executable's identity: `/proc/self/exe`, else the path it was started by.
    private static func executableIdentity() -> String {
        let proc = fileIdentity("/proc/self/exe")
        if proc != "none" { return "executable \(proc)" }
        let path = CommandLine.arguments.first ?? ""
        return "executable \(path) \(fileIdentity(path))"
    }
}
