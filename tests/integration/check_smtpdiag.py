#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_smtpdiag.py - the monitoring plugin against scripted servers.

check_smtp's verdicts on the cases a fake server can play (good server,
greeting text with -e, no STARTTLS with -S, STARTTLS refused, slow
greeting with -w/-c, -C/-R, a 554 greeting, a connection closed after the
greeting, a stall at the greeting and at EHLO): the exit code is asserted,
and when monitoring-plugins' check_smtp is installed it runs with the same
options and must agree. Also: the never-greeting server with the default
-t ends within 10.5 s, CRITICAL, naming the phase; the status line stays
under 200 characters; perfdata follows the guidelines; a password given
with -P is never printed; the man page lists every option of --help.
Loopback only (fakesmtp.py); the lab cases are in monitoring.py.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sdtest  # noqa: E402
from fakesmtp import FakeSMTP  # noqa: E402

t = sdtest.Tap()
PLUGIN = os.environ.get("SD_TEST_CHECK_SMTPDIAG") or os.path.join(sdtest.BUILD, "check_smtpdiag")
CHECK_SMTP = os.environ.get("SD_TEST_CHECK_SMTP", "/usr/lib/nagios/plugins/check_smtp")
HAVE_CHECK_SMTP = os.access(CHECK_SMTP, os.X_OK)
wrapped = bool(os.environ.get("SD_VALGRIND")) or os.environ.get("SD_SANITIZERS") == "yes"
SLACK = 5.0 if wrapped else 0.5
PERF = re.compile(r"^time=[0-9.]+s;[0-9.]*;[0-9.]*;0( cert_days=-?[0-9]+;[0-9]*:;[0-9]*:)?$")


def plugin(*args, timeout=60):
    """check_smtpdiag ARGS: (rc, stdout, stderr, seconds)"""
    wrapper = os.environ.get("SD_VALGRIND", "").split()
    t0 = time.monotonic()
    try:
        p = subprocess.run(wrapper + [PLUGIN] + list(args), capture_output=True, text=True, timeout=timeout,
                           errors="replace")
    except subprocess.TimeoutExpired:
        return "hang", "", "", time.monotonic() - t0
    if wrapper and p.returncode == 99:
        sdtest._valgrind_failures.append("check_smtpdiag %s\n%s" % (" ".join(args), p.stderr[-3000:]))
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def check_smtp(*args):
    p = subprocess.run([CHECK_SMTP] + list(args), capture_output=True, text=True, timeout=60, errors="replace")
    return p.returncode, p.stdout


def status_ok(out):
    """one status line under 200 characters, then perfdata per the guidelines"""
    first = out.splitlines()[0] if out else ""
    head, _, perf = first.partition("|")
    return len(head) < 200 and head.startswith("SMTP ") and PERF.match(perf) is not None


G = [("send", b"220 mx.test ESMTP Postfix\r\n")]
EHLO_OK = [("read",), ("send", b"250-mx.test\r\n250 SIZE 1000\r\n")]
cases = [
    ("good server", G + EHLO_OK, [], 0),
    ("-e text in the greeting", G + EHLO_OK, ["-e", "ESMTP"], 0),
    ("-e text missing", G, ["-e", "Exim"], 1),
    ("-S, no STARTTLS offered", G + EHLO_OK, ["-S"], 1),
    ("-S, STARTTLS refused", G + [("expect", "EHLO"), ("send", b"250-mx.test\r\n250 STARTTLS\r\n"),
                                  ("expect", "STARTTLS"), ("send", b"454 4.7.0 TLS not available\r\n")], ["-S"], 3),
    ("slow greeting with -w", [("sleep", 1.2)] + G + EHLO_OK, ["-w", "1"], 1),
    ("slow greeting with -c", [("sleep", 1.2)] + G + EHLO_OK, ["-w", "0.5", "-c", "1"], 2),
    ("-C/-R matched", G + EHLO_OK + [("read",), ("send", b"252 2.0.0 ok\r\n")], ["-C", "VRFY x", "-R", "^252"], 0),
    ("-C/-R not matched", G + EHLO_OK + [("read",), ("send", b"502 5.5.1 no\r\n")], ["-C", "VRFY x", "-R", "^252"], 1),
    ("554 greeting", [("send", b"554 5.7.1 go away\r\n")], [], 1),
    ("closed after the greeting", G + [("close",)], [], 1),
    ("closed before the greeting", [("close",)], [], 1),   # check_smtp: "recv() failed", WARNING
    ("stall at EHLO, -t 2", G + [("read",), ("hang",)], ["-t", "2"], 2),
]
for name, script, args, want in cases:
    with FakeSMTP(script) as srv:
        rc, out, err, took = plugin("-H", "127.0.0.1", "-p", str(srv.port), *args)
    detail = "exit %s\n%s\n%s" % (rc, out, err)
    if HAVE_CHECK_SMTP:
        with FakeSMTP(script) as srv:
            crc, cout = check_smtp("-H", "127.0.0.1", "-p", str(srv.port), *args)
        detail += "\ncheck_smtp: exit %s: %s" % (crc, cout)
        t.ok(rc == want and crc == want, "%s: exit %d, as check_smtp" % (name, want), detail)
    else:
        t.ok(rc == want, "%s: exit %d (check_smtp not installed: not compared)" % (name, want), detail)
    t.ok(status_ok(out) and err == "", "%s: status line and perfdata" % name, detail)

