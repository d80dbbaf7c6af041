import Foundation
import NIOCore
import PostgresNIO
import ReportModel
import ReportStore

// Reading back what was stored: raw inputs, the inputs that failed, and (for tests) whole reports.
extension PostgresReportStore {
    /// The number of stored raw inputs.
    public func rawInputCount() throws(StoreError) -> Int {
        try read("counting raw inputs") { db in Int(try db.value("SELECT count(*) FROM raw_input", as: Int64.self) ?? 0)
        }
    }

    /// Stored raw inputs in id order after `after`: at most `limit`, and no more once their
    /// stored bytes reach `maxBytes`. Each comes with the input path last logged for it and, for
    /// a message of an mbox, its number.
    public func rawInputs(after: Int64, limit: Int, maxBytes: Int) throws(StoreError) -> [StoredRawInput] {
        try read("reading raw inputs") { db in
            // Sizes first, so that only the inputs that fit are fetched with their bytes.
            var ids: [Int64] = []
            var bytes = 0
            for row in try db.query(
                """
                SELECT id, CASE WHEN chunks > 0 OR in_folder THEN size ELSE octet_length(data) END FROM raw_input
                WHERE id > \(after) ORDER BY id LIMIT \(Int64(limit))
                """)
            {
                guard bytes < maxBytes else { break }
                let (id, size) = try row.decode((Int64, Int64).self)
                ids.append(id)
                bytes += Int(clamping: size)
            }
            guard !ids.isEmpty else { return [] }
            return try db.query(
                """
                SELECT r.id, r.sha256, r.encoding, r.data, r.chunks, r.first_seen, r.in_folder,
                    (SELECT input FROM ingest_log l WHERE l.raw_input_id = r.id ORDER BY l.id DESC LIMIT 1),
                    (SELECT number FROM mail_message m WHERE m.raw_input_id = r.id ORDER BY m.id DESC LIMIT 1)
                FROM raw_input r WHERE r.id = ANY(\(ids)) ORDER BY r.id
                """
            ).map { row in
                let (id, sha256, encoding, data, chunks, firstSeen, inFolder, input, number) = try row.decode(
                    (Int64, ByteBuffer, String, ByteBuffer, Int32, Int64, Bool, String?, Int64?).self)
                let digest = Array(sha256.readableBytesView)
                return StoredRawInput(
                    id: id, sha256: digest, encoding: StoredEncoding(stored: encoding),
                    bytes: inFolder && chunks == 0 ? try rawFile(digest) : Array(data.readableBytesView),
                    chunks: Int(chunks), input: input ?? "",
                    messageNumber: number.map { Int($0) }, firstSeen: firstSeen)
            }
        }
    }

    /// Calls `body` with each stored chunk of a large input, in order, one in memory at a time.
    public func rawInputChunks(of id: Int64, _ body: ([UInt8]) throws -> Void) throws(StoreError) {
        try read("reading a stored input") { db in
            if let row = try db.query(
                "SELECT sha256, chunks FROM raw_input WHERE id = \(id) AND in_folder"
            ).first {
                let (sha256, chunks) = try row.decode((ByteBuffer, Int32).self)
                for chunk in 0..<Int(chunks) {
                    try body(try rawFile(Array(sha256.readableBytesView), chunk: chunk))
                }
                return
            }
            var sequence: Int64 = 0
            while let chunk = try db.value(
                "SELECT data FROM raw_input_chunk WHERE raw_input_id = \(id) AND seq = \(sequence)",
                as: ByteBuffer.self)
            {
                try body(Array(chunk.readableBytesView))
                sequence += 1
            }
        }
    }

    /// Inputs whose last attempt failed, oldest first.
    public func failedInputs() throws(StoreError) -> [FailedInput] {
        try read("listing failed inputs") { db in
            try db.query(
                """
                SELECT l.at, l.input, l.part, l.code, l.reason FROM ingest_log l
                LEFT JOIN raw_input r ON r.id = l.raw_input_id
                WHERE l.status = 'failed' AND (r.id IS NULL OR r.state = 'failed')
                  AND l.id = (SELECT MAX(l2.id) FROM ingest_log l2
                              WHERE l2.input = l.input AND (l2.part = l.part OR l2.part = ''))
                ORDER BY l.id
                """
            ).map { row in
                let (at, input, part, code, reason) = try row.decode((Int64, String, String, String?, String?).self)
                return FailedInput(at: at, input: input, part: part, code: code ?? "", reason: reason ?? "")
            }
        }
    }

