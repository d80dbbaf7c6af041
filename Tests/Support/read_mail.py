#!/usr/bin/env python3
"""Reads a message with Python's email package, as a mail client would, for the digest tests.

    read_mail.py FILE

Prints one JSON object: the decoded headers the tests check (subject, from, to, date,
message_id, auto_submitted, mime_version), the content type of every part in order, the text
and HTML parts decoded, and each attachment's name, type and size, with, for a zip, the SHA-256
of every file in it (read with Python's zipfile).
"""
import email
import email.policy
import hashlib
import io
import json
import sys
import zipfile


def main():
    with open(sys.argv[1], "rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    result = {
        "subject": str(message["Subject"]),
        "from": str(message["From"]),
        "to": str(message["To"]),
        "date": str(message["Date"]),
        "message_id": str(message["Message-ID"]),
        "auto_submitted": str(message["Auto-Submitted"]),
        "mime_version": str(message["MIME-Version"]),
        "defects": [type(defect).__name__ for part in message.walk() for defect in part.defects],
        "parts": [part.get_content_type() for part in message.walk()],
        "attachments": [],
    }
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    # Lines travel with CR LF; a mail reader shows them as lines.
    result["text"] = text.get_content().replace("\r\n", "\n") if text is not None else None
    result["html"] = html.get_content().replace("\r\n", "\n") if html is not None else None
    for part in message.iter_attachments():
        content = part.get_content()
        attachment = {"name": part.get_filename(), "type": part.get_content_type(), "size": len(content)}
        if part.get_content_type() == "application/zip":
            archive = zipfile.ZipFile(io.BytesIO(content))
            attachment["broken"] = archive.testzip()
            attachment["files"] = {name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()}
        result["attachments"].append(attachment)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
