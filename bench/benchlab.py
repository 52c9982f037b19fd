# SPDX-License-Identifier: MIT
"""benchlab.py - what the benchmarks share: the lab Postfix, nmap's service
map, a delaying proxy, and timing a command."""
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
LAB = os.path.join(SRC, "tests", "lab")


class DelayProxy:
    """Forward 127.0.0.1:listen to 127.0.0.1:target, holding every chunk for
    half the round-trip time in each direction: a WAN link on loopback."""

    def __init__(self, listen, target, rtt_ms):
        self.target, self.delay = target, rtt_ms / 2000.0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", listen))
        self.sock.listen(64)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                c.close()
                continue
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    def pump(self, src, dst):
        q = queue.Queue()

        def send():
            while True:
                due, data = q.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    if data:
                        dst.sendall(data)
                    else:
                        dst.shutdown(socket.SHUT_WR)
                        return
                except OSError:
                    return
        threading.Thread(target=send, daemon=True).start()
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            q.put((time.monotonic() + self.delay, data))
            if not data:
                return


def timed(args, env=None):
    t0 = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, env=env, errors="replace")
    return time.monotonic() - t0, p


def timed(args, env=None):
    t0 = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, env=env, errors="replace")
    return time.monotonic() - t0, p


def smtp_diag(build):
    """(argv prefix, env) for the built smtp-diag: the real binary, not libtool's shell wrapper"""
    exe = os.path.join(build, ".libs", "smtp-diag")
    env = dict(os.environ)
    top = os.path.join(build, "smtp-diag")
    # a libtool wrapper's real binary, unless it is a leftover older than the program
    if os.access(exe, os.X_OK) and not (os.path.exists(top) and os.path.getmtime(top) > os.path.getmtime(exe)):
        env["LD_LIBRARY_PATH"] = os.path.join(build, ".libs")
    else:
        exe = os.path.join(build, "smtp-diag")
    return [exe, "--plugin-dir", os.path.join(build, "plugins"), "--profile-dir", os.path.join(SRC, "profiles")], env


class Lab:
    """The lab Postfix in a private directory, and an nmap --datadir that
    names the given ports smtp (nmap then speaks SMTP there without -sV)."""

    def __init__(self, smtp_ports_offsets, extra_ports=()):
        self.base = int(os.environ.get("SD_LAB_PORT_BASE", "10025"))
        self.tmp = tempfile.mkdtemp(prefix="sd-bench-")
        os.chmod(self.tmp, 0o755)  # the Postfix daemons must reach the lab state
        self.state = os.path.join(self.tmp, "lab")
        self.env = dict(os.environ, SD_LAB_STATE=self.state, SD_LAB_PORT_BASE=str(self.base))
        self.ca = os.path.join(self.state, "certs", "ca.crt")
        up = subprocess.run([os.path.join(LAB, "postfix-up.sh")], env=self.env, capture_output=True, text=True)
        if up.returncode != 0:
            self.close()
            sys.exit("bench: lab did not start:\n" + up.stdout + up.stderr)
        ports = {self.base + off for off in smtp_ports_offsets} | set(extra_ports)
        self.nmap_datadir = os.path.join(self.tmp, "nmap")
        os.mkdir(self.nmap_datadir)
        with open("/usr/share/nmap/nmap-services") as src, \
                open(os.path.join(self.nmap_datadir, "nmap-services"), "w") as dst:
            for line in src:
                f = line.split()
                if len(f) >= 2 and f[1] in {"%d/tcp" % p for p in ports}:
                    continue
                dst.write(line)
            for p in sorted(ports):
                dst.write("smtp\t%d/tcp\t0.000001\t# smtpdiag lab\n" % p)

    def close(self):
        subprocess.run([os.path.join(LAB, "postfix-down.sh"), "--quiet", "--purge"], env=self.env)
        shutil.rmtree(self.tmp, ignore_errors=True)


def need(*tools):
    for tool in tools:
        if shutil.which(tool) is None:
            sys.exit("bench: %s is not installed (apt-get install %s)" %
                     (tool, "testssl.sh" if tool == "testssl" else tool))
