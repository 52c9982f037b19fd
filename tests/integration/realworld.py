#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""realworld.py - server behaviours from public bug reports of other SMTP/TLS
testing tools (issue 18), each rebuilt as a scripted loopback server: the
finding that names the real cause, its severity and the exit status.

TLS cases use Python's ssl module as the server, with a throw-away CA and
certificates made by the openssl command at run time.
"""
import os
import shutil
import ssl
import subprocess
import tempfile

from sdtest import SRC, Tap, run, schema_errors  # sets up the import path  # noqa: I001
from fakesmtp import FakeSMTP  # noqa: E402

t = Tap()
PKI = tempfile.mkdtemp(prefix="sd-realworld-")


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=PKI)


def make_pki():
    """ca.crt; good.crt/good.key (mail.lab.test, signed by the CA);
    self.crt/self.key (mail.lab.test, self-signed)"""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "400",
            "-subj", "/CN=smtpdiag realworld test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "good.key", "-out", "good.csr",
            "-subj", "/CN=mail.lab.test")
    with open(os.path.join(PKI, "ext.cnf"), "w") as fh:
        fh.write("subjectAltName=DNS:mail.lab.test\nbasicConstraints=critical,CA:FALSE\n"
                 "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "good.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "good.crt", "-days", "400", "-extfile", "ext.cnf")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.crt",
            "-days", "400", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost")


def pki(name):
    return os.path.join(PKI, name)


def server_ctx(cert="good", maximum=None, ciphers=None, dh=None, client_cert=False):
    """a server-side context: CERT's certificate and key, optionally capped at
    MAXIMUM (ssl.TLSVersion), with CIPHERS, a DH parameter file, or asking
    for a client certificate it then requires"""
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(pki(cert + ".crt"), pki(cert + ".key"))
    if maximum is not None:
        c.maximum_version = maximum
    if ciphers is not None:
        c.set_ciphers(ciphers)
    if dh is not None:
        c.load_dh_params(dh)
    if client_cert:
        c.verify_mode = ssl.CERT_REQUIRED
        c.load_verify_locations(pki("ca.crt"))
    return c


make_pki()

GREETING = ("send", b"220 fake.example ESMTP ready\r\n")
CAPS = b"250-fake.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
EHLO_OK = [("expect", "EHLO"), ("send", CAPS + b"250 SIZE 10240000\r\n")]
EHLO_TLS = [("expect", "EHLO"), ("send", CAPS + b"250 STARTTLS\r\n")]
NOPROBE = ("--profile", os.path.join(SRC, "tests", "profiles", "no-probe.yaml"))


def audit(script, *extra, timeout="3s", env=None, server="127.0.0.1"):
    """Run against a fake; plain unless the case passes --tls."""
    tls = [] if "--tls" in extra or "--profile" in extra else ["--tls", "none"]
    if callable(script):
        # a script per connection number cannot survive sdtest.run repeating
        # a run whose LeakSanitizer crashed (the numbers go on): no leak
        # detection for these runs (the valgrind stage still checks leaks)
        asan = os.environ.get("ASAN_OPTIONS", "")
        env = dict(env or {}, ASAN_OPTIONS=(asan + ":" if asan else "") + "detect_leaks=0")
    with FakeSMTP(script) as srv:
        r = run("--server", server, "--port", str(srv.port), "--json", "--timeout", timeout, *tls, *extra,
                env=env, timeout=120)
        r.received = list(srv.received)
        r.tls_errors = list(srv.tls_errors)
        r.connections = srv.accepted
    return r


def case(name, script, want_id, severity, want_rc, *extra, summary=None, also=None, **kw):
    """WANT_ID with SEVERITY (and SUMMARY in its summary) and exit WANT_RC;
    ALSO(r) may add a condition, returning a problem string or None."""
    r = audit(script, *extra, **kw)
    problems = []
    f = r.finding(want_id)
    if f is None:
        problems.append("no %s finding" % want_id)
    else:
        if f["severity"] != severity:
            problems.append("%s is %s, not %s" % (want_id, f["severity"], severity))
        if summary is not None and summary not in f["summary"]:
            problems.append("%s says %r, not %r" % (want_id, f["summary"], summary))
    if r.rc != want_rc:
        problems.append("exit %s, not %s" % (r.rc, want_rc))
    errs = schema_errors(r.json)
    if errs:
        problems.append("schema: %s" % errs[:3])
    if also is not None and not problems:
        p = also(r)
        if p:
            problems.append(p)
    t.ok(not problems, "%s: %s %s, exit %d" % (name, want_id, severity, want_rc), "%s\n%s" % ("; ".join(problems), r))
    return r


# --- 4. greylisting is not an answer about a mailbox ---
ENUM = ("--checks", "user-enum")
VRFY_OFF = [("expect", "VRFY"), ("send", b"502 5.5.1 VRFY command is disabled\r\n"),
            ("expect", "VRFY"), ("send", b"502 5.5.1 VRFY command is disabled\r\n"),
            ("expect", "EXPN"), ("send", b"502 5.5.1 EXPN command is disabled\r\n"),
            ("expect", "EXPN"), ("send", b"502 5.5.1 EXPN command is disabled\r\n"),
            ("expect", "MAIL"), ("send", b"250 2.1.0 Ok\r\n")]
GREY = b"450 4.2.0 <x>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/\r\n"


def rcpt_verdict(r):
    v = ((r.check("user-enum") or {}).get("facts", {}).get("rcpt") or {}).get("verdict", "")
    return None if v.startswith("not determined") else "rcpt verdict %r" % v


case("greylisting: every RCPT gets 450", [GREETING] + EHLO_OK + VRFY_OFF +
     [("expect", "RCPT"), ("send", GREY), ("expect", "RCPT"), ("send", GREY)],
     "user_enum.not_determined", "info", 0, *ENUM, summary="RCPT not determined", also=rcpt_verdict)
case("greylisting with postmaster exempted: 250 against 450 is not disclosure",
     [GREETING] + EHLO_OK + VRFY_OFF +
     [("expect", "RCPT"), ("send", b"250 2.1.5 Ok\r\n"), ("expect", "RCPT"), ("send", GREY)],
     "user_enum.not_determined", "info", 0, *ENUM, summary="RCPT not determined",
     also=lambda r: rcpt_verdict(r) or ("user_enum.rcpt reported" if r.finding("user_enum.rcpt") else None))


# --- 10. an MX that refuses mail before STARTTLS ---
def mx_530(n):
    if n == 0:   # the main session: STARTTLS works
        return [GREETING] + EHLO_TLS + [("expect", "STARTTLS"), ("send", b"220 2.0.0 Ready to start TLS\r\n"),
                                        ("tls", server_ctx())] + EHLO_TLS
    return [GREETING] + EHLO_TLS + [("expect", "MAIL"),
                                    ("send", b"530 5.7.0 Must issue a STARTTLS command first\r\n")]


case("530 to MAIL before STARTTLS on an MX (default profile)", mx_530, "starttls.required", "warning", 1,
     "--profile", "default", "--checks", "starttls",
     # software unknown: the generic fix (issue 23), never one vendor's directive
     also=lambda r: None if "offer TLS without requiring it" in (r.finding("starttls.required") or {}).get("fix", "")
     and "Postfix" not in (r.finding("starttls.required") or {}).get("fix", "")
     else "fix is not the generic 'offer TLS without requiring it'")
case("the same server audited as submission: enforced, as it should be", mx_530, "starttls.enforced", "ok", 0,
     "--profile", "submission", "--checks", "starttls")

# --- 1. an EHLO reply whose first line is a keyword, not the server's name ---
KEYWORD_FIRST = [("expect", "EHLO"), ("send", b"250-STARTTLS\r\n250-PIPELINING\r\n250 8BITMIME\r\n")]
r = case("EHLO reply without a host-name line (250-STARTTLS first)",
         [GREETING] + KEYWORD_FIRST + [("expect", "STARTTLS"), ("send", b"220 2.0.0 go ahead\r\n"),
                                       ("tls", server_ctx())] + KEYWORD_FIRST,
         "ehlo.malformed", "warning", 1, "--tls", "starttls", *NOPROBE, "--checks", "starttls",
         summary="first line is the keyword STARTTLS",
         also=lambda r: "starttls.missing reported" if r.finding("starttls.missing") else
         None if r.check("starttls")["facts"].get("version") else "no TLS handshake")

# --- 5. absolute names with a trailing dot: no dot in SNI, EHLO or the greeting comparison ---
sni_seen = []


def strict_sni(sock, name, ctx):
    """a strict server: RFC 6066 forbids the trailing dot in a HostName"""
    sni_seen.append(name)
    return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME if name is None or name.endswith(".") else None


strict = server_ctx()
strict.sni_callback = strict_sni
r = audit([("send", b"220 mail.lab.test ESMTP\r\n")] + EHLO_TLS +
          [("expect", "STARTTLS"), ("send", b"220 2.0.0 go ahead\r\n"), ("tls", strict)] + EHLO_TLS,
          "--tls", "starttls", *NOPROBE, "--checks", "starttls", "--ehlo-name", "client.lab.test.",
          "--address", "127.0.0.1", server="mail.lab.test.")
facts = r.check("starttls")["facts"] if r.json.get("checks") else {}
worst = [(f["id"], f["severity"]) for c in r.json.get("checks", []) for f in c["findings"]
         if f["severity"] in ("warning", "critical")]
t.ok(r.rc == 0 and not worst and r.finding("banner.hostname_mismatch") is None and facts.get("sni") == "mail.lab.test"
     and sni_seen[:1] == ["mail.lab.test"] and "EHLO client.lab.test" in r.received and not schema_errors(r.json),
     "--server mail.lab.test. (trailing dot): SNI, EHLO name and greeting comparison without the dot; exit 0, "
     "no banner.hostname_mismatch, no starttls.handshake_failed", "findings %s, SNI seen %s\n%s" % (worst, sni_seen, r))

# --- 7. a greeting trickled byte by byte ---
SLOW = b"220 slow.example ESMTP\r\n"   # 24 bytes
case("greeting trickled over 2.4 s: the complete greeting is timed", [("trickle", SLOW, 0.1)] + EHLO_OK,
     "banner.delayed", "info", 0, timeout="10s", summary="trickled")
case("greeting trickled past the timeout: a tarpit, not a dead server", [("trickle", SLOW * 4, 0.25)],
     "banner.timeout", "critical", 2, timeout="2s", summary="still arriving",
     also=lambda r: None if "--timeout" in (r.finding("banner.timeout") or {}).get("fix", "") else "fix without --timeout")

# --- 6. an inspecting firewall (Cisco ASA/PIX ESMTP inspection) in front of the server ---
PIX = [("send", b"220 ****************************0*0*2******0**0*0*20**0*00****0*2\r\n"), ("expect", "EHLO"),
       ("send", CAPS + b"250 XXXXXXXA\r\n"), ("expect", "STARTTLS"), ("send", b"500 5.5.1 Command unrecognized\r\n")]


def firewall_first(r):
    f = r.finding("starttls.missing") or {}
    if not r.json.get("summary", "").startswith("a firewall's SMTP inspection strips STARTTLS"):
        return "headline %r" % r.json.get("summary")
    if "no inspect esmtp" not in (f.get("fix") or "") or "smtpd_banner" in str(r.json):
        return "fix %r" % f.get("fix")
    if r.finding("banner.no_hostname") is not None or (r.finding("banner.masked") or {}).get("severity") != "info":
        return "banner findings %s" % r.finding_ids()
    return None


case("masked greeting, XXXXXXXA, STARTTLS 500: the firewall leads", PIX, "starttls.missing", "warning", 1,
     "--profile", "default", "--checks", "starttls", summary="a firewall's SMTP inspection strips STARTTLS",
     also=firewall_first)
PIX_ADVERTISED = [PIX[0], ("expect", "EHLO"), ("send", CAPS + b"250 STARTTLS\r\n")] + PIX[3:]
case("masked greeting, STARTTLS advertised but answered 500", PIX_ADVERTISED, "starttls.refused", "critical", 2,
     *NOPROBE, "--checks", "starttls", summary="a firewall's SMTP inspection strips STARTTLS",
     also=lambda r: None if r.finding("banner.no_hostname") is None else "banner.no_hostname reported")

# --- 3. a weak DH group in the main handshake ---
DH1024 = os.path.join(SRC, "tests", "data", "dh1024.pem")


def tls_script(ctx):
    return [GREETING] + EHLO_TLS + [("expect", "STARTTLS"), ("send", b"220 2.0.0 go ahead\r\n"), ("tls", ctx)] + EHLO_TLS


case("DHE-only server with a 1024-bit group", tls_script(server_ctx(maximum=ssl.TLSVersion.TLSv1_2,
                                                                    ciphers="DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
                                                                    dh=DH1024)),
     "starttls.weak_dh", "warning", 1, "--tls", "starttls", *NOPROBE, "--checks", "starttls", summary="DH 1024",
     also=lambda r: None if r.check("starttls")["facts"].get("kx_bits") == 1024 and
     "security level 2" in (r.finding("starttls.weak_dh") or {}).get("cause", "") else "no kx_bits 1024 or cause")

# --- 8. a server that demands a client certificate ---
VERIFY = ("--ca-file", pki("ca.crt"), "--address", "127.0.0.1")


def cert_judged(r):
    c = r.check("certificate")
    if c["status"] == "skipped" or c["facts"].get("verified") is not True:
        return "certificate check %s, facts %s" % (c["status"], c["facts"])
    return None


for label, maximum in (("TLS 1.3: certificate_required after our Finished", None),
                       ("TLS 1.2: handshake_failure after the CertificateRequest", ssl.TLSVersion.TLSv1_2)):
    case("client certificate required, " + label, tls_script(server_ctx(maximum=maximum, client_cert=True)),
         "starttls.client_cert_required", "critical", 2, "--tls", "starttls", *NOPROBE,
         "--checks", "starttls,certificate", *VERIFY, server="mail.lab.test",
         summary="certificate_required" if maximum is None else "handshake_failure",
         also=cert_judged)

# --- 2. probe connections that never reached a ClientHello are "unknown", never "refused" ---
def starttls_on(which):
    def script(n):
        return tls_script(server_ctx()) if which(n) else [GREETING] + EHLO_OK
    return script


def never_cipher_none(r):
    if r.finding("cipher.none") is not None:
        return "cipher.none reported"
    if (r.finding("starttls.inconsistent") or {}).get("severity") != "warning":
        return "no starttls.inconsistent warning from the enforcement probe"
    protos = r.check("cipher")["facts"].get("protocols", {})
    if protos.get("TLSv1.3") == "not accepted":
        return "TLSv1.3 'not accepted' although the session negotiated it: %s" % protos
    return None


r = case("STARTTLS only on the first connection", starttls_on(lambda n: n == 0), "cipher.starttls_inconsistent",
         "warning", 1, "--profile", "default", "--checks", "starttls,cipher", summary="STARTTLS offered on 1 of ",
         also=lambda r: never_cipher_none(r) or (None if r.check("cipher")["facts"].get("protocols", {}).get("TLSv1.3")
                                                  == "unknown" else "TLSv1.3 not 'unknown'"), timeout="5s")
case("STARTTLS on every other connection", starttls_on(lambda n: n % 2 == 0), "cipher.starttls_inconsistent",
     "warning", 1, "--profile", "default", "--checks", "starttls,cipher", also=never_cipher_none, timeout="5s")

# --- 9. the certificate depends on SNI ---
good_ctx = server_ctx("good")
by_name = server_ctx("self")   # without SNI: a self-signed certificate for another name


def pick_by_sni(sock, name, ctx):
    if name == "mail.lab.test":
        sock.context = good_ctx


by_name.sni_callback = pick_by_sni
# --per-address 1: the extra connection is the session's own, it must not wait for the session's slot
case("a good certificate with SNI, a self-signed one without", tls_script(by_name), "certificate.sni_required",
     "warning", 1, "--tls", "starttls", *NOPROBE, "--checks", "starttls,certificate", *VERIFY, "--per-address", "1",
     server="mail.lab.test",
     summary="without SNI the server presents another certificate",
     also=lambda r: None if r.check("certificate")["facts"].get("verified") is True else "the SNI certificate not verified")
r = audit(tls_script(server_ctx("good")), "--tls", "starttls", *NOPROBE, "--checks", "starttls,certificate", *VERIFY,
          server="mail.lab.test")
# (no count of connections: sdtest.run repeats a run whose LeakSanitizer crashed)
t.ok(r.rc == 0 and r.finding("certificate.sni_required") is None
     and r.check("certificate")["facts"].get("without_sni") == "same certificate",
     "the same certificate with and without SNI: no finding, exit 0", r)

# --- implicit TLS found, not guessed (issue 20) ---
IMPLICIT = [("tls", server_ctx("good")), GREETING] + EHLO_OK
case("no greeting in clear on a port other than 465, a TLS handshake first works", IMPLICIT, "banner.implicit_tls",
     "info", 0, *NOPROBE, "--checks", "starttls,certificate", *VERIFY, server="mail.lab.test",
     summary="this port speaks implicit TLS",
     also=lambda r: None if (r.check("starttls")["facts"].get("implicit") is True
                             and r.check("certificate")["facts"].get("verified") is True
                             and r.json["target"]["tls"] == "starttls") else "not audited over implicit TLS")
r = audit(IMPLICIT, *NOPROBE, "--checks", "starttls", *VERIFY, server="mail.lab.test", timeout="30s")
t.ok(r.finding("banner.implicit_tls") is not None and r.json["duration_ms"] < 15000,
     "implicit TLS found after about 2 s of silence, not after the whole greeting timeout (30 s here): %.1f s"
     % (r.json.get("duration_ms", 0) / 1000.0), r)
r = audit([("sleep", 3.0), GREETING] + EHLO_OK, "--checks", "ehlo", "--transcript", timeout="10s")
t.ok(r.rc == 0 and r.finding("banner.implicit_tls") is None and r.json["answers"]["reachable"] is True
     and r.finding("ehlo.malformed") is None,
     "a greeting after 3 s of silence (a tarpit): the TLS attempt beside the wait fails, the audit goes on in clear", r)
r = audit([GREETING] + EHLO_OK, "--tls", "implicit", "--checks", "banner", *VERIFY, server="mail.lab.test")
fs = [f for c in r.json["checks"] for f in c["findings"]]
t.ok(r.rc == 2 and len(fs) == 1 and "greets in clear" in fs[0]["summary"] and "--tls starttls" in fs[0]["summary"]
     and r.json["answers"]["reachable"] is True,
     "--tls implicit against a server that greets in clear: one finding says so", r)

# --- the default audit at the speed of the network (issue 20) ---
PIPE_EHLO = [("expect", "EHLO"), ("send", b"250-fake.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n")]
PLAIN_EHLO = [("expect", "EHLO"), ("send", b"250-fake.example\r\n250 8BITMIME\r\n")]


def relay_dialogue(r):
    """The client and server lines of the relay test's connection, in order."""
    tr = r.json.get("transcript", [])
    conns = [c for c in dict.fromkeys(e["conn"] for e in tr)
             if any(e["dir"] == "client" and e["line"].startswith("RCPT TO:") for e in tr if e["conn"] == c)]
    return [(e["dir"], e["line"]) for e in tr if conns and e["conn"] == conns[0] and e["dir"] != "event"]


