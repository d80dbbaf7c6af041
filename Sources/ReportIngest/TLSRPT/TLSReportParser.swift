import Foundation
import ReportModel

/// Parses SMTP TLS reports (RFC 8460 JSON), tolerant where real reporters differ.
///
/// Accepted: `mx-host` and `mx-host-pattern`, each a string or an array; `additional-information`
/// and `additional-info-uri`; counts as numbers or numeric strings; `contact-info` null or
/// missing; `policy-domain` missing; `policy-string` as an array, one string, or one string that
/// holds a JSON array (Microsoft's TLSA); RFC 3339 dates with or without fraction and zone (no
/// zone means UTC); a byte-order mark. Malformed JSON, JSON that is not a TLS report, counts that
/// are negative or beyond 2^53 (the largest integer a JSON number keeps exactly), and nesting
/// deeper than 64 levels are rejected.
package struct TLSReportParser: Sendable {
    /// Caps on the document's size, strings and objects: reports come from strangers.
    public var limits: IngestLimits

    /// Deepest nesting of arrays and objects accepted (a real report nests 5 deep).
    public static let maxDepth = 64

    /// A parser with the given caps.
    public init(limits: IngestLimits = .standard) {
        self.limits = limits
    }

    /// Parses one JSON document (a byte-order mark allowed); throws ``IngestError`` with the reason.
    public func parse(_ bytes: [UInt8]) throws(IngestError) -> TLSReport {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        try Self.checkShape(body, maxStringBytes: limits.maxFieldBytes, maxContainers: limits.maxJSONContainers)
        let wire: WireReport
        do {
            wire = try JSONDecoder().decode(WireReport.self, from: Data(body))
        } catch let error as IngestError {
            throw error
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw IngestError(.malformedJSON, "not valid JSON (\(Self.describe(context.underlyingError)))")
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw IngestError(.malformedJSON, "\(error)")
        }
        return try wire.makeReport(limits: limits)
    }

    /// Refuses, before any decoder sees them, documents nested deeper than ``maxDepth``, with
    /// more than `maxContainers` objects and arrays (the decoder's memory grows with them), or
    /// with a string (a key or a value, known or not) longer than `maxStringBytes` as written:
    /// one cap for every text field (SECURITY.md).
    static func checkShape(_ bytes: ArraySlice<UInt8>, maxStringBytes: Int, maxContainers: Int = .max)
        throws(IngestError)
    {
        var depth = 0
        var containers = 0
        var inString = false
        var escaped = false
        var stringStart = 0
        for index in bytes.indices {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if index - stringStart > maxStringBytes {
                    let head = String(decoding: bytes[(stringStart + 1)..<min(stringStart + 41, index)], as: UTF8.self)
                    throw IngestError(
                        .tooLarge,
                        "a string longer than \(maxStringBytes) bytes (\"\(head.replacingControlCharacters())…\")")
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                stringStart = index
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                containers += 1
                if depth > maxDepth { throw IngestError(.malformedJSON, "nested more than \(maxDepth) levels deep") }
                if containers > maxContainers {
                    throw IngestError(
                        .tooLarge, "more than \(maxContainers) objects and arrays (a real report holds a few dozen)")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }

    static func describe(_ error: (any Error)?) -> String {
        guard let error else { return "unreadable" }
        let text = "\(error)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    static func describe(_ error: DecodingError) -> IngestError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? "/\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context):
            let where_ = path(context.codingPath)
            let code: IngestError.Code = context.codingPath.isEmpty ? .notAReport : .missingField
            return IngestError(code, "\(where_.isEmpty ? "" : where_ + ": ")missing \"\(key.stringValue)\"")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            if context.codingPath.isEmpty { return IngestError(.notAReport, "JSON document is not an object") }
            return IngestError(.invalidValue, "\(path(context.codingPath)): \(context.debugDescription)")
        case .dataCorrupted(let context):
            return IngestError(.invalidValue, "\(path(context.codingPath)): \(context.debugDescription)")
        @unknown default:
            return IngestError(.malformedJSON, "\(error)")
        }
    }
}

// MARK: - Wire shapes

/// A string or an array of strings.
struct StringList: Decodable {
    var values: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            values = []
        } else if let one = try? container.decode(String.self) {
            values = [one]
        } else {
            values = try container.decode([String?].self).compactMap { $0 }
        }
    }
}

