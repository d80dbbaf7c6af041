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
                // Hidden files and folders (.DS_Store, .git) are not inputs.
                if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                let full = (path as NSString).appendingPathComponent(relative)
                var nestedIsDirectory: ObjCBool = false
                if manager.fileExists(atPath: full, isDirectory: &nestedIsDirectory), !nestedIsDirectory.boolValue {
                    found.append(full)
                }
            }
            files += found.sorted()
        }
        return (files, problems)
    }
}