def runs_after_ehlo(d):
    """The dialogue after the EHLO reply as runs of (direction, [commands or codes])."""
    runs = []
    k = next((i for i, (w, l) in enumerate(d) if w == "client" and l.startswith("EHLO")), len(d))
    for who, line in d[k + 1:]:
        word = line.split(":")[0].split(" ")[0][:4]
        if runs and runs[-1][0] == who:
            runs[-1][1].append(word)
        else:
            runs.append((who, [word]))
    return [r for r in runs if r[0] == "client"]


r = audit([GREETING] + PIPE_EHLO, "--checks", "relay-light", "--transcript")
groups = [g for _, g in runs_after_ehlo(relay_dialogue(r))]
t.ok(groups[:2] == [["MAIL", "RCPT", "RSET"]] * 2 and r.finding("relay.open") is None
     and (r.check("relay-light") or {}).get("facts", {}).get("forms_tried") == 3
     and r.json["answers"]["relay"]["verdict"] == "closed",
     "relay-light with PIPELINING: each attempt's MAIL, RCPT and RSET in one group (RFC 2920), verdict closed",
     "%s\n%s" % (groups, r))
r = audit([GREETING] + PLAIN_EHLO, "--checks", "relay-light", "--transcript")
groups = [g for _, g in runs_after_ehlo(relay_dialogue(r))]
t.ok(groups and all(len(g) == 1 for g in groups) and r.finding("relay.open") is None
     and r.json["answers"]["relay"]["verdict"] == "closed",
     "relay-light without PIPELINING: one command, one reply", "%s\n%s" % (groups, r))
