#!/usr/bin/env python3
"""Deterministic synthetic report corpus for scripts/bench.

usage: make_corpus.py OUT --reports N [--seed S] [--tls-share 0.1]
Writes OUT/files/ (DMARC in Google, Microsoft, Yahoo and RFC 9990 dialects, 60% .xml.gz,
30% .zip, 10% plain; TLS-RPT .json.gz with failures), OUT/inbox.mbox (the same reports as
mails, built with Python's email and mailbox packages) and OUT/truth.json (the totals).
Record counts per report are heavy-tailed from 1 to 5,000; sources mix IPv4 and IPv6; records
carry one to three DKIM results.
"""
import argparse
import gzip
import io
import json
import mailbox
import os
import random
import zipfile
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

DAY = 86400
START = 1793491200  # 2026-11-01


def heavy_tail(rng):
    # Pareto with alpha 1.1, truncated to [1, 5000]: most reports hold a few records.
    return max(1, min(5000, int(rng.paretovariate(1.1))))


def ip(rng):
    if rng.random() < 0.8:
        return f"{rng.choice([209, 40, 54, 198, 203, 185, 93])}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    return f"2001:db8:{rng.randrange(65536):x}:{rng.randrange(65536):x}::{rng.randrange(1, 65535):x}"


def dmarc(rng, index, domain, day):
    dialect = rng.choice(["google", "microsoft", "yahoo", "rfc9990"])
    org, email = {
        "google": ("google.com", "noreply-dmarc-support@google.com"),
        "microsoft": ("Enterprise Outlook", "dmarcreport@microsoft.com"),
        "yahoo": ("Yahoo", "dmarchelp@yahooinc.com"),
        "rfc9990": ("GMX", "dmarc_agg@gmx.net"),
    }[dialect]
    begin = START + day * DAY
    records = []
    messages = 0
    passes = 0
    for _ in range(heavy_tail(rng)):
        count = max(1, int(rng.expovariate(1 / 20)))
        dkim = "pass" if rng.random() < 0.85 else "fail"
        spf = "pass" if rng.random() < 0.75 else "fail"
        messages += count
        passes += count if "pass" in (dkim, spf) else 0
        disposition = "none" if dkim == "pass" or spf == "pass" else rng.choice(["none", "quarantine", "reject"])
        sigs = "".join(
            f"<dkim><domain>{domain if n == 0 else 'esp' + str(n) + '.example'}</domain><selector>s{n}</selector>"
            f"<result>{dkim if n == 0 else 'pass'}</result></dkim>" for n in range(rng.randint(1, 3)))
        records.append(
            f"<record><row><source_ip>{ip(rng)}</source_ip><count>{count}</count><policy_evaluated>"
            f"<disposition>{disposition}</disposition><dkim>{dkim}</dkim><spf>{spf}</spf></policy_evaluated></row>"
            f"<identifiers><header_from>{domain}</header_from></identifiers><auth_results>{sigs}"
            f"<spf><domain>{domain}</domain><scope>mfrom</scope><result>{spf}</result></spf></auth_results></record>")
    ns = ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' if dialect == "rfc9990" else (
        ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"' if dialect == "microsoft" else "")
    version = "<version>1.0</version>" if dialect in ("microsoft", "rfc9990") else ""
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<feedback{ns}>{version}<report_metadata><org_name>{org}</org_name>'
           f"<email>{email}</email><report_id>bench-{index}</report_id><date_range><begin>{begin}</begin>"
           f"<end>{begin + DAY - 1}</end></date_range></report_metadata><policy_published><domain>{domain}</domain>"
           f"<p>none</p><sp>none</sp><pct>100</pct></policy_published>" + "\n".join(records) + "</feedback>\n")
    name = f"{org.split()[0].lower()}!{domain}!{begin}!{begin + DAY - 1}!{index}"
    return name, xml.encode(), {"records": len(records), "messages": messages, "dmarc_pass": passes, "domain": domain}


