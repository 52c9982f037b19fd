#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""untrusted.py - input from beyond the SMTP socket (issue 19): a hostile
DNS server (tests/fakedns.py), a hostile HTTPS policy server and TLS peer
(tests/fakehttps.py). Each case asserts the finding, its severity, the
time taken and, where the issue was memory, the peak memory. No root, no
lab, loopback only; the system resolver is never asked.
"""
import os
import shutil
import struct
import subprocess
import tempfile
import time

from sdtest import SMTP_DIAG, Tap, run, schema_errors
from fakedns import FakeDNS, Reply, a, mx, txt  # noqa: E402 (sdtest puts tests/ on the path)
from fakesmtp import FakeSMTP  # noqa: E402
from fakehttps import FakeHTTPS  # noqa: E402

t = Tap()
WRAPPED = bool(os.environ.get("SD_VALGRIND")) or os.environ.get("SD_SANITIZERS") == "yes"
SLOW = 10 if WRAPPED else 1          # valgrind and ASan runs are slower: bounds scale
SMTP = [("send", b"220 mail.x.test ESMTP\r\n"), ("expect", "EHLO"), ("send", b"250 mail.x.test\r\n")]


def dns_arg(dns):
    return "127.0.0.1:%d" % dns.port


def mx_check(r):
    return next((c for c in r.json.get("checks", []) if c["name"] == "mx"), {"facts": {}, "findings": []})


def has(r, fid, severity, where=None):
    """a finding FID of SEVERITY in the domain part or any server"""
    parts = [r.json] + r.json.get("servers", [])
    for p in parts:
        for c in p.get("checks", []):
            if where is not None and c["name"] != where:
                continue
            for f in c["findings"]:
                if f["id"] == fid and f["severity"] == severity:
                    return f
    return None


def timed(*args, **kw):
    t0 = time.monotonic()
    r = run(*args, **kw)
    r.secs = time.monotonic() - t0
    return r


def peak_rss_mib(*args):
    """run smtp-diag alone (no valgrind) and return (rc, stdout, its peak RSS in MiB)"""
    env = dict(os.environ, SMTPDIAG_DNS_SERVER="127.0.0.1:9")
    p = subprocess.Popen([SMTP_DIAG] + list(args), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, out, ru.ru_maxrss / 1024.0


def compressed_mx(n):
    """N MX records "10 hI.<qname>" as tightly as DNS allows (the exchange
    a one-label name plus a pointer to the question), so thousands fit in
    one 64 KiB TCP answer"""
    return [(15, struct.pack("!H", 10) + bytes([len("h%d" % i)]) + b"h%d" % i + b"\xc0\x0c") for i in range(n)]


# --- 4. DNS answers must belong to the question ---
def foreign(qname, qtype):
    if qname == "x.test" and qtype == 15:
        return Reply(records=[(15, mx(10, "mail.x.test")), (15, mx(5, "mail.evil.test"), "evil.test")])
    if qname in ("mail.x.test", "mail.evil.test") and qtype == 1:
        return Reply(records=[(1, a("127.0.0.1"))])
    return Reply(rcode=0)


with FakeDNS(foreign) as dns, FakeSMTP(SMTP) as smtp:
    r = run("--domain", "x.test", "--dns-server", dns_arg(dns), "--port", str(smtp.port), "--checks", "connect",
            "--json", "--dns-timeout", "2s")
hosts = [m["host"] for m in r.json.get("domain", {}).get("mx", [])]
t.ok(hosts == ["mail.x.test"] and [s["target"]["server"] for s in r.json.get("servers", [])] == ["mail.x.test"]
     and has(r, "mx.foreign_records", "warning", "mx") and mx_check(r)["facts"].get("foreign_records") == 1,
     "an MX record owned by another name is ignored, counted, warned about", r)


def cname_chain(qname, qtype):
    if qname == "x.test" and qtype == 15:
        return Reply(records=[(5, b"\x05alias\x01x\x04test\x00"), (15, mx(10, "mail.x.test"), "alias.x.test"),
                              (15, mx(20, "mail.evil.test"), "other.test")])
    if qtype == 1 and qname.startswith("mail."):
        return Reply(records=[(1, a("127.0.0.1"))])
    return Reply(rcode=0)


with FakeDNS(cname_chain) as dns, FakeSMTP(SMTP) as smtp:
    r = run("--domain", "x.test", "--dns-server", dns_arg(dns), "--port", str(smtp.port), "--checks", "connect",
            "--json", "--dns-timeout", "2s")
t.ok([m["host"] for m in r.json.get("domain", {}).get("mx", [])] == ["mail.x.test"]
     and mx_check(r)["facts"].get("foreign_records") == 1,
     "records of the CNAME chain from the name asked are used, others not", r)


# --- 1. a domain's size and time are bounded ---
def many(n, answer_a=True):
    def answer(qname, qtype):
        if qname == "x.test" and qtype == 15:
            return Reply(records=compressed_mx(n), truncate_udp=True)
        if qtype in (1, 28) and qname.endswith(".x.test"):
            if not answer_a:
                return Reply(drop=True)
            return Reply(records=[(1, a("127.0.0.1"))] if qtype == 1 else [])
        return Reply(rcode=3)
    return answer


with FakeDNS(many(12)) as dns, FakeSMTP(SMTP) as smtp:
    r = run("--domain", "x.test", "--dns-server", dns_arg(dns), "--port", str(smtp.port), "--checks", "connect",
            "--json", "--dns-timeout", "2s")
    asked = [q for q in dns.queries if q[1] in (1, 28)]
f = has(r, "mx.hosts_not_audited", "info", "mx")
t.ok(len(r.json.get("servers", [])) == 5 and f is not None and "7 of 12" in f["summary"]
     and len(asked) == 10 and len(mx_check(r)["facts"].get("hosts_not_audited", [])) == 7,
     "12 MX hosts: the first 5 looked up and audited, 7 reported as not audited", r)
with FakeDNS(many(12)) as dns, FakeSMTP(SMTP) as smtp:
    r = run("--domain", "x.test", "--dns-server", dns_arg(dns), "--port", str(smtp.port), "--checks", "connect",
            "--json", "--dns-timeout", "2s", "--mx-limit", "7")
t.ok(len(r.json.get("servers", [])) == 7 and "5 of 12" in (has(r, "mx.hosts_not_audited", "info") or {}).get("summary", ""),
     "--mx-limit 7: 7 audited, 5 not", r)

# 1,000 MX whose A/AAAA are never answered: the domain deadline ends the run
with FakeDNS(many(1000, answer_a=False)) as dns:
    r = timed("--domain", "x.test", "--dns-server", dns_arg(dns), "--checks", "connect", "--json",
              "--dns-timeout", "5s", "--domain-deadline", "2s", "--port", "9", timeout=60)
t.ok(r.rc == 2 and r.secs < 2 + 3 * SLOW and has(r, "mx.deadline", "warning", "mx")
     and has(r, "mx.hosts_not_audited", "info", "mx") and r.json.get("servers") == [],
     "1,000 MX, addresses never answered, --domain-deadline 2s: done in %.1f s with mx.deadline" % r.secs, r)

# hosts that answer slowly: the deadline stops the audit between hosts (domain.deadline)
# (under valgrind every figure scales, so that MX discovery still ends well inside the deadline)
DEADLINE, GREETING = 1 * SLOW, 2 * SLOW
SLOW_SMTP = [("sleep", GREETING + 1.0), ("send", b"220 mail.x.test ESMTP\r\n"), ("expect", "EHLO"),
             ("send", b"250 x\r\n")]
with FakeDNS(many(3)) as dns, FakeSMTP(SLOW_SMTP) as smtp:
    r = timed("--domain", "x.test", "--dns-server", dns_arg(dns), "--port", str(smtp.port), "--checks", "banner",
              "--json", "--timeout", "%ds" % GREETING, "--domain-deadline", "%ds" % DEADLINE, timeout=120)
late = [s for s in r.json.get("servers", []) if any(c["name"] == "deadline" for c in s["checks"])]
t.ok(len(r.json.get("servers", [])) == 3 and len(late) == 2 and has(r, "domain.deadline", "warning")
     and r.secs < DEADLINE + GREETING + 4 * SLOW and not schema_errors(r.json),
     "3 slow MX hosts, --domain-deadline %ds: the first audited, 2 reported domain.deadline (%.1f s)"
     % (DEADLINE, r.secs), r)

# memory linear in the MX count: 1,000 MX (the issue: 128 MiB, quadratic) in little memory
if WRAPPED:
    t.ok(True, "# SKIP peak memory is not measured under valgrind or sanitizers")
else:
    with FakeDNS(many(1000)) as dns, FakeSMTP(SMTP) as smtp:
        rc, out, mib = peak_rss_mib("--domain", "x.test", "--dns-server", dns_arg(dns), "--port", str(smtp.port),
                                    "--checks", "connect", "--json", "--dns-timeout", "2s")
    t.ok(rc == 0 and b"mx.hosts_not_audited" in out and mib < 40,
         "1,000 MX answered: peak memory %.1f MiB (bound 40)" % mib, out[-2000:])


# --- certificates, made here with openssl: a CA and leaves signed by it ---
WORK = tempfile.mkdtemp(prefix="sd-untrusted-")


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=WORK)


def leaf(name, san, ext=""):
    """NAME.crt/.key for SAN (an openssl subjectAltName value), signed by the test CA;
    EXT: more extension lines"""
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name)
    with open(os.path.join(WORK, name + ".ext"), "w") as f:
        f.write("subjectAltName=%s\n%s" % (san, ext))
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-out", name + ".crt", "-extfile", name + ".ext")
    return os.path.join(WORK, name + ".crt"), os.path.join(WORK, name + ".key")


openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
        "-out", "ca.crt", "-days", "2", "-subj", "/CN=smtpdiag untrusted.py CA")
CA = os.path.join(WORK, "ca.crt")
POLICY_CERT = leaf("mta-sts.x.test", "DNS:mta-sts.x.test")
MAIL_CERT = leaf("mail.x.test", "DNS:mail.x.test")


def tls_audit(srv, *extra):
    return timed("--server", "mail.x.test", "--address", "127.0.0.1", "--port", str(srv.port), "--tls", "implicit",
                 "--ca-file", CA, "--checks", "certificate", "--json", "--timeout", "5s", *extra)


# --- 3. a 50-certificate chain is reported, not cut to 16 without a word ---
chain50 = os.path.join(WORK, "chain50.pem")
with open(chain50, "w") as out:
    out.write(open(MAIL_CERT[0]).read() + open(CA).read() * 49)
with FakeHTTPS(("smtp",), cert=chain50, key=MAIL_CERT[1]) as srv:
    r = tls_audit(srv)
c = next((c for c in r.json.get("checks", []) if c["name"] == "certificate"), {"facts": {}})
t.ok(has(r, "certificate.chain_too_long", "warning") and c["facts"].get("chain_length") == 50
     and "50 certificates" in has(r, "certificate.chain_too_long", "warning")["summary"],
     "a 50-certificate chain: certificate.chain_too_long, chain_length 50", r)

# --- 2. a NUL in a certificate name: a finding, shown escaped ---
der = b"mail.x.test\x00.evil.test"
san = "DER:" + ":".join("%02x" % b for b in b"\x30" + bytes([len(der) + 2]) + b"\x82" + bytes([len(der)]) + der)
NUL_CERT = leaf("nul", san)
with FakeHTTPS(("smtp",), cert=NUL_CERT[0], key=NUL_CERT[1]) as srv:
    r = tls_audit(srv)
c = next((c for c in r.json.get("checks", []) if c["name"] == "certificate"), {"facts": {}})
t.ok(has(r, "certificate.name_nul", "critical") and c["facts"].get("sans") == ["DNS:mail.x.test\\x00.evil.test"]
     and c["facts"].get("name_matches") is False,
     "a DNS SAN with a NUL: certificate.name_nul (critical), shown as \\x00, matches nothing", r)

# --- an untrusted issuer is not a missing intermediate ---
# the server sends only its certificate, issued by a CA the trust store does not hold (no --ca-file
# here: the system store). Straight from a private root, no AIA: certificate.untrusted. With an AIA
# CA Issuers URI (as public CAs' leaves carry) the issuer is an intermediate the server should send.
AIA_CERT = leaf("aia.x.test", "DNS:mail.x.test", "authorityInfoAccess=caIssuers;URI:http://ca.x.test/int.crt\n")
for cert, want, other, name in ((MAIL_CERT, "certificate.untrusted", "certificate.missing_intermediate",
                                 "a leaf straight from an untrusted private root: an untrusted issuer"),
                                (AIA_CERT, "certificate.missing_intermediate", "certificate.untrusted",
                                 "a leaf naming its issuer's URL (AIA CA Issuers), issuer not sent: a missing intermediate")):
    with FakeHTTPS(("smtp",), cert=cert[0], key=cert[1]) as srv:
        r = timed("--server", "mail.x.test", "--address", "127.0.0.1", "--port", str(srv.port), "--tls", "implicit",
                  "--checks", "certificate", "--json", "--timeout", "5s")
    f = has(r, want, "warning")
    t.ok(f is not None and not has(r, other, "warning") and "smtpdiag untrusted.py CA" in f["summary"]
         and (want != "certificate.missing_intermediate" or "http://ca.x.test/int.crt" in f["summary"])
         and f.get("cause") and f.get("fix"), name, r)


# --- MTA-STS and TLS-RPT against a hostile DNS and policy server ---
POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: mail.x.test\r\nmax_age: 604800\r\n"


def sts_zone(sts_txt=b"v=STSv1; id=abc", rpt_txt=b"v=TLSRPTv1; rua=mailto:tls@x.test", policy_hosts=("127.0.0.1",)):
    def answer(qname, qtype):
        if qname == "x.test" and qtype == 15:
            return Reply(records=[(15, mx(10, "mail.x.test"))])
        if qname == "mail.x.test" and qtype == 1:
            return Reply(records=[(1, a("127.0.0.1"))])
        if qname == "_mta-sts.x.test" and qtype == 16:
            return Reply(records=[(16, bytes([len(sts_txt)]) + sts_txt)])
        if qname == "_smtp._tls.x.test" and qtype == 16:
            return Reply(records=[(16, bytes([len(rpt_txt)]) + rpt_txt)])
        if qname == "mta-sts.x.test" and qtype == 1:
            return Reply(records=[(1, a(h)) for h in policy_hosts])
        return Reply(rcode=0)
    return answer


def sts(dns, port, *extra, check="mta-sts"):
    return timed("--domain", "x.test", "--dns-server", dns_arg(dns), "--checks", check, "--json", "--port", "9",
                 "--ca-file", CA, "--set", "mta-sts.https_port=%d" % port, "--set", "mta-sts.check_mx_tls=false",
                 "--dns-timeout", "2s", *extra)


def sts_facts(r, check="mta-sts"):
    return next((c for c in r.json.get("checks", []) if c["name"] == check), {"facts": {}})["facts"]


# 2. a NUL inside the _mta-sts record: invalid, shown escaped, no id taken from it
with FakeDNS(sts_zone(sts_txt=b"v=STSv1; id=abc\x00garbage; x")) as dns, \
        FakeHTTPS(("policy", POLICY, [(b"Content-Type", b"text/plain")]), *POLICY_CERT) as web:
    r = sts(dns, web.port)
f = has(r, "mta_sts.txt_invalid", "warning")
t.ok(f is not None and "NUL" in f["summary"] and sts_facts(r).get("txt") == ["v=STSv1; id=abc\\x00garbage; x"]
     and "id" not in sts_facts(r), "_mta-sts TXT with a NUL: mta_sts.txt_invalid, shown as \\x00, no id", r)
with FakeDNS(sts_zone(rpt_txt=b"v=TLSRPTv1; rua=mailto:tls@x.test\x00,ftp://x.test/")) as dns:
    r = sts(dns, 9, check="tls-rpt")
f = has(r, "tls_rpt.invalid", "warning")
t.ok(f is not None and "NUL" in f["summary"] and "\\x00,ftp://x.test/" in sts_facts(r, "tls-rpt").get("txt", [""])[0],
     "TLS-RPT TXT with a NUL: tls_rpt.invalid, the part after the NUL shown", r)

# 2. a NUL in an HTTP header of the policy server: never cut to a value it is not
with FakeDNS(sts_zone()) as dns, FakeHTTPS(("policy", POLICY, [(b"Content-Type", b"text/plain\x00; x=evil")]),
                                              *POLICY_CERT) as web:
    r = sts(dns, web.port)
f = has(r, "mta_sts.policy_fetch_failed", "warning")
t.ok(f is not None and "Nul byte in header" in f["summary"] and "policy_content_type" not in sts_facts(r),
     "a NUL in the policy's Content-Type: the fetch fails and says so (libcurl refuses the header)", r)

# 3. 100 mx lines, the real MX last: covered (the parser keeps 64, coverage reads them all)
big = b"version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n" + \
    b"".join(b"mx: other%d.example.net\r\n" % i for i in range(99)) + b"mx: mail.x.test\r\n"
with FakeDNS(sts_zone()) as dns, FakeHTTPS(("policy", big, [(b"Content-Type", b"text/plain")]), *POLICY_CERT) as web:
    r = sts(dns, web.port)
t.ok(r.rc == 0 and not has(r, "mta_sts.mx_not_covered", "critical") and sts_facts(r).get("policy_valid") is True
     and sts_facts(r).get("mx_patterns_total") == 100, "a policy of 100 mx lines, the real MX last: covered", r)
with FakeDNS(sts_zone()) as dns, FakeHTTPS(("policy", big.replace(b"mx: mail.x.test", b"mx: mail.y.test"),
                                              [(b"Content-Type", b"text/plain")]), *POLICY_CERT) as web:
    r = sts(dns, web.port)
t.ok(has(r, "mta_sts.mx_not_covered", "critical"), "... and when no line covers it, mx_not_covered still", r)

# 5. TLS failures of the policy fetch named for what they are
for behaviour, fid, word, why in [
        (("plain", POLICY), "mta_sts.policy_not_tls", "does not speak TLS", "plain HTTP on the HTTPS port"),
        (("reset",), "mta_sts.policy_tls_reset", "reset", "a TCP reset after the ClientHello"),
        (("alert", "UNRECOGNIZED_NAME"), "mta_sts.policy_tls_alert", "unrecognized name", "a TLS alert")]:
    with FakeDNS(sts_zone()) as dns, FakeHTTPS(behaviour, *POLICY_CERT) as web:
        r = sts(dns, web.port)
    f = has(r, fid, "warning")
    t.ok(f is not None and word in f["summary"] and not has(r, "mta_sts.policy_certificate", "warning"),
         "%s: %s, not a certificate problem" % (why, fid), r)
with FakeDNS(sts_zone()) as dns, FakeHTTPS(("policy", POLICY, []), *MAIL_CERT) as web:
    r = sts(dns, web.port)
t.ok(has(r, "mta_sts.policy_certificate", "warning"), "a certificate for another name: still policy_certificate", r)

# 6. mta-sts.timeout is a total: 8 addresses that all stall, timeout 3s, about 3 s (was 24 s)
hosts = tuple("127.0.0.%d" % i for i in range(2, 10))
with FakeDNS(sts_zone(policy_hosts=hosts)) as dns, FakeHTTPS(("stall",), *POLICY_CERT, addresses=hosts) as web:
    r = sts(dns, web.port, "--set", "mta-sts.timeout=3s")
f = has(r, "mta_sts.policy_fetch_failed", "warning")
t.ok(f is not None and r.secs < 3 + 2 * SLOW, "8 stalling policy addresses, mta-sts.timeout=3s: %.1f s in all" % r.secs, r)

shutil.rmtree(WORK, ignore_errors=True)
t.done()
