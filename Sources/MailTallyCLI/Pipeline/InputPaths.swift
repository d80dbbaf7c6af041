#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The input files of a run, held as bytes: each folder's path once, and every file's name in
/// one buffer, so a folder of a million files costs the bytes of the names and 16 bytes a file,
/// not a String (an allocation, the folder repeated) each.
struct InputPaths {
    private struct Entry {
        /// Where the name starts in `names`.
        var start: Int
        var length: UInt32
        /// Index into `folders`.
        var folder: UInt32
    }

    /// Folder paths, each ending in `/`; the first is empty, for paths given whole.
    private var folders: [[UInt8]] = [[]]
    private var names: [UInt8] = []
    private var entries: [Entry] = []

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// The path of file `index`.
    subscript(index: Int) -> String {
        let entry = entries[index]
        var path = folders[Int(entry.folder)]
        path.append(contentsOf: names[entry.start..<entry.start + Int(entry.length)])
        return String(decoding: path, as: UTF8.self)
    }

    /// Adds a path as given.
    mutating func append(_ path: String) {
        append(name: Array(path.utf8), folder: 0)
    }

    /// Starts a folder: its files are added with ``append(name:folder:)`` and the index returned.
    mutating func addFolder(_ path: String) -> UInt32 {
        var bytes = Array(path.utf8)
        if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
        folders.append(bytes)
        return UInt32(folders.count - 1)
    }

    /// The path of folder `index`, without its final `/`.
    func folderPath(_ index: UInt32) -> String {
        String(decoding: folders[Int(index)].dropLast(), as: UTF8.self)
    }

    /// Adds the file `name` in folder `folder`.
    mutating func append<Name: Collection<UInt8>>(name: Name, folder: UInt32) {
        let start = names.count
        names.append(contentsOf: name)
        entries.append(Entry(start: start, length: UInt32(names.count - start), folder: folder))
    }

    /// Sorts the files from `start` on by their whole paths, byte by byte.
    mutating func sort(from start: Int) {
        guard entries.count - start > 1 else { return }
        let folders = folders
        names.withUnsafeBufferPointer { names in
            entries[start...].sort { a, b in
                if a.folder == b.folder {
                    return Self.precedes(
                        UnsafeBufferPointer(rebasing: names[a.start..<a.start + Int(a.length)]),
                        UnsafeBufferPointer(rebasing: names[b.start..<b.start + Int(b.length)]))
                }
                // Different folders: compare folder and name as one run of bytes each.
                let left = folders[Int(a.folder)].lazy.concatenated(names[a.start..<a.start + Int(a.length)])
                let right = folders[Int(b.folder)].lazy.concatenated(names[b.start..<b.start + Int(b.length)])
                return left.lexicographicallyPrecedes(right)
            }
        }
    }

    private static func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(a.count, b.count)
        if common > 0, let aBase = a.baseAddress, let bBase = b.baseAddress {
            let order = memcmp(aBase, bBase, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }
}

extension LazySequenceProtocol {
    /// This sequence followed by `other`.
    fileprivate func concatenated<Other: Sequence<Element>>(_ other: Other) -> some Sequence<Element> {
        sequence(state: (elements.makeIterator(), other.makeIterator())) { state in
            state.0.next() ?? state.1.next()
        }
    }
}
