#!/usr/bin/env python3
"""A throwaway Dovecot IMAP server on loopback for the benchmark and for trying IMAP ingest by hand.

    imap_server.py start DIR   write a standalone configuration (nothing read from /etc/dovecot,
                               the system instance untouched), a new test CA and a certificate
                               for 127.0.0.1 and localhost it signs, and one user `reports` with a
                               random password; start Dovecot on two free ports of 127.0.0.1 and
                               wait until both accept connections. Prints one JSON object and
                               writes it to DIR/server.json:
                                 {"host", "port" (plain IMAP, offers STARTTLS), "imaps_port",
                                  "user", "password", "ca" (the CA's PEM), "folder", "mailbox"}
    imap_server.py stop DIR    stop it (SIGTERM to its process group, SIGKILL to what is left)
                               and remove its folder and DIR/server.json

The server's own folder (configuration, certificates, log, state and the Maildir) is a new
/tmp/mailtally-bench-dovecot-XXXXXXXX, not DIR: its processes run as other users (see below), who
may not reach DIR. It is the configuration of Tests/TestSupport/DovecotServer.swift, ported to
Python for a benchmark that needs no Swift test code, minus what only the tests use (the second
user and the OAuth passdb): PLAIN and LOGIN against a passwd-file, Maildir with `/` as the
separator, TLS on both ports, no per-IP authentication penalty (the anvil socket moved away).

Run as root, the login processes run as `dovenull`, the internal ones as `dovecot` and mail is
stored as the `mail` user (Dovecot refuses mail access as root); otherwise everything runs as the
current user. Debian's dovecot-imapd provides the programs.
"""
import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DOVECOT = "/usr/sbin/dovecot"
USER = "reports"


def free_ports(count):
    """`count` distinct free ports on 127.0.0.1 (all sockets stay bound until all are known)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def accounts():
    if os.getuid() == 0:
        for name in ("dovecot", "dovenull", "mail"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                sys.exit(f"imap_server: the user {name} is missing (Debian's dovecot-core and base-passwd make it)")
        return {"login_user": "dovenull", "internal_user": "dovecot", "internal_group": "dovecot",
                "mail_user": "mail", "mail_group": "mail", "first_valid_uid": 1, "first_valid_gid": 1}
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    return {"login_user": user, "internal_user": user, "internal_group": group, "mail_user": user,
            "mail_group": group, "first_valid_uid": os.getuid(), "first_valid_gid": os.getgid()}


def make_certificates(path):
    """A new authority and a server certificate for 127.0.0.1 and localhost it signs."""
    commands = [
        f"openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=MailTally-bench-CA -keyout {path}/ca.key -out {path}/ca.pem",
        f"openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout {path}/server.key -out {path}/server.csr",
        f"printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > {path}/san.ext",
        f"openssl x509 -req -in {path}/server.csr -CA {path}/ca.pem -CAkey {path}/ca.key -CAcreateserial -days 2 "
        f"-extfile {path}/san.ext -out {path}/server.pem",
        f"chmod 600 {path}/server.key {path}/ca.key",
    ]
    for command in commands:
        result = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{command}: exit {result.returncode}: {result.stderr}")


def configuration(path, port, imaps_port, a):
    instance = "mailtally-" + os.path.basename(path).replace("mailtally-bench-dovecot-", "bench-")
    return f"""# A MailTally benchmark server (scripts/bench-support/imap_server.py); nothing from /etc/dovecot.
base_dir = {path}/run
state_dir = {path}/state
instance_name = {instance}
log_path = {path}/dovecot.log
protocols = imap
listen = 127.0.0.1
login_greeting = MailTally bench Dovecot ready.

ssl = yes
ssl_cert = <{path}/server.pem
ssl_key = <{path}/server.key

disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
auth_cache_size = 0

default_login_user = {a['login_user']}
default_internal_user = {a['internal_user']}
default_internal_group = {a['internal_group']}
mail_uid = {a['mail_user']}
mail_gid = {a['mail_group']}
first_valid_uid = {a['first_valid_uid']}
first_valid_gid = {a['first_valid_gid']}
mail_location = maildir:~/Maildir:LAYOUT=fs
mail_fsync = never
mail_max_userip_connections = 100

