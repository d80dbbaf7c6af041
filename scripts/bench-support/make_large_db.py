#!/usr/bin/env python3
"""Fills a MailTally store with synthetic DMARC records, straight into its tables, for the
query-latency benchmark (what ingest would write, rollup included, without parsing).

usage: make_large_db.py DB --records N [--domains 20] [--days 365] [--seed 1]
DB is an SQLite file or a postgres:// URL (written with psql's \copy); the store must already
have MailTally's schema (run `mailtally ingest` once).
"""
import argparse
import random
import sqlite3
import subprocess
import time

DAY = 86400
START = 1764547200  # 2025-12-01


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--domains", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--records-per-report", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    db = PostgresWriter(args.db) if args.db.startswith("postgres") else SQLiteWriter(args.db)
    reporters = [("google.com", "noreply-dmarc-support@google.com"), ("enterprise outlook", "dmarcreport@microsoft.com"),
                 ("yahoo", "dmarchelp@yahooinc.com"), ("mail.ru", "dmarc_support@corp.mail.ru")]
    # A pool of sources per domain: a few big senders and a long tail.
    pools = {d: [f"{rng.choice([209, 40, 54, 198])}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                 for _ in range(300)] for d in range(args.domains)}
    report_id, record_id = db.last_ids()
    made = 0
    started = time.time()
    rollup = {}
    reports, records, sources = [], [], []
    while made < args.records:
        report_id += 1
        d = rng.randrange(args.domains)
        domain = f"large{d}.example"
        day = rng.randrange(args.days)
        begin = START + day * DAY
        org, email = rng.choice(reporters)
        n = min(args.records - made, args.records_per_report)
        messages = 0
        report_ips = set()
        for _ in range(n):
            record_id += 1
            ip = pools[d][min(299, int(rng.expovariate(1 / 30)))]
            count = 1 + int(rng.expovariate(1 / 10))
            dkim = "pass" if rng.random() < 0.9 else "fail"
            spf = "pass" if rng.random() < 0.8 else "fail"
            disposition = "none"
            records.append((record_id, report_id, ip, count, disposition, dkim, spf, domain))
            report_ips.add(ip)
            key = (domain, START // DAY + day, ip, org, email, disposition)
            r = rollup.setdefault(key, [0, 0, 0, 0])
            passed = dkim == "pass" or spf == "pass"
            r[0] += count
            r[1] += count if passed else 0
            r[2] += count if spf == "pass" else 0
            r[3] += count if dkim == "pass" else 0
            messages += count
        made += n
        reports.append((report_id, org, org, email, f"large-{report_id}", domain, begin, begin + DAY - 1, n, messages))
        # One row per report with its distinct source IPs, one per line (plain addresses need no escaping).
        sources.append((domain, begin + DAY - 1, report_id, begin, "\n".join(sorted(report_ips))))
        if len(records) >= 200_000:
            db.flush(reports, records, sources)
            reports, records, sources = [], [], []
    db.flush(reports, records, sources)
    db.finish(rollup)
    print(f"{made} records in {report_id} reports written in {time.time() - started:.1f} s")


class SQLiteWriter:
    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("INSERT OR IGNORE INTO raw_input(id, sha256, size, encoding, data, state, first_seen) VALUES (1, x'00', 0, 'identity', x'', 'done', 0)")

    def last_ids(self):
        return (self.db.execute("SELECT IFNULL(MAX(id), 0) FROM dmarc_report").fetchone()[0],
                self.db.execute("SELECT IFNULL(MAX(id), 0) FROM dmarc_record").fetchone()[0])

    def flush(self, reports, records, sources):
        db = self.db
        db.executemany(
            """INSERT INTO dmarc_report_ips(policy_domain, end, report_id, part, begin, source_ips) VALUES (?, ?, ?, 0, ?, ?)""", sources)
        db.executemany(
            """INSERT INTO dmarc_report(id, reporter, org_name, email, report_id, policy_domain, begin, end, schema,
               record_count, message_count, raw_input_id, input, part, imported_at, counted_begin, counted_end)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'rfc7489', ?, ?, 1, 'bench', '', 0, ?, ?)""",
            # Plausible ranges: counted as they stand (docs/counting.md).
            ((*r, r[6], r[7]) for r in reports))
        db.executemany(
            "INSERT INTO dmarc_policy(report_id, domain, p) VALUES (?, ?, 'none')", ((r[0], r[5]) for r in reports))
        db.executemany(
            """INSERT INTO dmarc_record(id, report_id, source_ip, count, disposition, dkim, spf, header_from)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", records)

    def finish(self, rollup):
        self.db.executemany(
            """INSERT INTO dmarc_daily(policy_domain, day, source_ip, reporter_org, reporter_email, disposition,
               messages, dmarc_pass, spf_pass, dkim_pass) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
               spf_pass = spf_pass + excluded.spf_pass, dkim_pass = dkim_pass + excluded.dkim_pass""",
            ((*k, *v) for k, v in rollup.items()))
        self.db.commit()
        self.db.execute("ANALYZE")
        self.db.close()


class PostgresWriter:
    """The same rows into PostgreSQL's tables (keys led by the policy domain), by \\copy."""

    def __init__(self, url):
        self.url = url
        self.sql("INSERT INTO raw_input(id, sha256, size, encoding, data, state, first_seen) "
                 "VALUES (1, '\\x00', 0, 'identity', '', 'done', 0) ON CONFLICT DO NOTHING")

    def sql(self, statement):
        return subprocess.run(["psql", "-qAt", "-v", "ON_ERROR_STOP=1", self.url, "-c", statement],
                              check=True, capture_output=True, text=True).stdout

    def copy(self, table, columns, rows):
        data = "".join("\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in rows)
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url, "-c",
                        f"\\copy {table}({', '.join(columns)}) FROM STDIN"], input=data, text=True, check=True)

    def last_ids(self):
        return int(self.sql("SELECT COALESCE(MAX(id), 0) FROM dmarc_report")), 0

    def flush(self, reports, records, sources):
        domain_of = {r[0]: r[5] for r in reports}
        self.copy("dmarc_report", ["id", "reporter", "org_name", "email", "report_id", "policy_domain", '"begin"', '"end"',
                                   "record_count", "message_count", "counted_begin", "counted_end", "schema",
                                   "raw_input_id", "input", "part", "imported_at", "domain", "p"],
                  ((*r, r[6], r[7], "rfc7489", 1, "bench", "", 0, r[5], "none") for r in reports))
        self.copy("dmarc_report_ips", ["policy_domain", "report_id", "part", "counted_begin", "counted_end", "source_ips"],
                  ((domain, report_id, 0, begin, end, "{" + ips.replace("\n", ",") + "}")
                   for domain, end, report_id, begin, ips in sources))
        seq = {}
        rows = []
        for record_id, report_id, ip, count, disposition, dkim, spf, domain in records:
            seq[report_id] = seq.get(report_id, -1) + 1
            rows.append((domain_of[report_id], report_id, seq[report_id], ip, count, disposition, dkim, spf, domain, "f"))
        self.copy("dmarc_record", ["policy_domain", "report_id", "seq", "source_ip", "count", "disposition", "dkim", "spf",
                                   "header_from", "relayed"], rows)

    def finish(self, rollup):
        self.copy("dmarc_daily", ["policy_domain", "day", "source_ip", "reporter_org", "reporter_email", "disposition",
                                  "messages", "dmarc_pass", "spf_pass", "dkim_pass", "relayed"],
                  ((*k, *v, 0) for k, v in rollup.items()))
        self.sql("SELECT setval(pg_get_serial_sequence('dmarc_report', 'id'), (SELECT MAX(id) FROM dmarc_report))")
        # What autovacuum does to a settled store: statistics, and pages marked visible (index-only scans).
        self.sql("VACUUM ANALYZE dmarc_report, dmarc_record, dmarc_daily, dmarc_report_ips")


if __name__ == "__main__":
    main()
