#!/usr/bin/python3
"""A real SMTP submission server on loopback for the mail-sending tests, built on aiosmtpd
(Debian's python3-aiosmtpd; run it with /usr/bin/python3, which has it).
Tests/TestSupport/SMTPServer.swift starts it.

    smtp_fixture.py --output DIR --cert PEM --key PEM
                    [--port N] [--smtps-port N]
                    [--auth-user U] [--auth-password P] [--oauth-token T]
                    [--mechanisms PLAIN,LOGIN,XOAUTH2]
                    [--no-starttls] [--refuse-auth] [--require-auth]
                    [--fail-after N [--fail-reply TEXT]] [--reject-recipient ADDRESS ...]
                    [--no-stdin]

Listens on 127.0.0.1 twice, on --port and --smtps-port (0, the default: a port the system
chooses):

- the submission port: plain SMTP offering STARTTLS with the certificate --cert (not with
  --no-starttls). STARTTLS is offered, not required: a message sent in the clear is accepted
  (unless --require-auth) and recorded with "tls": false.
- the SMTPS port: TLS from the first byte (implicit TLS), same certificate.

Authentication, as a submission server does it: AUTH is announced and accepted only under TLS
(538 before STARTTLS). PLAIN and LOGIN check --auth-user (any user when not given) and
--auth-password and are offered only with --auth-password; XOAUTH2 (the client sends
base64("user=U\\x01auth=Bearer T\\x01\\x01")) checks the user the same way and the token
--oauth-token and is offered only with it. A wrong token is answered as Gmail does: 334 with a
base64 JSON error ({"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}),
and 535 after the client's empty line. --mechanisms offers only those named. --refuse-auth
refuses every AUTH with 535 (XOAUTH2 after the 334 JSON error). --require-auth answers MAIL
FROM, RCPT TO and DATA without AUTH with 530.

Every accepted message is written to DIR as NNNN.eml (the DATA exactly as received, after
dot-unstuffing, CRLF line ends kept) and then NNNN.json (the envelope: {"mail_from",
"rcpt_tos", "mail_options", "auth_user", "mechanism", "tls", "smtps", "helo"}), both before the
250 reply; numbering goes on from the files already there. With --fail-after N, the messages
after the first N are refused at the end of DATA with --fail-reply (451 by default) and not
written; RCPT TO a --reject-recipient address is refused with 550.

Prints one JSON line {"port": N, "smtps_port": N, "pid": N} on stdout once both ports listen,
then serves until stdin closes (not with --no-stdin) or SIGTERM/SIGINT, and exits 0. Logs go to
stderr.
"""
import argparse
import asyncio
import base64
import json
import logging
import os
import signal
import ssl
import sys
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    sys.exit(
        f"smtp_fixture: aiosmtpd is not importable by {sys.executable} "
        "(apt-get install python3-aiosmtpd; run with /usr/bin/python3)"
    )

HOSTNAME = "smtp.mailtally.test"
INVALID = "535 5.7.8 Username and Password not accepted (test server)"
OAUTH_ERROR = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}


class Identity:
    """What a successful AUTH leaves in the session (aiosmtpd reads its `login`)."""

    def __init__(self, login, mechanism):
        self.login = login
        self.mechanism = mechanism


