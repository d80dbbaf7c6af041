#!/usr/bin/env python3
"""Writes SampleReports/: small DMARC reports of our own in real reporters' dialects.

Deterministic (fixed gzip mtime, fixed zip timestamps), so re-running changes nothing.
The expected totals are in SampleReports/README.md; tests assert them.
"""
import gzip
import json
import io
import os
import time
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleReports")
DAY = 86400
D0 = 1795910400  # 2026-11-29T00:00:00Z: most reports cover 2026-11-28


def record(ip, count, disp, dkim, spf, header_from, dkim_results=(), spf_results=(), reasons=(), envelope_from=None):
    auth = "".join(
        f"<dkim><domain>{d}</domain><selector>{s}</selector><result>{r}</result></dkim>" for d, s, r in dkim_results)
    auth += "".join(f"<spf><domain>{d}</domain><scope>mfrom</scope><result>{r}</result></spf>" for d, r in spf_results)
    why = "".join(f"<reason><type>{t}</type><comment>{c}</comment></reason>" for t, c in reasons)
    env = f"<envelope_from>{envelope_from}</envelope_from>" if envelope_from else ""
    return (f"<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>"
            f"<disposition>{disp}</disposition><dkim>{dkim}</dkim><spf>{spf}</spf>{why}</policy_evaluated></row>"
            f"<identifiers><header_from>{header_from}</header_from>{env}</identifiers>"
            f"<auth_results>{auth}</auth_results></record>")


def pretty(xml):
    """Indents a compact document the way most reporters write it, keeping its declaration."""
    from xml.dom import minidom
    declaration, _, body = xml.partition("\n") if xml.startswith("<?xml") else ("", "", xml)
    lines = minidom.parseString(body).documentElement.toprettyxml(indent="  ")
    return (declaration + "\n" if declaration else "") + lines


def google(domain, rid, begin, records):
    return ('<?xml version="1.0" encoding="UTF-8" ?>\n<feedback><report_metadata><org_name>google.com</org_name>'
            '<email>noreply-dmarc-support@google.com</email>'
            '<extra_contact_info>https://support.google.com/a/answer/2466580</extra_contact_info>'
            f'<report_id>{rid}</report_id><date_range><begin>{begin}</begin><end>{begin + DAY - 1}</end></date_range>'
            f'</report_metadata><policy_published><domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>'
            '<sp>none</sp><pct>100</pct><np>none</np></policy_published>' + "".join(records) + "</feedback>")


def microsoft(domain, rid, begin, records):
    return ('<?xml version="1.0"?>\n<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><version>1.0</version><report_metadata>'
            '<org_name>Enterprise Outlook</org_name><email>dmarcreport@microsoft.com</email>'
            f'<report_id>{rid}</report_id><date_range><begin>{begin}</begin><end>{begin + DAY}</end></date_range>'
            f'</report_metadata><policy_published><domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf>'
            '<p>none</p><sp>none</sp><pct>100</pct><fo>0</fo></policy_published>'
            + "".join(records) + "</feedback>")


def yahoo(domain, rid, begin, records):
    return ('<?xml version="1.0"?>\n<feedback><report_metadata><org_name>Yahoo</org_name>'
            f'<email>dmarchelp@yahooinc.com</email><report_id>{rid}</report_id><date_range><begin>{begin}</begin>'
            f'<end>{begin + DAY - 1}</end></date_range></report_metadata><policy_published><domain>{domain}</domain>'
            '<adkim>r</adkim><aspf>r</aspf><p>none</p><pct>100</pct></policy_published>'
            + "".join(records) + "</feedback>")


def rfc9990(domain, rid, begin, records):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">'
            '<version>1.0</version><report_metadata><org_name>GMX</org_name><email>dmarc_agg@gmx.net</email>'
            f'<report_id>{rid}</report_id><date_range><begin>{begin}</begin><end>{begin + DAY - 1}</end></date_range>'
            '<generator>mta-reporter 3.2</generator></report_metadata>'
            f'<policy_published><domain>{domain}</domain><discovery_method>treewalk</discovery_method><p>reject</p>'
            '<sp>reject</sp><np>reject</np><adkim>s</adkim><aspf>r</aspf><testing>n</testing></policy_published>'
            '<extension><ext:note xmlns:ext="urn:example:ext">ignored</ext:note></extension>'
            + "".join(records) + "</feedback>")


