/// A plain-text table with aligned columns: numbers right-aligned, text left-aligned.
///
/// When the table is wider than `maxWidth` (the terminal), each row becomes a block of
/// `column  value` lines instead, so nothing wraps.
struct TextTable {
    var header: [String]
    var rows: [[String]]
    var maxWidth: Int?

    func render() -> String {
        // Cells escaped and measured once, for the width check and the layout alike.
        let cells = [header] + rows.map { $0.map(Escape.terminal) }
        let widths = columnWidths(cells)
        let width = widths.enumerated().reduce(0) { $0 + $1.element + ($1.offset == 0 ? 0 : 2) }
        if let maxWidth, width > maxWidth { return renderAsBlocks() }
        return renderAsTable(cells, widths: widths)
    }

    /// The widest cell of each column, in characters.
    private func columnWidths(_ cells: [[String]]) -> [Int] {
        var widths = [Int](repeating: 0, count: header.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Self.characters(cell))
            }
        }
        return widths
    }

    /// The number of characters of `text`: its byte count when it is ASCII, which most cells are.
    static func characters(_ text: String) -> Int {
        text.utf8.allSatisfy { $0 < 0x80 } ? text.utf8.count : text.count
    }

    /// Whether a cell reads as a number (digits, separators, a percent sign or a dash).
    static func isNumeric(_ cell: String) -> Bool {
        cell.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || $0 == "." || $0 == "%" || $0 == "–" || $0 == "," }
    }

    private func renderAsBlocks() -> String {
        let labelWidth = header.dropFirst().map(\.count).max() ?? 0
        return rows.map { row in
            var block = Escape.terminal(row.first ?? "") + "\n"
            for (index, label) in header.enumerated().dropFirst() where index < row.count {
                block += "  " + label + String(repeating: " ", count: labelWidth - label.count) + "  " + Escape.terminal(row[index]) + "\n"
            }
            return block
        }.joined(separator: "\n")
    }

    private func renderAsTable(_ cells: [[String]], widths: [Int]) -> String {
        let numeric = (0..<header.count).map { column in
            rows.allSatisfy { row in column < row.count && Self.isNumeric(row[column]) } && !rows.isEmpty
        }
        var lines: [String] = []
        for (rowIndex, row) in cells.enumerated() {
            var line = ""
            for (index, cell) in row.enumerated() where index < widths.count {
                let padding = String(repeating: " ", count: widths[index] - Self.characters(cell))
                line += index == 0 ? "" : "  "
                line += numeric[index] && rowIndex > 0 ? padding + cell : cell + padding
            }
            // Without the trailing spaces (bytes: a space is one byte in UTF-8).
            let kept = line.utf8.reversed().drop { $0 == UInt8(ascii: " ") }.count
            lines.append(String(decoding: line.utf8.prefix(kept), as: UTF8.self))
            if rowIndex == 0 {
                lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
