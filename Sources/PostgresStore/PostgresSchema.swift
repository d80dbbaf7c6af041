import Foundation
import PostgresNIO
import ReportModel
import ReportStore

/// The PostgreSQL schema, one migration per version (beside SQLite's, which it matches table for
/// table; docs/postgresql.md). Shipped migrations are never edited.
///
/// Fit to distribute by policy domain (Citus): every table about one domain's reports leads its
/// primary key, unique keys and foreign keys with the domain (`policy_domain`, or for a TLS
/// report, the domain of its first policy: `report_domain`), so that a report, its records, its
/// policy and its rollup rows live on one node and are joined there. The tables about inputs
/// (raw inputs, mail, runs, the log, file stamps, reverse DNS) are not per domain: on Citus they
/// stay on the coordinator or become reference tables.
enum PostgresSchema {
    /// The migrations in order: a version name and its statements.
    static let migrations: [(version: String, statements: [String])] = [
        ("v1-store", version1),
        ("v2-mailbox-checkpoint", version2),
        ("v3-digest-ledger", version3),
        ("v4-transport-check", version4),
    ]

    /// The live transport checks (TransportCheck, as JSON), as SQLite's v19: a new check moves
    /// the content generation.
    static let version4 = [
        """
        CREATE TABLE transport_check (
            domain text NOT NULL, checked_at bigint NOT NULL, result text NOT NULL,
            PRIMARY KEY (domain, checked_at)
        )
        """,
        """
        CREATE TRIGGER transport_check_changed AFTER INSERT OR UPDATE ON transport_check
            FOR EACH STATEMENT EXECUTE FUNCTION mailtally_content_changed()
        """,
    ]

    /// The digests sent by mail (DigestRecord), as SQLite's v18.
    static let version3 = [
        """
        CREATE TABLE digest_ledger (
            recipients text NOT NULL, period_end bigint NOT NULL, kind text NOT NULL,
            sent boolean NOT NULL, at bigint NOT NULL, findings text NOT NULL,
            message_id text, error text,
            PRIMARY KEY (recipients, period_end, kind)
        )
        """
    ]

    /// How far each IMAP mailbox has been read (MailboxCheckpoint), as SQLite's v17.
    static let version2 = [
        """
        CREATE TABLE mailbox_checkpoint (
            account text NOT NULL, mailbox text NOT NULL, uid_validity bigint NOT NULL,
            last_uid bigint NOT NULL, updated_at bigint NOT NULL,
            PRIMARY KEY (account, mailbox)
        )
        """
    ]

