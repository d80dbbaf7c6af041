#!/usr/bin/env python3
"""A real DNS server on loopback for tests and the demo: dnsmasq (Debian's dnsmasq-base).

    dns_fixture.py --records FILE [--hosts FILE] [--local-zone ZONE ...] [--authenticated]
                   [--slow-records FILE --slow-zone ZONE ... --delay S [--stats FILE]]
                   [--dead-zone ZONE ...]

FILE holds one record a line; `#` starts a comment (so no record may hold a `#`):

    ptr IP NAME                  a PTR record only
    host NAME IP                 A or AAAA, and the matching PTR
    address NAME IP              A or AAAA only (dnsmasq's --address: subdomains of NAME too)
    mx NAME TARGET PREF          an MX record (TARGET `.` with PREF 0: a null MX)
    txt NAME TEXT...             a TXT record: the rest of the line, spaces, `;`, `=`, `,` and all
                                 (leading and trailing blanks dropped), as one string; longer than
                                 255 bytes, it is cut into 255-byte character-strings of the one
                                 record. Several lines for one NAME: several TXT records.
    tlsa NAME USAGE SELECTOR MATCHING HEX
                                 a TLSA record (type 52), e.g.
                                 `tlsa _25._tcp.mx1.example.test 3 1 1 <spki_sha256>`
    cname NAME TARGET            a CNAME (dnsmasq answers it only when it knows TARGET too)

The main dnsmasq answers them and returns NXDOMAIN for any other reverse name. Other names are
never forwarded, but without --local-zone dnsmasq answers REFUSED (not NXDOMAIN) for a name it
does not know, and also for a type a known name lacks (AAAA of a name with only an A). Under a
--local-zone ZONE, it answers NXDOMAIN for a name it does not know and NODATA (NOERROR, no
answer) for a type a known `host`, `address`, `mx`, `txt` or `cname` name lacks; a name that holds
only a `tlsa` record answers NXDOMAIN for other types. TTLs are 7200 s.

--authenticated puts a relay here in front of the main dnsmasq that sets the AD bit
(authenticated data) in every answer, as a DNSSEC-validating resolver would; the port printed is
the relay's. It relays UDP and TCP (a truncated UDP answer retried over TCP gets the bit too).
Without it, no answer has the AD bit.

Queries for a --slow-zone are forwarded to a second dnsmasq holding --slow-records, through a
relay here that holds each answer back for --delay seconds. Queries for a --dead-zone are
forwarded to a socket that never answers (a timeout).

Prints `port N` once the server answers on 127.0.0.1:N (UDP and TCP), then runs until stdin
closes or a SIGTERM, and stops its children. It is ready about 0.3 s after it starts.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dnsmasq_binary():
    for candidate in ("/usr/sbin/dnsmasq", "/sbin/dnsmasq"):
        if os.path.exists(candidate):
            return candidate
    sys.exit("dns_fixture: dnsmasq is not installed (apt-get install dnsmasq-base)")


def record_options(path, local_zones=()):
    """The dnsmasq options for the records in `path`, and the lines of its configuration file
    (TXT records: only there does dnsmasq read quoted strings, with commas kept)."""
    options, config = [], []
    with open(path) as lines:
        for number, line in enumerate(lines, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            kind, *rest = text.split()
            where = f"{path}:{number}"
            try:
                if kind == "ptr":
                    ip, name = rest
                    options.append(f"--ptr-record={reverse_name(ip)},{name}")
                elif kind == "host":
                    name, ip = rest
                    options.append(f"--host-record={name},{ip}")
                elif kind == "address":
                    name, ip = rest
                    options.append(f"--address=/{name}/{ip}")
                    if in_zones(name, local_zones):
                        # Since dnsmasq 2.86 --address answers only its own type and sends other
                        # queries on: --local makes them NODATA, as a zone would.
                        options.append(f"--local=/{name}/")
                elif kind == "mx":
                    name, target, preference = rest
                    options.append(f"--mx-host={name},{target},{int(preference)}")
                elif kind == "txt":
                    name, value = (text.split(None, 2)[1:] + [""])[:2]
                    option, line_out = txt_record(name, value.encode())
                    if option:
                        options.append(option)
                    else:
                        config.append(line_out)
                elif kind == "tlsa":
                    name, usage, selector, matching, *data = rest
                    fields = bytes([int(usage), int(selector), int(matching)]) + bytes.fromhex("".join(data))
                    options.append(f"--dns-rr={name},52,{fields.hex()}")
                elif kind == "cname":
                    name, target = rest
                    options.append(f"--cname={name},{target}")
                else:
                    sys.exit(f"dns_fixture: {where}: unknown record kind {kind!r}")
            except ValueError as error:
                sys.exit(f"dns_fixture: {where}: bad {kind} record ({error}): {text}")
    return options, config


def txt_record(name, value):
    """One TXT record: a --txt-record line for dnsmasq's configuration file, as (None, line);
    past the length of line dnsmasq reads there (1024), its bytes as a --dns-rr option, as
    (option, None) (then other types of a name that has only TXT records answer NXDOMAIN)."""
    strings = [value[start:start + 255] for start in range(0, len(value), 255)] or [b""]
    quoted = b",".join(b'"' + s.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"' for s in strings)
    line = b"txt-record=" + name.encode() + b"," + quoted + b"\n"
    if len(line) < 1000:
        return None, line
    data = b"".join(bytes([len(s)]) + s for s in strings)
    return f"--dns-rr={name},16,{data.hex()}", None


def in_zones(name, zones):
    name = name.lower().rstrip(".")
    return any(name == zone or name.endswith("." + zone) for zone in (z.lower().strip(".") for z in zones))


def reverse_name(ip):
    import ipaddress
    return ipaddress.ip_address(ip).reverse_pointer


def start_dnsmasq(port, options, workdir, name, config=()):
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    config_file = os.path.join(workdir, f"{name}.conf")
    with open(config_file, "wb") as out:
        out.writelines(config)
    command = [
        dnsmasq_binary(), "--keep-in-foreground", "--no-daemon", f"--port={port}",
        "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
        f"--conf-file={config_file}", "--pid-file=", "--user=root", "--group=root", "--cache-size=0",
        "--log-facility=-", "--dns-forward-max=1000", "--local-ttl=7200",
        *options,
    ]
    return subprocess.Popen(command, stdout=log, stderr=log)


def relay(listen, target, delay, stats_path):
    """Holds every query back for `delay` seconds, then passes it on and relays the answer.
    With a stats file, records the most queries it held at once (the client's concurrency)."""
    lock = threading.Lock()
    counts = {"held": 0, "most": 0, "queries": 0}

    def record(change):
        with lock:
            counts["held"] += change
            if change > 0:
                counts["queries"] += 1
            counts["most"] = max(counts["most"], counts["held"])
            if stats_path:  # replaced whole, so a reader never sees a half-written file
                with open(stats_path + ".tmp", "w") as stats:
                    stats.write(f"most_held {counts['most']}\nqueries {counts['queries']}\n")
                os.replace(stats_path + ".tmp", stats_path)

    def answer(data, client):
        # Counted as held until the answer is ready, before it goes out: the client may send
        # its next query the moment it arrives.
        record(+1)
        reply = None
        try:
            time.sleep(delay)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
                upstream.settimeout(5)
                upstream.sendto(data, ("127.0.0.1", target))
                reply, _ = upstream.recvfrom(65535)
        except socket.timeout:
            pass
        finally:
            record(-1)
        if reply is not None:
            listen.sendto(reply, client)

    while True:
        data, client = listen.recvfrom(65535)
        threading.Thread(target=answer, args=(data, client), daemon=True).start()


def authenticating_relay(target):
    """Listens on a port of 127.0.0.1 (UDP and TCP), passes every query on to 127.0.0.1:target
    and relays the answer with the AD bit set. Returns the port."""
    while True:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", port))
            break
        except OSError:  # taken for TCP: another port
            udp.close()
            tcp.close()
    tcp.listen(64)

    def authenticated(reply):
        return reply[:3] + bytes([reply[3] | 0x20]) + reply[4:] if len(reply) >= 4 else reply

    def answer_udp(data, client):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
                upstream.settimeout(5)
                upstream.sendto(data, ("127.0.0.1", target))
                reply, _ = upstream.recvfrom(65535)
        except OSError:
            return
        udp.sendto(authenticated(reply), client)

    def read_message(connection):
        head = read_exactly(connection, 2)
        return read_exactly(connection, int.from_bytes(head, "big")) if head else None

    def read_exactly(connection, count):
        data = b""
        while len(data) < count:
            chunk = connection.recv(count - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def answer_tcp(connection):
        with connection, socket.create_connection(("127.0.0.1", target), timeout=5) as upstream:
            connection.settimeout(10)
            try:
                while (query := read_message(connection)) is not None:
                    upstream.sendall(len(query).to_bytes(2, "big") + query)
                    reply = read_message(upstream)
                    if reply is None:
                        return
                    connection.sendall(len(reply).to_bytes(2, "big") + authenticated(reply))
            except OSError:
                pass

    def serve_udp():
        while True:
            data, client = udp.recvfrom(65535)
            threading.Thread(target=answer_udp, args=(data, client), daemon=True).start()

    def serve_tcp():
        while True:
            connection, _ = tcp.accept()
            threading.Thread(target=answer_tcp, args=(connection,), daemon=True).start()

    threading.Thread(target=serve_udp, daemon=True).start()
    threading.Thread(target=serve_tcp, daemon=True).start()
    return port


def wait_until_answering(port, deadline=10.0):
    # A PTR query for 127.0.0.1 (class IN): any answer means dnsmasq is up.
    query = bytes.fromhex("abcd01000001000000000000") + b"".join(
        bytes([len(label)]) + label.encode() for label in "1.0.0.127.in-addr.arpa".split(".")
    ) + b"\x00\x00\x0c\x00\x01"
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.settimeout(0.2)
            probe.sendto(query, ("127.0.0.1", port))
            try:
                probe.recvfrom(512)
                return True
            except (socket.timeout, ConnectionRefusedError):
                time.sleep(0.05)
    return False


def main():
    # A parent may start us with signals blocked (test runners do); dnsmasq inherits the mask
    # and would ignore SIGTERM.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", required=True)
    parser.add_argument("--hosts", help="a hosts file (`IP NAME` lines): A/AAAA and PTR records, for large zones")
    parser.add_argument("--slow-records")
    parser.add_argument("--slow-zone", action="append", default=[])
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--dead-zone", action="append", default=[])
    parser.add_argument("--stats", help="where the slow relay writes how many queries it held at once")
    parser.add_argument("--local-zone", action="append", default=[],
                        help="names under ZONE that are not listed answer NXDOMAIN (not REFUSED)")
    parser.add_argument("--authenticated", action="store_true", help="set the AD bit in every answer")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="mailtally-dns-")
    children = []
    options, config = record_options(args.records, args.local_zone)
    if args.hosts:
        options.append(f"--addn-hosts={os.path.abspath(args.hosts)}")
    # Reverse names not listed are NXDOMAIN, not forwarded anywhere; so are those of a local zone.
    options += ["--local=/in-addr.arpa/", "--local=/ip6.arpa/"]
    options += [f"--local=/{zone.strip('.')}/" for zone in args.local_zone]

    if args.slow_zone:
        slow_port = free_port()
        slow_options, slow_config = record_options(args.slow_records) if args.slow_records else ([], [])
        children.append(start_dnsmasq(slow_port, slow_options, workdir, "slow", slow_config))
        listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listen.bind(("127.0.0.1", 0))
        relay_port = listen.getsockname()[1]
        threading.Thread(target=relay, args=(listen, slow_port, args.delay, args.stats), daemon=True).start()
        options += [f"--server=/{zone}/127.0.0.1#{relay_port}" for zone in args.slow_zone]
        if not wait_until_answering(slow_port):
            sys.exit("dns_fixture: the slow zone's dnsmasq did not start")

    if args.dead_zone:
        dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never read: queries time out
        dead.bind(("127.0.0.1", 0))
        options += [f"--server=/{zone}/127.0.0.1#{dead.getsockname()[1]}" for zone in args.dead_zone]

    port = free_port()
    children.append(start_dnsmasq(port, options, workdir, "main", config))

    def stop(*_):
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=2)
            except subprocess.TimeoutExpired:
                child.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    if not wait_until_answering(port):
        sys.stderr.write(open(os.path.join(workdir, "main.log")).read())
        stop()
    if args.authenticated:
        port = authenticating_relay(port)
    print(f"port {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        stop()


if __name__ == "__main__":
    main()
