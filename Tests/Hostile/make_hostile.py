#!/usr/bin/env python3
"""Writes the hostile corpus: inputs made to break report tools, each with its expected outcome.

usage: make_hostile.py OUT
Writes OUT/cases/<case> files and OUT/expected.json: {case: {"outcome": "imported"|"failed"|"skipped",
"code": error code when failed, "messages": DMARC messages when imported}}. Kept small in git by
being generated: the bombs are built here, never stored.
"""
import base64
import gzip
import io
import json
import os
import sys
import zipfile
import zlib

OUT = sys.argv[1]
CASES = os.path.join(OUT, "cases")
os.makedirs(CASES, exist_ok=True)
expected = {}


def report(org="hostile.example", rid="h1", domain="victim.example", count="5", begin="1795824000", end="1795910399",
           ip="192.0.2.1", extra="", dkim_domain="victim.example"):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<feedback><report_metadata><org_name>{org}</org_name>'
            f'<email>dmarc@hostile.example</email><report_id>{rid}</report_id><date_range><begin>{begin}</begin>'
            f'<end>{end}</end></date_range></report_metadata><policy_published><domain>{domain}</domain><p>none</p>'
            f'</policy_published><record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>'
            f'<disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers>'
            f'<header_from>{domain}</header_from></identifiers><auth_results><dkim><domain>{dkim_domain}</domain>'
            f'<result>pass</result></dkim></auth_results></record>{extra}</feedback>\n')


