#!/usr/bin/python3
"""Mail servers as `mailtally check` meets them in real life, on loopback: SMTP on port 25 and
HTTPS (the MTA-STS policy host) on port 443 of distinct loopback addresses, with certificates
from a test CA. Built on aiosmtpd (Debian's python3-aiosmtpd; run it with /usr/bin/python3, which
has it) and Python's http.server and ssl; certificates are made with the openssl command.

    transport_fixture.py --dir DIR [--smtp ADDR=MODE:NAME ...] [--https ADDR=NAME:POLICYFILE ...]
                         [--no-stdin]

ADDR is an address to bind exactly (127.0.0.2 ... 127.255.255.254 work on Linux with no set-up;
binding port 25 and 443 needs root). One address serves one server: the same ADDR twice is an
error.

--smtp ADDR=MODE:NAME: an ESMTP server on ADDR:25 for the MX host NAME. Its banner is
`220 NAME ESMTP MailTally test fixture`; it answers EHLO (and HELO), STARTTLS, NOOP, RSET and
QUIT; MAIL, RCPT, DATA, AUTH, VRFY, EXPN and HELP are answered `502 5.5.1` and nothing is ever
accepted for delivery. No AUTH is offered. MODE:

    good         STARTTLS; a certificate for NAME from the CA, valid from a day ago for 90 days
    nostarttls   no STARTTLS offered (a 454 if the client sends it anyway)
    expired      STARTTLS; a certificate for NAME from the CA, valid from 100 days ago until
                 5 days ago
    wrongname    STARTTLS; a valid certificate from the CA whose only name is wrong-name.invalid
    expiring-N   STARTTLS; a certificate for NAME from the CA that expires N days (and five
                 minutes) from now, e.g. expiring-2, expiring-10
    selfsigned   STARTTLS; a self-signed certificate for NAME (not from the CA), valid from a day
                 ago for 90 days
    down         nothing listens on ADDR:25: connections are refused

--https ADDR=NAME:POLICYFILE: an HTTPS server (HTTP/1.1) on ADDR:443 with a certificate for NAME
from the CA (valid from a day ago for 90 days). GET /.well-known/mta-sts.txt answers 200 with
the bytes of POLICYFILE (read at each request, so a test may change it while the server runs)
as `Content-Type: text/plain`; any other path is 404. POLICYFILE `redirect`: that path answers
301 to https://elsewhere.invalid/.well-known/mta-sts.txt; `404`: it answers 404.

Certificates are EC P-256 keys signed with SHA-256, made with `openssl ca` (exact dates,
UTCTime): leaves have subjectAltName DNS:NAME, CN=NAME, CA:FALSE, keyUsage digitalSignature,
extendedKeyUsage serverAuth. The CA (CN "MailTally transport test CA", valid from 400 days ago
for 10 years) is DIR/ca.pem with its key DIR/ca.key, made on the first run and reused while
DIR/ca.pem exists. Each server's files are DIR/smtp-ADDR.pem and .key (DIR/https-ADDR.* for
HTTPS); a server sends its certificate alone, no chain (the CA signs the leaves directly).

Logs, both emptied at start, one JSON object a line:
    DIR/commands.jsonl  every SMTP command line received (before and after STARTTLS):
                        {"server": "ADDR", "command": "EHLO x", "tls": false}
                        (AUTH continuation lines and DATA are not commands and not logged)
    DIR/https.jsonl     every HTTP request: {"server": "ADDR", "method": "GET",
                        "path": "/.well-known/mta-sts.txt", "host": "mta-sts.example.test",
                        "status": 200}

Prints one JSON line on stdout once every server listens:
    {"ca": "/abs/DIR/ca.pem", "pid": N, "servers": {"ADDR": {"kind": "smtp" | "https",
     "port": 25 | 443, "name": NAME, "mode": MODE ("https" for HTTPS servers),
     "cert": PEM path, "key": path, "cert_sha256": hex SHA-256 of the DER certificate,
     "spki_sha256": hex SHA-256 of its DER SubjectPublicKeyInfo (a TLSA 3 1 1 value),
     "not_after": "YYYY-MM-DDTHH:MM:SSZ"}}}
(for a `down` server, cert, key, cert_sha256, spki_sha256 and not_after are null), then serves
until stdin closes (not with --no-stdin; stdin /dev/null stops it at once) or SIGTERM/SIGINT,
and exits 0. It is ready about 0.2 s after it starts, plus 0.07 s a certificate. Errors go to
stderr, with nothing on stdout: exit status 2 for a bad argument, 1 for a failure (an
address:port in use, openssl failing). Logs go to stderr, a few lines a connection (aiosmtpd's
and the HTTPS server's).
"""
import argparse
import asyncio
import calendar
import hashlib
import http.server
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import warnings