# a server that wants STARTTLS first answers 530 to everything: only the
# first attempt is sent before that is known (no error storm)
MUST_TLS = b"530 5.7.0 Must issue a STARTTLS command first\r\n"
r = audit([GREETING] + PIPE_EHLO + [("expect", "MAIL"), ("send", MUST_TLS), ("expect", "RCPT"), ("send", MUST_TLS),
                                    ("expect", "RSET"), ("send", MUST_TLS)],
          "--checks", "relay-light", "--transcript")
groups = [g for _, g in runs_after_ehlo(relay_dialogue(r))]
t.ok(groups and groups[0] == ["MAIL", "RCPT", "RSET"] and r.finding("relay.open") is None,
     "relay-light with PIPELINING against a server that wants STARTTLS first: one attempt, then no more groups",
     "%s\n%s" % (groups, r))


def open_after(n):
    """Accept RCPT to example.net on a pipelining server: an open relay."""
    return [GREETING] + PIPE_EHLO + [step for _ in range(n) for step in (
        ("expect", "MAIL"), ("send", b"250 2.1.0 Ok\r\n"), ("expect", "RCPT"), ("send", b"250 2.1.5 Ok\r\n"),
        ("expect", "RSET"), ("send", b"250 2.0.0 Ok\r\n"))]