# an IPv6 target: the status line writes the server as [::1]:PORT (RFC 3986), not ::1:PORT
try:
    v6 = FakeSMTP(G + EHLO_OK, host="::1")
except OSError as e:
    t.ok(True, "IPv6 target: [::1]:PORT in the status line # SKIP no ::1 here (%s)" % e)
else:
    with v6 as srv:
        rc, out, err, took = plugin("-H", "::1", "-p", str(srv.port))
    t.ok(rc == 0 and out.startswith("SMTP OK - [::1]:%d: " % srv.port) and status_ok(out),
         "IPv6 target: [::1]:PORT in the status line", out + err)

# the never-greeting server, default -t (10 s): CRITICAL in time, naming the phase
with FakeSMTP([("hang",)]) as srv:
    rc, out, err, took = plugin("-H", "127.0.0.1", "-p", str(srv.port))
t.ok(rc == 2 and "timed out after 10 s waiting for the greeting" in out and took < 10.0 + SLACK,
     "never-greeting server, default -t: CRITICAL naming the phase in %.2f s" % took, out + err)
with FakeSMTP([("hang",)]) as srv:
    rc, out, err, took = plugin("-H", "127.0.0.1", "-p", str(srv.port), "-t", "1:WARNING")
t.ok(rc == 1 and "waiting for the greeting" in out, "-t 1:WARNING: the state chosen for the timeout", out)

# a DNS server that does not answer: UNKNOWN (our side), not CRITICAL
import socket  # noqa: E402
dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dead.bind(("127.0.0.1", 0))
dead_port = dead.getsockname()[1]
dead.close()
rc, out, err, took = plugin("-H", "mail.lab.test", "--dns-server", "127.0.0.1:%d" % dead_port, "-t", "3")
t.ok(rc == 3 and out.startswith("SMTP UNKNOWN") and "127.0.0.1:%d" % dead_port in out,
     "DNS server refuses: UNKNOWN naming the resolver", out + err)

# an HTTP server on the port: the line as received, no made-up "000 " code
with FakeSMTP([("send", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), ("hang",)]) as srv:
    rc, out, err, took = plugin("-H", "127.0.0.1", "-p", str(srv.port), "-t", "3")
t.ok(rc in (1, 2) and "HTTP/1.1 400 Bad Request" in out and "000 HTTP" not in out and "0 HTTP" not in out,
     "HTTP on the port: the line as received, no reply code invented", out + err)

# a long greeting and many problems: the status line stays short
long_greeting = b"220 " + b"x" * 900 + b"\r\n"
with FakeSMTP([("send", long_greeting)]) as srv:
    rc, out, err, took = plugin("-H", "127.0.0.1", "-p", str(srv.port), "-e", "nothing-like-this")
t.ok(rc == 1 and status_ok(out), "a 900-character greeting: status line %d characters" %
     len(out.splitlines()[0].partition("|")[0]), out)

