/// Reads integers the way reporters write them: trimmed, with an optional sign, and for
/// timestamps an optional decimal part that is dropped (`1524268799 `, `1700000000.5`).
enum NumberText {
    static func integer(_ text: String, allowFraction: Bool) -> Int64? {
        var digits = Substring(text.trimmedWhitespace())
        if allowFraction, let dot = digits.firstIndex(of: ".") {
            let fraction = digits[digits.index(after: dot)...]
            guard fraction.allSatisfy(\.isASCIIDigit) else { return nil }
            digits = digits[..<dot]
        }
        if digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        return Int64(digits)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