G = "google.com"
reports = []
# 1-2. Google, example.com, two days, zip (Google sends zip), one record per source.
for day, rid in ((0, "17283746501928374651"), (1, "9182736450192837465")):
    recs = [
        record("209.85.220.41", 812 + day * 40, "none", "pass", "pass", "example.com",
               [("example.com", "google", "pass")], [("example.com", "pass")]),
        record("54.240.8.21", 230 - day * 10, "none", "pass", "fail", "example.com",
               [("example.com", "ses2026", "pass"), ("amazonses.com", "224i4yxa5dv7c2xz", "pass")],
               [("amazonses.com", "pass")]),
        record("203.0.113.77", 12 + day, "none", "fail", "fail", "example.com",
               [], [("example.com", "fail")]),
    ]
    reports.append((f"google.com!example.com!{D0 - (2 - day) * DAY}!{D0 - (1 - day) * DAY - 1}.zip", "zip",
                    google("example.com", rid, D0 - (2 - day) * DAY, recs)))
# 3. Google, example.org, gzip, with a forwarded override and an IPv6 source.
recs = [
    record("2a00:1450:4864:20::12f", 95, "none", "pass", "pass", "example.org",
           [("example.org", "s1", "pass")], [("example.org", "pass")]),
    record("198.51.100.25", 14, "none", "pass", "fail", "example.org",
           [("example.org", "s1", "pass")], [("lists.example.net", "softfail")], [("forwarded", "")]),
]
reports.append((f"google.com!example.org!{D0 - DAY}!{D0 - 1}.xml.gz", "gzip", google("example.org", "5551234987601", D0 - DAY, recs)))
# 4-5. Microsoft, example.com, gzip; one with a quarantine and capitalised verdicts.
recs = [
    record("40.107.22.51", 402, "none", "pass", "pass", "example.com",
           [("example.com", "selector1", "pass")], [("example.com", "pass")]),
    record("192.0.2.200", 7, "quarantine", "Fail", "Fail", "example.com",
           [("example.com", "selector1", "Fail")], [("example.com", "softfail")]),
]
reports.append((f"enterprise.protection.outlook.com!example.com!{D0 - DAY}!{D0}.xml.gz", "gzip",
                microsoft("example.com", "a91c3f0e62b84d5b9e0d7c41f2a35b60", D0 - DAY, recs)))
recs = [
    record("40.107.22.51", 388, "none", "pass", "pass", "example.com",
           [("example.com", "selector1", "pass")], [("example.com", "pass")]),
]
reports.append((f"enterprise.protection.outlook.com!example.com!{D0 - 2 * DAY}!{D0 - DAY}.xml.gz", "gzip",
                microsoft("example.com", "0f4d2a7b9c1e4b8f8e2d6a3c5b7e9f10", D0 - 2 * DAY, recs)))
# 6. Yahoo, example.com, plain XML, no sp, SPF 'unknown' (an alias of temperror).
recs = [
    record("209.85.220.41", 301, "none", "pass", "pass", "example.com",
           [("example.com", "google", "pass")], [("example.com", "pass")]),
    record("203.0.113.9", 3, "none", "fail", "fail", "example.com",
           [("example.com", "x", "fail")], [("example.com", "unknown")]),
]
reports.append((f"yahoo.com!example.com!{D0 - DAY}!{D0 - 1}.xml", "plain",
                yahoo("example.com", "1795996100.418273", D0 - DAY, recs)))
