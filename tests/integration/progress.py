#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""progress.py - the progress line of a --targets run, in a real terminal.

A fleet run on a terminal shows one status line that is redrawn in place
('\\r' + erase line). If it is wider than the terminal it wraps, the erase
clears only the last row and the screen fills with stale bars. This test
runs smtp-diag inside tmux (a real pseudo-terminal) at 80 and at 40
columns, reads the screen several times a second while the run goes on,
and asserts: no screen line is wider than the terminal, at most one
progress line is on the screen at any time, none is left at the end, and
the ETA never reads 0:00 while targets are still waiting for a timeout.
"""
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time

from sdtest import SMTP_DIAG, Tap
from fleetsmtp import FleetSMTP

t = Tap()
if shutil.which("tmux") is None:
    t.skip_all("tmux is not installed (apt-get install tmux)")

VALGRIND = os.environ.get("SD_VALGRIND", "")
SLOW = 10 if VALGRIND else 1


def free_port(addrs):
    for port in range(10300, 10380):
        try:
            for a in addrs[:2]:
                s = socket.socket()
                s.bind((a, port))
                s.close()
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


endpoints = [{"addr": "127.0.60.%d" % (i + 1), "kind": "slow", "delay": 0.2} for i in range(10)]
endpoints += [{"addr": "127.0.60.%d" % (i + 11), "kind": "stall"} for i in range(2)]
port = free_port([e["addr"] for e in endpoints])
N = len(endpoints)

with FleetSMTP(endpoints, port), tempfile.TemporaryDirectory() as tmp:
    targets = os.path.join(tmp, "targets.txt")
    with open(targets, "w") as f:
        for e in endpoints:
            f.write("mx%s.example:%d %s\n" % (e["addr"].rsplit(".", 1)[1], port, e["addr"]))
    for cols in (80, 40):
        sock = os.path.join(tmp, "tmux-%d.sock" % cols)   # a fresh tmux server per size
        cmd = " ".join(shlex.quote(a) for a in VALGRIND.split() + [
            SMTP_DIAG, "--targets", targets, "--tls", "none", "--checks", "connect,banner,ehlo",
            "--parallel", "4", "--timeout", "%ds" % (3 * SLOW), "--quiet"])
        # the pane stays after the run so the final screen can be read
        script = "%s; echo __DONE__ rc=$?; sleep 60" % cmd
        env = dict(os.environ, TERM="xterm", SMTPDIAG_DNS_SERVER="127.0.0.1:9")
        subprocess.run(["tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-x", str(cols), "-y", "40",
                        "sh", "-c", script], env=env, check=True)
        screens = []
        deadline = time.time() + 60 * SLOW
        while time.time() < deadline:
            cap = subprocess.run(["tmux", "-S", sock, "capture-pane", "-p", "-J", "-S", "-"], capture_output=True, text=True)
            screens.append(cap.stdout)
            if "__DONE__" in cap.stdout:
                break
            time.sleep(0.15)
        subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
        final = screens[-1] if screens else ""

        def progress_lines(screen):
            return [l for l in screen.splitlines() if "/%d" % N in l and "[RESULT]" not in l
                    and "[SUMMARY]" not in l]

        # the audit's own lines may wrap (they are output, printed once);
        # the progress line is redrawn in place and must fit ('-J' joins a
        # wrapped line, so one that wrapped reads wider than the terminal)
        wide = [(i, l) for i, s in enumerate(screens) for l in progress_lines(s) if len(l.rstrip()) > cols - 1]
        many = [s for s in screens if len(progress_lines(s)) > 1]
        seen = [l for s in screens for l in progress_lines(s)]
        zero_eta = [l for l in seen if "ETA 0:00" in l and l.split("/%d" % N)[0].split()[-1].lstrip("[#.]")
                    .split("]")[-1] != str(N)]
        t.ok("__DONE__ rc=2" in final and final.count("[RESULT]") == N,
             "%d columns: the run ends (rc 2: two stalling servers) with %d result lines" % (cols, N), final)
        t.ok(len(screens) >= 3 and seen, "%d columns: the progress line was on the screen during the run" % cols,
             "%d screens read, none with a progress line" % len(screens))
        t.ok(not wide, "%d columns: the progress line is never wider than the terminal" % cols,
             "\n".join("screen %d: %r" % w for w in wide[:5]))
        t.ok(not many, "%d columns: never more than one progress line on the screen (no stale bars)" % cols,
             many[0] if many else "")
        t.ok(not progress_lines(final), "%d columns: the progress line is cleared at the end" % cols, final)
        t.ok(not zero_eta, "%d columns: the ETA is not 0:00 while targets wait for their timeout" % cols,
             "\n".join(zero_eta[:5]))
        t.ok(any("ETA last" in l for l in seen) or cols < 40,
             "%d columns: while only in-flight targets remain, the ETA says so ('last N')" % cols,
             "\n".join(seen[-5:]))
t.done()
