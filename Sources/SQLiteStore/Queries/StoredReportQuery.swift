import Foundation
import GRDB
import ReportModel
import ReportStore

extension SQLiteReportStore {
    /// The stored DMARC reports of a policy domain, in begin order, as the model reads them.
    package func dmarcReports(domain: String) throws(StoreError) -> [AggregateReport] {
        try read("reading reports") { db in
            let reports = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.org_name, r.email, r.extra_contact_info, r.report_id, r.begin, r.end, r.errors,
                        r.generator, r.version, r.namespace,
                        p.domain, p.adkim, p.aspf, p.p, p.sp, p.np, p.pct, p.fo, p.testing, p.discovery_method
                    FROM dmarc_report r JOIN dmarc_policy p ON p.report_id = r.id
                    WHERE r.policy_domain = ? ORDER BY r.begin, r.id
                    """,
                arguments: [domain])
            return try reports.map { row in
                let errors =
                    (row["errors"] as String?).flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
                    ?? []
                let metadata = ReportMetadata(
                    orgName: row["org_name"], email: row["email"], extraContactInfo: row["extra_contact_info"],
                    reportID: row["report_id"], dateRange: DateRange(begin: row["begin"], end: row["end"]),
                    errors: errors, generator: row["generator"])
                let policy = PublishedPolicy(
                    domain: row["domain"], adkim: (row["adkim"] as String?).map(AlignmentMode.init(rawValue:)),
                    aspf: (row["aspf"] as String?).map(AlignmentMode.init(rawValue:)),
                    p: (row["p"] as String?).map(Disposition.init(rawValue:)),
                    sp: (row["sp"] as String?).map(Disposition.init(rawValue:)),
                    np: (row["np"] as String?).map(Disposition.init(rawValue:)), pct: row["pct"], fo: row["fo"],
                    testing: (row["testing"] as String?).map(TestingFlag.init(rawValue:)),
                    discoveryMethod: (row["discovery_method"] as String?).map(DiscoveryMethod.init(rawValue:)))
                return AggregateReport(
                    metadata: metadata, policy: policy, records: try Self.records(ofReport: row["id"], in: db),
                    version: row["version"], namespace: row["namespace"])
            }
        }
    }

    static func records(ofReport reportID: Int64, in db: Database) throws -> [AggregateRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM dmarc_record WHERE report_id = ? ORDER BY id", arguments: [reportID])
            .map { row in
                let reasons = try RecordResultsColumns.reasons(from: row["reasons"])
                let dkim = try RecordResultsColumns.dkim(from: row["dkim_results"])
                let spf = try RecordResultsColumns.spf(from: row["spf_results"])
                return AggregateRecord(
                    sourceIP: row["source_ip"], count: row["count"],
                    disposition: (row["disposition"] as String?).map(Disposition.init(rawValue:)),
                    dkim: (row["dkim"] as String?).map(AlignedVerdict.init(rawValue:)),
                    spf: (row["spf"] as String?).map(AlignedVerdict.init(rawValue:)), reasons: reasons,
                    headerFrom: row["header_from"], envelopeFrom: row["envelope_from"], envelopeTo: row["envelope_to"],
                    dkimResults: dkim, spfResults: spf)
            }
    }

    /// A raw input's stored bytes and their encoding.
    package func rawInput(sha256: [UInt8]) throws(StoreError) -> (encoding: StoredEncoding, bytes: [UInt8])? {
        try read("reading a raw input") { db in
            try Row.fetchOne(
                db, sql: "SELECT encoding, data, in_folder FROM raw_input WHERE sha256 = ?", arguments: [Data(sha256)]
            )
            .map { row in
                (
                    StoredEncoding(stored: row["encoding"]),
                    row["in_folder"] ? try rawFile(sha256) : [UInt8](row["data"] as Data)
                )
            }
        }
    }

    /// Row counts of the main tables, for checks and diagnostics.
    package func tableCounts() throws(StoreError) -> [String: Int] {
        try read("counting rows") { db in
            var counts: [String: Int] = [:]
            for table in ["raw_input", "dmarc_report", "dmarc_record", "dmarc_report_ips", "dmarc_daily", "ingest_log"]
            {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            return counts
        }
    }
}
