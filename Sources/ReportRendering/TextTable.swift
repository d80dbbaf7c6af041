/// A plain-text table with aligned columns: numbers right-aligned, text left-aligned.
///
/// When the table is wider than `maxWidth` (the terminal), each row becomes a block of
/// `column  value` lines instead, so nothing wraps.
struct TextTable {
    var header: [String]
    var rows: [[String]]
    var maxWidth: Int?

    func render() -> String {
        if let maxWidth, width > maxWidth { return renderAsBlocks() }
        return renderAsTable()
    }

    /// The width of the table laid out in columns.
    var width: Int {
        let cells = [header] + rows.map { $0.map(Escape.terminal) }
        return header.indices.reduce(0) { total, column in
            total + (cells.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0) + (column == 0 ? 0 : 2)
        }
    }

    func renderAsBlocks() -> String {
        let labelWidth = header.dropFirst().map(\.count).max() ?? 0
        return rows.map { row in
            var block = Escape.terminal(row.first ?? "") + "\n"
            for (index, label) in header.enumerated().dropFirst() where index < row.count {
                block += "  " + label + String(repeating: " ", count: labelWidth - label.count) + "  " + Escape.terminal(row[index]) + "\n"
            }
            return block
        }.joined(separator: "\n")
    }

    func renderAsTable() -> String {
        let cells = [header] + rows.map { $0.map(Escape.terminal) }
        var widths = [Int](repeating: 0, count: header.count)
        for row in cells {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        let numeric = (0..<header.count).map { column in
            rows.allSatisfy { row in
                column < row.count && row[column].allSatisfy { $0.isNumber || $0 == "." || $0 == "%" || $0 == "–" || $0 == "," }
            } && !rows.isEmpty
        }
        var lines: [String] = []
        for (rowIndex, row) in cells.enumerated() {
            var line = ""
            for (index, cell) in row.enumerated() where index < widths.count {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                line += index == 0 ? "" : "  "
                line += numeric[index] && rowIndex > 0 ? padding + cell : cell + padding
            }
            lines.append(String(line.reversed().drop { $0 == " " }.reversed()))
            if rowIndex == 0 {
                lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
