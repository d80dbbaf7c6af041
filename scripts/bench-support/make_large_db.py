#!/usr/bin/env python3
"""Fills a MailTally database with synthetic DMARC records, straight into SQLite, for the
query-latency benchmark (what ingest would write, rollup included, without parsing).

usage: make_large_db.py DB --records N [--domains 20] [--days 365] [--seed 1]
The database must already exist with MailTally's schema (run `mailtally ingest` once).
"""
import argparse
import random
import sqlite3
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
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("INSERT OR IGNORE INTO raw_input(id, sha256, size, encoding, data, state, first_seen) VALUES (1, x'00', 0, 'identity', x'', 'done', 0)")
    reporters = [("google.com", "noreply-dmarc-support@google.com"), ("enterprise outlook", "dmarcreport@microsoft.com"),
                 ("yahoo", "dmarchelp@yahooinc.com"), ("mail.ru", "dmarc_support@corp.mail.ru")]
    # A pool of sources per domain: a few big senders and a long tail.
    pools = {d: [f"{rng.choice([209, 40, 54, 198])}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                 for _ in range(300)] for d in range(args.domains)}
    report_id = db.execute("SELECT IFNULL(MAX(id), 0) FROM dmarc_report").fetchone()[0]
    record_id = db.execute("SELECT IFNULL(MAX(id), 0) FROM dmarc_record").fetchone()[0]
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
            flush(db, reports, records, sources)
            reports, records, sources = [], [], []
    flush(db, reports, records, sources)
    db.executemany(
        """INSERT INTO dmarc_daily(policy_domain, day, source_ip, reporter_org, reporter_email, disposition,
           messages, dmarc_pass, spf_pass, dkim_pass) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
           spf_pass = spf_pass + excluded.spf_pass, dkim_pass = dkim_pass + excluded.dkim_pass""",
        ((*k, *v) for k, v in rollup.items()))
    db.commit()
    db.execute("ANALYZE")
    db.close()
    print(f"{made} records in {report_id} reports written in {time.time() - started:.1f} s")


def flush(db, reports, records, sources):
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


if __name__ == "__main__":
    main()
