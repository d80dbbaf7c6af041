#!/usr/bin/env python3
"""Peak memory of one input at a time, at the default caps (scripts/bench --memory).

Every case of the hostile corpus (Tests/Hostile/make_hostile.py), then the large ones, each
ingested alone into a fresh database under /usr/bin/time -v: its outcome, wall time and peak
RSS, and whether the RSS stays under the target (150 MB). The large cases: a 10-million-record
report (gzip), three reports of 5 million records in one batch, a valid 300,000-record report,
a TLS report with a million failure details, an mbox with one 500 MB line, a 1e9-byte file and
a 1 GiB gzip bomb.

usage: memory.py --mailtally BIN --work DIR [--skip-huge]
"""
import argparse
import contextlib
import gzip
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import timed  # noqa: E402  (one reading of /usr/bin/time -v)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGET_MB = 150


def report_xml(path, report_id, records, compress):
    head = ('<feedback><report_metadata><org_name>big.example</org_name><email>d@big.example</email>'
            f'<report_id>{report_id}</report_id><date_range><begin>1795824000</begin><end>1795910399</end></date_range>'
            '</report_metadata><policy_published><domain>big.example</domain><p>none</p></policy_published>')
    if hasattr(path, "write"):
        opener = contextlib.nullcontext  # an open file (a BytesIO), left open
    else:
        opener = (lambda p: gzip.open(p, "wb", compresslevel=1)) if compress else (lambda p: open(p, "wb"))
    with opener(path) as out:
        out.write(head.encode())
        block = []
        for i in range(records):
            block.append('<record><row><source_ip>10.%d.%d.%d</source_ip><count>1</count><policy_evaluated>'
                         '<disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>'
                         '<identifiers><header_from>big.example</header_from></identifiers></record>'
                         % (i >> 16 & 255, i >> 8 & 255, i & 255))
            if len(block) == 10000:
                out.write("".join(block).encode())
                block = []
        out.write("".join(block).encode())
        out.write(b"</feedback>")


def make_large(work, skip_huge):
    cases = os.path.join(work, "large")
    os.makedirs(cases, exist_ok=True)
    def path(name):
        return os.path.join(cases, name)
    if not os.path.exists(path("records-300k.xml")):
        report_xml(path("records-300k.xml"), "r300k", 300_000, compress=False)
    if not os.path.exists(path("tls-1m-details.json")):
        details = ",".join('{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.%d","failed-session-count":1}' % (i % 250)
                           for i in range(1_000_000))
        with open(path("tls-1m-details.json"), "w") as out:
            out.write('{"organization-name":"big","report-id":"tls1m","date-range":{"start-datetime":"2026-11-28T00:00:00Z",'
                      '"end-datetime":"2026-11-28T23:59:59Z"},"policies":[{"policy":{"policy-type":"sts","policy-domain":"big.example"},'
                      '"summary":{"total-successful-session-count":0,"total-failure-session-count":1000000},"failure-details":[' + details + ']}]}')
    if not os.path.exists(path("line-500mb.mbox")):
        with open(path("line-500mb.mbox"), "wb") as out:
            out.write(b"From x Mon Jan 01 00:00:00 2024\nSubject: long\n\n")
            chunk = b"y" * (1 << 20)
            for _ in range(500):
                out.write(chunk)
            out.write(b"\n")
    if not os.path.exists(path("file-1e9-bytes.bin")):
        with open(path("file-1e9-bytes.bin"), "wb") as out:
            out.truncate(1_000_000_000)
    if not os.path.exists(path("zip-400-reports.zip")):
        import io, zipfile
        one = io.BytesIO()
        report_xml(one, "r", 9_999, compress=False)
        body = one.getvalue()
        with zipfile.ZipFile(path("zip-400-reports.zip") + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for index in range(400):
                archive.writestr(f"r{index}.xml", body.replace(b"<report_id>r<", b"<report_id>r%d<" % index, 1))
        os.rename(path("zip-400-reports.zip") + ".tmp", path("zip-400-reports.zip"))
    if not os.path.exists(path("bomb-1gib.xml.gz")):
        with gzip.open(path("bomb-1gib.xml.gz"), "wb", compresslevel=9) as out:
            out.write(b"<feedback>")
            chunk = b"<x/>" * (1 << 18)
            for _ in range(1 << 10):
                out.write(chunk)
    if not skip_huge:
        if not os.path.exists(path("records-10m.xml.gz")):
            report_xml(path("records-10m.xml.gz"), "r10m", 10_000_000, compress=True)
        batch = path("three-5m-reports")
        if not os.path.isdir(batch):
            os.makedirs(batch + ".tmp", exist_ok=True)
            for index in range(3):
                report_xml(os.path.join(batch + ".tmp", f"r{index}.xml.gz"), f"r5m-{index}", 5_000_000, compress=True)
            os.rename(batch + ".tmp", batch)
    return sorted(os.path.join(cases, name) for name in os.listdir(cases) if not name.endswith(".tmp"))


def measure(binary, work, case):
    db = os.path.join(work, "memory.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    seconds, _, rss, stdout, code, stderr = timed([binary, "ingest", "--db", db, "--json", case])
    wall = f"{seconds:.2f} s"
    try:
        outcome = json.loads(stdout)
        imported = outcome["imported"]["dmarc"] + outcome["imported"]["tlsrpt"]
        reason = outcome["errors"][0]["reason"] if outcome["errors"] else ""
        said = f"{imported} imported" + (f"; {reason[:70]}" if reason else "") + (f" ({outcome['skipped']} skipped)" if outcome["skipped"] else "")
    except (ValueError, KeyError, IndexError):
        said = f"exit {code}: {stderr.strip().splitlines()[-1:]}"
    return wall, rss, said


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mailtally", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--skip-huge", action="store_true", help="leave out the 10-million-record cases")
    args = parser.parse_args()
    hostile = os.path.join(args.work, "hostile")
    if not os.path.isdir(hostile):
        subprocess.run([sys.executable, os.path.join(ROOT, "Tests/Hostile/make_hostile.py"), hostile], check=True, stdout=subprocess.DEVNULL)
    cases = sorted(os.path.join(hostile, "cases", name) for name in os.listdir(os.path.join(hostile, "cases")))
    cases += make_large(args.work, args.skip_huge)
    worst = 0.0
    print(f"| input | outcome | wall | peak RSS |")
    print(f"| --- | --- | ---: | ---: |")
    for case in cases:
        wall, rss, said = measure(args.mailtally, args.work, case)
        worst = max(worst, rss)
        flag = "" if rss < TARGET_MB else " **over**"
        print(f"| {os.path.basename(case)} | {said.replace('|', '/')} | {wall} | {rss:.0f} MB{flag} |", flush=True)
    print(f"\nworst peak RSS: {worst:.0f} MB (target: under {TARGET_MB} MB)")
    return 0 if worst < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
