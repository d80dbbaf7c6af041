import ReportModel

/// Counts as people read them: `4,039`, `1 message`, `2 sources`.
public enum Count {
    /// The count with a comma every three digits.
    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// The count with a comma every three digits.
    public static func grouped(_ value: Int) -> String { grouped(Int64(value)) }

    /// `1 message`, `4,039 messages`.
    public static func messages(_ value: Int64) -> String { of(value, "message") }

    /// `1 noun`, `2 nouns` (the plural adds an s).
    public static func of(_ value: Int64, _ noun: String) -> String {
        "\(grouped(value)) \(noun)\(value == 1 ? "" : "s")"
    }
    /// `1 noun`, `2 nouns` (the plural adds an s).
    public static func of(_ value: Int, _ noun: String) -> String { of(Int64(value), noun) }
}

/// Rates as people read them: `98.9%`, one decimal, `–` when there is nothing to divide.
public enum Percent {
    /// `98.9%`, or `–` for no rate (nothing to divide).
    public static func format(_ rate: Double?) -> String {
        guard let rate else { return "–" }
        // Rates are shares of counts (0 to 1); a value out of range must not trap the conversion.
        let tenths = Int(max(-1e15, min(1e15, (rate * 1000).rounded())))
        return "\(tenths / 10).\(abs(tenths) % 10)%"
    }
}

extension Dictionary where Value: Comparable, Key: Comparable {
    /// The entries biggest value first, ties by key: the order of every ranked list.
    public func rankedByValue() -> [(key: Key, value: Value)] {
        sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    }
}