try:
    from aiosmtpd.smtp import SMTP, TLSSetupException
except ImportError:
    sys.exit(
        f"transport_fixture: aiosmtpd is not importable by {sys.executable} "
        "(apt-get install python3-aiosmtpd; run with /usr/bin/python3)"
    )

DAY = 86400
POLICY_PATH = "/.well-known/mta-sts.txt"
REDIRECT_TARGET = "https://elsewhere.invalid/.well-known/mta-sts.txt"
WRONG_NAME = "wrong-name.invalid"
CA_NAME = "MailTally transport test CA"
SMTP_MODES = ("good", "nostarttls", "expired", "wrongname", "selfsigned", "down")
REFUSED_COMMANDS = ("MAIL", "RCPT", "DATA", "AUTH", "VRFY", "EXPN", "HELP")


class FixtureError(Exception):
    pass


# Certificates, with the openssl command line.

CA_CONFIG = """\
# Written by transport_fixture.py: `openssl ca` with a fresh database each run.
[ ca ]
default_ca = fixture

[ fixture ]
dir = {db}
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes

[ any_name ]
commonName = supplied

[ req ]
distinguished_name = dn
prompt = no

[ dn ]
CN = unused
"""

CA_EXTENSIONS = """\
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""

LEAF_EXTENSIONS = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:{name}
"""


def openssl(*arguments, data=None):
    result = subprocess.run(["openssl", *arguments], input=data, capture_output=True)
    if result.returncode != 0:
        raise FixtureError(f"openssl {' '.join(arguments)} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def stamp(unix):
    """`openssl ca` dates: YYYYMMDDHHMMSSZ (written as UTCTime before 2050)."""
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(unix))


class Authority:
    def __init__(self, folder):
        self.folder = folder
        self.cert = os.path.join(folder, "ca.pem")
        self.key = os.path.join(folder, "ca.key")
        db = os.path.join(folder, "ca-db")
        shutil.rmtree(db, ignore_errors=True)  # a fresh database each run
        os.makedirs(os.path.join(db, "new"))
        open(os.path.join(db, "index.txt"), "w").close()
        with open(os.path.join(db, "serial"), "w") as serial:
            # Random, so that certificates of runs that share the CA never share a serial.
            serial.write("%032x\n" % (secrets.randbits(124) | 1 << 120))
        self.config = os.path.join(db, "openssl.cnf")
        with open(self.config, "w") as config:
            config.write(CA_CONFIG.format(db=db))
        if not os.path.exists(self.cert):
            now = int(time.time())
            self.key_pair(self.key)
            request = self.request(self.key, CA_NAME, "ca")
            self.sign(request, self.cert, CA_EXTENSIONS, now - 400 * DAY, now + 3650 * DAY, self_signed_with=self.key)
        elif not os.path.exists(self.key):
            raise FixtureError(f"{self.cert} exists but {self.key} does not")

    def key_pair(self, path):
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
        os.chmod(path, 0o600)

    def request(self, key, common_name, label):
        path = os.path.join(self.folder, "ca-db", f"{label}.csr")
        openssl("req", "-new", "-config", self.config, "-key", key, "-subj", f"/CN={common_name}", "-out", path)
        return path

    def sign(self, request, out, extensions, not_before, not_after, self_signed_with=None):
        ext_file = out + ".ext"
        with open(ext_file, "w") as handle:
            handle.write(extensions)
        command = ["ca", "-batch", "-notext", "-config", self.config, "-in", request, "-out", out,
                   "-extfile", ext_file, "-startdate", stamp(not_before), "-enddate", stamp(not_after)]
        if self_signed_with:
            command += ["-selfsign", "-keyfile", self_signed_with]
        else:
            command += ["-cert", self.cert, "-keyfile", self.key]
        openssl(*command)
        os.remove(ext_file)

    def leaf(self, base, name, not_before, not_after, self_signed=False):
        """Writes base.key and base.pem: a server certificate for `name`."""
        key, cert = base + ".key", base + ".pem"
        self.key_pair(key)
        request = self.request(key, name, os.path.basename(base))
        extensions = LEAF_EXTENSIONS.format(name=name)
        if self_signed:
            # Its own issuer: the authority key identifier would name its own key; leave it out.
            extensions = extensions.replace("authorityKeyIdentifier = keyid\n", "")
        self.sign(request, cert, extensions, not_before, not_after, self_signed_with=key if self_signed else None)
        return cert, key


