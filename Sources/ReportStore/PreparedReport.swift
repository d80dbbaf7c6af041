import ReportModel

/// A DMARC report with its per-record rows made ready for the store: the JSON of the results,
/// the report-source rows and the rollup's day shares. Made on the parsing threads, so that the
/// single writer only binds and steps.
public struct PreparedReport: Sendable {
    public let report: AggregateReport
    /// `dmarc_record` rows, `.reportID` where the report's row id goes.
    let records: [[RawValue]]
    /// `dmarc_report_source` rows: one per distinct source IP, in the order first seen.
    let sources: [[RawValue]]
    /// `dmarc_daily` upserts: each record's count spread over the days of the report.
    let rollup: [[RawValue]]

    public init(_ report: AggregateReport) {
        self.report = report
        let meta = report.metadata
        let domain = report.policy.domain
        let reporterOrg = meta.orgName.trimmedWhitespace().lowercased()
        var records: [[RawValue]] = []
        var sources: [[RawValue]] = []
        var rollup: [[RawValue]] = []
        records.reserveCapacity(report.records.count)
        rollup.reserveCapacity(report.records.count)
        var sourcesSeen: Set<String> = []
        for record in report.records {
            if sourcesSeen.insert(record.sourceIP).inserted {
                sources.append([
                    .text(domain), .integer(meta.dateRange.end), .reportID, .text(record.sourceIP),
                    .integer(meta.dateRange.begin), .text(reporterOrg), .text(meta.email ?? ""),
                ])
            }
            rollup += DailyRollup.rows(
                domain: domain, range: meta.dateRange, reporterOrg: reporterOrg, email: meta.email, sourceIP: record.sourceIP,
                count: record.count, disposition: record.disposition?.rawValue, dkim: record.dkim?.rawValue, spf: record.spf?.rawValue)
            records.append([
                .reportID, .text(record.sourceIP), .integer(record.count), .text(record.disposition?.rawValue),
                .text(record.dkim?.rawValue), .text(record.spf?.rawValue), .text(record.headerFrom), .text(record.envelopeFrom),
                .text(record.envelopeTo), .utf8(RecordResultsColumns.dkim(record.dkimResults)),
                .utf8(RecordResultsColumns.spf(record.spfResults)), .utf8(RecordResultsColumns.reasons(record.reasons)),
            ])
        }
        self.records = records
        self.sources = sources
        self.rollup = rollup
    }
}