namespace inbox {{
  inbox = yes
  separator = /
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN {path}/users
  mechanisms = plain login
}}
userdb {{
  driver = passwd-file
  args = {path}/users
}}

# No chroot: only root may chroot, and this may run as another user.
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}

# The auth process turns its per-IP penalty (2, 4, 8, 15 s before answering again after
# failures) off when this socket is missing at its path.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    path = anvil-auth-penalty-unused
  }}
}}
"""


def start(folder_arg):
    if not os.access(DOVECOT, os.X_OK):
        sys.exit("imap_server: Dovecot is not installed (apt-get install dovecot-imapd)")
    state_dir = os.path.abspath(folder_arg)
    os.makedirs(state_dir, exist_ok=True)
    if os.path.exists(os.path.join(state_dir, "server.json")):
        stop(state_dir)
    a = accounts()
    # Not under $TMPDIR or DIR: the server's processes run as other users, who must reach it.
    path = tempfile.mkdtemp(prefix="mailtally-bench-dovecot-", dir="/tmp")
    os.chmod(path, 0o755)
    password = f"{USER}-{secrets.token_hex(6)}"
    port, imaps_port = free_ports(2)
    info = {"host": "127.0.0.1", "port": port, "imaps_port": imaps_port, "user": USER, "password": password,
            "ca": os.path.join(path, "ca.pem"), "folder": path, "mailbox": "INBOX"}
    # Written first, so that `stop` finds the folder whatever happens next.
    with open(os.path.join(state_dir, "server.json"), "w") as f:
        os.fchmod(f.fileno(), 0o600)
        json.dump(info, f)
    try:
        make_certificates(path)
        with open(os.path.join(path, "users"), "w") as f:
            f.write(f"{USER}:{{PLAIN}}{password}::::{path}/mail/{USER}::\n")
        with open(os.path.join(path, "dovecot.conf"), "w") as f:
            f.write(configuration(path, port, imaps_port, a))
        mail = os.path.join(path, "mail")
        os.makedirs(mail)
        if os.getuid() == 0:
            shutil.chown(mail, a["mail_user"], a["mail_group"])
        # Dovecot daemonises; its master must not inherit a blocked SIGTERM (it would then stop
        # only at SIGKILL), nor any descriptor of ours (subprocess closes them).
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        with open(os.path.join(path, "dovecot.out"), "wb") as out:
            result = subprocess.run([DOVECOT, "-c", os.path.join(path, "dovecot.conf")],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        if result.returncode != 0:
            raise RuntimeError(f"dovecot exit {result.returncode}: {read(path, 'dovecot.out')}{read(path, 'dovecot.log')}")
        deadline = time.monotonic() + 20
        for p in (port, imaps_port):
            while not accepts(p):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Dovecot does not listen on 127.0.0.1:{p}:\n{read(path, 'dovecot.log')}")
                time.sleep(0.02)
    except Exception as error:
        stop(state_dir)
        sys.exit(f"imap_server: {error}")
    print(json.dumps(info))


def read(path, name):
    try:
        with open(os.path.join(path, name), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def stop(folder_arg):
    state_dir = os.path.abspath(folder_arg)
    state = os.path.join(state_dir, "server.json")
    try:
        with open(state) as f:
            path = json.load(f)["folder"]
    except (OSError, ValueError, KeyError):
        return
    if not os.path.basename(path).startswith("mailtally-bench-dovecot-"):
        sys.exit(f"imap_server: {state} names {path}, not a folder of this script")
    pid_file = os.path.join(path, "run", "master.pid")
    try:
        with open(pid_file) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        pid = None
    if pid:
        # The master and its children share a process group (the master's pid: it called
        # setsid); a logged-in imap process would outlive its master otherwise.
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 15
        while os.path.exists(pid_file) and time.monotonic() < deadline:
            time.sleep(0.02)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    shutil.rmtree(path, ignore_errors=True)
    os.remove(state)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit(__doc__)
    (start if sys.argv[1] == "start" else stop)(sys.argv[2])