def certificate_facts(cert):
    der = openssl("x509", "-in", cert, "-outform", "DER")
    public_key = openssl("x509", "-in", cert, "-pubkey", "-noout")
    spki = openssl("pkey", "-pubin", "-outform", "DER", data=public_key)
    end = openssl("x509", "-in", cert, "-noout", "-enddate").decode().strip()  # notAfter=May  1 12:00:00 2026 GMT
    not_after = calendar.timegm(time.strptime(end.split("=", 1)[1], "%b %d %H:%M:%S %Y GMT"))
    return {
        "cert_sha256": hashlib.sha256(der).hexdigest(),
        "spki_sha256": hashlib.sha256(spki).hexdigest(),
        "not_after": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(not_after)),
    }


def smtp_certificate(authority, folder, address, mode, name):
    """The certificate of one SMTP mode: (cert, key), or (None, None) when it has none."""
    now = int(time.time())
    base = os.path.join(folder, f"smtp-{address}")
    if mode in ("nostarttls", "down"):
        return None, None
    if mode == "good":
        return authority.leaf(base, name, now - DAY, now - DAY + 90 * DAY)
    if mode == "expired":
        return authority.leaf(base, name, now - 100 * DAY, now - 5 * DAY)
    if mode == "wrongname":
        return authority.leaf(base, WRONG_NAME, now - DAY, now - DAY + 90 * DAY)
    if mode == "selfsigned":
        return authority.leaf(base, name, now - DAY, now - DAY + 90 * DAY, self_signed=True)
    days = int(mode.split("-", 1)[1])  # expiring-N
    return authority.leaf(base, name, now - DAY, now + days * DAY + 300)


# Command log.

class JSONLog:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        open(path, "w").close()

    def write(self, record):
        line = json.dumps(record) + "\n"
        with self.lock, open(self.path, "a") as out:
            out.write(line)


# SMTP.

class LoggingReader:
    """The session's StreamReader, recording every command line it hands to aiosmtpd
    (readuntil() with the default separator; DATA reads with b'\\r\\n', AUTH with readline())."""

    def __init__(self, reader, on_line):
        object.__setattr__(self, "_inner", reader)
        object.__setattr__(self, "_on_line", on_line)

    def __getattr__(self, attribute):
        return getattr(self._inner, attribute)

    def __setattr__(self, attribute, value):  # aiosmtpd moves the reader to the TLS transport
        setattr(self._inner, attribute, value)

    async def readuntil(self, separator=b"\n"):
        line = await self._inner.readuntil(separator)
        if separator == b"\n":
            self._on_line(line)
        return line