# 7. RFC 9990 (GMX style), example.net, plain, reject policy, 'pass' disposition.
recs = [
    record("212.227.15.18", 44, "pass", "pass", "pass", "example.net",
           [("example.net", "2026a", "pass")], [("example.net", "pass")]),
    record("198.51.100.99", 6, "reject", "fail", "fail", "example.net",
           [("example.net", "2026a", "fail")], [("example.net", "fail")]),
]
reports.append((f"gmx.net!example.net!{D0 - DAY}!{D0 - 1}.xml", "plain", rfc9990("example.net", "5f0c6b1e-2d4a-4c3b-9e1f-7a8b9c0d1e2f", D0 - DAY, recs)))
# 8. The Google example.org report again, as plain XML: a duplicate, counted once.
reports.append((f"duplicate-of-google.com!example.org!{D0 - DAY}!{D0 - 1}.xml", "plain",
                google("example.org", "5551234987601", D0 - DAY, [
                    record("2a00:1450:4864:20::12f", 95, "none", "pass", "pass", "example.org",
                           [("example.org", "s1", "pass")], [("example.org", "pass")]),
                    record("198.51.100.25", 14, "none", "pass", "fail", "example.org",
                           [("example.org", "s1", "pass")], [("lists.example.net", "softfail")], [("forwarded", "")]),
                ])))
# 9. A weekly report (Trustwave style), example.org, spread over seven days.
recs = [record("203.0.113.50", 70, "none", "fail", "pass", "example.org", [], [("example.org", "pass")])]
weekly = ('<?xml version="1.0" encoding="windows-1252"?>\n<feedback><report_metadata><org_name>Trustwave SEG \xe9dition</org_name>'
          '<email>dmarc@seg.example</email><report_id>weekly-2026-47</report_id>'
          f'<date_range><begin>{D0 - 7 * DAY}</begin><end>{D0}</end></date_range></report_metadata>'
          '<policy_published><domain>example.org</domain><p>none</p><sp></sp><pct>100</pct></policy_published>'
          + "".join(recs) + "</feedback>")
reports.append((f"seg.example!example.org!{D0 - 7 * DAY}!{D0}.xml", "plain-cp1252", weekly))
# 10. A zero-byte-content Yahoo gzip ("unused"): a broken input on purpose, for `errors`.
reports.append(("yahoo.com!example.com!broken.xml.gz", "gzip-raw", "unused"))


# 11. TLS-RPT from Google: MTA-STS in testing mode, failures of several result types.
import json
reports.append((f"google.com!example.com!{D0 - DAY}!{D0 - 1}!001.json.gz", "json-gzip", json.dumps({
    "organization-name": "Google Inc.",
    "date-range": {"start-datetime": "2026-11-28T00:00:00Z", "end-datetime": "2026-11-28T23:59:59Z"},
    "contact-info": "smtp-tls-reporting@google.com",
    "report-id": "2026-11-28T00:00:00Z_example.com",
    "policies": [{
        "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: testing", "mx: mx1.example.com",
                                                           "mx: mx2.example.com", "max_age: 604800"],
                   "policy-domain": "example.com", "mx-host": ["mx1.example.com", "mx2.example.com"]},
        "summary": {"total-successful-session-count": 1840, "total-failure-session-count": 26},
        "failure-details": [
            {"result-type": "certificate-expired", "sending-mta-ip": "209.85.220.41",
             "receiving-mx-hostname": "mx2.example.com", "receiving-ip": "192.0.2.25", "failed-session-count": 20},
            {"result-type": "starttls-not-supported", "sending-mta-ip": "209.85.220.69",
             "receiving-mx-hostname": "mx1.example.com", "receiving-mx-helo": "mx1.example.com",
             "receiving-ip": "192.0.2.24", "failed-session-count": 4},
            {"result-type": "sts-policy-fetch-error", "failed-session-count": 2,
             "failure-reason-code": "HTTP 404 fetching https://mta-sts.example.com/.well-known/mta-sts.txt"}]}]},
    indent=2)))
# 12. TLS-RPT from Microsoft: DANE with the double-encoded policy string, no failure details.
reports.append((f"microsoft.com!example.net!{D0 - DAY}!{D0 - 1}!133948512000000000.json.gz", "json-gzip", json.dumps({
    "organization-name": "Microsoft Corporation",
    "date-range": {"start-datetime": "2026-11-28T00:00:00Z", "end-datetime": "2026-11-28T23:59:59Z"},
    "contact-info": "tlsrpt-noreply@microsoft.com",
    "report-id": "133948512000000000+example.net",
    "policies": [{
        "policy": {"policy-type": "tlsa",
                   "policy-string": [json.dumps(["3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
                                                 "3 1 1 4A9C3D1E8B7F6A5D4C3B2A1908F7E6D5C4B3A2918F7E6D5C4B3A29180F7E6D5C"],
                                                separators=(",", ":"))],
                   "policy-domain": "example.net"},
        "summary": {"total-successful-session-count": 57, "total-failure-session-count": 0}}]}, indent=4)))


