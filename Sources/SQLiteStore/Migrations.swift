import GRDB
import ReportModel
import ReportStore

extension SQLiteReportStore {
    /// The schema, one migration per version. Shipped migrations are never edited.
    /// - Parameter suffixes: for migrations that compute the duplicate key (v12).
    static func migrator(suffixes: LazyPublicSuffixList) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-dmarc") { db in
            try db.execute(
                sql: """
                    CREATE TABLE raw_input (
                        id INTEGER PRIMARY KEY,
                        sha256 BLOB NOT NULL UNIQUE,
                        size INTEGER NOT NULL,
                        encoding TEXT NOT NULL CHECK (encoding IN ('identity', 'zlib')),
                        data BLOB NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('done', 'failed')),
                        first_seen INTEGER NOT NULL
                    );
                    CREATE TABLE ingest_run (
                        id INTEGER PRIMARY KEY,
                        started INTEGER NOT NULL,
                        finished INTEGER,
                        command TEXT NOT NULL
                    );
                    CREATE TABLE dmarc_report (
                        id INTEGER PRIMARY KEY,
                        reporter TEXT NOT NULL,
                        org_name TEXT NOT NULL,
                        email TEXT,
                        extra_contact_info TEXT,
                        report_id TEXT NOT NULL,
                        policy_domain TEXT NOT NULL,
                        begin INTEGER NOT NULL,
                        end INTEGER NOT NULL,
                        version TEXT,
                        namespace TEXT,
                        generator TEXT,
                        errors TEXT,
                        schema TEXT NOT NULL,
                        record_count INTEGER NOT NULL,
                        message_count INTEGER NOT NULL,
                        raw_input_id INTEGER NOT NULL REFERENCES raw_input(id),
                        input TEXT NOT NULL,
                        part TEXT NOT NULL,
                        imported_at INTEGER NOT NULL,
                        UNIQUE (reporter, report_id, policy_domain, begin, end)
                    );
                    CREATE INDEX dmarc_report_domain ON dmarc_report(policy_domain, begin);
                    CREATE TABLE dmarc_policy (
                        report_id INTEGER PRIMARY KEY REFERENCES dmarc_report(id) ON DELETE CASCADE,
                        domain TEXT NOT NULL,
                        adkim TEXT, aspf TEXT, p TEXT, sp TEXT, np TEXT, pct TEXT, fo TEXT,
                        testing TEXT, discovery_method TEXT
                    );
                    CREATE TABLE dmarc_record (
                        id INTEGER PRIMARY KEY,
                        report_id INTEGER NOT NULL REFERENCES dmarc_report(id) ON DELETE CASCADE,
                        source_ip TEXT NOT NULL,
                        count INTEGER NOT NULL CHECK (count >= 0),
                        disposition TEXT,
                        dkim TEXT,
                        spf TEXT,
                        header_from TEXT,
                        envelope_from TEXT,
                        envelope_to TEXT
                    );
                    CREATE INDEX dmarc_record_report ON dmarc_record(report_id);
                    CREATE TABLE dmarc_reason (
                        record_id INTEGER NOT NULL REFERENCES dmarc_record(id) ON DELETE CASCADE,
                        type TEXT,
                        comment TEXT
                    );
                    CREATE INDEX dmarc_reason_record ON dmarc_reason(record_id);
                    CREATE TABLE dmarc_dkim (
                        record_id INTEGER NOT NULL REFERENCES dmarc_record(id) ON DELETE CASCADE,
                        domain TEXT,
                        selector TEXT,
                        result TEXT,
                        result_received TEXT,
                        human_result TEXT
                    );
                    CREATE INDEX dmarc_dkim_record ON dmarc_dkim(record_id);
                    CREATE TABLE dmarc_spf (
                        record_id INTEGER NOT NULL REFERENCES dmarc_record(id) ON DELETE CASCADE,
                        domain TEXT,
                        scope TEXT,
                        result TEXT,
                        result_received TEXT,
                        human_result TEXT
                    );
                    CREATE INDEX dmarc_spf_record ON dmarc_spf(record_id);
                    CREATE TABLE ingest_log (
                        id INTEGER PRIMARY KEY,
                        run_id INTEGER REFERENCES ingest_run(id),
                        at INTEGER NOT NULL,
                        input TEXT NOT NULL,
                        part TEXT NOT NULL DEFAULT '',
                        raw_input_id INTEGER REFERENCES raw_input(id),
                        status TEXT NOT NULL CHECK (status IN ('imported', 'duplicate', 'skipped', 'failed')),
                        kind TEXT,
                        code TEXT,
                        reason TEXT,
                        dmarc_report_id INTEGER REFERENCES dmarc_report(id) ON DELETE SET NULL
                    );
                    CREATE INDEX ingest_log_raw_input ON ingest_log(raw_input_id);
                    CREATE INDEX ingest_log_status ON ingest_log(status);
                    CREATE INDEX ingest_log_input ON ingest_log(input);
                    """)
        }
        migrator.registerMigration("v2-tlsrpt") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tls_report (
                        id INTEGER PRIMARY KEY,
                        organization TEXT NOT NULL,
                        organization_key TEXT NOT NULL,
                        contact_info TEXT,
                        report_id TEXT NOT NULL,
                        begin INTEGER NOT NULL,
                        end INTEGER NOT NULL,
                        raw_input_id INTEGER NOT NULL REFERENCES raw_input(id),
                        input TEXT NOT NULL,
                        part TEXT NOT NULL,
                        imported_at INTEGER NOT NULL,
                        UNIQUE (organization_key, report_id, begin, end)
                    );
                    CREATE TABLE tls_policy (
                        id INTEGER PRIMARY KEY,
                        report_id INTEGER NOT NULL REFERENCES tls_report(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        policy_type TEXT NOT NULL,
                        category TEXT NOT NULL,
                        policy_domain TEXT NOT NULL,
                        domain_given INTEGER NOT NULL,
                        policy_strings TEXT NOT NULL,
                        sts_mode TEXT,
                        sts_max_age INTEGER,
                        mx_hosts TEXT NOT NULL,
                        successful_sessions INTEGER NOT NULL CHECK (successful_sessions >= 0),
                        failed_sessions INTEGER NOT NULL CHECK (failed_sessions >= 0)
                    );
                    CREATE INDEX tls_policy_report ON tls_policy(report_id);
                    CREATE INDEX tls_policy_domain ON tls_policy(policy_domain);
                    CREATE TABLE tls_failure (
                        policy_id INTEGER NOT NULL REFERENCES tls_policy(id) ON DELETE CASCADE,
                        result_type TEXT NOT NULL,
                        category TEXT NOT NULL,
                        sending_mta_ip TEXT,
                        receiving_mx_hostname TEXT,
                        receiving_mx_helo TEXT,
                        receiving_ip TEXT,
                        failed_session_count INTEGER NOT NULL CHECK (failed_session_count >= 0),
                        additional_information TEXT,
                        failure_reason_code TEXT
                    );
                    CREATE INDEX tls_failure_policy ON tls_failure(policy_id);
                    ALTER TABLE ingest_log ADD COLUMN tls_report_id INTEGER REFERENCES tls_report(id) ON DELETE SET NULL;
                    """)
        }
        migrator.registerMigration("v3-mail") { db in
            try db.execute(
                sql: """
                    CREATE TABLE mail_message (
                        id INTEGER PRIMARY KEY,
                        raw_input_id INTEGER NOT NULL REFERENCES raw_input(id),
                        input TEXT NOT NULL,
                        number INTEGER,
                        message_id TEXT,
                        date TEXT,
                        sender TEXT,
                        subject TEXT,
                        tls_report_domain TEXT,
                        tls_report_submitter TEXT
                    );
                    CREATE INDEX mail_message_raw_input ON mail_message(raw_input_id);
                    ALTER TABLE dmarc_report ADD COLUMN mail_message_id INTEGER REFERENCES mail_message(id);
                    ALTER TABLE tls_report ADD COLUMN mail_message_id INTEGER REFERENCES mail_message(id);
                    ALTER TABLE ingest_log ADD COLUMN mail_message_id INTEGER REFERENCES mail_message(id);
                    """)
        }
        migrator.registerMigration("v4-dmarc-daily-rollup") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dmarc_daily (
                        policy_domain TEXT NOT NULL,
                        day INTEGER NOT NULL,
                        source_ip TEXT NOT NULL,
                        reporter_org TEXT NOT NULL,
                        reporter_email TEXT NOT NULL,
                        disposition TEXT NOT NULL,
                        messages INTEGER NOT NULL,
                        dmarc_pass INTEGER NOT NULL,
                        spf_pass INTEGER NOT NULL,
                        dkim_pass INTEGER NOT NULL,
                        PRIMARY KEY (policy_domain, day, source_ip, reporter_org, reporter_email, disposition)
                    ) WITHOUT ROWID;
                    """)
            // Reports stored before this version: roll them up now.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.policy_domain, r.begin, r.end, r.org_name, r.email, d.source_ip, d.count, d.disposition, d.dkim, d.spf
                    FROM dmarc_report r JOIN dmarc_record d ON d.report_id = r.id
                    """)
            while let row = try rows.next() {
                try SQLiteReportStore.addToDailyRollup(
                    domain: row[0], range: DateRange(begin: row[1], end: row[2]), orgName: row[3], email: row[4],
                    sourceIP: row[5], count: row[6], disposition: row[7], dkim: row[8], spf: row[9], relayed: false,
                    relayedColumn: false, in: db)
            }
        }
        migrator.registerMigration("v5-report-sources") { db in
            // One row per distinct (report, source IP), clustered by domain and end: the per-source
            // report counts of the correlation read a contiguous range instead of joining records.
            try db.execute(
                sql: """
                    CREATE TABLE dmarc_report_source (
                        policy_domain TEXT NOT NULL,
                        end INTEGER NOT NULL,
                        report_id INTEGER NOT NULL REFERENCES dmarc_report(id) ON DELETE CASCADE,
                        source_ip TEXT NOT NULL,
                        begin INTEGER NOT NULL,
                        reporter_org TEXT NOT NULL,
                        reporter_email TEXT NOT NULL,
                        PRIMARY KEY (policy_domain, end, report_id, source_ip)
                    ) WITHOUT ROWID;
                    CREATE INDEX dmarc_report_source_report ON dmarc_report_source(report_id);
                    INSERT OR IGNORE INTO dmarc_report_source
                        SELECT DISTINCT r.policy_domain, r.end, r.id, d.source_ip, r.begin, LOWER(TRIM(r.org_name)), IFNULL(r.email, '')
                        FROM dmarc_report r JOIN dmarc_record d ON d.report_id = r.id;
                    CREATE INDEX dmarc_report_domain_end ON dmarc_report(policy_domain, end);
                    """)
        }
        // New tables only: no foreign key check over the whole (possibly large) database.
        migrator.registerMigration("v6-reverse-dns", foreignKeyChecks: .immediate) { db in
            // The reverse DNS cache of `mailtally enrich`: one row per IP, with its expiry.
            try db.execute(
                sql: """
                    CREATE TABLE reverse_dns (
                        ip TEXT PRIMARY KEY,
                        status TEXT NOT NULL,
                        names TEXT NOT NULL,
                        confirmed_name TEXT,
                        ttl INTEGER,
                        resolved_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        detail TEXT
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v7-input-files", foreignKeyChecks: .immediate) { db in
            // Files read whole with no failure, by path, with what stat said: a later run skips a
            // file whose size, modification time and inode are unchanged without reading it.
            try db.execute(
                sql: """
                    CREATE TABLE input_file (
                        path TEXT PRIMARY KEY,
                        size INTEGER NOT NULL,
                        mtime_ns INTEGER NOT NULL,
                        inode INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v8-record-results-inline", foreignKeyChecks: .immediate) { db in
            // A record's DKIM and SPF results and override reasons move into its own row as JSON
            // arrays (see RecordResultsColumns): ingest paid for one row and one index entry per
            // result, about half of all the rows it wrote.
            try db.execute(
                sql: """
                    ALTER TABLE dmarc_record ADD COLUMN dkim_results TEXT;
                    ALTER TABLE dmarc_record ADD COLUMN spf_results TEXT;
                    ALTER TABLE dmarc_record ADD COLUMN reasons TEXT;
                    UPDATE dmarc_record SET dkim_results = (
                        SELECT json_group_array(json_object(
                            'domain', domain, 'selector', selector, 'result', result,
                            'result_received', result_received, 'human_result', human_result))
                        FROM (SELECT * FROM dmarc_dkim k WHERE k.record_id = dmarc_record.id ORDER BY k.rowid))
                    WHERE id IN (SELECT record_id FROM dmarc_dkim);
                    UPDATE dmarc_record SET spf_results = (
                        SELECT json_group_array(json_object(
                            'domain', domain, 'scope', scope, 'result', result,
                            'result_received', result_received, 'human_result', human_result))
                        FROM (SELECT * FROM dmarc_spf s WHERE s.record_id = dmarc_record.id ORDER BY s.rowid))
                    WHERE id IN (SELECT record_id FROM dmarc_spf);
                    UPDATE dmarc_record SET reasons = (
                        SELECT json_group_array(json_object('type', type, 'comment', comment))
                        FROM (SELECT * FROM dmarc_reason o WHERE o.record_id = dmarc_record.id ORDER BY o.rowid))
                    WHERE id IN (SELECT record_id FROM dmarc_reason);
                    DROP TABLE dmarc_dkim;
                    DROP TABLE dmarc_spf;
                    DROP TABLE dmarc_reason;
                    """)
        }
        migrator.registerMigration("v9-report-source-lists", foreignKeyChecks: .immediate) { db in
            // One row per report with its distinct source IPs (see SourceIPList) replaces one row
            // per (report, IP) and its index: a fifth of ingest's writing. No foreign key: the
            // rows are deleted with their reports, by key (a cascade would need an index).
            try db.execute(
                sql: #"""
                    CREATE TABLE dmarc_report_ips (
                        policy_domain TEXT NOT NULL,
                        end INTEGER NOT NULL,
                        report_id INTEGER NOT NULL,
                        begin INTEGER NOT NULL,
                        source_ips TEXT NOT NULL,
                        PRIMARY KEY (policy_domain, end, report_id)
                    ) WITHOUT ROWID;
                    INSERT INTO dmarc_report_ips(policy_domain, end, report_id, begin, source_ips)
                        SELECT policy_domain, end, report_id, MIN(begin),
                            group_concat(replace(replace(source_ip, '\', '\\'), char(10), '\n'), char(10))
                        FROM dmarc_report_source GROUP BY policy_domain, end, report_id;
                    DROP TABLE dmarc_report_source;
                    """#)
        }
        migrator.registerMigration("v10-content-generation", foreignKeyChecks: .immediate) { db in
            // A number that changes whenever what a pack shows can change: a report stored or
            // removed (its records, rollups and source lists go with it) or a name looked up.
            // `nightly` keeps a pack whose inputs, this number among them, are unchanged.
            try db.execute(
                sql: """
                    CREATE TABLE content_generation (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
                    INSERT INTO content_generation VALUES (1, 0);
                    """)
            let events = [
                ("dmarc_report", "INSERT", "stored"), ("dmarc_report", "DELETE", "removed"),
                ("tls_report", "INSERT", "stored"), ("tls_report", "DELETE", "removed"),
                ("reverse_dns", "INSERT", "stored"), ("reverse_dns", "UPDATE", "changed"),
                ("reverse_dns", "DELETE", "removed"),
            ]
            for (table, event, name) in events {
                try db.execute(
                    sql: """
                        CREATE TRIGGER \(table)_\(name) AFTER \(event) ON \(table)
                            BEGIN UPDATE content_generation SET value = value + 1; END
                        """)
            }
        }
        migrator.registerMigration("v11-counted-spans", foreignKeyChecks: .immediate) { db in
            // The span each report is counted over (DateRange.countedSpan): its range when the
            // range is plausible, else a bounded part of it, with the reasons in range_flags.
            try db.execute(
                sql: """
                    ALTER TABLE dmarc_report ADD COLUMN counted_begin INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE dmarc_report ADD COLUMN counted_end INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE dmarc_report ADD COLUMN range_flags TEXT;
                    UPDATE dmarc_report SET counted_begin = begin, counted_end = end;
                    ALTER TABLE tls_report ADD COLUMN counted_begin INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE tls_report ADD COLUMN counted_end INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE tls_report ADD COLUMN range_flags TEXT;
                    UPDATE tls_report SET counted_begin = begin, counted_end = end;
                    DROP INDEX IF EXISTS dmarc_report_domain;
                    CREATE INDEX dmarc_report_counted ON dmarc_report(policy_domain, counted_begin);
                    """)
            // Reports stored before with a range not believed now: their rollup share and
            // source list move to the counted span. Only these rows can be affected.
            let suspect =
                "begin < \(DateRange.earliestPlausible) OR end - begin > \(DateRange.longestPlausible) OR end > i.first_seen"
            for table in ["dmarc_report", "tls_report"] {
                let rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT r.id, r.begin, r.end, i.first_seen FROM \(table) r JOIN raw_input i ON i.id = r.raw_input_id WHERE \(suspect)"
                )
                for row in rows {
                    let range = DateRange(begin: row[1], end: row[2])
                    let (counted, flags) = range.countedSpan(arrival: row[3])
                    guard !flags.isEmpty else { continue }
                    let id: Int64 = row[0]
                    if table == "dmarc_report" { try moveRollupShare(ofReport: id, from: range, to: counted, in: db) }
                    try db.execute(
                        sql: "UPDATE \(table) SET counted_begin = ?, counted_end = ?, range_flags = ? WHERE id = ?",
                        arguments: [counted.begin, counted.end, flags.names, id])
                }
            }
        }
        migrator.registerMigration("v12-reporter-by-address", foreignKeyChecks: .immediate) { db in
            try mergeUnderReporterByAddress(suffixes: suffixes.list, in: db)
        }
        migrator.registerMigration("v13-report-source-list-parts", foreignKeyChecks: .immediate) { db in
            // A report's source list in parts (SQLiteReportStore.ipsPerPart records each), so that
            // a report of millions of records never holds it whole.
            try db.execute(
                sql: """
                    CREATE TABLE dmarc_report_ips_parts (
                        policy_domain TEXT NOT NULL,
                        end INTEGER NOT NULL,
                        report_id INTEGER NOT NULL,
                        part INTEGER NOT NULL,
                        begin INTEGER NOT NULL,
                        source_ips TEXT NOT NULL,
                        PRIMARY KEY (policy_domain, end, report_id, part)
                    ) WITHOUT ROWID;
                    INSERT INTO dmarc_report_ips_parts(policy_domain, end, report_id, part, begin, source_ips)
                        SELECT policy_domain, end, report_id, 0, begin, source_ips FROM dmarc_report_ips;
                    DROP TABLE dmarc_report_ips;
                    ALTER TABLE dmarc_report_ips_parts RENAME TO dmarc_report_ips;
                    """)
        }
        migrator.registerMigration("v14-raw-input-chunks", foreignKeyChecks: .immediate) { db in
            // An input too large for one value keeps its bytes a chunk per row.
            try db.execute(
                sql: """
                    ALTER TABLE raw_input ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE raw_input_chunk (
                        raw_input_id INTEGER NOT NULL REFERENCES raw_input(id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        data BLOB NOT NULL,
                        UNIQUE (raw_input_id, seq)
                    );
                    """)
        }
        migrator.registerMigration("v15-relayed-mail", foreignKeyChecks: .immediate) { db in
            // Messages that show relaying (RelayEvidence), per record and in the rollup, for the
            // forwarder class. Only records with override reasons, or that passed DMARC by DKIM
            // alone, can show it.
            try db.execute(
                sql: """
                    ALTER TABLE dmarc_record ADD COLUMN relayed INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE dmarc_daily ADD COLUMN relayed INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    """)
            try markRelayedRecords(suffixes: suffixes.list, in: db)
        }
        migrator.registerMigration("v16-raw-input-folder", foreignKeyChecks: .immediate) { db in
            // Raw inputs kept as files (RawInputFolder) instead of in `data`; the folder is the
            // store's `raw_dir` setting in store_meta.
            try db.execute(sql: "ALTER TABLE raw_input ADD COLUMN in_folder INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v17-mailbox-checkpoint", foreignKeyChecks: .immediate) { db in
            // How far each IMAP mailbox has been read (MailboxCheckpoint).
            try db.execute(
                sql: """
                    CREATE TABLE mailbox_checkpoint (
                        account TEXT NOT NULL, mailbox TEXT NOT NULL, uid_validity INTEGER NOT NULL,
                        last_uid INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                        PRIMARY KEY (account, mailbox)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("v18-digest-ledger", foreignKeyChecks: .immediate) { db in
            // The digests sent by mail (DigestRecord): each night's once, the next new against it.
            try db.execute(
                sql: """
                    CREATE TABLE digest_ledger (
                        recipients TEXT NOT NULL, period_end INTEGER NOT NULL, kind TEXT NOT NULL,
                        sent INTEGER NOT NULL, at INTEGER NOT NULL, findings TEXT NOT NULL,
                        message_id TEXT, error TEXT,
                        PRIMARY KEY (recipients, period_end, kind)
                    ) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("v19-transport-check", foreignKeyChecks: .immediate) { db in
            // The live transport checks (TransportCheck, as JSON), each with its time. A new check
            // changes what a pack shows: it moves the content generation as a stored report does.
            try db.execute(
                sql: """
                    CREATE TABLE transport_check (
                        domain TEXT NOT NULL, checked_at INTEGER NOT NULL, result TEXT NOT NULL,
                        PRIMARY KEY (domain, checked_at)
                    ) WITHOUT ROWID;
                    CREATE TRIGGER transport_check_stored AFTER INSERT ON transport_check
                        BEGIN UPDATE content_generation SET value = value + 1; END;
                    CREATE TRIGGER transport_check_changed AFTER UPDATE ON transport_check
                        BEGIN UPDATE content_generation SET value = value + 1; END;
                    """)
        }
        return migrator
    }

    /// Migration v15: marks the stored records that show relayed mail and moves their share of
    /// the rollup into the `relayed` column (taken away without it, added back with it).
    static func markRelayedRecords(suffixes: PublicSuffixList, in db: Database) throws {
        // Read with a cursor (a store may hold millions of candidates), marked in a table of
        // their own: the records are never changed while they are being read.
        try db.execute(sql: "CREATE TEMP TABLE relayed_record (id INTEGER PRIMARY KEY)")
        let candidates = try Row.fetchCursor(
            db,
            sql: """
                SELECT d.id, r.policy_domain, d.dkim, d.spf, d.header_from, d.spf_results, d.reasons
                FROM dmarc_record d JOIN dmarc_report r ON r.id = d.report_id
                WHERE d.reasons IS NOT NULL OR (d.dkim = 'pass' AND IFNULL(d.spf, '') != 'pass' AND d.spf_results IS NOT NULL)
                """)
        let mark = try db.makeStatement(sql: "INSERT INTO relayed_record(id) VALUES (?)")
        while let row = try candidates.next() {
            var record = AggregateRecord(sourceIP: "", count: 0)
            record.dkim = (row[2] as String?).map(AlignedVerdict.init(rawValue:))
            record.spf = (row[3] as String?).map(AlignedVerdict.init(rawValue:))
            record.headerFrom = row[4]
            record.spfResults = (try? RecordResultsColumns.spf(from: row[5])) ?? []
            record.reasons = (try? RecordResultsColumns.reasons(from: row[6])) ?? []
            if RelayEvidence.shows(record, policyDomain: row[1], suffixes: suffixes) {
                try mark.execute(arguments: [row[0] as Int64])
            }
        }
        try db.execute(sql: "UPDATE dmarc_record SET relayed = 1 WHERE id IN (SELECT id FROM relayed_record)")
        let relayed = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.policy_domain, r.counted_begin, r.counted_end, r.org_name, r.email, d.source_ip, d.count, d.disposition, d.dkim, d.spf
                FROM relayed_record t JOIN dmarc_record d ON d.id = t.id JOIN dmarc_report r ON r.id = d.report_id
                """)
        let rollup = try DailyRollup(db)
        while let row = try relayed.next() {
            let orgName: String = row[3]
            for relayed in [false, true] {
                try rollup.add(
                    domain: row[0], range: DateRange(begin: row[1], end: row[2]),
                    reporterOrg: DailyRollupRule.reporterOrg(orgName), email: row[4], sourceIP: row[5], count: row[6],
                    disposition: row[7], dkim: (row[8] as String?).map(AlignedVerdict.init(rawValue:)),
                    spf: (row[9] as String?).map(AlignedVerdict.init(rawValue:)),
                    relayed: relayed,
                    removing: !relayed)
            }
        }
        try db.execute(sql: "DROP TABLE relayed_record")
    }

    /// Migration v12: the duplicate key's reporter becomes the organisational domain of the
    /// report address (``ReportMetadata/reporterKey(_:)``). Reports that were stored twice
    /// under two organisation names now share a key: the first stored stays, each later one
    /// goes with its rollup share and source list, its log rows say so, and a notice tells the
    /// next command what was merged.
    static func mergeUnderReporterByAddress(suffixes: PublicSuffixList, in db: Database) throws {
        try db.execute(
            sql: "CREATE TABLE store_notice (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, text TEXT NOT NULL)")
        db.add(
            function: DatabaseFunction("mailtally_reporter_key", argumentCount: 2, pure: true) { values in
                let orgName = String.fromDatabaseValue(values[0]) ?? ""
                let email = String.fromDatabaseValue(values[1])
                return ReportMetadata(
                    orgName: orgName, email: email, reportID: "", dateRange: DateRange(begin: 0, end: 0)
                ).reporterKey(suffixes)
            })
        try db.execute(
            sql: """
                CREATE TEMP TABLE reporter_key AS SELECT id, mailtally_reporter_key(org_name, email) AS reporter FROM dmarc_report;
                CREATE UNIQUE INDEX temp.reporter_key_id ON reporter_key(id);
                """)
        let duplicates = try Row.fetchAll(
            db,
            sql: """
                SELECT id, keeper, org_name, report_id, policy_domain, counted_begin, counted_end FROM (
                    SELECT r.id, MIN(r.id) OVER (PARTITION BY k.reporter, r.report_id, r.policy_domain, r.begin, r.end) AS keeper,
                        r.org_name, r.report_id, r.policy_domain, r.counted_begin, r.counted_end
                    FROM dmarc_report r JOIN reporter_key k ON k.id = r.id)
                WHERE id != keeper ORDER BY id
                """)
        var merged: [String] = []
        // Each removal points its log rows away from the report: an index for that alone.
        if !duplicates.isEmpty {
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS v12_ingest_log_report ON ingest_log(dmarc_report_id)")
        }
        for row in duplicates {
            let id: Int64 = row["id"]
            let keeper: Int64 = row["keeper"]
            let span = DateRange(begin: row["counted_begin"], end: row["counted_end"])
            try moveRollupShare(ofReport: id, from: span, to: nil, in: db)
            let reason =
                "the same report as stored report \(keeper) (merged by migration v12: reporters are keyed by address)"
            try db.execute(
                sql: "UPDATE ingest_log SET status = 'duplicate', reason = ? WHERE dmarc_report_id = ?",
                arguments: [reason, id])
            try db.execute(sql: "DELETE FROM dmarc_report WHERE id = ?", arguments: [id])
            merged.append(
                "report \(row["report_id"] as String) for \(row["policy_domain"] as String) from \(row["org_name"] as String)"
            )
        }
        // In two steps: a row's new key may be another row's old one until that row moves too.
        try db.execute(
            sql: """
                DROP INDEX IF EXISTS v12_ingest_log_report;
                CREATE TEMP TABLE changed AS SELECT k.id, k.reporter FROM reporter_key k JOIN dmarc_report r ON r.id = k.id
                    WHERE r.reporter != k.reporter;
                UPDATE dmarc_report SET reporter = char(1) || id WHERE id IN (SELECT id FROM changed);
                UPDATE dmarc_report SET reporter = (SELECT reporter FROM changed c WHERE c.id = dmarc_report.id)
                    WHERE id IN (SELECT id FROM changed);
                DROP TABLE changed;
                DROP TABLE reporter_key;
                """)
        if !merged.isEmpty {
            let listed =
                merged.prefix(10).joined(separator: "; ") + (merged.count > 10 ? "; and \(merged.count - 10) more" : "")
            try db.execute(
                sql: "INSERT INTO store_notice(at, text) VALUES (?, ?)",
                arguments: [
                    now(),
                    "the duplicate key now names a report's reporter by its address: \(merged.count) report\(merged.count == 1 ? " was" : "s were") stored twice under another organisation name and merged (\(listed))",
                ])
        }
    }

    /// Moves a stored DMARC report's share of the rollup and its source list from one span to
    /// another (migration v11), or takes them away (`to` nil, migration v12).
    private static func moveRollupShare(ofReport id: Int64, from old: DateRange, to new: DateRange?, in db: Database)
        throws
    {
        let records = try Row.fetchAll(
            db,
            sql: """
                SELECT r.policy_domain, r.org_name, r.email, d.source_ip, d.count, d.disposition, d.dkim, d.spf
                FROM dmarc_report r JOIN dmarc_record d ON d.report_id = r.id WHERE r.id = ?
                """,
            arguments: [id])
        for row in records {
            for (range, removing) in [(old, true)] + (new.map { [($0, false)] } ?? []) {
                try addToDailyRollup(
                    domain: row[0], range: range, orgName: row[1], email: row[2], sourceIP: row[3], count: row[4],
                    disposition: row[5], dkim: row[6], spf: row[7], relayed: false, removing: removing,
                    relayedColumn: false, in: db)
            }
        }
        // By the source list's key, domain first.
        let domain =
            try String.fetchOne(db, sql: "SELECT policy_domain FROM dmarc_report WHERE id = ?", arguments: [id]) ?? ""
        if let new {
            try db.execute(
                sql:
                    "UPDATE dmarc_report_ips SET begin = ?, end = ? WHERE policy_domain = ? AND end = ? AND report_id = ?",
                arguments: [new.begin, new.end, domain, old.end, id])
        } else {
            try db.execute(
                sql: "DELETE FROM dmarc_report_ips WHERE policy_domain = ? AND end = ? AND report_id = ?",
                arguments: [domain, old.end, id])
        }
    }
}