# -P: the password is never printed (the server refuses the login)
secret = "s3cr3t-Pa55"
auth = G + [("expect", "EHLO"), ("send", b"250-mx.test\r\n250 AUTH LOGIN\r\n"), ("expect", "AUTH LOGIN"),
            ("send", b"334 VXNlcm5hbWU6\r\n"), ("read",), ("send", b"334 UGFzc3dvcmQ6\r\n"), ("read",),
            ("send", b"535 5.7.8 authentication failed\r\n")]
with FakeSMTP(auth) as srv:
    rc, out, err, took = plugin("-H", "127.0.0.1", "-p", str(srv.port), "-A", "LOGIN", "-U", "alice", "-P", secret,
                                "-v")
t.ok(rc == 2 and secret not in out + err and "authentication failed" in out,
     "-A LOGIN refused: CRITICAL, the password nowhere in the output", out + err)
with tempfile.NamedTemporaryFile("w", suffix=".pw") as pw:
    pw.write(secret + "\n")
    pw.flush()
    with FakeSMTP(auth) as srv:
        rc, out, err, took = plugin("-H", "127.0.0.1", "-p", str(srv.port), "-A", "LOGIN", "-U", "alice",
                                    "--password-file", pw.name)
    t.ok(rc == 2 and secret not in out + err and "YWxpY2U=" in srv.received,
         "--password-file: read, sent, not printed", out + err + repr(srv.received))

# command line problems: UNKNOWN with one status line
rc, out, err, took = plugin("-H", "127.0.0.1", "-t", "soon")
t.ok(rc == 3 and out.startswith("SMTP UNKNOWN - ") and len(out.splitlines()) == 1, "-t soon: UNKNOWN", out + err)
rc, out, err, took = plugin("-p", "25")
t.ok(rc == 3 and "-H" in out, "no -H: UNKNOWN naming -H", out + err)
rc, out, err, took = plugin("-H", "127.0.0.1", "--dns-server", "192.0.2.x")
t.ok(rc == 3 and out.startswith("SMTP UNKNOWN - --dns-server: '192.0.2.x' is not IP[:PORT]")
     and len(out.splitlines()) == 1, "--dns-server that is not an address: UNKNOWN naming it", out + err)

# the man page lists every option of --help
rc, out, err, took = plugin("--help")
with open(os.path.join(sdtest.SRC, "man", "check_smtpdiag.1")) as fh:
    page = fh.read().replace("\\-", "-")
opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+|-[a-zA-Z46])\b", out))
missing = sorted(o for o in opts if o not in page)
t.ok(rc == 0 and len(opts) > 40 and not missing, "man/check_smtpdiag.1 documents every option of --help (%d)" %
     len(opts), missing)

# contrib/: the Icinga 2 CheckCommand passes only options --help has, and
# names its variables as the ITL's "smtp" command does
ITL = ("smtp_address smtp_port smtp_mail_from smtp_expect smtp_command smtp_response smtp_helo_fqdn "
       "smtp_certificate_age smtp_starttls smtp_authtype smtp_authuser smtp_authpass smtp_ignore_quit "
       "smtp_warning smtp_critical smtp_timeout smtp_ipv4 smtp_ipv6").split()
with open(os.path.join(sdtest.SRC, "contrib", "icinga2", "check_smtpdiag.conf")) as fh:
    conf = fh.read()
keys = re.findall(r'^\s*"(-[^"]+)" = \{', conf, re.M)
unknown = [k for k in keys if k not in opts]
missing_vars = [v for v in ITL if "$%s$" % v not in conf]
t.ok(len(keys) >= 20 and not unknown and not missing_vars,
     "Icinga 2 CheckCommand: %d arguments, all in --help, every ITL smtp variable" % len(keys),
     "unknown: %s, ITL variables missing: %s" % (unknown, missing_vars))
with open(os.path.join(sdtest.SRC, "contrib", "nagios", "check_smtpdiag.cfg")) as fh:
    cfg = fh.read()
used = set(re.findall(r"(?<![\w-])(-[a-zA-Z46]|--[a-z][a-z-]+)\b", "\n".join(
    line for line in cfg.splitlines() if "command_line" in line)))
t.ok(used and used <= opts, "Nagios commands use only options of --help (%s)" % sorted(used), used - opts)
t.done()
