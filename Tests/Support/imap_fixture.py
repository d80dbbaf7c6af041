#!/usr/bin/env python3
"""Mailbox chores for the IMAP tests, done with Python's imaplib against a test Dovecot
(Tests/TestSupport/DovecotServer.swift starts it).

    imap_fixture.py COMMAND --port N --user U --password P [--mailbox NAME] [options]

Commands, each printing one JSON object on stdout (mailbox names are Unicode here; the script
encodes them to IMAP's modified UTF-7 on the wire):

    append   --mailbox M [--flags '\\Seen \\Flagged'] [--no-create]
             reads a JSON list of base64 messages on stdin and appends them in order with
             MULTIAPPEND and non-synchronising literals (LITERAL+), a few hundred a command;
             creates M first unless it exists or --no-create: {"uidvalidity": V, "uids": [...]}
    uids     --mailbox M               {"uids": [...]}  (EXAMINE, UID SEARCH ALL)
    status   --mailbox M               {"messages": N, "uidnext": N, "uidvalidity": V, "unseen": N}
    flags    --mailbox M --uid N       {"flags": ["\\Recent", ...]}  (EXAMINE: nothing changes)
    fetch    --mailbox M --uid N       {"message": base64}  (BODY.PEEK[]: \\Seen stays unset)
    create   --mailbox M               {"created": true|false}  (false: it already existed)
    delete   --mailbox M               {"deleted": true}
    recreate --mailbox M               deletes M and creates it again, empty:
                                       {"old": V, "new": V2}  (its UIDVALIDITY before and after)
    list                               {"separator": "/", "mailboxes": [...]}

and two that need no server:

    token    --key-file F --subject S [--expires UNIX] [--not-before UNIX]
             prints an HS256 JWT signed with the key in F (raw bytes) for Dovecot's oauth2 passdb
             (introspection_mode = local); no newline.
    mutf7    NAME                      prints NAME in modified UTF-7 (RFC 3501 5.1.3); no newline.

Errors go to stderr with exit status 1.
"""
import argparse
import base64
import hashlib
import hmac
import imaplib
import json
import re
import sys
import time

BATCH = 500  # messages a MULTIAPPEND command


def mutf7_encode(name):
    """`name` in IMAP's modified UTF-7: printable ASCII as is ('&' as '&-'), runs of anything
    else as UTF-16BE in base64 with ',' for '/', no padding, between '&' and '-'."""
    out = []
    run = []

    def flush():
        if run:
            data = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-")
            run.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            run.append(char)
    flush()
    return "".join(out)


def mutf7_decode(name):
    """The inverse of mutf7_encode."""

    def decode(match):
        text = match.group(1)
        if text == "":
            return "&"
        text = text.replace(",", "/")
        text += "=" * (-len(text) % 4)
        return base64.b64decode(text).decode("utf-16-be")

    return re.sub(r"&([^-]*)-", decode, name)


def quoted(name):
    """A mailbox name as an IMAP quoted string, in modified UTF-7."""
    wire = mutf7_encode(name)
    return '"' + wire.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fail(message):
    sys.stderr.write(f"imap_fixture: {message}\n")
    sys.exit(1)


def check(result, what):
    typ, data = result
    if typ != "OK":
        fail(f"{what}: {typ} {data!r}")
    return data


def connect(args):
    client = imaplib.IMAP4(args.host, args.port, timeout=60)
    check(client.login(args.user, args.password), "LOGIN")
    return client


def status(client, mailbox):
    data = check(client.status(quoted(mailbox), "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"), f"STATUS {mailbox}")
    text = data[0].decode()
    values = dict(re.findall(r"(MESSAGES|UIDNEXT|UIDVALIDITY|UNSEEN) (\d+)", text))
    return {key.lower(): int(value) for key, value in values.items()}


def create(client, mailbox):
    """Creates `mailbox`; False when it already exists."""
    if mailbox.upper() == "INBOX":
        return False
    typ, data = client.create(quoted(mailbox))
    if typ == "OK":
        return True
    if b"ALREADYEXISTS" in b" ".join(d for d in data if isinstance(d, bytes)):
        return False
    fail(f"CREATE {mailbox}: {typ} {data!r}")


def uid_set(text):
    uids = []
    for part in text.split(","):
        if ":" in part:
            low, high = (int(x) for x in part.split(":"))
            uids.extend(range(min(low, high), max(low, high) + 1))
        else:
            uids.append(int(part))
    return uids


def multiappend(client, mailbox, messages, flags):
    """Appends `messages` in one APPEND command (RFC 3502), with LITERAL+ literals so nothing
    waits for a continuation; returns the APPENDUID answer."""
    tag = client._new_tag()
    flag_list = f"({' '.join(flags)}) " if flags else ""
    parts = [tag + b" APPEND " + quoted(mailbox).encode()]
    for message in messages:
        parts.append(f" {flag_list}{{{len(message)}+}}\r\n".encode())
        parts.append(message)
    parts.append(b"\r\n")
    client.send(b"".join(parts))
    while True:
        line = client.readline()
        if not line:
            fail("APPEND: the server closed the connection")
        if line.startswith(tag + b" "):
            text = line.decode("utf-8", "replace").strip()
            if not text.split(" ", 2)[1] == "OK":
                fail(f"APPEND {mailbox}: {text}")
            match = re.search(r"\[APPENDUID (\d+) ([0-9:,]+)\]", text)
            if not match:
                fail(f"APPEND {mailbox}: no APPENDUID in {text}")
            return int(match.group(1)), uid_set(match.group(2))


