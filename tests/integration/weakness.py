#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""weakness.py - the tls-weak and smuggling checks against servers that have
each weakness and servers that do not (issue 25, docs/vulnerabilities.md).

Python's ssl module is the TLS server (loopback only); the STARTTLS buffering
bug comes from fakesmtp.py's ("tls_keep", ctx) step. The lab Postfix side
(clean, and smtpd_forbid_bare_newline on/off) is in postfix.py.
"""
import os
import shutil
import ssl
import subprocess
import tempfile

from sdtest import Tap, run, schema_errors  # sets up the import path  # noqa: I001
from fakesmtp import FakeSMTP  # noqa: E402

t = Tap()
PKI = tempfile.mkdtemp(prefix="sd-weakness-")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "s.key", "-out", "s.crt",
                "-days", "30", "-subj", "/CN=mail.lab.test", "-addext", "subjectAltName=DNS:mail.lab.test"],
               check=True, capture_output=True, cwd=PKI)

# RFC 2409 Oakley group 2, the common 1024-bit prime (generator 2), as DER DHParameter
OAKLEY2 = int("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
              "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
              "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF", 16)


def der_int(n):
    b = n.to_bytes((n.bit_length() + 8) // 8, "big")
    return b"\x02" + der_len(len(b)) + b


def der_len(n):
    return bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")


def dh_pem(p, g, name):
    import base64
    body = der_int(p) + der_int(g)
    der = b"\x30" + der_len(len(body)) + body
    path = os.path.join(PKI, name)
    with open(path, "w") as fh:
        fh.write("-----BEGIN DH PARAMETERS-----\n%s\n-----END DH PARAMETERS-----\n" % base64.encodebytes(der).decode().strip())
    return path


def ctx(options_off=0, options_on=0, ciphers=None, dh=None, maximum=None):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(os.path.join(PKI, "s.crt"), os.path.join(PKI, "s.key"))
    c.options = (c.options & ~options_off) | options_on
    if ciphers:
        c.set_ciphers(ciphers)
    if dh:
        c.load_dh_params(dh)
    if maximum:
        c.maximum_version = maximum
    return c


CAPS = (b"250-fake.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
        b"250-SIZE 10240000\r\n250 STARTTLS\r\n")


def starttls(c, step="tls"):
    head = [("send", b"220 fake.example ESMTP\r\n"), ("expect", "EHLO"), ("send", CAPS), ("expect", "STARTTLS")]
    if step == "tls_keep":
        return head + [(step, c, b"220 2.0.0 go ahead\r\n")]
    return head + [("send", b"220 2.0.0 go ahead\r\n"), (step, c)]


ONLY = {"injection": "false", "renegotiation": "false", "fallback_scsv": "false", "resumption": "false",
        "ocsp": "false", "dhe": "false"}


def weak(c, step="tls", want=(), timeout="5s"):
    """run tls-weak with only the parts in WANT switched on"""
    sets = []
    for k, v in ONLY.items():
        sets += ["--set", "tls-weak.%s=%s" % (k, "true" if k in want else v)]
    with FakeSMTP(starttls(c, step)) as srv:
        r = run("--server", "127.0.0.1", "--port", str(srv.port), "--json", "--timeout", timeout, "--tls", "starttls",
                "--checks", "tls-weak", *sets, timeout=120)
        r.received = list(srv.received)
    return r


def has(r, fid, sev=None, ref=None):
    f = r.finding(fid)
    if f is None:
        return False
    return (sev is None or f["severity"] == sev) and (ref is None or ref in f.get("references", []))


# --- 1. STARTTLS command injection (CVE-2011-0411) ---
r = weak(ctx(), "tls_keep", want=("injection",))
t.ok(has(r, "tls_weak.starttls_injection", "critical", "CVE-2011-0411") and r.rc == 2 and not schema_errors(r.json),
     "STARTTLS buffering bug: tls_weak.starttls_injection critical with CVE-2011-0411, exit 2", r)
t.ok("(kept) NOOP" in r.received and "STARTTLS" in r.received,
     "the NOOP was sent with STARTTLS and answered inside TLS by the buggy server", "\n".join(r.received))
r = weak(ctx(), "tls", want=("injection",))
t.ok(r.rc == 0 and r.finding("tls_weak.starttls_injection") is None
     and r.check("tls-weak")["facts"].get("starttls_injection") is False,
     "a server that drops the plain-text bytes: no injection finding, exit 0", r)

# --- the probe connections refused (a per-client connection limit): untested, with a fix ---
sets = [x for k, v in ONLY.items() for x in ("--set", "tls-weak.%s=%s" % (k, v))]
with FakeSMTP(lambda n: starttls(ctx()) if n == 0 else
              [("send", b"421 4.7.0 Too many connections from your host\r\n"), ("close",)]) as srv:
    r = run("--server", "127.0.0.1", "--port", str(srv.port), "--json", "--timeout", "5s", "--tls", "starttls",
            "--checks", "tls-weak", *sets, timeout=120)
f = r.finding("tls_weak.untested") or {}
t.ok(f.get("severity") == "warning" and "notes" in f.get("fix", "") and "connections per client" in f.get("fix", ""),
     "probe connections refused: tls_weak.untested warning with a fix (the notes, the per-client limit)", r)

# --- 2. client-initiated renegotiation (TLS 1.2) ---
# OpenSSL 3 servers refuse it unless SSL_OP_ALLOW_CLIENT_RENEGOTIATION (bit 8) is set
r = weak(ctx(options_off=ssl.OP_NO_RENEGOTIATION, options_on=0x100), want=("renegotiation",))
t.ok(has(r, "tls_weak.client_renegotiation", "warning", "CVE-2011-1473"),
     "renegotiation allowed: tls_weak.client_renegotiation warning with CVE-2011-1473", r)
r = weak(ctx(options_on=ssl.OP_NO_RENEGOTIATION), want=("renegotiation",))
facts = r.check("tls-weak")["facts"] if r.check("tls-weak") else {}
t.ok(r.finding("tls_weak.client_renegotiation") is None and facts.get("client_renegotiation") == "refused"
     and facts.get("secure_renegotiation") is True and facts.get("extended_master_secret") is True,
     "renegotiation refused, RFC 5746 and EMS supported: no finding", r)

# --- 3. Extended Master Secret (RFC 7627): OpenSSL 3's SSL_OP_NO_EXTENDED_MASTER_SECRET (bit 0) ---
r = weak(ctx(options_on=1), want=())
t.ok(has(r, "tls_weak.no_extended_master_secret", "warning", "RFC 7627"),
     "a server without EMS: tls_weak.no_extended_master_secret with RFC 7627", r)

# --- 4. DHE with the common 1024-bit Oakley group 2 prime (Logjam class) ---
common = dh_pem(OAKLEY2, 2, "oakley2.pem")
r = weak(ctx(ciphers="DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", dh=common, maximum=ssl.TLSVersion.TLSv1_2), want=("dhe",))
t.ok(has(r, "tls_weak.dh_common_prime", "warning", "CVE-2015-4000")
     and "Oakley Group 2" in r.finding("tls_weak.dh_common_prime")["summary"],
     "DHE with RFC 2409 group 2: tls_weak.dh_common_prime names it, with CVE-2015-4000", r)
own = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "dh1024.pem")
r = weak(ctx(ciphers="DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0", dh=own, maximum=ssl.TLSVersion.TLSv1_2), want=("dhe",))
t.ok(r.finding("tls_weak.dh_common_prime") is None and r.check("tls-weak")["facts"].get("dh_prime") == "not a published prime",
     "DHE with a prime of its own: not a published prime, no dh_common_prime", r)

# --- 5. resumption and TLS_FALLBACK_SCSV on a modern server ---
r = weak(ctx(), want=("resumption", "fallback_scsv"))
facts = r.check("tls-weak")["facts"] if r.check("tls-weak") else {}
t.ok(facts.get("fallback_scsv") == "honoured" and facts.get("resumption") == "yes"
     and r.finding("tls_weak.no_fallback_scsv") is None and r.finding("tls_weak.no_resumption") is None,
     "OpenSSL server: TLS_FALLBACK_SCSV honoured, session resumed", r)
r = weak(ctx(options_on=ssl.OP_NO_TICKET), want=("resumption",))
t.ok(r.check("tls-weak") is not None and r.check("tls-weak")["facts"].get("resumption") in ("yes", "no"),
     "no tickets: resumption still judged (session IDs or nothing)", r)

# --- 6. smuggling refuses to run without --send and --to ---
with FakeSMTP(starttls(ctx())) as srv:
    r = run("--server", "127.0.0.1", "--port", str(srv.port), "--json", "--tls", "none", "--checks", "smuggling",
            timeout=60)
    got = list(srv.received)
t.ok(has(r, "smuggling.not_requested", "info") and not any(x.upper().startswith(("MAIL", "DATA")) for x in got),
     "smuggling without --send/--to: not run, no MAIL or DATA sent", r)
r = run("--server", "127.0.0.1", "--port", "9", "--checks", "smuggling", "--to", "a@b.example", timeout=60)
t.ok(r.rc != 0 and "--send" in r.err, "--to without --send is refused", r)

# --- 7. OCSP stapling: `openssl s_server -status_file` behind fakesmtp's STARTTLS ("proxy" step) ---
def ossl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=PKI)


ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30",
     "-subj", "/CN=weakness test CA", "-addext", "basicConstraints=critical,CA:TRUE",
     "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature")
ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=mail.lab.test")
with open(os.path.join(PKI, "ext.cnf"), "w") as fh:
    fh.write("subjectAltName=DNS:mail.lab.test\n")
ossl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.crt",
     "-days", "30", "-extfile", "ext.cnf")
serial = subprocess.run(["openssl", "x509", "-in", "leaf.crt", "-noout", "-serial"], capture_output=True, text=True,
                        cwd=PKI).stdout.strip().split("=")[1]
ossl("ocsp", "-issuer", "ca.crt", "-cert", "leaf.crt", "-reqout", "req.der", "-no_nonce")
for name, line in (("good", "V\t301231000000Z\t\t%s\tunknown\t/CN=mail.lab.test\n" % serial),
                   ("revoked", "R\t301231000000Z\t260101000000Z\t%s\tunknown\t/CN=mail.lab.test\n" % serial)):
    with open(os.path.join(PKI, name + ".idx"), "w") as fh:
        fh.write(line)
    ossl("ocsp", "-index", name + ".idx", "-rsigner", "ca.crt", "-rkey", "ca.key", "-CA", "ca.crt", "-reqin", "req.der",
         "-respout", name + ".der", "-ndays", "1")


def stapling(resp, ca):
    """tls-weak (OCSP part only) against an s_server stapling RESP, trusting CA"""
    import socket
    import time
    with socket.socket() as tmp:
        tmp.bind(("127.0.0.1", 0))
        port = tmp.getsockname()[1]
    srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port, "-cert", "leaf.crt", "-key",
                            "leaf.key", "-cert_chain", "ca.crt", "-status_file", resp, "-rev", "-quiet"],
                           cwd=PKI, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):   # until it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        script = starttls(None)[:-1] + [("proxy", port)]
        sets = []
        for k, v in ONLY.items():
            sets += ["--set", "tls-weak.%s=%s" % (k, "true" if k == "ocsp" else v)]
        with FakeSMTP(script) as fake:
            return run("--server", "mail.lab.test", "--address", "127.0.0.1", "--port", str(fake.port), "--json",
                       "--timeout", "5s", "--tls", "starttls", "--ca-file", os.path.join(PKI, ca), "--checks",
                       "tls-weak", *sets, timeout=120)
    finally:
        srv.kill()
        srv.wait()


r = stapling("good.der", "ca.crt")
fx = r.check("tls-weak")["facts"] if r.check("tls-weak") else {}
t.ok(fx.get("ocsp_stapled") is True and fx.get("ocsp_status") == "good" and fx.get("ocsp_verified") is True
     and r.finding("tls_weak.no_ocsp_stapling") is None and r.finding("tls_weak.ocsp_invalid") is None,
     "a stapled, signed, fresh 'good' OCSP response: verified, no finding", r)
r = stapling("revoked.der", "ca.crt")
t.ok(has(r, "tls_weak.ocsp_invalid", "critical", "RFC 6960") and "REVOKED" in r.finding("tls_weak.ocsp_invalid")["summary"],
     "a stapled 'revoked' response: tls_weak.ocsp_invalid critical", r)
r = stapling("good.der", "s.crt")   # a trust store without the responder's CA
t.ok(has(r, "tls_weak.ocsp_invalid", "warning") and "signature" in r.finding("tls_weak.ocsp_invalid")["summary"],
     "a response whose signer is not trusted: tls_weak.ocsp_invalid warning", r)
r = weak(ctx(), want=("ocsp",))
t.ok(has(r, "tls_weak.no_ocsp_stapling", "info", "RFC 6066"), "no stapled response: tls_weak.no_ocsp_stapling info", r)

# --- 8. references in the text output and the HTML report ---
html = os.path.join(PKI, "report.html")
with FakeSMTP(starttls(ctx(), "tls_keep")) as srv:
    r = run("--server", "127.0.0.1", "--port", str(srv.port), "--timeout", "5s", "--tls", "starttls", "--checks",
            "tls-weak", "--report", html, *[x for k, v in ONLY.items() if k != "injection"
                                            for x in ("--set", "tls-weak.%s=%s" % (k, v))], timeout=120)
page = open(html, encoding="utf-8").read() if os.path.exists(html) else ""
t.ok("see:   CVE-2011-0411 RFC 3207" in r.out and "CVE-2011-0411, RFC 3207" in page,
     "the finding's references in the text output ('see:') and in the HTML report", r)

shutil.rmtree(PKI, ignore_errors=True)
t.done()
