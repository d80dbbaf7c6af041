#!/usr/bin/env python3
"""Builds mailboxes from .eml files with Python's mailbox and email packages, for the tests.

usage: build_mailbox.py FORMAT OUTPUT EML...
FORMAT: mboxo (mailbox.mbox), mboxrd, mboxcl, mboxcl2, maildir (mailbox.Maildir);
        add "-crlf" to an mbox format for CRLF line ends.
mboxo and maildir are written by the mailbox module itself; mboxrd, mboxcl and mboxcl2 (which it
does not write) by the email generator with the quoting and Content-Length rules of each variant.
"""
import email
import email.generator
import email.policy
import io
import mailbox
import re
import sys
import time


def messages(paths):
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1]
        yield email.message_from_bytes(data, policy=email.policy.compat32)


def flatten(message):
    buffer = io.BytesIO()
    email.generator.BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(message)
    return buffer.getvalue().replace(b"\r\n", b"\n")


def from_line(index):
    stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(1795910400 + index * 60))
    return f"From MAILER-DAEMON {stamp}\n".encode()


def write_variant(kind, output, paths):
    out = bytearray()
    for index, message in enumerate(messages(paths)):
        body = flatten(message)
        head, sep, rest = body.partition(b"\n\n")
        if kind == "mboxrd":
            rest = re.sub(rb"(?m)^(>*From )", rb">\1", rest)
        elif kind == "mboxcl":
            rest = re.sub(rb"(?m)^From ", rb">From ", rest)
        if kind in ("mboxcl", "mboxcl2"):
            head = re.sub(rb"(?mi)^Content-Length:.*\n?", b"", head + b"\n").rstrip(b"\n")
            head += b"\nContent-Length: " + str(len(rest)).encode()
        out += from_line(index) + head + b"\n\n" + rest
        if not out.endswith(b"\n"):
            out += b"\n"
        out += b"\n"
    return bytes(out)


def main():
    kind, output, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    crlf = kind.endswith("-crlf")
    kind = kind.removesuffix("-crlf")
    if kind == "maildir":
        box = mailbox.Maildir(output, create=True)
        for message in messages(paths):
            box.add(message)
        box.close()
        return
    if kind == "mboxo":
        box = mailbox.mbox(output + ".tmp", create=True)
        for message in messages(paths):
            box.add(message)
        box.close()
        with open(output + ".tmp", "rb") as handle:
            data = handle.read()
        import os
        os.remove(output + ".tmp")
    else:
        data = write_variant(kind, output, paths)
    if crlf:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with open(output, "wb") as handle:
        handle.write(data)


if __name__ == "__main__":
    main()