def write(name, kind, text):
    path = os.path.join(OUT, name)
    if kind == "plain-cp1252":
        data = text.encode("cp1252")
    elif kind == "json-gzip":
        data = b""
    else:
        data = pretty(text).encode("utf-8") if kind not in ("gzip-raw",) else text.encode()
    if kind == "json-gzip":
        data = gzip.compress(text.encode("utf-8"), mtime=0)
    elif kind in ("gzip", "gzip-raw"):
        data = gzip.compress(data, mtime=0)
    elif kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            info = zipfile.ZipInfo(name[:-4] + ".xml", date_time=(2026, 11, 28, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        data = buffer.getvalue()
    with open(path, "wb") as handle:
        handle.write(data)


os.makedirs(OUT, exist_ok=True)
for name, kind, text in reports:
    write(name, kind, text)


# --- A small mbox of report mails, built with Python's email and mailbox packages -------------
import email.policy
import mailbox
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email import encoders
from email.utils import format_datetime
from datetime import datetime, timezone


def zipped(name, text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=(2026, 11, 27, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, pretty(text).encode())
    return buffer.getvalue()


def headers(message, sender, subject, msgid, day, relay):
    message["Received"] = f"from {relay} by mx.example.com; {format_datetime(datetime.fromtimestamp(day, timezone.utc))}"
    message["From"] = sender
    message["To"] = "dmarc-reports@example.com"
    message["Subject"] = subject
    message["Message-ID"] = msgid
    message["Date"] = format_datetime(datetime.fromtimestamp(day + 3600, timezone.utc))
    message["MIME-Version"] = "1.0"


mails = []
D_1126 = D0 - 3 * DAY
google_mail_report = google("example.com", "4410293847561029384", D_1126, [
    record("209.85.220.41", 790, "none", "pass", "pass", "example.com",
           [("example.com", "google", "pass")], [("example.com", "pass")]),
    record("203.0.113.77", 9, "none", "fail", "fail", "example.com", [], [("example.com", "fail")]),
])
zip_name = f"google.com!example.com!{D_1126}!{D_1126 + DAY - 1}.zip"
for relay in ("mail-sor-f41.google.com", "mail-sor-f69.google.com"):  # the same report via two MX relays
    # Google: the whole message body is the zip (single part, base64).
    m = MIMEBase("application", "zip", name=zip_name)
    m.set_payload(zipped(zip_name[:-4] + ".xml", google_mail_report))
    encoders.encode_base64(m)
    m.add_header("Content-Disposition", "attachment", filename=zip_name)
    headers(m, "noreply-dmarc-support@google.com", "Report domain: example.com Submitter: google.com Report-ID: 4410293847561029384",
            "<4410293847561029384@google.com>", D_1126 + DAY, relay)
    mails.append(m)

# Amazon SES: multipart/mixed, octet-stream, RFC 2231 split file name.
ses_report = ('<?xml version="1.0" encoding="UTF-8"?>\n<feedback><version>0.1</version><report_metadata>'
              '<org_name>AMAZON-SES</org_name><email>postmaster@amazonses.com</email>'
              f'<report_id>7c1e2a90-3b4d-4f6e-8a9b-0c1d2e3f4a5b</report_id><date_range><begin>{D0 - DAY}</begin>'
              f'<end>{D0}</end></date_range></report_metadata><policy_published><domain>example.org</domain>'
              '<adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct><fo>0</fo></policy_published>'
              + record("54.240.8.21", 41, "none", "pass", "pass", "example.org",
                       [("example.org", "ses", "pass")], [("amazonses.com", "pass")]) + "</feedback>")
m = MIMEMultipart("mixed", boundary="=_mailtally_sample_ses")
headers(m, "postmaster@amazonses.com", "Dmarc Aggregate Report Domain: {example.org}  Submitter: {Amazon SES}",
        "<0100019a-ses-example@email.amazonses.com>", D0, "a8-21.smtp-out.amazonses.com")
m.attach(MIMEText("This is an aggregate report from Amazon SES.\n", "plain"))
part = MIMEApplication(gzip.compress(pretty(ses_report).encode(), mtime=0), "octet-stream")
ses_name = f"amazonses.com!example.org!{D0 - DAY}!{D0}.xml.gz"
part.add_header("Content-Disposition", "attachment")
part.set_param("filename*0", ses_name[:30], header="Content-Disposition")
part.set_param("filename*1", ses_name[30:], header="Content-Disposition")
m.attach(part)
mails.append(m)

# Mail.ru-style TLS-RPT: multipart/report; report-type=tlsrpt, details that do not add up.
tls = json.dumps({
    "organization-name": "Mail.ru", "contact-info": "tls_support@corp.mail.ru",
    "date-range": {"start-datetime": "2026-11-28T00:00:00Z", "end-datetime": "2026-11-29T00:00:00Z"},
    "report-id": "d2c1b0a9-8f7e-4d6c-9b5a-4e3d2c1b0a9f@mail.ru",
    "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.org"},
                  "summary": {"total-successful-session-count": 310, "total-failure-session-count": 2},
                  "failure-details": [
                      {"result-type": "sts-policy-fetch-error", "failed-session-count": 2,
                       "failure-reason-code": "bad https response code: 404"},
                      {"result-type": "sts-policy-fetch-error", "failed-session-count": 1,
                       "failure-reason-code": "dial tcp: i/o timeout"}]}]}, indent=3)
