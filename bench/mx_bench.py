#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mx_bench.py - peak memory and time of --domain against a DNS server that
answers MX with N records (one TCP answer; issue 19).

Starts tests/fakedns.py on loopback answering "x.test MX" with N records
"10 hI.x.test" (compressed so thousands fit in 64 KiB), every host's A
record 127.0.0.1, AAAA none, and a fake SMTP server; runs

    /usr/bin/time -v smtp-diag --domain x.test --dns-server 127.0.0.1:P --port Q --checks connect --json

and prints the maximum resident set size and the wall time for each N.
Run from a built tree: python3 bench/mx_bench.py [--mx-limit M] [N ...] (default 1000 3000 3100).
"""
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from fakedns import FakeDNS, Reply, a  # noqa: E402
from fakesmtp import FakeSMTP  # noqa: E402

SMTP = [("send", b"220 mail.x.test ESMTP\r\n"), ("expect", "EHLO"), ("send", b"250 mail.x.test\r\n")]


def answer_for(n):
    recs = [(15, struct.pack("!H", 10) + bytes([len("h%d" % i)]) + b"h%d" % i + b"\xc0\x0c") for i in range(n)]

    def answer(qname, qtype):
        if qname == "x.test" and qtype == 15:
            return Reply(records=recs, truncate_udp=True)
        if qname.endswith(".x.test") and qtype == 1:
            return Reply(records=[(1, a("127.0.0.1"))])
        return Reply(rcode=0)
    return answer


def main():
    args = sys.argv[1:]
    extra = []
    if args[:1] == ["--mx-limit"]:
        extra, args = ["--mx-limit", args[1]], args[2:]
    sizes = [int(x) for x in args] or [1000, 3000, 3100]
    binary = os.path.join(os.environ.get("SD_TOP_BUILDDIR", os.path.join(HERE, "..")), "smtp-diag")
    env = dict(os.environ, SMTPDIAG_PLUGIN_DIR=os.path.join(os.path.dirname(binary), "plugins"),
               SMTPDIAG_PROFILE_DIR=os.path.join(HERE, "..", "profiles"))
    print("| MX records | answer bytes | peak RSS | wall time | exit |")
    print("|---|---|---|---|---|")
    for n in sizes:
        recs = answer_for(n)("x.test", 15).records
        size = 12 + 12 + sum(12 + len(r[1]) for r in recs)   # header, question, records
        with FakeDNS(answer_for(n)) as dns, FakeSMTP(SMTP) as smtp:
            p = subprocess.run(["/usr/bin/time", "-v", binary, "--domain", "x.test", "--dns-server",
                                "127.0.0.1:%d" % dns.port, "--port", str(smtp.port), "--checks", "connect",
                                "--json"] + extra, capture_output=True, text=True, env=env)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr)
        hosts = p.stdout.count('"preference"')
        print("| %d (%d in the report) | %d | %.1f MiB | %s | %d |" % (
            n, hosts, size, int(rss.group(1)) / 1024.0 if rss else -1, wall.group(1) if wall else "?",
            p.returncode))


if __name__ == "__main__":
    main()
