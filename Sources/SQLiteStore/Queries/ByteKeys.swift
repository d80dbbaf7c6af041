#if canImport(Glibc)
    import Glibc
#endif

/// Finds the slot of a row's key, made of some of its text columns, by the columns' bytes: the
/// aggregations over the daily rollup read tens of thousands of rows and make a String only
/// per new key, not per row and column.
struct ByteKeyIndex {
    private var slotByHash: [UInt64: Int] = [:]
    /// Keys whose hash an earlier key already had.
    private var slotByKey: [[UInt8]: Int] = [:]
    private var keys: [[UInt8]] = []
    private var scratch: [UInt8] = []

    /// The slot of the key made of `columns` of the current row, numbered from 0 in the order
    /// keys were first seen, and whether the key is new.
    mutating func slot(of row: RawRows.Columns, columns: ClosedRange<Int32>) -> (slot: Int, isNew: Bool) {
        scratch.removeAll(keepingCapacity: true)
        // FNV-1a over the lengths and bytes: cheap for keys of a few dozen bytes; keys with
        // equal hashes are told apart byte for byte.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for column in columns {
            // Length-prefixed: ("ab", "c") and ("a", "bc") are different keys.
            let bytes = row.bytes(column)
            let length = UInt32(truncatingIfNeeded: bytes.count)
            scratch.append(UInt8(truncatingIfNeeded: length))
            scratch.append(UInt8(truncatingIfNeeded: length >> 8))
            scratch.append(UInt8(truncatingIfNeeded: length >> 16))
            scratch.append(UInt8(truncatingIfNeeded: length >> 24))
            scratch.append(contentsOf: bytes)
            hash = (hash ^ UInt64(length)) &* 0x0000_0100_0000_01b3
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        return slotOfScratch(hash: hash)
    }

    /// The slot of a key given as bytes.
    mutating func slot(of bytes: UnsafeBufferPointer<UInt8>) -> (slot: Int, isNew: Bool) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return slotOfScratch(hash: hash)
    }

    private mutating func slotOfScratch(hash: UInt64) -> (slot: Int, isNew: Bool) {
        if let slot = slotByHash[hash] {
            if Self.same(keys[slot], scratch) { return (slot, false) }
            if let slot = slotByKey[scratch] { return (slot, false) }
            slotByKey[scratch] = keys.count
        } else {
            slotByHash[hash] = keys.count
        }
        keys.append(scratch)
        return (keys.count - 1, true)
    }

    private static func same(_ one: [UInt8], _ other: [UInt8]) -> Bool {
        one.count == other.count
            && one.withUnsafeBytes { a in
                other.withUnsafeBytes { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
            }
    }
}

/// Strings for a text column with few distinct values (a disposition, a policy domain in
/// domain order), made once per value.
struct RecentTexts {
    private var entries: [(bytes: [UInt8], text: String)] = []
    private var last = 0
    private static let capacity = 16

    mutating func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if last < entries.count, Self.same(entries[last].bytes, bytes) { return entries[last].text }
        for (index, entry) in entries.enumerated() where Self.same(entry.bytes, bytes) {
            last = index
            return entry.text
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if entries.count == Self.capacity { entries.removeFirst() }
        entries.append((Array(bytes), text))
        last = entries.count - 1
        return text
    }

    private static func same(_ one: [UInt8], _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard one.count == other.count else { return false }
        guard let base = other.baseAddress, !one.isEmpty else { return true }
        return one.withUnsafeBytes { memcmp($0.baseAddress!, base, one.count) == 0 }
    }
}

/// Distinct reports per source key within one policy domain, for rows that each hold one
/// report's source IPs: a key remembers the last report it was counted for, so a report whose
/// several addresses share a key counts once, with no set of report ids per key.
struct ReportsPerKey {
    private var addresses = ByteKeyIndex()
    /// The key index of each address slot.
    private var keyOfAddress: [Int] = []
    private var indexOfKey: [String: Int] = [:]
    private var keys: [String] = []
    private var counts: [Int64] = []
    private var lastReport: [Int64] = []

    /// Counts `report` for the key of `address` (its own text when `keyOfIP` has none).
    mutating func count(address: UnsafeBufferPointer<UInt8>, report: Int64, keyOfIP: [String: String]) {
        let (slot, isNew) = addresses.slot(of: address)
        if isNew {
            let text = String(decoding: address, as: UTF8.self)
            let key = keyOfIP[text] ?? text
            if let index = indexOfKey[key] {
                keyOfAddress.append(index)
            } else {
                indexOfKey[key] = keys.count
                keyOfAddress.append(keys.count)
                keys.append(key)
                counts.append(0)
                lastReport.append(.min)
            }
        }
        let key = keyOfAddress[slot]
        if lastReport[key] != report {
            lastReport[key] = report
            counts[key] += 1
        }
    }

    var counted: [String: Int64] { Dictionary(uniqueKeysWithValues: zip(keys, counts)) }
}