    /// A fresh store: the shape SQLite reached by its v15, in PostgreSQL's types.
    static let version1 = [
        "CREATE TABLE store_meta (key text PRIMARY KEY, value text NOT NULL)",
        "CREATE TABLE store_notice (id bigserial PRIMARY KEY, at bigint NOT NULL, text text NOT NULL)",
        // A number that changes whenever what a pack shows can change (`nightly` keeps a pack
        // whose inputs are unchanged). A sequence, not a row: writers never wait on each other
        // for it, and a rolled-back writer only changes it needlessly.
        "CREATE SEQUENCE content_generation",
        """
        CREATE FUNCTION mailtally_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM nextval('content_generation'); RETURN NULL; END $$
        """,
        """
        CREATE TABLE raw_input (
            id bigserial PRIMARY KEY,
            sha256 bytea NOT NULL UNIQUE,
            size bigint NOT NULL,
            encoding text NOT NULL CHECK (encoding IN ('identity', 'zlib')),
            data bytea NOT NULL,
            chunks integer NOT NULL DEFAULT 0,
            state text NOT NULL CHECK (state IN ('done', 'failed')),
            first_seen bigint NOT NULL,
            in_folder boolean NOT NULL DEFAULT false
        )
        """,
        """
        CREATE TABLE raw_input_chunk (
            raw_input_id bigint NOT NULL REFERENCES raw_input(id) ON DELETE CASCADE,
            seq integer NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (raw_input_id, seq)
        )
        """,
        """
        CREATE TABLE ingest_run (
            id bigserial PRIMARY KEY, started bigint NOT NULL, finished bigint, command text NOT NULL
        )
        """,
        """
        CREATE TABLE mail_message (
            id bigserial PRIMARY KEY,
            raw_input_id bigint NOT NULL REFERENCES raw_input(id),
            input text NOT NULL,
            number bigint,
            message_id text, date text, sender text, subject text,
            tls_report_domain text, tls_report_submitter text
        )
        """,
        "CREATE INDEX mail_message_raw_input ON mail_message(raw_input_id)",
        """
        CREATE TABLE dmarc_report (
            policy_domain text NOT NULL,
            id bigserial NOT NULL,
            reporter text NOT NULL,
            org_name text NOT NULL,
            email text,
            extra_contact_info text,
            report_id text NOT NULL,
            "begin" bigint NOT NULL,
            "end" bigint NOT NULL,
            counted_begin bigint NOT NULL,
            counted_end bigint NOT NULL,
            range_flags text,
            version text, namespace text, generator text, errors text,
            schema text NOT NULL,
            -- The published policy the report gives (one per report: no table of its own).
            domain text NOT NULL,
            adkim text, aspf text, p text, sp text, np text, pct text, fo text, testing text, discovery_method text,
            record_count bigint NOT NULL,
            message_count bigint NOT NULL,
            raw_input_id bigint NOT NULL REFERENCES raw_input(id),
            input text NOT NULL,
            part text NOT NULL,
            imported_at bigint NOT NULL,
            mail_message_id bigint REFERENCES mail_message(id),
            PRIMARY KEY (policy_domain, id),
            UNIQUE (policy_domain, reporter, report_id, "begin", "end")
        )
        """,
        // A period's reports by either end of their counted span: recent periods are found by
        // the end, old ones by the start (the planner picks).
        "CREATE INDEX dmarc_report_counted ON dmarc_report(policy_domain, counted_begin)",
        "CREATE INDEX dmarc_report_counted_end ON dmarc_report(policy_domain, counted_end, counted_begin)",
        "CREATE INDEX dmarc_report_raw_input ON dmarc_report(raw_input_id)",
        """
        CREATE TABLE dmarc_record (
            policy_domain text NOT NULL,
            report_id bigint NOT NULL,
            seq integer NOT NULL,
            source_ip text NOT NULL,
            count bigint NOT NULL CHECK (count >= 0),
            disposition text, dkim text, spf text,
            header_from text, envelope_from text, envelope_to text,
            dkim_results text, spf_results text, reasons text,
            relayed boolean NOT NULL,
            PRIMARY KEY (policy_domain, report_id, seq),
            FOREIGN KEY (policy_domain, report_id) REFERENCES dmarc_report(policy_domain, id) ON DELETE CASCADE
        )
        """,
        // A report's distinct source IPs, a row per part of at most 50,000 records (a real report
        // fits in one): the per-source report counts of the correlation read these rows instead
        // of the records.
        """
        CREATE TABLE dmarc_report_ips (
            policy_domain text NOT NULL,
            report_id bigint NOT NULL,
            part integer NOT NULL,
            counted_begin bigint NOT NULL,
            counted_end bigint NOT NULL,
            source_ips text[] NOT NULL,
            PRIMARY KEY (policy_domain, report_id, part),
            FOREIGN KEY (policy_domain, report_id) REFERENCES dmarc_report(policy_domain, id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX dmarc_report_ips_counted ON dmarc_report_ips(policy_domain, counted_end, counted_begin)",
        // The few records a receiver overrode, for the findings, without reading the others.
        "CREATE INDEX dmarc_record_overridden ON dmarc_record(policy_domain, report_id) WHERE reasons IS NOT NULL",
        """
        CREATE TABLE dmarc_daily (
            policy_domain text NOT NULL,
            day bigint NOT NULL,
            source_ip text NOT NULL,
            reporter_org text NOT NULL,
            reporter_email text NOT NULL,
            disposition text NOT NULL,
            messages bigint NOT NULL,
            dmarc_pass bigint NOT NULL,
            spf_pass bigint NOT NULL,
            dkim_pass bigint NOT NULL,
            relayed bigint NOT NULL,
            PRIMARY KEY (policy_domain, day, source_ip, reporter_org, reporter_email, disposition)
        )
        """,
        // A period's rollup rows read from the index alone (once autovacuum has marked their pages
        // visible): the summaries and the correlation never touch the table.
        """
        CREATE INDEX dmarc_daily_by_day ON dmarc_daily (policy_domain, day)
            INCLUDE (source_ip, reporter_org, reporter_email, disposition, messages, dmarc_pass, spf_pass, dkim_pass, relayed)
        """,
        """
        CREATE TABLE tls_report (
            report_domain text NOT NULL,
            id bigserial NOT NULL,
            organization text NOT NULL,
            organization_key text NOT NULL,
            contact_info text,
            report_id text NOT NULL,
            "begin" bigint NOT NULL,
            "end" bigint NOT NULL,
            counted_begin bigint NOT NULL,
            counted_end bigint NOT NULL,
            range_flags text,
            raw_input_id bigint NOT NULL REFERENCES raw_input(id),
            input text NOT NULL,
            part text NOT NULL,
            imported_at bigint NOT NULL,
            mail_message_id bigint REFERENCES mail_message(id),
            PRIMARY KEY (report_domain, id),
            UNIQUE (report_domain, organization_key, report_id, "begin", "end")
        )
        """,
        "CREATE INDEX tls_report_raw_input ON tls_report(raw_input_id)",
        // The duplicate key of TLSReportKey, which names no domain: looked up across domains.
        #"CREATE INDEX tls_report_key ON tls_report(organization_key, report_id, "begin", "end")"#,
        """
        CREATE TABLE tls_policy (
            report_domain text NOT NULL,
            report_id bigint NOT NULL,
            position integer NOT NULL,
            policy_type text NOT NULL,
            category text NOT NULL,
            policy_domain text NOT NULL,
            domain_given boolean NOT NULL,
            policy_strings text NOT NULL,
            sts_mode text,
            sts_max_age bigint,
            mx_hosts text NOT NULL,
            successful_sessions bigint NOT NULL CHECK (successful_sessions >= 0),
            failed_sessions bigint NOT NULL CHECK (failed_sessions >= 0),
            PRIMARY KEY (report_domain, report_id, position),
            FOREIGN KEY (report_domain, report_id) REFERENCES tls_report(report_domain, id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX tls_policy_domain ON tls_policy(policy_domain)",
        """
        CREATE TABLE tls_failure (
            report_domain text NOT NULL,
            report_id bigint NOT NULL,
            position integer NOT NULL,
            seq integer NOT NULL,
            result_type text NOT NULL,
            category text NOT NULL,
            sending_mta_ip text,
            receiving_mx_hostname text,
            receiving_mx_helo text,
            receiving_ip text,
            failed_session_count bigint NOT NULL CHECK (failed_session_count >= 0),
            additional_information text,
            failure_reason_code text,
            PRIMARY KEY (report_domain, report_id, position, seq),
            FOREIGN KEY (report_domain, report_id, position)
                REFERENCES tls_policy(report_domain, report_id, position) ON DELETE CASCADE
        )
        """,
        """
        CREATE TABLE ingest_log (
            id bigserial PRIMARY KEY,
            run_id bigint REFERENCES ingest_run(id),
            at bigint NOT NULL,
            input text NOT NULL,
            part text NOT NULL DEFAULT '',
            raw_input_id bigint REFERENCES raw_input(id),
            status text NOT NULL CHECK (status IN ('imported', 'duplicate', 'skipped', 'failed')),
            kind text, code text, reason text,
            dmarc_report_id bigint, tls_report_id bigint,
            mail_message_id bigint REFERENCES mail_message(id)
        )
        """,
        "CREATE INDEX ingest_log_raw_input ON ingest_log(raw_input_id)",
        "CREATE INDEX ingest_log_status ON ingest_log(status)",
        "CREATE INDEX ingest_log_input ON ingest_log(input, part)",
        """
        CREATE TABLE input_file (
            path text PRIMARY KEY, size bigint NOT NULL, mtime_ns bigint NOT NULL, inode bigint NOT NULL
        )
        """,
        """
        CREATE TABLE reverse_dns (
            ip text PRIMARY KEY,
            status text NOT NULL,
            names text NOT NULL,
            confirmed_name text,
            ttl bigint,
            resolved_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            detail text
        )
        """,
        """
        CREATE TRIGGER dmarc_report_changed AFTER INSERT OR DELETE ON dmarc_report
            FOR EACH STATEMENT EXECUTE FUNCTION mailtally_content_changed()
        """,
        """
        CREATE TRIGGER tls_report_changed AFTER INSERT OR DELETE ON tls_report
            FOR EACH STATEMENT EXECUTE FUNCTION mailtally_content_changed()
        """,
        """
        CREATE TRIGGER reverse_dns_changed AFTER INSERT OR UPDATE OR DELETE ON reverse_dns
            FOR EACH STATEMENT EXECUTE FUNCTION mailtally_content_changed()
        """,
    ]

    /// Applies the migrations not yet applied, each in a transaction of its own, under an
    /// advisory lock: two workers opening a new database at once take turns, and the second
    /// finds the work done. A database migrated by a newer mailtally is refused.
    /// - Returns: whether any migration was applied.
    @discardableResult
    static func migrate(_ db: ServerConnection, location: String) throws -> Bool {
        try db.query("SELECT pg_advisory_lock(\(AdvisoryLock.migration))")
        defer { _ = try? db.query("SELECT pg_advisory_unlock(\(AdvisoryLock.migration))") }
        try db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (version text PRIMARY KEY, applied_at bigint NOT NULL)")
        let applied = try appliedVersions(db) ?? []
        _ = try isCurrent(applied, location: location)
        var migrated = false
        for migration in migrations where !applied.contains(migration.version) {
            try db.execute("BEGIN")
            do {
                for statement in migration.statements { try db.execute(statement) }
                try db.query(
                    "INSERT INTO schema_migration(version, applied_at) VALUES (\(migration.version), \(Int64(Date().timeIntervalSince1970)))"
                )
                try db.query(
                    """
                    INSERT INTO store_meta(key, value) VALUES ('schema_written_by', \(MailTallyVersion.current))
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """)
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
            migrated = true
        }
        return migrated
    }
}

extension PostgresSchema {
    /// The versions applied so far; nil when the database has no MailTally schema.
    static func appliedVersions(_ db: ServerConnection) throws -> Set<String>? {
        guard try db.value("SELECT to_regclass('schema_migration') IS NOT NULL", as: Bool.self) == true else {
            return nil
        }
        return Set(try db.query("SELECT version FROM schema_migration").map { try $0.decode(String.self) })
    }

    /// Whether every migration is applied. - Throws: when one this build does not know is: a
    /// newer mailtally made the store, and reading it could misread what it holds.
    static func isCurrent(_ applied: Set<String>, location: String) throws(StoreError) -> Bool {
        let known = Set(migrations.map(\.version))
        let unknown = applied.subtracting(known).sorted()
        guard unknown.isEmpty else {
            throw StoreError(
                message: "\(location) was made by a newer mailtally (schema \(unknown.joined(separator: ", "))), "
                    + "newer than this mailtally \(MailTallyVersion.current): use that version or a later one",
                while: "opening \(location)")
        }
        return known.isSubset(of: applied)
    }
}

/// The advisory lock keys of the store: one number each, the same on every host.
enum AdvisoryLock {
    /// Held while migrations run.
    static let migration: Int64 = 0x4D54_0001
    /// Held by a `nightly` run, so that two hosts do not do one night's work twice.
    static let runs: Int64 = 0x4D54_0002
    /// The seed of the hashes of TLS report keys, locked while one is checked and stored.
    static let tlsReportKeys: Int64 = 0x4D54_0003
}
