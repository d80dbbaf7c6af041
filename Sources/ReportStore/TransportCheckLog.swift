import Foundation
import ReportModel

/// Where the live transport checks are kept, each with its time (docs/transport.md): the pack
/// shows the latest beside the reports, and a check compares with the one before it.
public protocol TransportCheckLog: AnyObject, Sendable {
    /// Stores checks, replacing one of the same domain and second.
    func recordTransportChecks(_ checks: [TransportCheck]) throws(StoreError)
    /// The checks of `domains` made at `through` (Unix seconds) or before, newest first, at
    /// most `limit` per domain.
    func transportChecks(domains: [String], through: Int64, limit: Int) throws(StoreError) -> [TransportCheck]
}

/// How a check is stored: JSON of the model's Codable values, so a new field needs no migration.
/// A stored check that no longer decodes (written by a later version) is left out rather than
/// failing a query: the next check replaces it.
package enum TransportCheckCoding {
    package static func encode(_ check: TransportCheck) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(check), as: UTF8.self)
    }

    package static func decode(_ text: String) -> TransportCheck? {
        try? JSONDecoder().decode(TransportCheck.self, from: Data(text.utf8))
    }
}