/// A non-negative 64-bit count, written as a number or a numeric string.
struct Count: Decodable {
    var value: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let parsed: Int64?
        if let number = try? container.decode(Int64.self) {
            parsed = number
        } else if let text = try? container.decode(String.self) {
            parsed = Int64(text.trimmedWhitespace())
        } else {
            parsed = nil
        }
        guard let parsed, parsed >= 0 else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "not a count of sessions (a whole number from 0 to 2^53)"))
        }
        guard parsed <= ReportCounts.maximum else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "\(parsed) sessions is more than any reporter can have seen (the most is 2^53)"))
        }
        value = parsed
    }
}

struct WireReport: Decodable {
    struct DateRangeWire: Decodable {
        var start: String
        var end: String
        enum CodingKeys: String, CodingKey {
            case start = "start-datetime"
            case end = "end-datetime"
        }
    }

    struct PolicyWire: Decodable {
        var policyType: String?
        var policyString: StringList?
        var policyDomain: String?
        var mxHost: StringList?
        var mxHostPattern: StringList?

        enum CodingKeys: String, CodingKey {
            case policyType = "policy-type"
            case policyString = "policy-string"
            case policyDomain = "policy-domain"
            case mxHost = "mx-host"
            case mxHostPattern = "mx-host-pattern"
        }
    }

    struct SummaryWire: Decodable {
        var successful: Count?
        var failed: Count?
        enum CodingKeys: String, CodingKey {
            case successful = "total-successful-session-count"
            case failed = "total-failure-session-count"
        }
    }

    struct DetailWire: Decodable {
        var resultType: String?
        var sendingMTAIP: String?
        var receivingMXHostname: String?
        var receivingMXHelo: String?
        var receivingIP: String?
        var failedSessionCount: Count?
        var additionalInformation: String?
        var additionalInfoURI: String?
        var failureReasonCode: String?

        enum CodingKeys: String, CodingKey {
            case resultType = "result-type"
            case sendingMTAIP = "sending-mta-ip"
            case receivingMXHostname = "receiving-mx-hostname"
            case receivingMXHelo = "receiving-mx-helo"
            case receivingIP = "receiving-ip"
            case failedSessionCount = "failed-session-count"
            case additionalInformation = "additional-information"
            case additionalInfoURI = "additional-info-uri"
            case failureReasonCode = "failure-reason-code"
        }
    }

    struct PolicyResultWire: Decodable {
        var policy: PolicyWire?
        var summary: SummaryWire?
        var failureDetails: [DetailWire]?
        enum CodingKeys: String, CodingKey {
            case policy
            case summary
            case failureDetails = "failure-details"
        }
    }

    var organizationName: String?
    var dateRange: DateRangeWire
    var contactInfo: String?
    var reportID: String?
    var policies: [PolicyResultWire]

    enum CodingKeys: String, CodingKey {
        case organizationName = "organization-name"
        case dateRange = "date-range"
        case contactInfo = "contact-info"
        case reportID = "report-id"
        case policies
    }

