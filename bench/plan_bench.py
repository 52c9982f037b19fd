#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""plan_bench.py - the plan and merge steps at internet scale, simulated.

Makes a synthetic mapping of DOMAINS domains (default 1,000,000) onto
ADDRESSES MX addresses (default 20,000) with a Zipf distribution (exponent
--zipf, default 1.0: the address of rank r serves a share proportional to
1/r^s); --second (default 0.1) of the domains get a second MX host drawn the
same way. Every address is in 127.0.0.0/8 and the port is 9, so the
sharded runs connect to nothing but a closed loopback port, and the bench
runs in its own network namespace (unshare -n) when it can.

Then, each under /usr/bin/time (wall time, peak RSS):
  1. smtp-diag --make-plan --mx-map MAP            (no DNS: docs/fleet.md)
  2. for N in --shards (4,16,64): shard balance from the shard headers of
     real runs (--plan --shard I/N --checks connect, every address refused
     at once), largest/mean by domains and by addresses, and the lower bound
     that the heaviest single address sets (an address is never split);
     the same for a plain hash(address) mod N for comparison
  3. smtp-diag --merge of the N=--merge-shards outputs, text and --jsonl

    python3 bench/plan_bench.py [--domains 1000000] [--addresses 20000] [--zipf 1.0]
"""
import argparse
import bisect
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def fnv1a(s):
    h = 1469598103934665603
    for b in s.encode():
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def timed(argv, out_path, env):
    """run ARGV under /usr/bin/time, stdout to OUT_PATH: (rc, seconds, peak MiB)"""
    with open(out_path, "w") as out:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + argv, stdout=out, stderr=subprocess.PIPE, text=True,
                           env=env)
    last = p.stderr.strip().splitlines()[-1].split()
    return p.returncode, float(last[0]), int(last[1]) / 1024.0, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--domains", type=int, default=1000000)
    ap.add_argument("--addresses", type=int, default=20000)
    ap.add_argument("--zipf", type=float, default=1.0)
    ap.add_argument("--second", type=float, default=0.1)
    ap.add_argument("--shards", default="4,16,64")
    ap.add_argument("--merge-shards", type=int, default=16)
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--keep", help="directory for the files (default: a temporary one)")
    a = ap.parse_args()
    if os.environ.get("SD_BENCH_NETNS") != "1" and os.geteuid() == 0:
        os.execvpe("unshare", ["unshare", "-n", "sh", "-c", 'ip link set lo up; exec "$0" "$@"', sys.executable]
                   + sys.argv, dict(os.environ, SD_BENCH_NETNS="1"))
    work = a.keep or tempfile.mkdtemp(prefix="plan-bench.")
    os.makedirs(work, exist_ok=True)
    sd = os.path.join(TOP, "smtp-diag")
    env = dict(os.environ, SMTPDIAG_PLUGIN_DIR=os.path.join(TOP, "plugins", ".libs"),
               SMTPDIAG_PROFILE_DIR=os.path.join(TOP, "profiles"), SMTPDIAG_DNS_SERVER="127.0.0.1:9")

    # ---- the synthetic mapping ----
    rnd = random.Random(a.seed)
    cum = list(itertools.accumulate(1.0 / (r ** a.zipf) for r in range(1, a.addresses + 1)))
    total = cum[-1]

    def pick():
        return bisect.bisect_left(cum, rnd.random() * total)

    def addr(r):
        r += 1
        return "127.%d.%d.%d" % (1 + r // 65536, (r // 256) % 256, r % 256)

    mapf = os.path.join(work, "mx-map.txt")
    t0 = time.monotonic()
    with open(mapf, "w") as f:
        for d in range(a.domains):
            dom = "d%07d.example" % d
            r = pick()
            f.write("%s mx%d.provider.test %s\n" % (dom, r, addr(r)))
            if rnd.random() < a.second:
                r2 = pick()
                if r2 != r:
                    f.write("%s mx%d.provider.test %s\n" % (dom, r2, addr(r2)))
    print("mapping: %d domains over %d addresses, Zipf s=%.2f, %.0f%% with a second MX: %.1f MB, made in %.1fs" %
          (a.domains, a.addresses, a.zipf, a.second * 100, os.path.getsize(mapf) / 1e6, time.monotonic() - t0))

    plan = os.path.join(work, "plan.jsonl")
    rc, sec, mib, err = timed([sd, "--make-plan", "--mx-map", mapf, "--port", "9"], plan, env)
    if rc != 0:
        sys.exit("make-plan failed: " + err)
    units = []
    with open(plan) as f:
        hdr = json.loads(f.readline())["plan"]
        for line in f:
            o = json.loads(line)
            if "unit" in o:
                units.append((o["unit"], max(1, o["weight"])))
    print("plan: %d units, %d domains, %.1f MB: %.2fs, peak RSS %.0f MiB" %
          (hdr["units"], hdr["domains"], os.path.getsize(plan) / 1e6, sec, mib))
    weight = dict(units)
    heaviest = max(w for _, w in units)
    total_w = sum(w for _, w in units)

    # ---- shards: real runs, balance from what each audited ----
    results = {}
    for n in [int(x) for x in a.shards.split(",")]:
        outdir = os.path.join(work, "shards-%d" % n)
        os.makedirs(outdir, exist_ok=True)
        loads, counts, secs, peak = [], [], [], 0.0
        for i in range(n):
            out = os.path.join(outdir, "shard-%d.jsonl" % i)
            rc, sec, mib, err = timed([sd, "--plan", plan, "--shard", "%d/%d" % (i, n), "--jsonl", "--checks", "connect",
                                       "--timeout", "1s", "--parallel", "64", "--no-progress"], out, env)
            if rc not in (0, 1, 2):
                sys.exit("shard %d/%d failed: %s" % (i, n, err[-2000:]))
            us = []
            with open(out) as f:
                for line in f:
                    if line.startswith('{"schema_version"') and '"unit":"' in line:
                        us.append(line.split('"unit":"', 1)[1].split('"', 1)[0])
            loads.append(sum(weight[u] for u in us))
            counts.append(len(us))
            secs.append(sec)
            peak = max(peak, mib)
        mean_w, mean_u = total_w / n, len(units) / n
        hm = [0] * n
        hc = [0] * n
        for u, w in units:
            hm[fnv1a(u) % n] += w
            hc[fnv1a(u) % n] += 1
        results[n] = loads
        print("N=%-3d domains largest/mean %.3f (floor %.3f: heaviest address %d domains, mean %.0f); "
              "addresses largest/mean %.3f; hash mod N: %.3f / %.3f; shard run max %.1fs, peak RSS %.0f MiB" %
              (n, max(loads) / mean_w, max(1.0, heaviest / mean_w), heaviest, mean_w, max(counts) / mean_u,
               max(hm) / mean_w, max(hc) / mean_u, max(secs), peak))
        sys.stdout.flush()

    # ---- merge ----
    n = a.merge_shards
    outdir = os.path.join(work, "shards-%d" % n)
    files = sorted(os.path.join(outdir, f) for f in os.listdir(outdir))
    for label, extra in (("text", []), ("--jsonl", ["--jsonl"])):
        rc, sec, mib, err = timed([sd, "--merge", "--plan", plan] + extra + files, os.path.join(work, "merged.out"), env)
        print("merge of %d shards (%s): exit %d, %.2fs, peak RSS %.0f MiB, output %.1f MB" %
              (n, label, rc, sec, mib, os.path.getsize(os.path.join(work, "merged.out")) / 1e6))
        if rc == 3:
            print(err[-2000:])
    print("files in %s" % work)


if __name__ == "__main__":
    main()