class FixtureSMTP(SMTP):
    def __init__(self, address, log, **kwargs):
        self.fixture_address = address
        self.fixture_log = log
        super().__init__(Handler(), **kwargs)
        for command in REFUSED_COMMANDS:
            self._smtp_methods[command] = self.refuse(command)

    def refuse(self, command):
        async def method(arg):
            await self.push(f"502 5.5.1 {command} not accepted by the MailTally test fixture")
        return method

    def _client_connected_cb(self, reader, writer):
        super()._client_connected_cb(LoggingReader(reader, self.record), writer)

    def record(self, line):
        command = line.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
        self.fixture_log.write({"server": self.fixture_address, "command": command,
                                "tls": self._tls_protocol is not None})


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        # No AUTH on an MX: drop aiosmtpd's `250-AUTH` line (empty, every mechanism excluded).
        return [line for line in responses if not line.startswith("250-AUTH")]

    async def handle_exception(self, error):
        if isinstance(error, TLSSetupException):
            # The client refused the certificate (what the bad modes are for): one line, no
            # traceback. aiosmtpd closes the connection and sends nothing more.
            logging.getLogger("smtp").info("STARTTLS handshake failed: %s", error.__cause__)
            return "421 4.7.0 TLS handshake failed"
        logging.getLogger("smtp").exception("SMTP session exception")
        return f"500 Error: ({error.__class__.__name__}) {error}"


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def start_smtp(address, name, cert, key, log):
    loop = asyncio.get_running_loop()
    context = tls_context(cert, key) if cert else None

    def factory():
        return FixtureSMTP(
            address, log,
            hostname=name,
            ident="ESMTP MailTally test fixture",
            tls_context=context,
            require_starttls=False,
            auth_exclude_mechanism=["PLAIN", "LOGIN"],
            timeout=60,
        )

    return await loop.create_server(factory, host=address, port=25, reuse_address=True)


# HTTPS.

class PolicyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "MailTally-test-fixture"

    def do_GET(self):
        fixture = self.server
        path = urllib.parse.urlsplit(self.path).path
        status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found\n"
        if path == POLICY_PATH:
            if fixture.policy == "redirect":
                status, headers, body = 301, {"Location": REDIRECT_TARGET, "Content-Type": "text/plain"}, b"moved\n"
            elif fixture.policy != "404":
                try:
                    with open(fixture.policy, "rb") as handle:
                        status, body = 200, handle.read()
                except OSError:
                    pass
        fixture.log.write({"server": fixture.address, "method": self.command, "path": self.path,
                           "host": self.headers.get("Host"), "status": status})
        self.send_response(status)
        for header, value in headers.items():
            self.send_header(header, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        logging.getLogger("https").info("%s %s", self.server.address, format % args)


class PolicyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address, policy, context, log):
        self.address = address
        self.policy = policy
        self.context = context
        self.log = log
        super().__init__((address, 443), PolicyHandler)

    def finish_request(self, request, client_address):
        # The TLS handshake in the request's thread, not in the accepting one.
        request.settimeout(30)
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            logging.getLogger("https").info("%s TLS handshake with %s failed: %s", self.address, client_address, error)
            return
        try:
            super().finish_request(connection, client_address)
        finally:
            try:
                connection.unwrap()
            except (ssl.SSLError, OSError, ValueError):
                pass

    def handle_error(self, request, client_address):
        logging.getLogger("https").info("%s connection from %s ended: %s", self.address, client_address, sys.exc_info()[1])


# Main.