def tlsrpt(rng, index, domain, day):
    ok = rng.randrange(10, 5000)
    failures = []
    failed = 0
    for _ in range(rng.randint(0, 3)):
        n = rng.randrange(1, 50)
        failed += n
        failures.append({"result-type": rng.choice(["certificate-expired", "starttls-not-supported", "sts-policy-fetch-error"]),
                         "sending-mta-ip": ip(rng), "receiving-mx-hostname": f"mx{rng.randint(1, 3)}.{domain}",
                         "failed-session-count": n})
    stamp = f"2026-11-{day + 1:02d}"
    report = {"organization-name": "Google Inc.", "contact-info": "smtp-tls-reporting@google.com",
              "report-id": f"bench-tls-{index}",
              "date-range": {"start-datetime": f"{stamp}T00:00:00Z", "end-datetime": f"{stamp}T23:59:59Z"},
              "policies": [{"policy": {"policy-type": "sts", "policy-domain": domain,
                                       "policy-string": ["version: STSv1", "mode: enforce", "max_age: 86400"]},
                            "summary": {"total-successful-session-count": ok, "total-failure-session-count": failed},
                            **({"failure-details": failures} if failures else {})}]}
    name = f"google.com!{domain}!{START + day * DAY}!{START + day * DAY + DAY - 1}!{index}.json"
    return name, json.dumps(report).encode(), {"successful": ok, "failed": failed, "domain": domain}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--reports", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tls-share", type=float, default=0.1)
    parser.add_argument("--no-mbox", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    files = os.path.join(args.out, "files")
    os.makedirs(files, exist_ok=True)
    domains = [f"bench{n}.example" for n in range(20)]
    truth = {"dmarc_reports": 0, "tls_reports": 0, "records": 0, "messages": 0, "dmarc_pass": 0,
             "successful_sessions": 0, "failed_sessions": 0, "xml_bytes": 0, "domains": {}}
    box = None if args.no_mbox else mailbox.mbox(os.path.join(args.out, "inbox.mbox"), create=True)
    if box is not None:
        box.lock()
    for index in range(args.reports):
        domain = rng.choice(domains)
        day = rng.randrange(28)
        per = truth["domains"].setdefault(domain, {"messages": 0, "dmarc_pass": 0, "successful_sessions": 0, "failed_sessions": 0})
        if rng.random() < args.tls_share:
            name, data, facts = tlsrpt(rng, index, domain, day)
            truth["tls_reports"] += 1
            truth["successful_sessions"] += facts["successful"]
            truth["failed_sessions"] += facts["failed"]
            per["successful_sessions"] += facts["successful"]
            per["failed_sessions"] += facts["failed"]
            payload, filename, subtype = gzip.compress(data, mtime=0), name + ".gz", "tlsrpt+gzip"
        else:
            name, data, facts = dmarc(rng, index, domain, day)
            truth["dmarc_reports"] += 1
            truth["records"] += facts["records"]
            truth["messages"] += facts["messages"]
            truth["dmarc_pass"] += facts["dmarc_pass"]
            truth["xml_bytes"] += len(data)
            per["messages"] += facts["messages"]
            per["dmarc_pass"] += facts["dmarc_pass"]
            roll = rng.random()
            if roll < 0.6:
                payload, filename, subtype = gzip.compress(data, mtime=0), name + ".xml.gz", "gzip"
            elif roll < 0.9:
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    archive.writestr(zipfile.ZipInfo(name + ".xml", date_time=(2026, 11, 1, 0, 0, 0)), data)
                payload, filename, subtype = buffer.getvalue(), name + ".zip", "zip"
            else:
                payload, filename, subtype = data, name + ".xml", "xml"
        with open(os.path.join(files, filename), "wb") as handle:
            handle.write(payload)
        if box is not None:
            message = MIMEMultipart("mixed", boundary=f"=_bench_{index}")
            message["From"] = "reports@reporter.example"
            message["Subject"] = f"Report Domain: {domain} Report-ID: {index}"
            message["Message-ID"] = f"<bench-{index}@reporter.example>"
            message.attach(MIMEText("An aggregate report.\n"))
            part = MIMEApplication(payload, subtype)
            part.add_header("Content-Disposition", "attachment", filename=filename)
            message.attach(part)
            box.add(message)
    if box is not None:
        box.flush()
        box.unlock()
        box.close()
    with open(os.path.join(args.out, "truth.json"), "w") as handle:
        json.dump(truth, handle, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
