#!/usr/bin/env python3
"""Independent reading of DMARC aggregate report files, for the corpus test.

For each file given, prints one JSON line: {"file", "reports": [{"records", "messages", "domain",
"report_id"}]} or {"file", "error"}. Containers are unwrapped with Python's gzip, zipfile and zlib
modules; XML is parsed with ElementTree (expat), which rejects malformed documents. Like the
product, it reads undeclared or UTF-8-declared documents with invalid UTF-8 as windows-1252, and
tolerates one unclosed wrapper element around <feedback> (IKEA's <xs:schema>).
"""
import gzip
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
import zlib


def unwrap(data, depth=0):
    if depth > 4:
        raise ValueError("nested too deep")
    if data[:2] == b"\x1f\x8b":
        out = b""
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        rest = data
        while rest[:2] == b"\x1f\x8b":
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += d.decompress(rest)
            if not d.eof:
                raise ValueError("truncated gzip")
            rest = d.unused_data
        return unwrap(out, depth + 1)
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        docs = []
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.filename.endswith("/"):
                    continue
                content = archive.read(info)
                if content.strip():
                    docs += unwrap(content, depth + 1)
        if not docs:
            raise ValueError("zip holds no report")
        return docs
    if len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0:
        return unwrap(zlib.decompress(data), depth + 1)
    return [data]


def local(tag):
    return tag.rsplit("}", 1)[-1]


def parse(doc):
    declared = re.match(rb"^(\xef\xbb\xbf)?<\?xml[^>]*encoding=[\"']([^\"']+)", doc)
    encoding = declared.group(2).decode().lower() if declared else None
    attempts = [doc]
    if encoding in (None, "utf-8", "utf8"):
        try:
            doc.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = doc.decode("cp1252", errors="strict") if _cp1252_ok(doc) else doc.decode("latin-1")
            text = re.sub(r"^<\?xml[^>]*\?>", "", text)
            attempts = [text.encode("utf-8")]
    try:
        root = ET.fromstring(attempts[0])
    except ET.ParseError:
        # One stray unclosed wrapper around <feedback>: drop its start tag and try again.
        m = re.search(rb"<([A-Za-z_][\w.-]*:)?schema\b[^>]*>", attempts[0])
        if not m:
            raise
        fixed = attempts[0][: m.start()] + attempts[0][m.end():]
        root = ET.fromstring(fixed)
    feedback = root if local(root.tag) == "feedback" else next(
        (c for c in root if local(c.tag) == "feedback"), None)
    if feedback is None:
        raise ValueError("no feedback element")
    records = 0
    messages = 0
    domain = ""
    report_id = ""
    for child in feedback:
        name = local(child.tag)
        if name == "record":
            records += 1
            for sub in child:
                if local(sub.tag) == "row":
                    for cell in sub:
                        if local(cell.tag) == "count":
                            messages += int((cell.text or "").strip())
        elif name == "policy_published":
            for cell in child:
                if local(cell.tag) == "domain":
                    domain = (cell.text or "").strip().lower().rstrip(".")
        elif name == "report_metadata":
            for cell in child:
                if local(cell.tag) == "report_id":
                    report_id = (cell.text or "").strip()
    return {"records": records, "messages": messages, "domain": domain, "report_id": report_id}


def _cp1252_ok(doc):
    try:
        doc.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def main():
    for path in sys.argv[1:]:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            reports = [parse(doc) for doc in unwrap(data)]
            print(json.dumps({"file": path, "reports": reports}))
        except Exception as error:  # noqa: BLE001 - any failure means "not well-formed" here
            print(json.dumps({"file": path, "error": f"{type(error).__name__}: {error}"}))


if __name__ == "__main__":
    main()
