#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dns.py - the DNS layer against a scripted DNS server (tests/fakedns.py):
the AD bit, truncation and TCP, spoofed ids, garbage, error RCODEs, and MX
record sets real zones get wrong. No root, no lab: the SMTP side is the
fake SMTP server, all on loopback.
"""
from sdtest import Tap, run, schema_errors
from fakedns import FakeDNS, Reply, a, mx  # noqa: E402 (sdtest puts tests/ on the path)
from fakesmtp import FakeSMTP  # noqa: E402

t = Tap()
SMTP = [("send", b"220 mail.x.test ESMTP\r\n"), ("expect", "EHLO"), ("send", b"250 mail.x.test\r\n")]


def audit(dns, domain, *extra):
    with FakeSMTP(SMTP) as smtp:
        r = run("--domain", domain, "--dns-server", "127.0.0.1:%d" % dns.port, "--port", str(smtp.port),
                "--checks", "connect", "--json", "--timeout", "5s", "--dns-timeout", "2s", *extra)
    r.mx = next((c for c in r.json.get("checks", []) if c["name"] == "mx"), {"facts": {}, "findings": []})
    return r


def zone(records, **kw):
    """an answer function: RECORDS maps (name, type) to a list of (type, rdata)"""
    def answer(qname, qtype):
        rr = records.get((qname, qtype))
        if rr is None:
            return Reply(rcode=3 if not any(k[0] == qname for k in records) else 0, **kw)
        return Reply(records=[(qtype, d) for d in rr], **kw)
    return answer


base = {("x.test", 15): [mx(10, "mail.x.test")], ("mail.x.test", 1): [a("127.0.0.1")]}

# --- AD bit: reported when the resolver sets it, not otherwise ---
with FakeDNS(zone(base, ad=True)) as dns:
    r = audit(dns, "x.test")
t.ok(r.rc == 0 and r.mx["facts"].get("dnssec_validated") is True
     and r.mx["facts"].get("addresses_dnssec_validated") is True and not schema_errors(r.json),
     "AD set by the resolver: MX and addresses reported as DNSSEC-validated", r)
with FakeDNS(zone(base)) as dns:
    r = audit(dns, "x.test")
t.ok(r.rc == 0 and r.mx["facts"].get("dnssec_validated") is False, "no AD: not validated", r)

# --- truncated over UDP: the same question again over TCP ---
big = dict(base)
big[("x.test", 15)] = [mx(10 * i, "mx%d.x.test" % i) for i in range(1, 4)]
for i in range(1, 4):
    big[("mx%d.x.test" % i, 1)] = [a("127.0.0.1")]
with FakeDNS(zone(big, truncate_udp=True)) as dns:
    r = audit(dns, "x.test")
    asked = list(dns.queries)
t.ok(r.mx["facts"].get("hosts") == ["10 mx1.x.test -> 127.0.0.1", "20 mx2.x.test -> 127.0.0.1",
                                    "30 mx3.x.test -> 127.0.0.1"]
     and ("x.test", 15, "udp") in asked and ("x.test", 15, "tcp") in asked,
     "TC over UDP: retried over TCP, full answer used", "%s\n%s" % (asked, r))

# --- a spoofed answer (wrong id) arriving first is ignored ---
with FakeDNS(zone(base, spoof_first=True)) as dns:
    r = audit(dns, "x.test")
t.ok(r.rc == 0 and r.mx["facts"].get("hosts") == ["10 mail.x.test -> 127.0.0.1"],
     "an answer with the wrong id is not taken (the real one is)", r)

# --- broken answers: each a one-line reason, critical, nothing audited ---
# SERVFAIL is the domain's (a recursive resolver's word for failing
# authorities): critical; no answer, REFUSED and NOTIMP are the resolver's own
# failure: a check error (UNKNOWN, exit 3), nothing is known about the domain
for reply, want, fid, rc in [(Reply(raw=b"\x00\x01garbage"), None, "mx.resolver_failed", 3),  # fails the id check
                             (Reply(rcode=2), "SERVFAIL", "mx.dns_failed", 2),
                             (Reply(rcode=5), "REFUSED", "mx.resolver_failed", 3),
                             (Reply(rcode=4), "NOTIMP", "mx.resolver_failed", 3)]:
    with FakeDNS(lambda n, q, reply=reply: reply) as dns:
        r = run("--domain", "x.test", "--dns-server", "127.0.0.1:%d" % dns.port, "--json", "--dns-timeout", "500ms")
    f = r.json.get("checks", [{}])[0].get("findings", [{}])[0] if r.json.get("checks") else {}
    t.ok(r.rc == rc and f.get("id") == fid and (want or "no answer") in f.get("summary", "")
         and r.json.get("servers") == [],
         "DNS answer %s: %s says %s, exit %d" % (want or "garbage", fid, want or "no answer", rc), r)


def malformed_mx(qname, qtype):
    """an MX whose exchange name runs past its record"""
    if qtype != 15:
        return Reply(rcode=3)
    return Reply(raw=None, records=[(15, b"\x00\x0a\x04mail\x01x")])  # no terminating label


with FakeDNS(malformed_mx) as dns:
    r = run("--domain", "x.test", "--dns-server", "127.0.0.1:%d" % dns.port, "--json")
f = r.json.get("checks", [{}])[0].get("findings", [{}])[0] if r.json.get("checks") else {}
t.ok(r.rc == 2 and "malformed answer" in f.get("summary", ""), "a malformed MX record: 'malformed answer'", r)

# --- record sets zones get wrong ---
mixed = dict(base)
mixed[("x.test", 15)] = [mx(0, "."), mx(10, "mail.x.test")]
with FakeDNS(zone(mixed)) as dns:
    r = audit(dns, "x.test")
t.ok(any(f["id"] == "mx.null_mixed" and f["severity"] == "warning" for f in r.mx["findings"])
     and len(r.json.get("servers", [])) == 1, "null MX next to a real one: warning, the real one audited", r)
literal = {("x.test", 15): [mx(10, "127.0.0.1")]}
with FakeDNS(zone(literal)) as dns:
    r = audit(dns, "x.test")
t.ok(any(f["id"] == "mx.address_literal" for f in r.mx["findings"])
     and [s["target"]["address"] for s in r.json.get("servers", [])] == ["127.0.0.1"],
     "MX naming an IP address: warning, audited at that address", r)
dup = {("x.test", 15): [mx(20, "mail.x.test"), mx(10, "MAIL.x.test"), mx(10, "mail.x.test")],
       ("mail.x.test", 1): [a("127.0.0.1")]}
with FakeDNS(zone(dup)) as dns:
    r = audit(dns, "x.test")
t.ok([m["host"] for m in r.json.get("domain", {}).get("mx", [])] == ["MAIL.x.test"]
     and len(r.json.get("servers", [])) == 1, "the same host listed thrice is audited once", r)

# --- --server NAME with --dns-server: resolved by our layer, not getaddrinfo ---
with FakeDNS(zone(base)) as dns, FakeSMTP(SMTP) as smtp:
    r = run("--server", "mail.x.test", "--dns-server", "127.0.0.1:%d" % dns.port, "--port", str(smtp.port),
            "--checks", "connect", "--json")
    asked = list(dns.queries)
t.ok(r.rc == 0 and r.json["target"]["peer"] == "127.0.0.1" and ("mail.x.test", 1, "udp") in asked
     and r.json["timings"]["resolve_ms"] is not None, "--server NAME resolves through --dns-server", r)
with FakeDNS(zone(base)) as dns:
    r = run("--server", "nowhere.x.test", "--dns-server", "127.0.0.1:%d" % dns.port, "--checks", "connect", "--json")
t.ok(r.rc == 2 and "nowhere.x.test" in str(r.json.get("checks", [{}])[0].get("findings"))
     and "NXDOMAIN" in str(r.json.get("checks", [{}])[0].get("findings")), "an unknown name: NXDOMAIN, critical", r)

t.done()
