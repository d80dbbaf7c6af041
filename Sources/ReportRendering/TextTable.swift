/// A plain-text table with aligned columns: numbers right-aligned, text left-aligned.
///
/// When the table is wider than `maxWidth` (the terminal), each row becomes a block of
/// `column  value` lines instead, so nothing wraps.
///
/// Rows are kept as their escaped bytes, one buffer for the whole table, with the column widths
/// measured as they come: a table of 500,000 rows holds its text, not a String per cell.
struct TextTable {
    let header: [String]
    var maxWidth: Int?
    /// Each body row's escaped cells, separated by a NUL (escaped text never holds one).
    private var bytes: [UInt8] = []
    /// Where each body row ends in `bytes`.
    private var rowEnds: [Int] = []
    private var widths: [Int]
    /// Per column: every body row so far has a cell there that reads as a number.
    private var numeric: [Bool]

    init(header: [String], maxWidth: Int? = nil) {
        // Labels can come from reports too (a disposition's name): escaped like any cell.
        self.header = header.map(Escape.terminal)
        self.maxWidth = maxWidth
        widths = self.header.map { Self.characters($0) }
        numeric = [Bool](repeating: true, count: header.count)
    }

    init(header: [String], rows: [[String]], maxWidth: Int?) {
        self.init(header: header, maxWidth: maxWidth)
        for row in rows { append(row) }
    }

    var isEmpty: Bool { rowEnds.isEmpty }

    /// Adds a body row: its cells are escaped and measured once, for the layout and the width check.
    mutating func append(_ row: [String]) {
        for (index, cell) in row.enumerated() {
            let escaped = Escape.terminal(cell)
            if index > 0 { bytes.append(0) }
            bytes.append(contentsOf: escaped.utf8)
            if index < widths.count {
                widths[index] = max(widths[index], Self.characters(escaped))
                if numeric[index], !Self.isNumeric(cell) { numeric[index] = false }
            }
        }
        for index in row.count..<max(row.count, header.count) { numeric[index] = false }
        rowEnds.append(bytes.count)
    }

    func render() -> String {
        var text = ""
        render { text += $0 }
        return text
    }

    /// Writes the table in pieces of about 64 KB to `write`.
    func render(_ write: (String) -> Void) {
        let width = widths.enumerated().reduce(0) { $0 + $1.element + ($1.offset == 0 ? 0 : 2) }
        ChunkedOutput.with(write) { output in
            if let maxWidth, width > maxWidth {
                renderAsBlocks(&output)
            } else {
                renderAsTable(&output)
            }
        }
    }

    /// The number of characters of `text`: its byte count when it is ASCII, which most cells are.
    static func characters(_ text: String) -> Int {
        text.utf8.allSatisfy { $0 < 0x80 } ? text.utf8.count : text.count
    }

    /// Whether a cell reads as a number (digits, separators, a percent sign or a dash).
    static func isNumeric(_ cell: String) -> Bool {
        cell.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || $0 == "." || $0 == "%" || $0 == "–" || $0 == "," }
    }

    /// The escaped cells of body row `index`.
    private func cells(ofRow index: Int) -> [String] {
        let start = index == 0 ? 0 : rowEnds[index - 1]
        return bytes[start..<rowEnds[index]].split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    private func renderAsBlocks(_ output: inout ChunkedOutput) {
        let labelWidth = header.dropFirst().map(\.count).max() ?? 0
        for rowIndex in rowEnds.indices {
            let row = cells(ofRow: rowIndex)
            if rowIndex > 0 { output.append("\n") }
            output.append((row.first ?? "") + "\n")
            for (index, label) in header.enumerated().dropFirst() where index < row.count {
                output.append(
                    "  " + label + String(repeating: " ", count: labelWidth - label.count) + "  " + row[index] + "\n")
            }
        }
    }

    private func renderAsTable(_ output: inout ChunkedOutput) {
        let alignRight = rowEnds.isEmpty ? numeric.map { _ in false } : numeric
        func line(_ row: [String], body: Bool) {
            var line = ""
            for (index, cell) in row.enumerated() where index < widths.count {
                let padding = String(repeating: " ", count: widths[index] - Self.characters(cell))
                line += index == 0 ? "" : "  "
                line += alignRight[index] && body ? padding + cell : cell + padding
            }
            // Without the trailing spaces (bytes: a space is one byte in UTF-8).
            let kept = line.utf8.reversed().drop { $0 == UInt8(ascii: " ") }.count
            output.append(String(decoding: line.utf8.prefix(kept), as: UTF8.self) + "\n")
        }
        line(header.map(Escape.terminal), body: false)
        output.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n")
        for rowIndex in rowEnds.indices { line(cells(ofRow: rowIndex), body: true) }
    }
}

/// Text handed on in pieces of about 64 KB, so that a long output is never one String.
struct ChunkedOutput: ~Copyable {
    private var pending = ""
    private let write: (String) -> Void

    /// Runs `body` with an output handing its text to `write`, flushed at the end.
    static func with(_ write: (String) -> Void, _ body: (inout ChunkedOutput) -> Void) {
        withoutActuallyEscaping(write) { write in
            var output = ChunkedOutput(write: write)
            body(&output)
            output.flush()
        }
    }

    private init(write: @escaping (String) -> Void) {
        self.write = write
    }

    mutating func append(_ text: String) {
        pending += text
        if pending.utf8.count >= 64 << 10 { flush() }
    }

    mutating func flush() {
        guard !pending.isEmpty else { return }
        write(pending)
        pending = ""
    }
}
