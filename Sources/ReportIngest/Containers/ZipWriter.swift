import CZlibShim
import Foundation

/// Writes a zip archive (PKWARE APPNOTE 6.3, the subset every reader takes): each entry
/// deflated (or stored when that is smaller), with its CRC-32, local headers, a central
/// directory and its end record; names in UTF-8 (flag bit 11). No ZIP64: an archive is refused
/// past 4 GiB or 65,535 entries. For the files a digest attaches (docs/digest.md).
public enum ZipWriter {
    /// One file of the archive.
    public struct Entry: Sendable {
        public var name: String
        public var bytes: [UInt8]

        /// A file named `name` (a relative path with `/`).
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The archive's bytes; nil when zlib fails or the archive would need ZIP64.
    public static func archive(_ entries: [Entry], modified: Date = Date()) -> [UInt8]? {
        guard entries.count < 0xFFFF else { return nil }
        let (time, date) = dosTime(modified)
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            let crc = entry.bytes.withUnsafeBufferPointer { buffer in
                UInt32(crc32(0, buffer.baseAddress, UInt32(clamping: buffer.count)))
            }
            let packed = Inflater.deflate(entry.bytes, level: 6, raw: true)
            let (method, data): (UInt16, [UInt8]) =
                if let packed, packed.count < entry.bytes.count { (8, packed) } else { (0, entry.bytes) }
            guard out.count < 0xFFFF_FFFF - data.count - 30 - name.count, entry.bytes.count < 0xFFFF_FFFF,
                name.count < 0xFFFF
            else { return nil }
            let offset = UInt32(out.count)
            var local: [UInt8] = []
            local.append(le32: 0x0403_4b50)
            local.append(le16: 20)  // version needed: 2.0
            local.append(le16: 0x0800)  // UTF-8 names
            local.append(le16: method)
            local.append(le16: time)
            local.append(le16: date)
            local.append(le32: crc)
            local.append(le32: UInt32(data.count))
            local.append(le32: UInt32(entry.bytes.count))
            local.append(le16: UInt16(name.count))
            local.append(le16: 0)
            out += local + name + data
            central.append(le32: 0x0201_4b50)
            central.append(le16: 0x031E)  // made by: Unix, 3.0
            central.append(le16: 20)
            central.append(le16: 0x0800)
            central.append(le16: method)
            central.append(le16: time)
            central.append(le16: date)
            central.append(le32: crc)
            central.append(le32: UInt32(data.count))
            central.append(le32: UInt32(entry.bytes.count))
            central.append(le16: UInt16(name.count))
            central += [0, 0, 0, 0, 0, 0, 0, 0]  // extra, comment, disk, internal attributes
            central.append(le32: 0o100644 << 16)  // a regular file, rw-r--r--
            central.append(le32: offset)
            central += name
        }
        guard out.count + central.count < 0xFFFF_FFFF else { return nil }
        let directoryOffset = UInt32(out.count)
        out += central
        out.append(le32: 0x0605_4b50)
        out += [0, 0, 0, 0]  // disk numbers
        out.append(le16: UInt16(entries.count))
        out.append(le16: UInt16(entries.count))
        out.append(le32: UInt32(central.count))
        out.append(le32: directoryOffset)
        out.append(le16: 0)
        return out
    }

    /// MS-DOS time and date, in UTC.
    static func dosTime(_ date: Date) -> (UInt16, UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = max(0, min(127, (parts.year ?? 1980) - 1980))
        let time = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
        let day = UInt16(year << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
        return (time, day)
    }
}

extension [UInt8] {
    fileprivate mutating func append(le16 value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func append(le32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