def command_append(args):
    messages = [base64.b64decode(m) for m in json.load(sys.stdin)]
    flags = args.flags.split() if args.flags else []
    client = connect(args)
    if not args.no_create:
        create(client, args.mailbox)
    uidvalidity, uids = 0, []
    for start in range(0, len(messages), BATCH):
        uidvalidity, batch = multiappend(client, args.mailbox, messages[start : start + BATCH], flags)
        uids.extend(batch)
    if not messages:
        uidvalidity = status(client, args.mailbox)["uidvalidity"]
    client.logout()
    return {"uidvalidity": uidvalidity, "uids": uids}


def examine(client, mailbox):
    check(client.select(quoted(mailbox), readonly=True), f"EXAMINE {mailbox}")


def command_uids(args):
    client = connect(args)
    examine(client, args.mailbox)
    data = check(client.uid("SEARCH", "ALL"), "UID SEARCH")
    client.logout()
    return {"uids": sorted(int(x) for x in b" ".join(data).split())}


def command_status(args):
    client = connect(args)
    result = status(client, args.mailbox)
    client.logout()
    return result


def command_flags(args):
    client = connect(args)
    examine(client, args.mailbox)
    data = check(client.uid("FETCH", str(args.uid), "(FLAGS)"), "UID FETCH FLAGS")
    client.logout()
    for item in data:
        if isinstance(item, bytes):
            match = re.search(rb"FLAGS \(([^)]*)\)", item)
            if match:
                return {"flags": match.group(1).decode().split()}
    fail(f"no message with UID {args.uid} in {args.mailbox}")


def command_fetch(args):
    client = connect(args)
    examine(client, args.mailbox)
    data = check(client.uid("FETCH", str(args.uid), "(BODY.PEEK[])"), "UID FETCH BODY.PEEK[]")
    client.logout()
    for item in data:
        if isinstance(item, tuple):
            return {"message": base64.b64encode(item[1]).decode()}
    fail(f"no message with UID {args.uid} in {args.mailbox}")


def command_create(args):
    client = connect(args)
    created = create(client, args.mailbox)
    client.logout()
    return {"created": created}


def command_delete(args):
    client = connect(args)
    check(client.delete(quoted(args.mailbox)), f"DELETE {args.mailbox}")
    client.logout()
    return {"deleted": True}


def command_recreate(args):
    client = connect(args)
    old = status(client, args.mailbox)["uidvalidity"]
    check(client.delete(quoted(args.mailbox)), f"DELETE {args.mailbox}")
    if not create(client, args.mailbox):
        fail(f"CREATE {args.mailbox}: it still exists")
    new = status(client, args.mailbox)["uidvalidity"]
    client.logout()
    return {"old": old, "new": new}


def command_list(args):
    client = connect(args)
    data = check(client.list(), "LIST")
    client.logout()
    separator, names = None, []
    for item in data:
        line = item.decode() if isinstance(item, bytes) else item[0].decode() + item[1].decode()
        match = re.match(r'\(([^)]*)\) (NIL|"(?:\\.|[^"])*") (.*)$', line)
        if not match:
            continue
        if match.group(2) != "NIL":
            separator = match.group(2)[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        name = match.group(3)
        if name.startswith('"'):
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        names.append(mutf7_decode(name))
    return {"separator": separator, "mailboxes": sorted(names)}


def base64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def command_token(args):
    key = open(args.key_file, "rb").read()
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT"}
    body = {
        "sub": args.subject,
        "iat": now,
        "nbf": args.not_before if args.not_before is not None else now - 60,
        "exp": args.expires if args.expires is not None else now + 24 * 3600,
    }
    signing_input = base64url(json.dumps(header).encode()) + "." + base64url(json.dumps(body).encode())
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    sys.stdout.write(signing_input + "." + base64url(signature))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command")
    parser.add_argument("name", nargs="?")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--mailbox", default="INBOX")
    parser.add_argument("--uid", type=int)
    parser.add_argument("--flags", default="")
    parser.add_argument("--no-create", action="store_true")
    parser.add_argument("--key-file")
    parser.add_argument("--subject")
    parser.add_argument("--expires", type=int)
    parser.add_argument("--not-before", type=int)
    args = parser.parse_args()

    if args.command == "mutf7":
        sys.stdout.write(mutf7_encode(args.name or ""))
        return
    if args.command == "token":
        if not args.key_file or not args.subject:
            fail("token needs --key-file and --subject")
        command_token(args)
        return
    commands = {
        "append": command_append,
        "uids": command_uids,
        "status": command_status,
        "flags": command_flags,
        "fetch": command_fetch,
        "create": command_create,
        "delete": command_delete,
        "recreate": command_recreate,
        "list": command_list,
    }
    if args.command not in commands:
        fail(f"unknown command {args.command!r}")
    if args.port is None or args.user is None or args.password is None:
        fail(f"{args.command} needs --port, --user and --password")
    if args.command in ("flags", "fetch") and args.uid is None:
        fail(f"{args.command} needs --uid")
    try:
        result = commands[args.command](args)
    except (imaplib.IMAP4.error, OSError) as error:
        fail(f"{args.command}: {error}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
