import Foundation

/// Expands the paths given on the command line into input files.
enum InputWalker {
    /// Regular files under each path, folders walked recursively in name order; `-` stays as is.
    /// - Returns: the files, and the paths that could not be read, with the reason.
    static func files(for paths: [String]) -> (files: [String], problems: [(String, String)]) {
        var files: [String] = []
        var problems: [(String, String)] = []
        let manager = FileManager.default
        for path in paths {
            if path == "-" {
                files.append(path)
                continue
            }
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append((path, "no such file or folder"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            guard let enumerator = manager.enumerator(atPath: path) else {
                problems.append((path, "cannot read folder"))
                continue
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                let full = (path as NSString).appendingPathComponent(relative)
                let name = (relative as NSString).lastPathComponent
                if Self.isSkippedFolder(full, name: name) {
                    enumerator.skipDescendants()
                    continue
                }
                // Hidden files (.DS_Store) are not inputs.
                if name.hasPrefix(".") { continue }
                var nestedIsDirectory: ObjCBool = false
                if manager.fileExists(atPath: full, isDirectory: &nestedIsDirectory), !nestedIsDirectory.boolValue {
                    found.append(full)
                }
            }
            files += found.sorted()
        }
        return (files, problems)
    }

    /// Folders that hold no inputs: version-control and hidden folders (except Maildir++
    /// folders such as `.INBOX.dmarc`, which hold `cur` and `new`) and a Maildir's `tmp`, where
    /// messages are still being written.
    static func isSkippedFolder(_ path: String, name: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return false }
        if name.hasPrefix(".") { return !isMaildir(path) }
        if name == "tmp" { return isMaildir((path as NSString).deletingLastPathComponent) }
        return false
    }

    /// A folder holding `cur` and `new` folders.
    static func isMaildir(_ path: String) -> Bool {
        let manager = FileManager.default
        var cur: ObjCBool = false
        var new: ObjCBool = false
        return manager.fileExists(atPath: (path as NSString).appendingPathComponent("cur"), isDirectory: &cur) && cur.boolValue
            && manager.fileExists(atPath: (path as NSString).appendingPathComponent("new"), isDirectory: &new) && new.boolValue
    }
}
