#!/usr/bin/env python3
"""Seeds for the header fuzz target (scripts/fuzz headers): header sections built by Python's
email package, with encoded words, RFC 2231 parameters, folding and the hostile fragments that
once made decoding quadratic.

usage: header_seeds.py OUT
"""
import os
import sys
from email.message import EmailMessage

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
message = EmailMessage()
message["Subject"] = "Report Domain: exämple.com Submitter: gööglé.com"  # encoded as RFC 2047 by the package
message["From"] = "DMARC <noreply-dmarc-support@google.com>"
message["Message-ID"] = "<1234@google.com>"
message.add_attachment(b"x", maintype="application", subtype="gzip", filename="exämple.com!1795824000!1795910399.xml.gz")
with open(os.path.join(out, "email-package.eml"), "wb") as handle:
    handle.write(bytes(message))
seeds = {
    "fragments.txt": b"Subject: " + b"=?a?b?c " * 200 + b"\n\n",
    "adjacent.txt": b"Subject: =?utf-8?B?Y2Fmw6k=?= =?utf-8?Q?_au_lait?=\n\tfolded\n\n",
    "rfc2231.txt": b'Content-Disposition: attachment; filename*0*=utf-8\'\'a%C3%A9; filename*1="b.xml.gz"\n\n',
    "latin1.txt": b"Subject: caf\xe9\nX: =?iso-8859-1?q?caf=E9?=\n\n",
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as handle:
        handle.write(data)
