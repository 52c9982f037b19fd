#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""shardlab.py - a lab of mail domains for plan/shard/merge tests.

ShardLab() serves 16 SMTP endpoints on 127.0.62.x (tests/fleetsmtp.py) and
a scripted DNS server (tests/fakedns.py) that gives 40 domains their MX
hosts, several domains sharing one provider's address, plus an NXDOMAIN
domain, a null MX and a domain without MX (implicit MX). Loopback only; the
system resolver is never asked.

    with ShardLab() as lab:
        lab.dns          "127.0.0.1:PORT" for --dns-server
        lab.port         the SMTP port of every endpoint
        lab.domains_file a --targets file of the domains
        lab.addresses    the addresses a plan must have (address:port keys)

normalize(docs) turns merged JSON Lines into what must be equal between a
sharded and a single-process run: per unit its verdict and finding ids,
per domain its verdict, timings dropped. merged_vs_single(plan, files,
checks, tmp) merges a batch run's shard outputs and, beside it, a
single-process run of the same plan, both normalized, for the tests that
run the shards through a real scheduler (parallel.py, slurm.py).
"""
import json
import os
import socket
import tempfile

from fakedns import FakeDNS, Reply, a, mx
from fleetsmtp import FleetSMTP

NADDR = 16


def free_port(addrs):
    for port in range(10325, 10400):
        try:
            for ad in addrs[:3]:
                s = socket.socket()
                s.bind((ad, port))
                s.close()
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


class ShardLab:
    def __init__(self):
        kinds = ["ok"] * 11 + ["refuse"] * 3 + ["slow"] * 2
        self.endpoints = []
        for i, k in enumerate(kinds):
            e = {"addr": "127.0.62.%d" % (i + 1), "kind": k}
            if k == "slow":
                e["delay"] = 0.1
            self.endpoints.append(e)
        # MX hosts: mx0..mx15 -> one address each; provider hosts with two addresses
        self.hosts = {"mx%d.lab.test" % i: ["127.0.62.%d" % (i + 1)] for i in range(NADDR)}
        self.hosts["big.provider.test"] = ["127.0.62.1", "127.0.62.2"]
        self.mx = {}
        for d in range(40):
            dom = "d%02d.example" % d
            if d < 15:     # many domains at one provider (shared addresses)
                self.mx[dom] = [(10, "big.provider.test")]
            elif d < 30:
                self.mx[dom] = [(10, "mx%d.lab.test" % (d % NADDR)), (20, "mx%d.lab.test" % ((d + 5) % NADDR))]
            else:
                self.mx[dom] = [(10, "mx%d.lab.test" % (d % NADDR))]
        self.nxdomain = "gone.example"
        self.nullmx = "nomail.example"
        self.implicit = "mx3.lab.test"     # no MX: the implicit MX is its own A record

    def answer(self, qname, qtype):
        qname = qname.rstrip(".").lower()
        if qtype == 15:
            if qname in self.mx:
                return Reply(records=[(15, mx(p, h)) for p, h in self.mx[qname]])
            if qname == self.nullmx:
                return Reply(records=[(15, mx(0, "."))])
            if qname in self.hosts:
                return Reply(records=[])
            return Reply(rcode=3)
        if qtype == 1 and qname in self.hosts:
            return Reply(records=[(1, a(x)) for x in self.hosts[qname]])
        if qname in self.hosts or qname in self.mx:
            return Reply(records=[])
        return Reply(rcode=3)

    def __enter__(self):
        self.port = free_port([e["addr"] for e in self.endpoints])
        self.smtp = FleetSMTP(self.endpoints, self.port).__enter__()
        self.fdns = FakeDNS(self.answer).__enter__()
        self.dns = "127.0.0.1:%d" % self.fdns.port
        self.tmp = tempfile.mkdtemp(prefix="shardlab.")
        self.domains_file = os.path.join(self.tmp, "domains.txt")
        with open(self.domains_file, "w") as f:
            f.write("# the lab's domains\n")
            for dom in sorted(self.mx) + [self.nxdomain, self.nullmx, self.implicit]:
                f.write(dom + "\n")
            f.write("D05.EXAMPLE.\n")       # the same domain again, spelled otherwise
        used = set()
        for dom, hs in self.mx.items():
            for _, h in hs:
                used.update(self.hosts[h])
        used.update(self.hosts[self.implicit])
        self.addresses = sorted("%s:%d" % (x, self.port) for x in used)
        return self

    def __exit__(self, *exc):
        self.fdns.__exit__(*exc)
        self.smtp.__exit__(*exc)


def read_jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def normalize(docs):
    units, domains = {}, {}
    for d in docs:
        if "unit" in d:
            ids = sorted({(f["id"], f["severity"]) for c in d.get("checks", []) for f in c.get("findings", [])})
            units[d["unit"]] = (d.get("verdict"), d.get("exit_code"), ids)
        elif "domain_verdict" in d:
            domains[d["domain_verdict"]] = (d["verdict"], d["exit_code"], sorted(u["unit"] for u in d.get("units", [])))
    return units, domains


def merged_vs_single(plan, files, checks, tmp):
    """--merge the shard outputs FILES of PLAN; run PLAN in one process with
    CHECKS (its JSON Lines saved as TMP/single.jsonl) and --merge that alone.
    Returns (a, b, err): the two merges normalized (None where that merge
    failed) and their stderr."""
    from sdtest import run
    m = run("--merge", "--plan", plan, *files, "--jsonl", timeout=120)
    single = run("--plan", plan, "--jsonl", "--no-progress", *checks.split(), timeout=120)
    sf = os.path.join(tmp, "single.jsonl")
    with open(sf, "w") as f:
        f.write(single.out)
    ms = run("--merge", "--plan", plan, sf, "--jsonl", timeout=120)
    a = normalize(read_jsonl(m.out)) if m.rc in (0, 1, 2) else None
    b = normalize(read_jsonl(ms.out)) if ms.rc in (0, 1, 2) else None
    return a, b, m.err + ms.err