def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="SMTP (port 25) and HTTPS (port 443) test servers on loopback.")
    parser.add_argument("--dir", required=True, help="folder for the CA, certificates and logs")
    parser.add_argument("--smtp", action="append", default=[], metavar="ADDR=MODE:NAME")
    parser.add_argument("--https", action="append", default=[], metavar="ADDR=NAME:POLICYFILE")
    parser.add_argument("--no-stdin", action="store_true", help="do not stop when stdin closes")
    options = parser.parse_args(argv)
    servers, seen = [], set()
    for kind, specs in (("smtp", options.smtp), ("https", options.https)):
        for spec in specs:
            address, equals, rest = spec.partition("=")
            first, colon, second = rest.partition(":")
            if not equals or not colon or not address or not first or not second:
                parser.error(f"--{kind} {spec!r}: expected {'ADDR=MODE:NAME' if kind == 'smtp' else 'ADDR=NAME:POLICYFILE'}")
            try:
                socket.inet_pton(socket.AF_INET6 if ":" in address else socket.AF_INET, address)
            except OSError:
                parser.error(f"--{kind} {spec!r}: {address!r} is not an IP address")
            if address in seen:
                parser.error(f"{address} is given twice: one server an address")
            seen.add(address)
            if kind == "smtp":
                mode, name = first, second
                if mode not in SMTP_MODES and not re.fullmatch(r"expiring-\d+", mode):
                    parser.error(f"--smtp {spec!r}: unknown mode {mode!r}")
                servers.append({"kind": "smtp", "address": address, "mode": mode, "name": name})
            else:
                name, policy = first, second
                if policy not in ("redirect", "404"):
                    policy = os.path.abspath(policy)
                    if not os.path.isfile(policy):
                        parser.error(f"--https {spec!r}: no policy file {policy}")
                servers.append({"kind": "https", "address": address, "mode": "https", "name": name, "policy": policy})
    return options, servers


async def serve(options, servers):
    loop = asyncio.get_running_loop()
    folder = os.path.abspath(options.dir)
    os.makedirs(folder, exist_ok=True)
    authority = Authority(folder)
    smtp_log = JSONLog(os.path.join(folder, "commands.jsonl"))
    https_log = JSONLog(os.path.join(folder, "https.jsonl"))

    described, smtp_servers, https_servers = {}, [], []
    for server in servers:
        address, name = server["address"], server["name"]
        entry = {"kind": server["kind"], "port": 25 if server["kind"] == "smtp" else 443, "name": name,
                 "mode": server["mode"], "cert": None, "key": None,
                 "cert_sha256": None, "spki_sha256": None, "not_after": None}
        if server["kind"] == "smtp":
            cert, key = smtp_certificate(authority, folder, address, server["mode"], name)
            if server["mode"] != "down":
                smtp_servers.append(await start_smtp(address, name, cert, key, smtp_log))
        else:
            now = int(time.time())
            cert, key = authority.leaf(os.path.join(folder, f"https-{address}"), name, now - DAY, now - DAY + 90 * DAY)
            context = tls_context(cert, key)
            context.set_alpn_protocols(["http/1.1"])
            https = PolicyServer(address, server["policy"], context, https_log)
            threading.Thread(target=https.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
            https_servers.append(https)
        if cert:
            entry.update({"cert": cert, "key": key, **certificate_facts(cert)})
        described[address] = entry

    done = loop.create_future()

    def finish(*_):
        if not done.done():
            done.set_result(None)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, finish)
    if not options.no_stdin:

        def watch_stdin():
            # A thread, not loop.add_reader: that refuses a regular file or /dev/null.
            try:
                while os.read(sys.stdin.fileno(), 4096):
                    pass
            except OSError:
                pass
            loop.call_soon_threadsafe(finish)

        threading.Thread(target=watch_stdin, daemon=True).start()

    ready = {"ca": authority.cert, "pid": os.getpid(), "servers": described}
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    await done
    for server in smtp_servers:
        server.close()
    for server in https_servers:
        await loop.run_in_executor(None, server.shutdown)
        server.server_close()


def main(argv):
    # The test process's threads block signals, and a child inherits the mask: clear it, or a
    # SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    options, servers = parse_arguments(argv)
    warnings.simplefilter("ignore")
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        asyncio.run(serve(options, servers))
    except (FixtureError, OSError) as error:
        sys.stderr.write(f"transport_fixture: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