def text(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


class Handler:
    def __init__(self, options):
        self.options = options
        self.output = options.output
        self.accepted = 0
        os.makedirs(self.output, exist_ok=True)
        names = [name[:-5] for name in os.listdir(self.output) if name.endswith(".json")]
        numbers = [int(name) for name in names if name.isdigit()]
        self.next_number = max(numbers, default=0) + 1

    # Credentials.

    def user_matches(self, login):
        return self.options.auth_user is None or login == self.options.auth_user

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        """PLAIN and LOGIN (aiosmtpd decodes them and asks here)."""
        if self.options.refuse_auth or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False, message=INVALID)
        login = text(auth_data.login)
        password = text(auth_data.password)
        if self.user_matches(login) and password == self.options.auth_password:
            return AuthResult(success=True, auth_data=Identity(login, mechanism))
        return AuthResult(success=False, handled=False, message=INVALID)

    async def auth_XOAUTH2(self, server, args):
        """XOAUTH2: `AUTH XOAUTH2 <b64>`, or `AUTH XOAUTH2` then the blob after `334 `."""
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1].encode(), validate=True)
            except Exception:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        else:
            blob = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=True)  # `*`: aiosmtpd answered 501
        login, token = None, None
        for field in blob.split(b"\x01"):
            if field.startswith(b"user="):
                login = text(field[5:])
            elif field[:12].lower() == b"auth=bearer ":
                token = text(field[12:])
        if login is None or token is None:
            await server.push("501 5.5.2 Malformed XOAUTH2 response")
            return AuthResult(success=False, handled=True)
        if not self.options.refuse_auth and self.user_matches(login) and token == self.options.oauth_token:
            return AuthResult(success=True, auth_data=Identity(login, "XOAUTH2"))
        # Gmail's way: the error as a JSON continuation, then 535 once the client has answered
        # it (with an empty line; `*` cancels, and aiosmtpd answers 501 itself).
        answer = await server.challenge_auth(json.dumps(OAUTH_ERROR, separators=(",", ":")))
        if not isinstance(answer, bytes):
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message=INVALID)

    # SMTP hooks.

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        # No bare `250-AUTH ` line when no mechanism is left.
        return [line for line in responses if line.rstrip() != "250-AUTH"]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.options.reject_recipient:
            return f"550 5.1.1 <{address}>: Recipient address rejected (test server)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.options.fail_after is not None and self.accepted >= self.options.fail_after:
            return self.options.fail_reply
        number = self.next_number
        self.next_number += 1
        self.accepted += 1
        identity = session.auth_data if session.authenticated else None
        transport = server.transport
        tls = session.ssl is not None or (
            transport is not None and transport.get_extra_info("ssl_object") is not None
        )
        envelope_record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "auth_user": getattr(identity, "login", None),
            "mechanism": getattr(identity, "mechanism", None),
            "tls": bool(tls),
            "smtps": bool(server.implicit_tls),
            "helo": session.host_name,
        }
        base = os.path.join(self.output, f"{number:04d}")
        # The message first, then its envelope: a reader that sees NNNN.json sees both whole.
        write_atomically(base + ".eml", envelope.original_content)
        write_atomically(base + ".json", (json.dumps(envelope_record, indent=1) + "\n").encode())
        log = logging.getLogger("smtp_fixture")
        log.info("message %04d from %s to %s", number, envelope.mail_from, envelope.rcpt_tos)
        return f"250 2.0.0 OK queued as {number:04d}"


def write_atomically(path, data):
    with open(path + ".tmp", "wb") as out:
        out.write(data)
    os.replace(path + ".tmp", path)


class FixtureSMTP(SMTP):
    # What real servers (Postfix, Gmail) send, not aiosmtpd's "User Name\0".
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, handler, implicit_tls, **kwargs):
        self.implicit_tls = implicit_tls
        super().__init__(handler, **kwargs)


