import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Expands the paths given on the command line into input files.
///
/// Folders are read with `opendir`/`readdir`, using the entry type the directory gives, so a
/// nightly run over an inbox of 100,000 files spends its time on the files that changed, not on
/// walking the folder.
enum InputWalker {
    /// Regular files under each path, folders walked recursively in name order (byte order of
    /// the whole path); `-` stays as is. A symbolic link counts when it leads to a regular file;
    /// linked folders are not entered.
    /// - Returns: the files, and the paths that could not be read, with the reason.
    static func files(for paths: [String]) -> (files: InputPaths, problems: [(String, String)]) {
        var files = InputPaths()
        var problems: [(String, String)] = []
        for path in paths {
            if path == "-" {
                files.append(path)
                continue
            }
            switch kind(of: path, followingLinks: true) {
            case nil:
                problems.append((path, "no such file or folder"))
            case .directory?:
                let start = files.count
                var unreadable: [(String, String)] = []
                walk(path, into: &files, unreadable: &unreadable)
                problems += unreadable
                files.sort(from: start)
            case .file?, .other?:
                files.append(path)
            }
        }
        return (files, problems)
    }

    enum Kind {
        case file, directory, other
    }

    /// Collects the regular files below `folder`; a folder that cannot be read (itself or one
    /// below it) goes to `unreadable` with errno's reason ("permission denied").
    private static func walk(_ folder: String, into found: inout InputPaths, unreadable: inout [(String, String)]) {
        guard let directory = opendir(folder) else {
            unreadable.append((folder, "cannot read folder: \(FileProblem.text(of: errno))"))
            return
        }
        defer { closedir(directory) }
        let index = found.addFolder(folder)
        let prefix = found.folderPath(index)
        while let entry = readdir(directory) {
            let (name, hidden, dots) = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let name = raw.prefix { $0 != 0 }
                let dots =
                    name.elementsEqual([UInt8(ascii: ".")])
                    || name.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
                return (Array(name), name.first == UInt8(ascii: "."), dots)
            }
            if dots { continue }
            let type = Int32(entry.pointee.d_type)
            if type == Int32(DT_REG) {
                // Hidden files (.DS_Store) are not inputs. No String is made for a plain file.
                if !hidden { found.append(name: name, folder: index) }
                continue
            }
            let full = prefix + "/" + String(decoding: name, as: UTF8.self)
            let kind: Kind?
            switch type {
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK):
                // A link to a file is an input; a link to a folder is not entered (no loops).
                kind = Self.kind(of: full, followingLinks: true) == .file ? .file : .other
            case Int32(DT_UNKNOWN): kind = Self.kind(of: full, followingLinks: false)
            default: kind = .other
            }
            switch kind {
            case .directory?:
                if isSkippedFolder(full, name: String(decoding: name, as: UTF8.self)) { continue }
                walk(full, into: &found, unreadable: &unreadable)
            case .file?:
                if !hidden { found.append(name: name, folder: index) }
            default:
                continue
            }
        }
    }

    static func kind(of path: String, followingLinks: Bool) -> Kind? {
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Folders that hold no inputs: version-control and hidden folders (except Maildir++
    /// folders such as `.INBOX.dmarc`, which hold `cur` and `new`) and a Maildir's `tmp`, where
    /// messages are still being written.
    static func isSkippedFolder(_ path: String, name: String) -> Bool {
        if name.hasPrefix(".") { return !isMaildir(path) }
        if name == "tmp" { return isMaildir((path as NSString).deletingLastPathComponent) }
        return false
    }

    /// A folder holding `cur` and `new` folders.
    static func isMaildir(_ path: String) -> Bool {
        kind(of: path + "/cur", followingLinks: true) == .directory
            && kind(of: path + "/new", followingLinks: true) == .directory
    }
}
