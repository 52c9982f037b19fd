#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""deadline.py - --deadline: one limit for the whole run, in every mode.

A stalling server at each phase (connect slot, greeting, EHLO reply, TLS
handshake, a later command), with per-wait timeouts far longer than the
deadline: the run must end soon after the deadline, name the phase it was
in, and exit with the state chosen (CRITICAL by default, -t N:STATE style).
Modes: text, --json, --nagios, --jsonl, --domain. Loopback only.
"""
import concurrent.futures
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sdtest  # noqa: E402
from fakesmtp import FakeSMTP  # noqa: E402

t = sdtest.Tap()
wrapped = bool(os.environ.get("SD_VALGRIND")) or os.environ.get("SD_SANITIZERS") == "yes"
SLACK = 10.0 if wrapped else 1.0    # start-up and plugin loading under valgrind
D = 8 if wrapped else 3             # the deadline: start-up under load must not use it up


def timed(*args):
    t0 = time.monotonic()
    r = sdtest.run(*args, timeout=60)
    return r, time.monotonic() - t0


def common(port, *extra):
    return ["--server", "mx.test", "--address", "127.0.0.1", "--port", str(port), "--timeout", "30s",
            "--deadline", "%ds" % D, "--tls", "none"] + list(extra)


GREETING = [("send", b"220 mx.test ESMTP\r\n")]
cases = [
    ("greeting", [("hang",)], "waiting for the greeting"),
    ("EHLO reply", GREETING + [("read",), ("hang",)], "waiting for the reply to EHLO"),
    ("STARTTLS reply", GREETING + [("expect", "EHLO"), ("send", b"250-mx.test\r\n250 STARTTLS\r\n"),
                                   ("expect", "STARTTLS"), ("hang",)], "STARTTLS"),
    ("TLS handshake", GREETING + [("expect", "EHLO"), ("send", b"250-mx.test\r\n250 STARTTLS\r\n"),
                                  ("expect", "STARTTLS"), ("send", b"220 go ahead\r\n"), ("hang",)],
     "in the TLS handshake"),
]


def run_case(case):
    name, script, phase = case
    with FakeSMTP(script) as srv:
        args = common(srv.port)
        if "TLS" in name:   # one connection: the plain-text enforcement probe would open a second
            args[args.index("none")] = "starttls"
            args += ["--set", "starttls.probe_enforcement=false"]
        return timed(*(args + ["--json"]))


# the stalls are waits, not work: run side by side (one at a time under valgrind)
with concurrent.futures.ThreadPoolExecutor(max_workers=1 if wrapped else len(cases)) as pool:
    results = list(pool.map(run_case, cases))
for (name, script, phase), (r, took) in zip(cases, results):
    ok = r.rc == 2 and took < D + SLACK
    t.ok(ok, "stall at the %s: ends within the deadline, CRITICAL (%.2f s)" % (name, took), r)
    ids = r.finding_ids() if r.rc != "hang" else []
    f = r.finding("run.deadline") if "run.deadline" in ids else None
    t.ok(f is not None and phase in f.get("summary", "") and "timed out after %d s" % D in f.get("summary", ""),
         "the %s: the finding names the phase ('%s')" % (name, f.get("summary") if f else None), r)


# the state chosen by :STATE; the status line names the phase (side by side, one server)
with FakeSMTP([("hang",)]) as srv:
    base = common(srv.port)
    variants = [base + ["--nagios"]]
    for state in ("WARNING", "UNKNOWN"):
        v = base + ["--nagios"]
        v[v.index("%ds" % D)] = "%ds:%s" % (D, state)
        variants.append(v)
    variants.append(base)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1 if wrapped else len(variants)) as pool:
        (r, took), (rw, tookw), (ru, _), (rt, tookt) = pool.map(lambda a: timed(*a), variants)
    line = r.out.splitlines()[0] if r.out else ""
    t.ok(r.rc == 2 and line.startswith("SMTP CRITICAL") and "waiting for the greeting" in line and
         took < D + SLACK, "--nagios: CRITICAL naming the phase (%.2f s)" % took, r)
    t.ok(rw.rc == 1 and tookw < D + SLACK, "--deadline N:WARNING: exit 1 (%.2f s)" % tookw, rw)
    t.ok(ru.rc == 3, "--deadline N:UNKNOWN: exit 3", ru)
    t.ok(rt.rc == 2 and "timed out after %d s waiting for the greeting" % D in rt.out and tookt < D + SLACK,
         "text: the run ends naming the phase (%.2f s)" % tookt, rt)

# several targets (--jsonl): the deadline is the whole run's, not each target's
with FakeSMTP([("hang",)]) as a, FakeSMTP([("hang",)]) as b:
    r, took = timed("--server", "127.0.0.1:%d" % a.port, "--server", "127.0.0.1:%d" % b.port,
                    "--timeout", "30s", "--deadline", "%ds" % D, "--tls", "none", "--jsonl", "--parallel", "1")
    t.ok(r.rc == 2 and took < D + SLACK and r.out.count("run.deadline") >= 2,
         "--jsonl over two stalling targets one at a time: both end at the one deadline (%.2f s)" % took, r)

# a server that answers well is not affected
with FakeSMTP(GREETING) as srv:
    r, took = timed(*(common(srv.port) + ["--checks", "banner", "--json"]))
    t.ok(r.rc == 0 and "run.deadline" not in r.out, "a prompt server: no deadline finding", r)

# --domain: DNS waits are cut too (a DNS server that never answers)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
r, took = timed("--domain", "example.test", "--dns-server", "127.0.0.1:%d" % u.getsockname()[1],
                "--dns-timeout", "30s", "--deadline", "%ds" % D, "--json")
t.ok(r.rc == 2 and took < D + SLACK and "run.deadline" in r.out and "waiting for DNS" in r.out,
     "--domain with a silent DNS server: ends at the deadline naming DNS (%.2f s)" % took, r)
u.close()

r = sdtest.run("--server", "x", "--deadline", "soon")
t.ok(r.rc == 3 and "--deadline" in r.err, "--deadline soon: refused with one line", r)
t.done()