def write(name, data, outcome, code=None, messages=None):
    with open(os.path.join(CASES, name), "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())
    expected[name] = {"outcome": outcome, **({"code": code} if code else {}), **({"messages": messages} if messages is not None else {})}


# XML external entities and DTDs.
write("xxe-file.xml", f'<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + report(org="&x;").split("?>", 1)[1], "failed", "forbidden-xml")
write("xxe-url.xml", '<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "http://192.0.2.1/x">]>' + report(org="&x;").split("?>", 1)[1], "failed", "forbidden-xml")
write("external-dtd.xml", '<?xml version="1.0"?><!DOCTYPE feedback SYSTEM "http://192.0.2.1/dmarc.dtd">' + report().split("?>", 1)[1], "failed", "forbidden-xml")
laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>"
write("billion-laughs.xml", '<?xml version="1.0"?>' + laughs + report(org="&lol9;").split("?>", 1)[1], "failed", "forbidden-xml")
write("nesting-100000.xml", "<feedback>" + "<a>" * 100000 + "</a>" * 100000 + "</feedback>", "failed", "malformed-xml")
write("text-50mb.xml", report(extra="<x>" + "A" * (50 << 20) + "</x>"), "failed", "malformed-xml")
write("org-name-1mb.xml", report(org="O" * (1 << 20)), "failed", "too-large")
# Containers.
# Streamed, the bombs are refused by the parser long before their budget runs out.
write("gzip-bomb.xml.gz", gzip.compress(b"<feedback>" + b" " * (1 << 30), compresslevel=9, mtime=0), "failed", "malformed-xml")
zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(3):
        z.writestr(f"bomb{i}.xml", b"<" + b" " * (400 << 20))
write("zip-bomb.zip", zbuf.getvalue(), "failed", "malformed-xml")
# One budget per input across every layer and entry: these once took a full cap each, held whole.
zeros = gzip.compress(gzip.compress(b"\0" * (256 << 20), compresslevel=9, mtime=0), compresslevel=9, mtime=0)
zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(4):
        z.writestr(f"zeros{i}.xml.gz", zeros)
write("zip-of-gzip-gzip-zeros.zip", zbuf.getvalue(), "failed", "not-a-report")
stacked = b"\0" * (64 << 20)
for _ in range(4):
    stacked = gzip.compress(stacked, compresslevel=9, mtime=0)
write("gzip-four-layers-of-zeros.gz", stacked, "failed", "not-a-report")
write("gzip-bomb-of-elements.xml.gz", gzip.compress(b"<feedback>" + b"<x/>" * (20 << 20) + b"</feedback>", compresslevel=9, mtime=0), "failed", "too-large")
write("gzip-json-bomb.json.gz", gzip.compress(b'{"policies": [' + b'{"a": 1},' * (8 << 20) + b'{}]}', compresslevel=9, mtime=0), "failed", "too-large")
zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w") as z:
    z.writestr("../../../../tmp/mailtally-zip-slip.xml", report(rid="slip"))
    z.writestr("/etc/absolute.xml", report(rid="absolute"))
write("zip-slip.zip", zbuf.getvalue(), "imported", messages=10)
good_gz = gzip.compress(report(rid="trunc").encode() * 20, mtime=0)
write("truncated.xml.gz", good_gz[: len(good_gz) // 2], "failed", "gzip")
bad_crc = bytearray(gzip.compress(report(rid="crc").encode(), mtime=0))
bad_crc[-6] ^= 0xFF
write("bad-crc.xml.gz", bytes(bad_crc), "failed", "gzip")
zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("r.xml", report(rid="ztrunc") * 30)
write("truncated.zip", zbuf.getvalue()[: len(zbuf.getvalue()) // 2], "failed", "zip")
# Encodings and junk.
write("invalid-utf8-everywhere.xml", report(rid="utf8").encode().replace(b"hostile.example", b"host\xff\xfe\x80ile").replace(b"<header_from>victim.example", b"<header_from>vic\x81tim.example"), "imported", messages=5)
write("utf16-no-bom.xml", report(rid="utf16").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-be"), "imported", messages=5)
undeclared = report(rid="utf16-bare").split("?>", 1)[1].lstrip("\n")
write("utf16le-no-bom-no-declaration.xml", undeclared.encode("utf-16-le"), "imported", messages=5)
write("utf16be-no-bom-no-declaration.xml", undeclared.replace("utf16-bare", "utf16-bare-be").encode("utf-16-be"), "imported", messages=5)
write("binary-junk.bin", bytes(range(256)) * 64, "failed", "not-a-report")
write("json-100000-deep.json", "[" * 100000 + "]" * 100000, "failed", "not-a-report")
write("json-object-100000-deep.json", '{"a":' * 100000 + "1" + "}" * 100000, "failed", "malformed-json")
# Numbers and dates.
write("count-beyond-64-bits.xml", report(count="99999999999999999999999"), "failed", "invalid-value")
tls = {"organization-name": "x", "report-id": "n", "date-range": {"start-datetime": "2026-11-28T00:00:00Z", "end-datetime": "2026-11-28T23:59:59Z"},
       "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.com"},
                     "summary": {"total-successful-session-count": 18446744073709551616, "total-failure-session-count": 0}}]}
write("count-past-2-53.xml", report(count=str(2**53 + 1)), "failed", "invalid-value")
write("count-2-62-dkim-pass.xml", report(count=str(2**62)), "failed", "invalid-value")
two_records = report(count=str(2**53)).replace("</feedback>", report(count="1").split("</policy_published>", 1)[1])
write("records-adding-past-2-53.xml", two_records, "failed", "invalid-value")
tls_max = json.loads(json.dumps(tls))
tls_max["report-id"] = "sum"
tls_max["policies"][0]["summary"] = {"total-successful-session-count": 2**63 - 1, "total-failure-session-count": 0}
tls_max["policies"].append({"policy": {"policy-type": "no-policy-found", "policy-domain": "example.com"},
                            "summary": {"total-successful-session-count": 2**63 - 1, "total-failure-session-count": 0}})
write("tls-sessions-2-63-twice.json", json.dumps(tls_max), "failed", "invalid-value")
tls_sum = json.loads(json.dumps(tls_max))
tls_sum["report-id"] = "sum2"
for policy in tls_sum["policies"]:
    policy["summary"]["total-successful-session-count"] = 2**52 + 1
write("tls-sessions-adding-past-2-53.json", json.dumps(tls_sum), "failed", "invalid-value")
write("range-1970-9999.xml", report(rid="forever", begin="0", end="253402300799"), "imported", messages=5)
tls_forever = json.loads(json.dumps(tls))
tls_forever["report-id"] = "forever"
tls_forever["date-range"] = {"start-datetime": "1970-01-01T00:00:00Z", "end-datetime": "9999-12-31T23:59:59Z"}
tls_forever["policies"][0]["summary"] = {"total-successful-session-count": 3, "total-failure-session-count": 0}
tls_forever["policies"][0]["policy"]["policy-domain"] = "victim.example"  # never a domain the samples hold
write("tls-range-1970-9999.json", json.dumps(tls_forever), "imported")
write("count-negative.xml", report(count="-5"), "failed", "invalid-value")
write("end-before-begin.xml", report(begin="1795910399", end="1795824000"), "failed", "invalid-value")
write("year-10000.xml", report(end="253402300800"), "failed", "invalid-value")
write("tls-count-beyond-64-bits.json", json.dumps(tls), "failed", "invalid-value")
# Injection payloads in every text field: imported intact, escaped on output.
payload = "=cmd|' /C calc'!A0 <script>alert(1)</script> | ** [x](http://x) '; DROP TABLE dmarc_report; --"
from xml.sax.saxutils import escape
write("payloads.xml", report(org=escape(payload), rid=escape(payload), dkim_domain=escape(payload)), "imported", messages=5)
# Mail.
write("mbox-10mb-header.mbox", b"From MAILER-DAEMON Sun Nov 29 00:00:00 2026\nSubject: " + b"S" * (10 << 20) + b"\n\nbody\n", "failed", "too-large")
# RFC 2047 fragments that made decoding quadratic (a 512 KB subject took 278 s), and a 5 MB header
# with no blank line after it, which skipped the header cap.
write("subject-encoded-word-fragments.mbox", b"From MAILER-DAEMON Sun Nov 29 00:00:00 2026\nMessage-ID: <frag@hostile.example>\nSubject: "
      + b"=?a?b?c " * ((1 << 20) // 8 - 16) + b"\n\nno report here\n", "skipped")
write("header-5mb-no-body.mbox", b"From MAILER-DAEMON Sun Nov 29 00:00:00 2026\nSubject: " + b"S" * (5 << 20) + b"\n", "failed", "too-large")
write("header-5mb-no-body.eml", b"Subject: " + b"S" * (5 << 20), "failed", "too-large")
# Every text field of a TLS report has the field cap, known fields or not.
for field in ["additional-information", "policy-string", "mx-host", "result-type", "unknown-extension"]:
    big = json.loads(json.dumps(tls))
    big["report-id"] = field
    big["policies"][0]["summary"] = {"total-successful-session-count": 1, "total-failure-session-count": 1}
    detail = {"result-type": "certificate-expired", "failed-session-count": 1}
    if field in ("policy-string", "mx-host"):
        big["policies"][0]["policy"][field] = ["x" * (1 << 20)]
    else:
        detail[field] = "x" * (1 << 20)
    big["policies"][0]["failure-details"] = [detail]
    write(f"tls-field-1mb-{field}.json", json.dumps(big), "failed", "too-large")
parts = "".join(f"--b\nContent-Type: text/plain\n\npart {i}\n" for i in range(10000))
write("mime-10000-parts.eml", f"Message-ID: <parts@hostile.example>\nContent-Type: multipart/mixed; boundary=b\n\n{parts}--b--\n", "skipped")
gz_b64 = base64.b64encode(gzip.compress(report(rid="noboundary").encode(), mtime=0)).decode()
write("missing-boundary.eml", f"Content-Type: multipart/mixed\nContent-Transfer-Encoding: base64\n\n{gz_b64}\n", "imported", messages=5)
write("base64-garbage.eml", "Content-Type: application/gzip\nContent-Transfer-Encoding: base64\n\n!!!@@@###$$$ not base64 at all ~~~\n", "failed", "not-a-report")

with open(os.path.join(OUT, "expected.json"), "w") as handle:
    json.dump(expected, handle, indent=1, sort_keys=True)
