/// An entry point for the fuzzer (`scripts/fuzz 60 columns`): the reader of the record result
/// columns on arbitrary bytes, as a damaged or tampered database file could hold them.
package enum RecordResultsFuzzing {
    package static func exercise(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            let objects = RecordResultsColumns.objects(in: buffer)
            var visited = 0
            let read = RecordResultsColumns.forEachObject(in: buffer, names: ["domain", "result"]) { _ in visited += 1 }
            // Both entry points accept the same texts, and see the same objects.
            precondition(read == (objects != nil), "the two readers disagree on what they accept")
            precondition(!read || visited == objects?.count, "the two readers see different objects")
        }
    }
}
