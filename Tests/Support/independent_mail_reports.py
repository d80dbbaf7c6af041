#!/usr/bin/env python3
"""Independent reading of report mails with Python's email package, for the tests.

For each .eml given, prints one JSON line: {"file", "arf": bool, "reports": [...]} where each
report is {"kind": "dmarc", "records", "messages", "domain"} or {"kind": "tlsrpt", "successful",
"failed"}. Every leaf part is decoded by the email package, unwrapped (gzip, zip, zlib) and
parsed with ElementTree or json; parts that do not parse as a report are not counted.
"""
import email
import email.policy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from independent_dmarc_totals import parse as parse_dmarc, unwrap  # noqa: E402


def reports_in(payload):
    found = []
    try:
        documents = unwrap(payload)
    except Exception:  # noqa: BLE001 - not a container we can read: not a report
        return found
    for doc in documents:
        text = doc.lstrip(b"\xef\xbb\xbf").lstrip()
        if text.startswith(b"{"):
            try:
                report = json.loads(text.decode("utf-8"))
                ok = sum(int(p.get("summary", {}).get("total-successful-session-count", 0)) for p in report["policies"])
                bad = sum(int(p.get("summary", {}).get("total-failure-session-count", 0)) for p in report["policies"])
                found.append({"kind": "tlsrpt", "successful": ok, "failed": bad})
            except Exception:  # noqa: BLE001
                pass
        elif text.startswith(b"<"):
            try:
                result = parse_dmarc(doc)
                if result["report_id"] and result["domain"]:
                    found.append({"kind": "dmarc", "records": result["records"], "messages": result["messages"],
                                  "domain": result["domain"]})
            except Exception:  # noqa: BLE001
                pass
    return found


def main():
    for path in sys.argv[1:]:
        with open(path, "rb") as handle:
            data = handle.read()
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1]
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        arf = any(part.get_content_type() == "message/feedback-report" for part in message.walk()) or (
            message.get_content_type() == "multipart/report"
            and (message.get_param("report-type") or "").lower() == "feedback-report")
        reports = []
        if not arf:
            for part in message.walk():
                if part.is_multipart() or part.get_content_type() in ("message/rfc822", "text/html"):
                    continue
                payload = part.get_payload(decode=True)
                if payload:
                    reports += reports_in(payload)
        print(json.dumps({"file": path, "arf": arf, "reports": reports}))


if __name__ == "__main__":
    main()
