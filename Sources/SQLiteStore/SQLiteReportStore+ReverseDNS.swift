import GRDB
import ReportModel
import ReportStore

extension SQLiteReportStore {
    /// Every distinct address the reports name as a sender (DMARC `source_ip`, TLS-RPT
    /// `sending-mta-ip`) that has no cached reverse DNS entry valid at `now`, in text order, at
    /// most `limit`.
    public func addressesNeedingReverseDNS(now: Int64, limit: Int? = nil) throws(StoreError) -> [String] {
        try read("listing addresses to look up") { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT ip FROM (
                        SELECT DISTINCT source_ip AS ip FROM dmarc_daily
                        UNION SELECT DISTINCT sending_mta_ip FROM tls_failure WHERE sending_mta_ip IS NOT NULL
                    ) WHERE ip <> '' AND ip NOT IN (SELECT ip FROM reverse_dns WHERE expires_at > ?)
                    ORDER BY ip LIMIT ?
                    """, arguments: [now, limit ?? -1])
        }
    }

    /// Stores lookups, replacing older entries for the same addresses, in one transaction.
    public func saveReverseDNS(_ entries: [ReverseDNSEntry]) throws(StoreError) {
        try write("saving reverse DNS") { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO reverse_dns (ip, status, names, confirmed_name, ttl, resolved_at, expires_at, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for entry in entries {
                try statement.execute(arguments: [
                    entry.ip, entry.status.rawValue, try Self.json(entry.names), entry.confirmedName, entry.ttl,
                    entry.resolvedAt, entry.expiresAt, entry.detail,
                ])
            }
        }
    }

    /// The cached entries, by address; expired ones too (an old name beats none).
    public func reverseDNS() throws(StoreError) -> [String: ReverseDNSEntry] {
        try read("reading reverse DNS") { db in
            var entries: [String: ReverseDNSEntry] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT ip, status, names, confirmed_name, ttl, resolved_at, expires_at, detail FROM reverse_dns")
            while let row = try rows.next() {
                let ip: String = row[0]
                entries[ip] = ReverseDNSEntry(
                    ip: ip, status: ReverseDNSEntry.Status(rawValue: row[1]) ?? .failed, names: Self.strings(row[2]),
                    confirmedName: row[3], ttl: row[4], resolvedAt: row[5], expiresAt: row[6], detail: row[7])
            }
            return entries
        }
    }
}
