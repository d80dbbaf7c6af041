#!/usr/bin/env python3
"""A real DNS server on loopback for tests and the demo: dnsmasq (Debian's dnsmasq-base).

    dns_fixture.py --records FILE [--slow-records FILE --slow-zone ZONE ... --delay S]
                   [--dead-zone ZONE ...]

FILE holds one record a line: `ptr IP NAME` (a PTR record only), `host NAME IP` (A or AAAA and
the matching PTR), `address NAME IP` (A or AAAA only). The main dnsmasq answers them and returns
NXDOMAIN for any other reverse name. Queries for a --slow-zone are forwarded to a second dnsmasq
holding --slow-records, through a relay here that holds each answer back for --delay seconds.
Queries for a --dead-zone are forwarded to a socket that never answers (a timeout).

Prints `port N` once the server answers on 127.0.0.1:N, then runs until stdin closes or a
SIGTERM, and stops its children.
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


def record_options(path):
    options = []
    with open(path) as lines:
        for line in lines:
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            kind, *rest = fields
            if kind == "ptr":
                ip, name = rest
                options.append(f"--ptr-record={reverse_name(ip)},{name}")
            elif kind == "host":
                name, ip = rest
                options.append(f"--host-record={name},{ip}")
            elif kind == "address":
                name, ip = rest
                options.append(f"--address=/{name}/{ip}")
            else:
                sys.exit(f"dns_fixture: {path}: unknown record kind {kind!r}")
    return options


def reverse_name(ip):
    import ipaddress
    return ipaddress.ip_address(ip).reverse_pointer


def start_dnsmasq(port, options, workdir, name):
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    command = [
        dnsmasq_binary(), "--keep-in-foreground", "--no-daemon", f"--port={port}",
        "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
        "--conf-file=/dev/null", "--pid-file=", "--user=root", "--group=root", "--cache-size=0",
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
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="mailtally-dns-")
    children = []
    options = record_options(args.records)
    if args.hosts:
        options.append(f"--addn-hosts={os.path.abspath(args.hosts)}")
    # Reverse names not listed are NXDOMAIN, not forwarded anywhere.
    options += ["--local=/in-addr.arpa/", "--local=/ip6.arpa/"]

    if args.slow_zone:
        slow_port = free_port()
        children.append(start_dnsmasq(slow_port, record_options(args.slow_records) if args.slow_records else [], workdir, "slow"))
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
    children.append(start_dnsmasq(port, options, workdir, "main"))

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
    print(f"port {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        stop()


if __name__ == "__main__":
    main()