case("a pipelining open relay", open_after(4), "relay.open", "critical", 2, "--checks", "relay-light")
CLOSE_MID_GROUP = [GREETING] + PIPE_EHLO + [("expect", "MAIL"), ("send", b"250 2.1.0 Ok\r\n"), ("expect", "RCPT"),
                                            ("send", b"554 5.7.1 Relay access denied\r\n"), ("close",)]
# connection 0 is the main session, 1 and 2 relay-light's; later ones (a
# fresh connection after the hang-up) get the greeting and a close
case("a server that closes in the middle of a pipelined group is not an open relay",
     lambda n: CLOSE_MID_GROUP if n <= 2 else [GREETING, ("close",)],
     "relay.incomplete", "warning", 1, "--checks", "relay-light",
     also=lambda r: None if r.finding("relay.open") is None else "relay.open from a closed connection")
# a server that hangs up after each refusal (chasquid after three errors):
# the battery goes on over fresh connections, one attempt at a time, and
# every form gets its verdict
r = audit(CLOSE_MID_GROUP, "--checks", "relay-light", "--transcript")
ehlos = sum(1 for line in r.received if line.startswith("EHLO"))
t.ok(r.rc == 0 and r.finding("relay.incomplete") is None and r.json["answers"]["relay"]["verdict"] == "closed"
     and ehlos >= 4,
     "a server that hangs up after each refusal: fresh connections until every form has its verdict (%d EHLOs)"
     % ehlos, r)

