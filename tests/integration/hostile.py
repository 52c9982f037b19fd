#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hostile.py - servers that misbehave on purpose, one behaviour per test.

Every case must end within its timeout (never hang), name what went wrong
with a specific finding, exit with the documented status, print a report
that validates against the schema, and stay within a fixed memory ceiling
however much the server sends (every buffer and count is capped).
"""
import base64
import os
import resource
import time

from sdtest import SRC, Tap, run, schema_errors  # sets up the import path  # noqa: I001
from fakesmtp import FakeSMTP  # noqa: E402

t = Tap()

GREETING = ("send", b"220 fake.example ESMTP ready\r\n")
CAPS = b"250-fake.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
EHLO_OK = [("expect", "EHLO"), ("send", CAPS + b"250 SIZE 10240000\r\n")]
EHLO_TLS = [("expect", "EHLO"), ("send", CAPS + b"250 STARTTLS\r\n")]
EHLO_AUTH = [("expect", "EHLO"), ("send", CAPS + b"250 AUTH LOGIN\r\n")]
GO_TLS = [GREETING] + EHLO_TLS + [("expect", "STARTTLS"), ("send", b"220 2.0.0 Ready to start TLS\r\n")]
# STARTTLS cases run on one connection (no enforcement probe)
TLS = ("--tls", "starttls", "--profile", os.path.join(SRC, "tests", "profiles", "no-probe.yaml"))
PASSWORD = "hostile-Pa55word"

# peak resident memory of any smtp-diag run so far (children are waited for
# by run()); meaningless under valgrind or AddressSanitizer, whose own
# bookkeeping is the bulk of it
MEMORY_CAP_KIB = 64 * 1024
wrapped = bool(os.environ.get("SD_VALGRIND")) or os.environ.get("SD_SANITIZERS") == "yes"


def peak_rss_kib():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def case(name, script, want_id, want_rc, *extra, timeout=2.0, summary=None, bound=None, env=None,
         rcvbuf=None, received=None):
    """Run one hostile script; the finding WANT_ID must be there (its summary
    containing SUMMARY), exit WANT_RC, within BOUND seconds (default: three
    timeouts plus two seconds of slack for a loaded machine)."""
    tls = [] if "--tls" in extra else ["--tls", "none"]
    with FakeSMTP(script, rcvbuf=rcvbuf) as srv:
        t0 = time.monotonic()
        r = run("--server", "127.0.0.1", "--port", str(srv.port), "--json", "--timeout", "%gs" % timeout,
                *tls, *extra, env=env, timeout=120)
        took = time.monotonic() - t0
        r.received = list(srv.received)
    # smtp-diag's own clock (duration_ms: connect to report), so the start-up
    # of a valgrind-wrapped process does not count; slack for the wrappers
    bound = (bound if bound is not None else 3 * timeout + 2) + (15 if wrapped else 0)
    took = r.json.get("duration_ms", took * 1000) / 1000.0
    f = r.finding(want_id)
    problems = []
    if f is None:
        problems.append("no %s finding" % want_id)
    elif summary is not None and summary not in f["summary"]:
        problems.append("%s says %r, not %r" % (want_id, f["summary"], summary))
    if r.rc != want_rc:
        problems.append("exit %s, not %s" % (r.rc, want_rc))
    if took > bound:
        problems.append("took %.1f s (bound %.1f s)" % (took, bound))
    errs = schema_errors(r.json)
    if errs:
        problems.append("schema: %s" % errs[:3])
    if not wrapped and peak_rss_kib() > MEMORY_CAP_KIB:
        problems.append("peak memory %d KiB > %d KiB" % (peak_rss_kib(), MEMORY_CAP_KIB))
    if received is not None and not received(r.received):
        problems.append("the client sent: %s" % r.received)
    t.ok(not problems, "%s: %s (%.1f s)" % (name, want_id, took), "%s\n%s" % ("; ".join(problems), r))
    return r


# --- before or during the greeting ---
case("greeting never sent", [("hang",)], "banner.timeout", 2, timeout=1.0,
     summary="within 1000 ms")
case("greeting trickled one byte per second: the deadline covers the whole reply",
     [("trickle", b"220 slow.example ESMTP a very slow greeting\r\n", 1.0)], "banner.timeout", 2, timeout=2.0)
# a tarpit that trickled 3 bytes (at 0, 1 and 2 s) and then went quiet: the
# count is what arrived, not twice it (the buffered bytes were counted again)
case("greeting trickled 3 bytes in 3 s: the byte count is what the server sent",
     [("trickle", b"220", 1.0), ("hang",)], "banner.timeout", 2, timeout=3.0, summary="(3 bytes so far")
case("a 1 MiB line without CRLF", [("flood", b"x" * 65536, 16), ("hang",)], "banner.too_long", 2)
case("endless multi-line greeting (220- forever)", [("flood", b"220-fake.example still talking\r\n", 0)],
     "banner.too_long", 2, summary="exceeds")
case("invalid reply code 2x0", [("send", b"2x0 fake.example ESMTP\r\n")], "banner.not_smtp", 2,
     summary='"2x0 fake.example ESMTP" is not a reply')
case("two-digit reply code 99", [("send", b"99 fake.example ESMTP\r\n")], "banner.not_smtp", 2,
     summary="three-digit code")
case("a reply code of letters", [("send", b"OK! fake.example ESMTP\r\n")], "banner.not_smtp", 2,
     summary="three-digit code")
case("mixed codes inside one multi-line greeting",
     [("send", b"220-fake.example hello\r\n554-no wait\r\n220 fake.example ESMTP\r\n")] + EHLO_OK,
     "banner.mixed_codes", 1)
case("bare LF line endings", [("send", b"220 fake.example ESMTP\n")] + EHLO_OK, "banner.bare_lf", 1)
r = case("NUL bytes and invalid UTF-8 in the greeting",
         [("send", b"220 fake.example ESMTP \x00\x00 caf\xc3 \xff\xfe\r\n")] + EHLO_OK, "banner.nul", 1)
lines = (r.check("banner")["facts"].get("lines") or [""]) if not r.json.get("unparseable") else [""]
t.ok("\x00" not in r.out and "\ufffd" not in r.out and lines[0].startswith("fake.example ESMTP"),
     "NUL and invalid UTF-8: the JSON report carries neither (shown as '?')", lines)
with FakeSMTP([("send", b"220 fake.example \x1b[2J\x1b]0;owned\x07 ESMTP\r\n"),
               ("expect", "EHLO"), ("send", b"250-fake.example\r\n250 X-\x1b[31mRED\r\n")]) as srv:
    r = run("--server", "127.0.0.1", "--port", str(srv.port), "--tls", "none", "--timeout", "2s",
            "--verbose", "--transcript")
t.ok(r.rc in (0, 1) and "\x1b" not in r.out and "\x07" not in r.out and "\\x1b[2J" in r.out,
     "terminal escape sequences in replies are shown escaped in text output, never sent to the terminal", r)
case("the server closes at once", [("close",)], "banner.closed", 2)
case("half a greeting, then the connection closes", [("send", b"220-fake.example first\r\n220-sec"), ("close",)],
     "banner.closed", 2)
case("421 at the greeting", [("send", b"421 4.3.2 fake.example shutting down\r\n"), ("close",)],
     "banner.service_closing", 2)

# --- EHLO ---
case("endless multi-line EHLO reply (250- forever)", [GREETING, ("expect", "EHLO"), ("flood", b"250-X\r\n", 0)],
     "ehlo.too_long", 2, timeout=3.0)
giant = b"250-fake.example\r\n" + b"".join(b"250-X-CAPABILITY-%05d\r\n" % i for i in range(20000)) + \
    b"250 8BITMIME\r\n"
r = case("a gigantic EHLO capability list (20000 lines)", [GREETING, ("expect", "EHLO"), ("send", giant)],
         "ehlo.too_many_lines", 1, summary="more than 512 lines")
caps = r.check("ehlo")["facts"].get("capabilities", {}) if not r.json.get("unparseable") else {}
t.ok(0 < len(caps) <= 512, "the capability list kept is capped (%d kept)" % len(caps))
case("no reply to EHLO", [GREETING, ("expect", "EHLO"), ("hang",)], "ehlo.timeout", 2, timeout=1.0)
case("invalid reply code in the EHLO reply", [GREETING, ("expect", "EHLO"),
                                              ("send", b"2x0-fake.example\r\n2x0 8BITMIME\r\n")],
     "ehlo.not_smtp", 2, summary="not an SMTP reply")
case("mixed codes inside the EHLO reply", [GREETING, ("expect", "EHLO"),
                                           ("send", b"250-fake.example\r\n354-PIPELINING\r\n250 8BITMIME\r\n")],
     "ehlo.protocol", 1, summary="mixed reply codes")
case("421 at EHLO", [GREETING, ("expect", "EHLO"), ("send", b"421 4.3.2 shutting down\r\n"), ("close",)],
     "ehlo.service_closing", 2)
r = case("a reply to a command never sent", [("send", b"220 fake.example ESMTP\r\n250 2.0.0 nobody asked\r\n")] +
         EHLO_OK, "smtp.unsolicited_reply", 1, summary='"250 2.0.0 nobody asked"')
t.ok(r.check("ehlo")["facts"].get("PIPELINING") is True if not r.json.get("unparseable") else False,
     "the extra reply is dropped: EHLO still reads its own reply", r)

# --- STARTTLS and the TLS handshake ---
case("421 at STARTTLS", [GREETING] + EHLO_TLS + [("expect", "STARTTLS"), ("send", b"421 4.3.2 bye\r\n"),
                                                  ("close",)],
     "starttls.service_closing", 2, *TLS)
case("connection reset after EHLO", [GREETING] + EHLO_TLS + [("reset",)], "starttls.no_reply", 2, *TLS,
     summary="reset")
case("a server that closes after each command", [GREETING] + EHLO_TLS + [("close",)], "starttls.no_reply", 2,
     *TLS, summary="closed")
r = case("STARTTLS answered 220, then plain text instead of a handshake",
         GO_TLS + [("read",), ("send", b"250 this is not TLS at all\r\n"), ("hang",)],
         "starttls.handshake_failed", 2, *TLS, summary="did not answer with TLS")
case("TLS handshake stalls after 220", GO_TLS + [("hang",)], "starttls.handshake_failed", 2, *TLS, timeout=1.0,
     summary="stalled")
# a ServerHello record header announcing 122 bytes, 27 of them sent, then FIN
case("TLS handshake cut halfway (half a ServerHello, then close)",
     GO_TLS + [("drain",), ("send", b"\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03" + b"\x11" * 20), ("close",)],
     "starttls.handshake_failed", 2, *TLS, summary="closed the connection during the TLS handshake")
case("TLS alert instead of a ServerHello",
     GO_TLS + [("drain",), ("send", b"\x15\x03\x03\x00\x02\x02\x28"), ("hang",)],
     "starttls.handshake_failed", 2, *TLS, summary="handshake_failure alert")

# --- the transaction, relay and AUTH phases ---
SEND = ("--send", "--to", "a@fake.example", "--checks", "transaction")
case("421 at MAIL FROM", [GREETING] + EHLO_OK + [("expect", "MAIL"), ("send", b"421 4.3.2 bye\r\n"), ("close",)],
     "transaction.mail_refused", 1, *SEND, summary="421")
r = case("421 at RCPT TO during the relay battery",
         [GREETING] + EHLO_OK + [("expect", "MAIL"), ("send", b"250 2.1.0 ok\r\n"), ("expect", "RCPT"),
                                 ("send", b"421 4.3.2 bye\r\n"), ("close",)],
         "relay.incomplete", 1, "--checks", "relay")
t.ok(r.finding("relay.open") is None, "421 at RCPT is never taken for an open relay", r)
LOGIN = ("--checks", "auth", "--auth-user", "alice", "--set", "auth.allow_cleartext=true")
SECRET = {"SMTPDIAG_PASSWORD": PASSWORD}
case("421 at AUTH", [GREETING] + EHLO_AUTH + [("expect", "AUTH"), ("send", b"421 4.7.0 bye\r\n"), ("close",)],
     "auth.failed", 2, *LOGIN, env=SECRET, summary="421")
r = case("AUTH LOGIN challenge that is not base64",
         [GREETING] + EHLO_AUTH + [("expect", "AUTH LOGIN"), ("send", b"334 !!not*base64%%\r\n"), ("read",),
                                   ("send", b"501 5.7.0 cancelled\r\n")],
         "auth.bad_challenge", 2, *LOGIN, env=SECRET,
         received=lambda lines: lines[-2:] == ["*", "QUIT"] and
         not any(base64.b64encode(b"alice").decode() in x or base64.b64encode(PASSWORD.encode()).decode() in x
                 for x in lines))
body = os.path.join(os.environ.get("TMPDIR", "/tmp"), "sd-hostile-body.%d" % os.getpid())
with open(body, "w") as fh:
    fh.write(("x" * 998 + "\n") * 8000)   # 8 MB: far more than the socket buffers hold
case("a server that never reads (8 MB message into a 4 KiB receive buffer)",
     [GREETING] + EHLO_OK + [("expect", "MAIL"), ("send", b"250 2.1.0 ok\r\n"), ("expect", "RCPT"),
                             ("send", b"250 2.1.5 ok\r\n"), ("expect", "DATA"), ("send", b"354 go ahead\r\n"),
                             ("hang",)],
     "transaction.connection_lost", 2, *SEND, "--body-file", body, rcvbuf=4096, summary="timed out while sending",
     bound=20)
os.unlink(body)

if not wrapped:
    t.ok(peak_rss_kib() <= MEMORY_CAP_KIB,
         "peak memory of every run above: %d KiB (ceiling %d KiB)" % (peak_rss_kib(), MEMORY_CAP_KIB))
t.done()