    /// The stored DMARC reports of a policy domain, in begin order, as the model reads them.
    package func dmarcReports(domain: String) throws(StoreError) -> [AggregateReport] {
        try read("reading reports") { db in
            try db.query(
                """
                SELECT r.id, r.org_name, r.email, r.extra_contact_info, r.report_id, r."begin", r."end", r.errors,
                    r.generator, r.version, r.namespace,
                    r.domain, r.adkim, r.aspf, r.p, r.sp, r.np, r.pct, r.fo, r.testing, r.discovery_method
                FROM dmarc_report r
                WHERE r.policy_domain = \(domain) ORDER BY r."begin", r.id
                """
            ).map { row in
                let (
                    id, orgName, email, extra, reportID, begin, end, errors, generator, version, namespace,
                    policyDomain, adkim, aspf, p, sp, np, pct, fo, testing, discovery
                ) = try row.decode(
                    (
                        Int64, String, String?, String?, String, Int64, Int64, String?, String?, String?, String?,
                        String, String?, String?, String?, String?, String?, String?, String?, String?, String?
                    ).self)
                let metadata = ReportMetadata(
                    orgName: orgName, email: email, extraContactInfo: extra, reportID: reportID,
                    dateRange: DateRange(begin: begin, end: end),
                    errors: errors.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? [],
                    generator: generator)
                let policy = PublishedPolicy(
                    domain: policyDomain, adkim: adkim.map(AlignmentMode.init(rawValue:)),
                    aspf: aspf.map(AlignmentMode.init(rawValue:)), p: p.map(Disposition.init(rawValue:)),
                    sp: sp.map(Disposition.init(rawValue:)), np: np.map(Disposition.init(rawValue:)), pct: pct, fo: fo,
                    testing: testing.map(TestingFlag.init(rawValue:)),
                    discoveryMethod: discovery.map(DiscoveryMethod.init(rawValue:)))
                return AggregateReport(
                    metadata: metadata, policy: policy, records: try Self.records(ofReport: id, domain: domain, in: db),
                    version: version, namespace: namespace)
            }
        }
    }

    private static func records(ofReport id: Int64, domain: String, in db: ServerConnection) throws
        -> [AggregateRecord]
    {
        try db.query(
            """
            SELECT source_ip, count, disposition, dkim, spf, header_from, envelope_from, envelope_to, dkim_results,
                spf_results, reasons
            FROM dmarc_record WHERE policy_domain = \(domain) AND report_id = \(id) ORDER BY seq
            """
        ).map { row in
            let (
                ip, count, disposition, dkim, spf, headerFrom, envelopeFrom, envelopeTo, dkimResults, spfResults,
                reasons
            ) =
                try row.decode(
                    (String, Int64, String?, String?, String?, String?, String?, String?, String?, String?, String?)
                        .self)
            return AggregateRecord(
                sourceIP: ip, count: count, disposition: disposition.map(Disposition.init(rawValue:)),
                dkim: dkim.map(AlignedVerdict.init(rawValue:)), spf: spf.map(AlignedVerdict.init(rawValue:)),
                reasons: try RecordResultsColumns.reasons(from: reasons), headerFrom: headerFrom,
                envelopeFrom: envelopeFrom, envelopeTo: envelopeTo,
                dkimResults: try RecordResultsColumns.dkim(from: dkimResults),
                spfResults: try RecordResultsColumns.spf(from: spfResults))
        }
    }

    /// The stored TLS reports that have a policy for `domain`, in start order.
    package func tlsReports(domain: String) throws(StoreError) -> [TLSReport] {
        try read("reading TLS reports") { db in
            try db.query(
                """
                SELECT r.report_domain, r.id, r.organization, r."begin", r."end", r.contact_info, r.report_id
                FROM tls_report r WHERE (r.report_domain, r.id) IN
                    (SELECT report_domain, report_id FROM tls_policy WHERE policy_domain = \(domain))
                ORDER BY r."begin", r.id
                """
            ).map { row in
                let (reportDomain, id, organization, begin, end, contact, reportID) = try row.decode(
                    (String, Int64, String, Int64, Int64, String?, String).self)
                var failures: [Int32: [TLSFailureDetail]] = [:]
                for failure in try db.query(
                    """
                    SELECT position, result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip,
                        failed_session_count, additional_information, failure_reason_code
                    FROM tls_failure WHERE report_domain = \(reportDomain) AND report_id = \(id) ORDER BY position, seq
                    """)
                {
                    let (position, type, ip, mx, helo, receivingIP, count, information, code) = try failure.decode(
                        (Int32, String, String?, String?, String?, String?, Int64, String?, String?).self)
                    failures[position, default: []].append(
                        TLSFailureDetail(
                            resultType: TLSResultType(rawValue: type), sendingMTAIP: ip, receivingMXHostname: mx,
                            receivingMXHelo: helo, receivingIP: receivingIP, failedSessionCount: count,
                            additionalInformation: information, failureReasonCode: code))
                }
                let policies = try db.query(
                    """
                    SELECT position, policy_type, policy_strings, policy_domain, domain_given, mx_hosts,
                        successful_sessions, failed_sessions
                    FROM tls_policy WHERE report_domain = \(reportDomain) AND report_id = \(id) ORDER BY position
                    """
                ).map { policy in
                    let (position, type, strings, policyDomain, given, mxHosts, successful, failed) = try policy.decode(
                        (Int32, String, String, String, Bool, String, Int64, Int64).self)
                    return TLSPolicyResult(
                        policy: TLSPolicy(
                            type: TLSPolicyType(rawValue: type), strings: Self.strings(strings),
                            domain: given ? policyDomain : nil, mxHosts: Self.strings(mxHosts)),
                        successfulSessions: successful, failedSessions: failed,
                        failureDetails: failures[position] ?? [])
                }
                return TLSReport(
                    organizationName: organization, dateRange: DateRange(begin: begin, end: end), contactInfo: contact,
                    reportID: reportID, policies: policies)
            }
        }
    }
}