    func makeReport(limits: IngestLimits) throws(IngestError) -> TLSReport {
        func text(_ value: String?) -> String? {
            guard let trimmed = value?.trimmedWhitespace(), !trimmed.isEmpty else { return nil }
            return trimmed
        }
        let contact = text(contactInfo)
        guard let organization = text(organizationName) ?? contact.flatMap(ReportMetadata.domain(ofAddress:)) else {
            throw IngestError(.missingField, "missing \"organization-name\"")
        }
        guard let reportID = text(reportID) else { throw IngestError(.missingField, "missing \"report-id\"") }
        guard let start = RFC3339.timestamp(dateRange.start) else {
            throw IngestError(
                .invalidValue,
                "date-range/start-datetime '\(dateRange.start.prefix(40))' is not an RFC 3339 date from 1970 to 9999")
        }
        guard var end = RFC3339.timestamp(dateRange.end) else {
            throw IngestError(
                .invalidValue,
                "date-range/end-datetime '\(dateRange.end.prefix(40))' is not an RFC 3339 date from 1970 to 9999")
        }
        // An end at 23:59:59 means "through the end of that day".
        if (end + 1) % DaySpread.secondsPerDay == 0 && end > start { end += 1 }
        guard end >= start else { throw IngestError(.invalidValue, "date-range ends before it begins") }

        var results: [TLSPolicyResult] = []
        for (index, wire) in policies.enumerated() {
            guard let policy = wire.policy else {
                throw IngestError(.missingField, "policies[\(index)]: missing \"policy\"")
            }
            guard let typeText = policy.policyType, let type = TLSPolicyType(normalizing: typeText) else {
                throw IngestError(.missingField, "policies[\(index)]/policy: missing \"policy-type\"")
            }
            let details = (wire.failureDetails ?? []).map { detail in
                TLSFailureDetail(
                    resultType: detail.resultType.flatMap(TLSResultType.init(normalizing:))
                        ?? TLSResultType(rawValue: "unspecified"),
                    sendingMTAIP: text(detail.sendingMTAIP).map(IPAddressText.canonical),
                    receivingMXHostname: text(detail.receivingMXHostname).map(PublishedPolicy.normalizedDomain),
                    receivingMXHelo: text(detail.receivingMXHelo),
                    receivingIP: text(detail.receivingIP).map(IPAddressText.canonical),
                    failedSessionCount: detail.failedSessionCount?.value ?? 0,
                    additionalInformation: text(detail.additionalInformation) ?? text(detail.additionalInfoURI),
                    failureReasonCode: text(detail.failureReasonCode))
            }
            let strings = (policy.policyString?.values ?? []).flatMap(Self.unpackPolicyString)
            let mx = (policy.mxHost?.values ?? []) + (policy.mxHostPattern?.values ?? [])
            results.append(
                TLSPolicyResult(
                    policy: TLSPolicy(
                        type: type, strings: strings,
                        domain: text(policy.policyDomain).map(PublishedPolicy.normalizedDomain),
                        mxHosts: mx.compactMap(text)),
                    successfulSessions: wire.summary?.successful?.value ?? 0,
                    failedSessions: wire.summary?.failed?.value ?? 0,
                    failureDetails: details))
        }
        // Each count is at most 2^53, so these sums cannot overflow; their total is held to the
        // same bound as one count (docs/counting.md).
        var sessions: Int64 = 0
        let counts = results.lazy.flatMap { result in
            [result.successfulSessions, result.failedSessions] + result.failureDetails.map(\.failedSessionCount)
        }
        for count in counts {
            sessions += count
            guard sessions <= ReportCounts.maximum else {
                throw IngestError(
                    .invalidValue, "the session counts add up to more than 2^53, more than any reporter can have seen")
            }
        }
        return TLSReport(
            organizationName: organization, dateRange: DateRange(begin: start, end: end), contactInfo: contact,
            reportID: reportID, policies: results)
    }

    /// Microsoft sends TLSA records as one string that holds a JSON array: unpack it.
    static func unpackPolicyString(_ value: String) -> [String] {
        let trimmed = value.trimmedWhitespace()
        guard trimmed.hasPrefix("["), let inner = try? JSONDecoder().decode([String].self, from: Data(trimmed.utf8))
        else {
            return [value]
        }
        return inner
    }
}

/// RFC 3339 date-times as reporters write them.
enum RFC3339 {
    /// Seconds since the epoch for `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` (`T` or a space;
    /// no zone means UTC). `nil` for anything else, or a year outside 1970–9999.
    static func timestamp(_ text: String) -> Int64? {
        let chars = Array(text.trimmedWhitespace().utf8)
        func number(_ from: Int, _ length: Int) -> Int64? {
            guard from + length <= chars.count else { return nil }
            var value: Int64 = 0
            for byte in chars[from..<from + length] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard chars.count >= 19, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
            [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(chars[10]),
            chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            year >= 1970, (1...12).contains(month), day >= 1, day <= DayPeriod.daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        if index < chars.count, chars[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < chars.count, chars[index] >= 0x30, chars[index] <= 0x39 { index += 1 }
            guard index > start else { return nil }
        }
        var offset: Int64 = 0
        if index < chars.count {
            switch chars[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let hours = number(index + 1, 2), chars.count > index + 3, chars[index + 3] == UInt8(ascii: ":"),
                    let minutes = number(index + 4, 2), hours < 24, minutes < 60
                else { return nil }
                offset = (hours * 3600 + minutes * 60) * (chars[index] == UInt8(ascii: "+") ? 1 : -1)
                index += 6
            default:
                return nil
            }
        }
        guard index == chars.count else { return nil }
        let days = DayPeriod.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * DaySpread.secondsPerDay + hour * 3600 + minute * 60 + min(second, 59) - offset
        guard seconds >= 0, seconds <= DateRange.latestTimestamp else { return nil }
        return seconds
    }
}
