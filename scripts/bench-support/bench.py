#!/usr/bin/env python3
"""The benchmark behind scripts/bench: measures MailTally against parsedmarc and a C floor on
the same synthetic corpus, and query latency on a large database. Prints one table.
With --imap, MailTally and parsedmarc read the corpus's mails from a Dovecot of their own on
loopback instead (bench_imap).

Every timing is the whole process, read from /usr/bin/time -v: the median of --runs runs.
Totals are checked against the corpus generator's ground truth in every run.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(command, env=None):
    """Runs a command under /usr/bin/time -v; returns (wall s, cpu s, peak RSS MB, stdout, exit)."""
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, env=env)
    fields = {}
    for line in result.stderr.decode(errors="replace").splitlines():
        if ":" in line:
            key, _, value = line.strip().rpartition(": ")
            fields[key] = value
    wall_text = fields.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "0:0")
    parts = [float(p) for p in wall_text.split(":")]
    wall = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
    cpu = float(fields.get("User time (seconds)", 0)) + float(fields.get("System time (seconds)", 0))
    rss = int(fields.get("Maximum resident set size (kbytes)", 0)) / 1024
    return wall, cpu, rss, result.stdout, result.returncode, result.stderr.decode(errors="replace")


def median_runs(runs, make_command, check):
    samples = []
    for run in range(runs):
        command = make_command(run)
        wall, cpu, rss, out, code, err = timed(command)
        problem = check(out, run)
        if problem:
            sys.exit(f"bench: {' '.join(command[:3])}: {problem}\n{err[-2000:]}")
        samples.append((wall, cpu, rss))
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))


def measure_enrich(args, work, source_db, fresh_db, count=10_000):
    """Times `mailtally enrich` over `count` distinct addresses (a copy of `source_db` cut down to
    them) against dnsmasq on loopback serving names for nine in ten (the rest: NXDOMAIN), then a
    second run that finds them all cached."""
    import sqlite3
    base = fresh_db("enrich-base.sqlite")
    shutil.copyfile(source_db, base)
    with sqlite3.connect(base) as connection:
        addresses = sorted(row[0] for row in connection.execute(
            "SELECT DISTINCT source_ip FROM dmarc_daily UNION SELECT DISTINCT sending_mta_ip FROM tls_failure WHERE sending_mta_ip IS NOT NULL"))
        addresses = [a for a in addresses if a][:count]
        connection.execute("CREATE TEMP TABLE kept (ip TEXT PRIMARY KEY)")
        connection.executemany("INSERT INTO kept VALUES (?)", [(a,) for a in addresses])
        connection.execute("DELETE FROM dmarc_daily WHERE source_ip NOT IN (SELECT ip FROM kept)")
        connection.execute("UPDATE tls_failure SET sending_mta_ip = NULL WHERE sending_mta_ip NOT IN (SELECT ip FROM kept)")
    hosts = os.path.join(work, "enrich-hosts.txt")
    named = 0
    with open(hosts, "w") as out:
        for index, address in enumerate(addresses):
            if index % 10 != 9:
                out.write(f"{address} host-{index}.sender{index % 97}.example\n")
                named += 1
    records = os.path.join(work, "enrich-records.txt")
    open(records, "w").close()
    fixture = os.path.join(HERE, "..", "..", "Tests", "Support", "dns_fixture.py")
    server = subprocess.Popen([sys.executable, fixture, "--records", records, "--hosts", hosts],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            print("bench: the DNS fixture did not start; enrich not measured", file=sys.stderr)
            return None
        resolver = f"127.0.0.1:{line[1]}"
        db = os.path.join(work, "enrich.sqlite")

        def command(run):
            shutil.copyfile(base, fresh_db("enrich.sqlite"))
            return [args.mailtally, "enrich", "--db", db, "--resolver", resolver, "--json"]

        def check(out, run):
            got = json.loads(out)
            if (got["asked"], got["named"], got["confirmed"]) != (len(addresses), named, named):
                return f"enrich asked {got['asked']}, named {got['named']}, confirmed {got['confirmed']}; expected {len(addresses)} and {named}"
            return None
        wall, _, rss = median_runs(args.runs, command, check)
        started = time.perf_counter()
        again = json.loads(subprocess.run([args.mailtally, "enrich", "--db", db, "--resolver", resolver, "--json"],
                                          capture_output=True, check=True).stdout)
        cached = time.perf_counter() - started
        if again["asked"] != 0:
            print(f"bench: the second enrich asked {again['asked']} addresses again; expected none", file=sys.stderr)
        return {"asked": len(addresses), "wall": wall, "rss": rss, "cached": cached}
    finally:
        server.stdin.close()
        server.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--mailtally", required=True)
    parser.add_argument("--parsedmarc")
    parser.add_argument("--floor")
    parser.add_argument("--reports", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--imap", action="store_true",
                        help="read the corpus's mails over IMAPS from a Dovecot on loopback, MailTally beside parsedmarc")
    args = parser.parse_args()
    work = args.work
    corpus = os.path.join(work, f"corpus-{args.reports}")
    if not os.path.exists(os.path.join(corpus, "truth.json")):
        shutil.rmtree(corpus, ignore_errors=True)
        print(f"bench: generating {args.reports} reports in {corpus}", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), corpus, "--reports", str(args.reports)], check=True)
    truth = json.load(open(os.path.join(corpus, "truth.json")))
    files = os.path.join(corpus, "files")
    mbox = os.path.join(corpus, "inbox.mbox")
    reports = truth["dmarc_reports"] + truth["tls_reports"]
    rows = []

    def fresh_db(name):
        path = os.path.join(work, name)
        for suffix in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return path

    if args.imap:
        return bench_imap(args, work, corpus, truth)
    if args.db == "postgres":
        return bench_postgres(args, work, files, truth)

    def check_mailtally(db):
        def check(out, run):
            outcome = json.loads(out)
            if outcome["imported"] != {"dmarc": truth["dmarc_reports"], "tlsrpt": truth["tls_reports"]} or outcome["failed"]:
                return f"imported {outcome['imported']}, failed {outcome['failed']}; expected {truth['dmarc_reports']} DMARC and {truth['tls_reports']} TLS-RPT"
            return check_totals(args, db, truth)
        return check

    for label, source in (("MailTally ingest, files", files), ("MailTally ingest, mbox", mbox)):
        db = os.path.join(work, "bench.sqlite")
        wall, cpu, rss = median_runs(
            args.runs, lambda run: [args.mailtally, "ingest", "--json", "--db", fresh_db("bench.sqlite"), source], check_mailtally(db))
        rows.append((label, wall, cpu, rss))

    if args.parsedmarc:
        out = os.path.join(work, "parsedmarc-out")

        def check_parsedmarc(_, run):
            aggregate = json.load(open(os.path.join(out, "aggregate.json")))
            messages = sum(r["count"] for report in aggregate for r in report["records"])
            if messages != truth["messages"]:
                return f"parsedmarc counted {messages} messages, the ground truth says {truth['messages']}"
            return None

        def command(run):
            shutil.rmtree(out, ignore_errors=True)
            return [args.parsedmarc, "--offline", "-s", "-o", out, files]
        rows.append(("parsedmarc --offline, files", *median_runs(args.runs, command, check_parsedmarc)))

    if args.floor:
        def check_floor(out, run):
            got = json.loads(out)
            if (got["records"], got["messages"]) != (truth["records"], truth["messages"]):
                return f"the floor counted {got}, the ground truth says {truth['records']} records and {truth['messages']} messages"
            return None
        rows.append(("C floor (zlib + libxml2 + SQLite)", *median_runs(
            args.runs, lambda run: [args.floor, fresh_db("floor.sqlite"), files], check_floor)))

    # Nightly over inputs that were all seen before.
    db = fresh_db("nightly.sqlite")
    subprocess.run([args.mailtally, "ingest", "--db", db, files], capture_output=True)
    def nightly_command(*extra):
        return [args.mailtally, "nightly", "--db", db, "--inbox", files, "--out", os.path.join(work, "nightly-out"),
                "--date", "2026-11-28", "--offline", *extra]
    # Writing the three packs each time (--rewrite), then with the packs up to date (nothing new
    # since the last run: the packs are kept).
    nightly_writing = median_runs(args.runs, lambda run: nightly_command("--rewrite"), lambda out, run: None)
    nightly = median_runs(args.runs, lambda run: nightly_command(), lambda out, run: None)

    # Reverse DNS: 10,000 distinct addresses against dnsmasq on loopback (9 in 10 with a name).
    enrich = measure_enrich(args, work, db, fresh_db)

    # Query latency on a large database, generated straight into the store.
    large = os.path.join(work, f"large-{args.records}.sqlite")
    if not os.path.exists(large):
        subprocess.run([args.mailtally, "ingest", "--db", large, os.devnull], capture_output=True)
        print(f"bench: writing {args.records} records into {large}", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "make_large_db.py"), large, "--records", str(args.records)], check=True)
    queries = query_latency(args, large)

    records = truth["records"]
    xml_mb = truth["xml_bytes"] / 1e6
    print(f"\nCorpus: {reports} reports ({truth['dmarc_reports']} DMARC, {truth['tls_reports']} TLS-RPT), {records} records, "
          f"{xml_mb:.1f} MB of XML; medians of {args.runs} runs; totals checked against the ground truth in every run.\n")
    print("| run | wall s | CPU s | peak RSS MB | reports/s | records/s | XML MB/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    by_label = {}
    for label, wall, cpu, rss in rows:
        by_label[label] = wall
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {reports / wall:,.0f} | {records / wall:,.0f} | {xml_mb / wall:.1f} |")
    print()
    mailtally_wall = by_label["MailTally ingest, files"]
    if "parsedmarc --offline, files" in by_label:
        print(f"MailTally / parsedmarc, reports per second: {by_label['parsedmarc --offline, files'] / mailtally_wall:.1f}x")
    if "C floor (zlib + libxml2 + SQLite)" in by_label:
        print(f"MailTally wall time / C floor wall time: {mailtally_wall / by_label['C floor (zlib + libxml2 + SQLite)']:.2f}x")
    print(f"nightly over {reports} inputs already seen, packs up to date: {nightly[0]:.2f} s wall, {nightly[2]:.0f} MB peak RSS; "
          f"writing the three packs anew (--rewrite): {nightly_writing[0]:.2f} s wall, {nightly_writing[2]:.0f} MB peak RSS")
    if enrich:
        print(f"enrich, {enrich['asked']:,} distinct addresses against dnsmasq on loopback (PTR + forward confirmation): "
              f"{enrich['wall']:.2f} s wall ({enrich['asked'] / enrich['wall']:,.0f} addresses/s), {enrich['rss']:.0f} MB peak RSS; "
              f"a second run with everything cached: {enrich['cached']:.2f} s")
    for label, seconds in queries:
        print(f"{label}, {args.records:,} records in the database: {seconds * 1000:.0f} ms (whole process, median)")


def query_latency(args, db):
    """Median whole-process times of summary and correlate of one domain over 30 days, after a
    run that warms the caches (the page cache, or the server's)."""
    queries = []
    for label, command in (
        ("summary, one domain, 30 days", ["summary", "--format", "json"]),
        ("correlate, one domain, 30 days", ["correlate", "--format", "json"]),
    ):
        full = [args.mailtally] + command + ["--db", db, "--domain", "large3.example", "--since", "2026-10-31", "--until", "2026-11-29"]
        subprocess.run(full, capture_output=True)
        samples = []
        for _ in range(max(5, args.runs)):
            started = time.perf_counter()
            subprocess.run(full, capture_output=True, check=True)
            samples.append(time.perf_counter() - started)
        queries.append((label, statistics.median(samples)))
    return queries


def check_totals(args, db, truth):
    """None when the store's summary matches the corpus generator's ground truth."""
    summary = json.loads(subprocess.run([args.mailtally, "summary", "--db", db, "--format", "json"], capture_output=True).stdout)
    messages = sum(d["dmarc"]["messages"] for d in summary["domains"])
    passed = sum(d["dmarc"]["dmarc_pass"] for d in summary["domains"])
    sessions = sum(d["tls"]["successful_sessions"] for d in summary["domains"])
    if (messages, passed, sessions) != (truth["messages"], truth["dmarc_pass"], truth["successful_sessions"]):
        return f"totals {(messages, passed, sessions)} differ from the ground truth"
    return None


def bench_postgres(args, work, files, truth):
    """scripts/bench --db postgres: ingest into PostgreSQL with one worker and with two at once,
    beside SQLite in the same run (runs interleaved), on a server of its own on loopback; then
    the query figures on a PostgreSQL store of --records records."""
    import atexit
    server = os.path.join(work, "pg")
    subprocess.run([sys.executable, os.path.join(HERE, "pg_server.py"), "stop", server], capture_output=True)
    shutil.rmtree(server, ignore_errors=True)
    print(f"bench: starting PostgreSQL in {server}", file=sys.stderr)
    url = subprocess.run([sys.executable, os.path.join(HERE, "pg_server.py"), "start", server],
                         capture_output=True, text=True, check=True).stdout.strip()
    atexit.register(lambda: subprocess.run([sys.executable, os.path.join(HERE, "pg_server.py"), "stop", server],
                                           capture_output=True))
    quiet = dict(os.environ, PGOPTIONS="--client-min-messages=warning")

    def empty_postgres():
        subprocess.run(["psql", "-q", url, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public"], check=True, env=quiet)
        return url

    def fresh_sqlite():
        path = os.path.join(work, "bench-pg-beside.sqlite")
        for suffix in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return path

    reports = truth["dmarc_reports"] + truth["tls_reports"]
    expected = {"dmarc": truth["dmarc_reports"], "tlsrpt": truth["tls_reports"]}
    paths = sorted(os.path.join(files, name) for name in os.listdir(files))
    halves = [paths[0::2], paths[1::2]]

    def workers(db, groups, pinned):
        """Runs one ingest worker per group of inputs at once (each on a core of its own when
        pinned); returns (wall s, CPU s of all, largest peak RSS MB) after checking the totals."""
        started = time.perf_counter()
        processes = [subprocess.Popen((["taskset", "-c", str(index)] if pinned else []) +
                                      ["/usr/bin/time", "-v", args.mailtally, "ingest", "--json", "--db", db] + group,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) for index, group in enumerate(groups)]
        finished = [process.communicate() for process in processes]
        wall = time.perf_counter() - started
        imported = {"dmarc": 0, "tlsrpt": 0}
        rss = cpu = 0.0
        for process, (out, err) in zip(processes, finished):
            if process.returncode != 0:
                sys.exit(f"bench: {len(groups)} workers: exit {process.returncode}\n{err.decode()[-2000:]}")
            for kind, count in json.loads(out)["imported"].items():
                imported[kind] += count
            fields = dict(line.strip().rpartition(": ")[::2] for line in err.decode().splitlines() if ": " in line)
            rss = max(rss, int(fields.get("Maximum resident set size (kbytes)", 0)) / 1024)
            cpu += float(fields.get("User time (seconds)", 0)) + float(fields.get("System time (seconds)", 0))
        problem = check_totals(args, db, truth) or (None if imported == expected else f"imported {imported}")
        if problem:
            sys.exit(f"bench: {len(groups)} workers: {problem}")
        return wall, cpu, rss

    runs = {
        "SQLite, one worker": lambda: workers(fresh_sqlite(), [[files]], False),
        "PostgreSQL, one worker": lambda: workers(empty_postgres(), [[files]], False),
        "PostgreSQL, two workers at once": lambda: workers(empty_postgres(), halves, False),
        # As one-core hosts would run them: each worker given a core of its own.
        "PostgreSQL, one worker on one core": lambda: workers(empty_postgres(), [[files]], True),
        "PostgreSQL, two workers on a core each": lambda: workers(empty_postgres(), halves, True),
    }
    samples = {label: [] for label in runs}
    for run in range(args.runs):
        for label, measure in runs.items():
            samples[label].append(measure())

    # Query latency on a large PostgreSQL store, generated straight into its tables.
    db = empty_postgres()
    subprocess.run([args.mailtally, "ingest", "--db", db, os.devnull], capture_output=True)
    print(f"bench: writing {args.records} records into PostgreSQL", file=sys.stderr)
    subprocess.run([sys.executable, os.path.join(HERE, "make_large_db.py"), db, "--records", str(args.records)], check=True)
    queries = query_latency(args, db)

    print(f"\nCorpus: {reports} reports ({truth['dmarc_reports']} DMARC, {truth['tls_reports']} TLS-RPT), {truth['records']} records; "
          f"medians of {args.runs} interleaved runs; totals checked against the ground truth in every run. "
          f"PostgreSQL {subprocess.run(['psql', '-Atc', 'SHOW server_version', url], capture_output=True, text=True).stdout.strip()} "
          f"on loopback, default settings but shared_buffers=256MB.\n")
    print("| ingest | wall s | CPU s | peak RSS MB | reports/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    medians = {}
    for label, runs in samples.items():
        wall, cpu, rss = (statistics.median(s[i] for s in runs) for i in range(3))
        medians[label] = wall
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {reports / wall:,.0f} |")
    print()
    print(f"PostgreSQL one worker / SQLite wall time: {medians['PostgreSQL, one worker'] / medians['SQLite, one worker']:.2f}x; "
          f"two workers / one worker: {medians['PostgreSQL, two workers at once'] / medians['PostgreSQL, one worker']:.2f}x; "
          f"two workers on a core each / one worker on one core: "
          f"{medians['PostgreSQL, two workers on a core each'] / medians['PostgreSQL, one worker on one core']:.2f}x")
    for label, seconds in queries:
        print(f"{label}, {args.records:,} records in PostgreSQL: {seconds * 1000:.0f} ms (whole process, median)")


def bench_imap(args, work, corpus, truth):
    """scripts/bench --imap: `mailtally ingest imaps://...` beside parsedmarc's IMAP mode on the
    same mailbox of one mail per report (the corpus's inbox.mbox, appended to INBOX of a Dovecot
    of its own on loopback: scripts/bench-support/imap_server.py), runs interleaved, each on
    fresh output. Both use implicit TLS on the IMAPS port and check the server's certificate
    against the test CA: MailTally with --ca-file, parsedmarc (which has no CA option) through
    OpenSSL's SSL_CERT_FILE. Neither changes the mailbox: MailTally reads with EXAMINE and
    BODY.PEEK[], parsedmarc runs with `test = True` (no moves or deletions), but its FETCH RFC822
    sets \\Seen, so every message is made unseen again before each run."""
    import signal

    helper = os.path.join(HERE, "imap_server.py")
    fixture = os.path.join(HERE, "..", "..", "Tests", "Support", "imap_fixture.py")
    state = os.path.join(work, "imap")
    # SIGTERM ends the run through the `finally` below, which stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    subprocess.run([sys.executable, helper, "stop", state], capture_output=True)
    print("bench: starting Dovecot on loopback", file=sys.stderr)
    started = subprocess.run([sys.executable, helper, "start", state], capture_output=True, text=True)
    if started.returncode != 0:
        sys.exit(f"bench: imap_server.py start: {started.stderr.strip()}")
    server = json.loads(started.stdout)
    try:
        return measure_imap(args, work, corpus, truth, server, fixture)
    finally:
        subprocess.run([sys.executable, helper, "stop", state], capture_output=True)


def measure_imap(args, work, corpus, truth, server, fixture):
    import base64
    import imaplib
    import mailbox

    reports = truth["dmarc_reports"] + truth["tls_reports"]
    user, password, ca = server["user"], server["password"], server["ca"]

    def session():
        client = imaplib.IMAP4(server["host"], server["port"], timeout=120)
        client.login(user, password)
        return client

    # The mails, appended in order with MULTIAPPEND, a thousand a session.
    started = time.perf_counter()
    box = mailbox.mbox(os.path.join(corpus, "inbox.mbox"), create=False)
    appended = 0
    chunk = []

    def append(chunk):
        result = subprocess.run([sys.executable, fixture, "append", "--port", str(server["port"]), "--user", user,
                                 "--password", password, "--mailbox", "INBOX", "--no-create"],
                                input=json.dumps(chunk), capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"bench: appending to INBOX: {result.stderr.strip()}")
        return len(json.loads(result.stdout)["uids"])

    for key in box.iterkeys():
        chunk.append(base64.b64encode(box.get_bytes(key)).decode("ascii"))
        if len(chunk) == 1000:
            appended += append(chunk)
            chunk = []
    if chunk:
        appended += append(chunk)
    box.close()
    client = session()
    count = int(client.select("INBOX", readonly=True)[1][0])
    # Once through every message before anything is timed: the mail files in the page cache and
    # Dovecot's index and cache files built, for whichever command comes first.
    mail_bytes = 0
    for low in range(1, count + 1, 1000):
        typ, data = client.fetch(f"{low}:{min(low + 999, count)}", "(RFC822.SIZE BODY.PEEK[])")
        mail_bytes += sum(len(item[1]) for item in data if isinstance(item, tuple))
    client.logout()
    if appended != reports or count != reports:
        sys.exit(f"bench: appended {appended} mails, INBOX holds {count}; the corpus has {reports} reports")
    print(f"bench: {count} mails ({mail_bytes / 1e6:.1f} MB) appended to INBOX in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)

    def all_unseen():
        client = session()
        client.select("INBOX")
        client.store("1:*", "-FLAGS.SILENT", "(\\Seen)")
        unseen = client.search(None, "UNSEEN")[1][0].split()
        client.close()
        client.logout()
        if len(unseen) != count:
            sys.exit(f"bench: {len(unseen)} of {count} messages unseen after clearing \\Seen")

    def fresh(name):
        path = os.path.join(work, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        for suffix in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return path

    url = f"imaps://{user}@{server['host']}:{server['imaps_port']}/INBOX"
    mailtally_env = dict(os.environ, MAILTALLY_IMAP_PASSWORD=password)

    def run_mailtally():
        db = fresh("imap.sqlite")
        command = [args.mailtally, "ingest", url, "--ca-file", ca, "--json", "--db", db]
        wall, cpu, rss, out, code, err = timed(command, env=mailtally_env)
        try:
            outcome = json.loads(out)
        except ValueError:
            return None, f"exit {code}, no JSON on stdout\n{err[-2000:]}"
        fetched = [m["fetched"] for m in outcome.get("mailboxes", [])]
        expected = {"dmarc": truth["dmarc_reports"], "tlsrpt": truth["tls_reports"]}
        if code != 0 or fetched != [count] or outcome["imported"] != expected or outcome["failed"]:
            return None, (f"exit {code}, fetched {fetched}, imported {outcome['imported']}, failed {outcome['failed']}; "
                          f"expected [{count}] fetched, {expected}\n{err[-2000:]}")
        return (wall, cpu, rss), check_totals(args, db, truth)

    if args.parsedmarc:
        version = subprocess.run([args.parsedmarc, "--version"], capture_output=True, text=True).stdout.strip()
        config = os.path.join(work, "parsedmarc-imap.ini")
        output = os.path.join(work, "parsedmarc-imap-out")
        with open(config, "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(f"""[general]
offline = True
save_aggregate = True
save_smtp_tls = True
output = {output}
silent = True

[mailbox]
reports_folder = INBOX
# Read only: nothing moved to an archive folder, nothing deleted.
test = True
watch = False
# 0: every message in one batch. The default (10) reads 10 messages and, in test mode, stops.
batch_size = 0

[imap]
host = {server['host']}
port = {server['imaps_port']}
ssl = True
user = {user}
password = {password}
""")
        # parsedmarc has no CA option; Python's default context reads OpenSSL's SSL_CERT_FILE,
        # so the certificate is checked against the test CA as MailTally checks it.
        parsedmarc_env = dict(os.environ, SSL_CERT_FILE=ca)

    def run_parsedmarc():
        fresh("parsedmarc-imap-out")
        wall, cpu, rss, out, code, err = timed([args.parsedmarc, "-c", config], env=parsedmarc_env)
        if code != 0:
            return None, f"exit {code}\n{err[-2000:]}"
        try:
            aggregate = json.load(open(os.path.join(output, "aggregate.json")))
            tls = json.load(open(os.path.join(output, "smtp_tls.json")))
        except (OSError, ValueError) as error:
            return None, f"no output ({error})\n{err[-2000:]}"
        messages = sum(r["count"] for report in aggregate for r in report["records"])
        got = (len(aggregate), len(tls), messages)
        want = (truth["dmarc_reports"], truth["tls_reports"], truth["messages"])
        if got != want:
            return None, (f"{got[0]} aggregate reports, {got[1]} SMTP TLS reports, {got[2]} messages; "
                          f"the ground truth says {want[0]}, {want[1]} and {want[2]}")
        return (wall, cpu, rss), None

    runs = {"MailTally ingest imaps://": run_mailtally}
    if args.parsedmarc:
        runs[f"parsedmarc {version}, IMAP (test mode)"] = run_parsedmarc
    samples = {label: [] for label in runs}
    for run in range(args.runs):
        for label, measure in runs.items():
            all_unseen()
            sample, problem = measure()
            if problem:
                sys.exit(f"bench: {label}, run {run + 1}: {problem}")
            samples[label].append(sample)
            print(f"bench: {label}, run {run + 1}: {sample[0]:.2f} s wall, {sample[2]:.0f} MB peak RSS", file=sys.stderr)

    dovecot = subprocess.run(["/usr/sbin/dovecot", "--version"], capture_output=True, text=True).stdout.split()
    print(f"\nMailbox: {count} mails, one report each ({truth['dmarc_reports']} DMARC, {truth['tls_reports']} TLS-RPT; "
          f"{truth['records']} records), {mail_bytes / 1e6:.1f} MB, in INBOX of Dovecot {dovecot[0] if dovecot else '?'} "
          f"on loopback (Maildir), read over IMAPS with the certificate checked; "
          f"medians of {args.runs} interleaved runs, each on fresh output with every message unseen; "
          f"counts checked against the ground truth in every run.\n")
    print("| IMAP run | wall s | CPU s | peak RSS MB | mails/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    medians = {}
    for label, values in samples.items():
        wall, cpu, rss = (statistics.median(s[i] for s in values) for i in range(3))
        medians[label] = (wall, rss)
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {count / wall:,.0f} |")
    print()
    if len(medians) == 2:
        (mt_wall, mt_rss), (pm_wall, pm_rss) = medians.values()
        print(f"MailTally / parsedmarc over IMAP: {pm_wall / mt_wall:.1f}x the mails per second, "
              f"{mt_rss / pm_rss:.2f}x the peak RSS")


if __name__ == "__main__":
    main()
