#!/usr/bin/env python3
"""A throwaway PostgreSQL server on loopback for the benchmark and for trying the backend by hand.

    pg_server.py start DIR   initdb in DIR (as the postgres user when run as root), start it on a
                             free port with SCRAM authentication, create a role and a database,
                             and print the postgres:// URL to use with --db (sslmode=disable:
                             loopback only)
    pg_server.py stop DIR    stop it (the folder stays until removed)

Debian's `postgresql` package provides the programs (scripts/setup installs it for the tests).
"""
import glob
import os
import secrets
import socket
import subprocess
import sys


def binaries():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        sys.exit("pg_server: PostgreSQL's server programs are not installed (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def as_server_user(args, **kwargs):
    if os.getuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, **kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(folder):
    bin = binaries()
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    password = secrets.token_hex(8)
    with open(os.path.join(folder, "pw"), "w") as f:
        f.write(password)
    if os.getuid() == 0:
        subprocess.run(["chown", "-R", "postgres", folder], check=True)
    data = os.path.join(folder, "data")
    as_server_user([f"{bin}/initdb", "-D", data, "-U", "postgres", "--auth=scram-sha-256",
                    f"--pwfile={folder}/pw", "-E", "UTF8", "--no-instructions"], stdout=subprocess.DEVNULL)
    port = free_port()
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
               "-c max_connections=200 -c shared_buffers=256MB")
    as_server_user([f"{bin}/pg_ctl", "-D", data, "-l", f"{folder}/log", "-w", "-o", options, "start"],
                   stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    env = dict(os.environ, PGPASSWORD=password)
    for sql in [f"CREATE ROLE mailtally LOGIN PASSWORD '{password}'", "CREATE DATABASE mailtally OWNER mailtally"]:
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                        "-c", sql], check=True, env=env, stdout=subprocess.DEVNULL)
    with open(os.path.join(folder, "url"), "w") as f:
        f.write(f"postgres://mailtally:{password}@127.0.0.1:{port}/mailtally?sslmode=disable\n")
    print(f"postgres://mailtally:{password}@127.0.0.1:{port}/mailtally?sslmode=disable")


def stop(folder):
    bin = binaries()
    as_server_user([f"{bin}/pg_ctl", "-D", os.path.join(os.path.abspath(folder), "data"), "-m", "fast", "-w", "stop"],
                   stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit(__doc__)
    (start if sys.argv[1] == "start" else stop)(sys.argv[2])
