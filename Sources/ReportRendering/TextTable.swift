/// A plain-text table with aligned columns: numbers right-aligned, text left-aligned.
struct TextTable {
    var header: [String]
    var rows: [[String]]

    func render() -> String {
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