def make_server_factory(handler, options, implicit_tls, context):
    mechanisms = {"PLAIN", "LOGIN", "XOAUTH2"}
    offered = set()
    if options.auth_password is not None:
        offered |= {"PLAIN", "LOGIN"}
    if options.oauth_token is not None:
        offered.add("XOAUTH2")
    if options.mechanisms is not None:
        offered &= {m.strip().upper() for m in options.mechanisms.split(",") if m.strip()}
    excluded = sorted(mechanisms - offered)

    def factory():
        return FixtureSMTP(
            handler,
            implicit_tls,
            hostname=HOSTNAME,
            ident="MailTally test ESMTP",
            enable_SMTPUTF8=True,
            # STARTTLS on the submission port; none on the SMTPS port, which is TLS already.
            tls_context=None if implicit_tls else context,
            require_starttls=False,
            auth_required=options.require_auth,
            # aiosmtpd (1.4) counts only STARTTLS as TLS and would refuse AUTH with 538 on the
            # SMTPS port, where every connection is TLS from the first byte.
            auth_require_tls=not implicit_tls,
            auth_exclude_mechanism=excluded,
            authenticator=handler.authenticator,
            timeout=60,
        )

    return factory


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="A test SMTP submission server (aiosmtpd) on 127.0.0.1.")
    parser.add_argument("--output", required=True, help="folder for NNNN.eml and NNNN.json")
    parser.add_argument("--cert", required=True, help="server certificate (PEM)")
    parser.add_argument("--key", required=True, help="its private key (PEM)")
    parser.add_argument("--port", type=int, default=0, help="submission port (STARTTLS); 0: any")
    parser.add_argument("--smtps-port", type=int, default=0, help="implicit-TLS port; 0: any")
    parser.add_argument("--auth-user")
    parser.add_argument("--auth-password")
    parser.add_argument("--oauth-token")
    parser.add_argument("--mechanisms", help="comma-separated subset of PLAIN,LOGIN,XOAUTH2 to offer")
    parser.add_argument("--no-starttls", action="store_true", help="do not offer STARTTLS")
    parser.add_argument("--refuse-auth", action="store_true", help="answer every AUTH with 535")
    parser.add_argument("--require-auth", action="store_true", help="530 for MAIL without AUTH")
    parser.add_argument("--fail-after", type=int, help="refuse DATA after this many messages")
    parser.add_argument("--fail-reply", default="451 4.3.0 Temporary failure, try again later (test server)")
    parser.add_argument("--reject-recipient", action="append", default=[], help="550 for RCPT TO this address")
    parser.add_argument("--no-stdin", action="store_true", help="do not stop when stdin closes")
    options = parser.parse_args(argv)
    options.reject_recipient = {address.lower() for address in options.reject_recipient}
    return options


async def serve(options):
    loop = asyncio.get_running_loop()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(options.cert, options.key)
    handler = Handler(options)

    submission = await loop.create_server(
        make_server_factory(handler, options, False, None if options.no_starttls else context),
        host="127.0.0.1",
        port=options.port,
        reuse_address=True,
    )
    smtps = await loop.create_server(
        make_server_factory(handler, options, True, context),
        host="127.0.0.1",
        port=options.smtps_port,
        ssl=context,
        reuse_address=True,
    )
    done = loop.create_future()

    def finish(*_):
        if not done.done():
            done.set_result(None)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, finish)
    if not options.no_stdin:

        def stdin_readable():
            try:
                chunk = os.read(sys.stdin.fileno(), 4096)
            except OSError:
                chunk = b""
            if not chunk:
                loop.remove_reader(sys.stdin.fileno())
                finish()

        loop.add_reader(sys.stdin.fileno(), stdin_readable)

    ready = {
        "port": submission.sockets[0].getsockname()[1],
        "smtps_port": smtps.sockets[0].getsockname()[1],
        "pid": os.getpid(),
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    await done
    for server in (submission, smtps):
        server.close()
    for server in (submission, smtps):
        await server.wait_closed()


def main(argv):
    # The test process's threads block signals, and a child inherits the mask: clear it, or a
    # SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    # No inherited descriptor may be closed here: Foundation's Process gives its child one end
    # of a socket and takes that end's closing for the child's exit (then blocks in waitpid for
    # it, and no other process of the tests is reaped meanwhile).
    options = parse_arguments(argv)
    warnings.simplefilter("ignore")
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    # aiosmtpd itself sets the deprecated Session.login_data on every AUTH and warns about it.
    logging.getLogger("mail.log").addFilter(lambda record: "login_data is deprecated" not in record.getMessage())
    asyncio.run(serve(options))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
