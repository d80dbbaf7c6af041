import Foundation
import GRDB
import ReportModel
import ReportStore

// A DMARC report's rows: the report, its policy, its records, its source list and its share
// of the per-day rollup.
extension SQLiteReportStore {
    /// Inserts a report and its children. Returns its row id and whether it was new.
    static func insert(
        _ report: AggregateReport, from origin: InputOrigin, part: String, arrival: Int64, suffixes: PublicSuffixList,
        in db: Database
    ) throws -> (Int64, Bool) {
        let meta = report.metadata
        let reporter = meta.reporterKey(suffixes)
        let (counted, flags) = meta.dateRange.countedSpan(arrival: arrival)
        let errors = meta.errors.isEmpty ? nil : String(decoding: try JSONEncoder().encode(meta.errors), as: UTF8.self)
        let insertReport = try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO dmarc_report(reporter, org_name, email, extra_contact_info, report_id, policy_domain,
                    begin, end, version, namespace, generator, errors, schema, record_count, message_count,
                    raw_input_id, input, part, imported_at, mail_message_id, counted_begin, counted_end, range_flags)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (reporter, report_id, policy_domain, begin, end) DO NOTHING
                """)
        guard
            let reportID = try insertReport.runInsertingRowID(
                .text(reporter), .text(meta.orgName), .text(meta.email), .text(meta.extraContactInfo),
                .text(meta.reportID),
                .text(report.policy.domain), .integer(meta.dateRange.begin), .integer(meta.dateRange.end),
                .text(report.version),
                .text(report.namespace), .text(meta.generator), .text(errors),
                .text(report.isRFC9990 ? "rfc9990" : "rfc7489"),
                .integer(Int64(report.recordCount)), .integer(report.messageCount), .integer(origin.rawInputID),
                .text(origin.input), .text(part), .integer(now()), .integer(origin.messageID), .integer(counted.begin),
                .integer(counted.end),
                .text(flags.isEmpty ? nil : flags.names))
        else {
            let existing = try Int64.fetchOne(
                db,
                sql: """
                    SELECT id FROM dmarc_report
                    WHERE reporter = ? AND report_id = ? AND policy_domain = ? AND begin = ? AND end = ?
                    """,
                arguments: [reporter, meta.reportID, report.policy.domain, meta.dateRange.begin, meta.dateRange.end])
            return (existing ?? 0, false)
        }
        let policy = report.policy
        try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO dmarc_policy(report_id, domain, adkim, aspf, p, sp, np, pct, fo, testing, discovery_method)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).run(
            .integer(reportID), .text(policy.domain), .text(policy.adkim?.rawValue), .text(policy.aspf?.rawValue),
            .text(policy.p?.rawValue), .text(policy.sp?.rawValue), .text(policy.np?.rawValue), .text(policy.pct),
            .text(policy.fo),
            .text(policy.testing?.rawValue), .text(policy.discoveryMethod?.rawValue))
        let insertRecord = try FastInsert(
            db,
            sql: """
                INSERT OR FAIL INTO dmarc_record(report_id, source_ip, count, disposition, dkim, spf, header_from,
                    envelope_from, envelope_to, dkim_results, spf_results, reasons, relayed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let rollup = try DailyRollup(db)
        let reporterOrg = DailyRollupRule.reporterOrg(meta.orgName)
        let domain = report.policy.domain
        // A report's distinct source IPs, one row per part of at most `ipsPerPart` records, so
        // that a report of millions of records never holds them all (a repeat across parts is
        // harmless: the correlation counts a report once per source).
        var sourcesSeen: Set<String> = []
        var sources = SourceIPList()
        var sourcesPart = 0
        let insertIPs = try FastInsert(
            db,
            sql:
                "INSERT OR FAIL INTO dmarc_report_ips(policy_domain, end, report_id, part, begin, source_ips) VALUES (?, ?, ?, ?, ?, ?)"
        )
        func writeSources() throws {
            guard sources.count > 0 else { return }
            try insertIPs.run(
                .text(domain), .integer(counted.end), .integer(reportID), .integer(Int64(sourcesPart)),
                .integer(counted.begin), .utf8(sources.packed))
            sourcesPart += 1
            sources = SourceIPList()
            sourcesSeen.removeAll(keepingCapacity: true)
        }
        var inPart = 0
        try report.forEachRecord { record in
            if sourcesSeen.insert(record.sourceIP).inserted { sources.append(record.sourceIP) }
            let relayed = RelayEvidence.shows(record, policyDomain: domain, suffixes: suffixes)
            try rollup.add(
                domain: domain, range: counted, reporterOrg: reporterOrg, email: meta.email, sourceIP: record.sourceIP,
                count: record.count, disposition: record.disposition?.rawValue, dkim: record.dkim, spf: record.spf,
                relayed: relayed)
            try insertRecord.run(
                .integer(reportID), .text(record.sourceIP), .integer(record.count), .text(record.disposition?.rawValue),
                .text(record.dkim?.rawValue), .text(record.spf?.rawValue), .text(record.headerFrom),
                .text(record.envelopeFrom),
                .text(record.envelopeTo), .utf8(RecordResultsColumns.dkim(record.dkimResults)),
                .utf8(RecordResultsColumns.spf(record.spfResults)), .utf8(RecordResultsColumns.reasons(record.reasons)),
                .integer(relayed ? 1 : 0))
            inPart += 1
            if inPart == Self.ipsPerPart {
                try writeSources()
                inPart = 0
            }
        }
        try writeSources()
        return (reportID, true)
    }

    /// Records per row of `dmarc_report_ips`: a real report fits in one.
    static let ipsPerPart = 50_000

    /// Adds (or, when `removing`, takes away) one record's messages in the per-day rollup.
    static func addToDailyRollup(
        domain: String, range: DateRange, orgName: String, email: String?, sourceIP: String, count: Int64,
        disposition: String?, dkim: String?, spf: String?, relayed: Bool, removing: Bool = false,
        relayedColumn: Bool = true,
        in db: Database
    ) throws {
        try DailyRollup(db, relayedColumn: relayedColumn).add(
            domain: domain, range: range, reporterOrg: DailyRollupRule.reporterOrg(orgName), email: email,
            sourceIP: sourceIP, count: count, disposition: disposition, dkim: dkim.map(AlignedVerdict.init(rawValue:)),
            spf: spf.map(AlignedVerdict.init(rawValue:)), relayed: relayed, removing: removing)
    }
}