m = MIMEMultipart("report", boundary="=_mailtally_sample_tlsrpt", report_type="tlsrpt")
headers(m, "tls_support@corp.mail.ru", "Report Domain: example.org Submitter: mail.ru Report-ID: <d2c1b0a9@mail.ru>",
        "<tlsrpt-20261128@mail.ru>", D0, "smtp.mail.ru")
m["TLS-Report-Domain"] = "example.org"
m["TLS-Report-Submitter"] = "mail.ru"
m.attach(MIMEText("This is an aggregate TLS report from mail.ru\n", "plain"))
part = MIMEApplication(gzip.compress(tls.encode(), mtime=0), "tlsrpt+gzip")
part.add_header("Content-Disposition", "attachment", filename=f"mail.ru!example.org!{D0 - DAY}!{D0}!001.json.gz")
m.attach(part)
mails.append(m)

# A DMARC failure report (ARF): skipped under its own kind.
m = MIMEMultipart("report", boundary="=_mailtally_sample_arf", report_type="feedback-report")
headers(m, "dmarc-failure@receiver.example", "DMARC failure report for example.com", "<arf-1@receiver.example>", D0,
        "mx.receiver.example")
m.attach(MIMEText("A message claiming to be from example.com failed DMARC.\n", "plain"))
feedback = MIMEBase("message", "feedback-report")
feedback.set_payload("Feedback-Type: auth-failure\nAuth-Failure: dmarc\nSource-IP: 203.0.113.77\nReported-Domain: example.com\n")
m.attach(feedback)
mails.append(m)

# An ordinary message with no report, whose body has a line starting with "From ".
m = EmailMessage()
headers(m, "postmaster@example.com", "Where do the reports go?", "<note-1@example.com>", D0, "localhost")
m.set_content("Hello,\n\nFrom now on the reports go to this mailbox.\n\nFrom postmaster Mon Nov 30 10:00:00 2026 is not a separator here.\n")
mails.append(m)

box_path = os.path.join(OUT, "inbox.mbox")
if os.path.exists(box_path):
    os.remove(box_path)
box = mailbox.mbox(box_path)
for index, message in enumerate(mails):
    entry = mailbox.mboxMessage(message)
    entry.set_from("MAILER-DAEMON", time.gmtime(D0 + index * 60))
    box.add(entry)
box.close()