# QUIT: sent, the 221 read only within a short grace; a server that never
# answers it does not hold the audit (it waited up to 5 s before)
r = audit([GREETING] + PLAIN_EHLO + [("expect", "QUIT"), ("hang",)], "--checks", "ehlo", "--transcript",
          timeout="30s")
sent = [e["line"] for e in r.json.get("transcript", []) if e["dir"] == "client"]
t.ok(r.rc == 0 and sent and sent[-1] == "QUIT" and r.json["duration_ms"] < 4000
     and r.json["timings"].get("quit_ms") is None,
     "a server that never answers QUIT: QUIT sent, the audit does not wait for the 221 (%.0f ms)"
     % r.json.get("duration_ms", -1), r)

# --nagios time= of a server that never greets: the time waited, not the connect alone
with FakeSMTP([("hang",)]) as srv:
    r = run("--server", "127.0.0.1", "--port", str(srv.port), "--timeout", "2s", "--tls", "none", "--checks", "banner",
            "--nagios", timeout=120)
    perf = r.out.split("|", 1)[1] if "|" in r.out else ""
    tm = [float(x.split("=")[1].split("s")[0]) for x in perf.split() if x.startswith("time=")]
    t.ok(r.rc == 2 and tm and tm[0] >= 1.9, "--nagios: a server that never greets reports time= the wait (%s)"
         % (tm[0] if tm else None), r)

shutil.rmtree(PKI, ignore_errors=True)
t.done()
