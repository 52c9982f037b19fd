#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""untrusted.py - input from beyond the SMTP socket (issue 19): a hostile
DNS server (tests/fakedns.py), a hostile HTTPS policy server and TLS peer
(tests/fakehttps.py). Each case asserts the finding, its severity, the
time taken and, where the issue was memory, the peak memory. No root, no
lab, loopback only; the system resolver is never asked.
"""
import os
import resource
import struct
import subprocess
import time

from sdtest import SMTP_DIAG, Tap, run
from fakedns import FakeDNS, Reply, a, mx, txt  # noqa: E402 (sdtest puts tests/ on the path)
from fakesmtp import FakeSMTP  # noqa: E402

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

# memory linear in the MX count: 1,000 MX (the issue: 128 MiB, quadratic) in little memory
if WRAPPED:
    t.ok(True, "# SKIP peak memory is not measured under valgrind or sanitizers")
else:
    with FakeDNS(many(1000)) as dns, FakeSMTP(SMTP) as smtp:
        rc, out, mib = peak_rss_mib("--domain", "x.test", "--dns-server", dns_arg(dns), "--port", str(smtp.port),
                                    "--checks", "connect", "--json", "--dns-timeout", "2s")
    t.ok(rc == 0 and b"mx.hosts_not_audited" in out and mib < 40,
         "1,000 MX answered: peak memory %.1f MiB (bound 40)" % mib, out[-2000:])

t.done()
