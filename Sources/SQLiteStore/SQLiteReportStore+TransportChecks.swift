import GRDB
import ReportModel
import ReportStore

extension SQLiteReportStore {
    /// Stores checks, replacing one of the same domain and second.
    public func recordTransportChecks(_ checks: [TransportCheck]) throws(StoreError) {
        guard !checks.isEmpty else { return }
        try write("recording transport checks") { db in
            for check in checks {
                try db.execute(
                    sql: """
                        INSERT INTO transport_check (domain, checked_at, result) VALUES (?, ?, ?)
                        ON CONFLICT(domain, checked_at) DO UPDATE SET result = excluded.result
                        """, arguments: [check.domain, check.checkedAt, try TransportCheckCoding.encode(check)])
            }
        }
    }

    /// The checks of `domains` made at `through` or before, newest first, at most `limit` per domain.
    public func transportChecks(domains: [String], through: Int64, limit: Int) throws(StoreError)
        -> [TransportCheck]
    {
        try read("reading transport checks") { db in
            var checks: [TransportCheck] = []
            for domain in domains {
                let rows = try String.fetchAll(
                    db,
                    sql: """
                        SELECT result FROM transport_check WHERE domain = ? AND checked_at <= ?
                        ORDER BY checked_at DESC LIMIT ?
                        """, arguments: [domain, through, limit])
                checks += rows.compactMap(TransportCheckCoding.decode)
            }
            return checks
        }
    }
}
