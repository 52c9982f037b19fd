#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""shard.py - audits beyond one machine: --make-plan, --plan --shard, --merge.

The lab (tests/shardlab.py) gives 40+ domains MX answers from a scripted DNS
server and serves their 16 addresses on loopback. The plan is checked for
duplicates removed and determinism, the shards for a partition of the plan
(from --shard, the Slurm and the Kubernetes variables), the merge for the
same result as one process, and for refusing what is missing or twice.
"""
import json
import os
import shutil
import tempfile

from sdtest import Tap, run, schema_errors
from shardlab import ShardLab, read_jsonl, normalize

t = Tap()
CHECKS = ["--checks", "banner,ehlo", "--timeout", "2s", "--no-progress"]
tmp = tempfile.mkdtemp(prefix="shard.")


def path(name):
    return os.path.join(tmp, name)


def save(name, text):
    with open(path(name), "w") as f:
        f.write(text)
    return path(name)


with ShardLab() as lab:
    r = run("--make-plan", "--targets", lab.domains_file, "--target-type", "domain", "--dns-server", lab.dns,
            "--port", str(lab.port))
    plan = read_jsonl(r.out) if r.rc == 0 else []
    units = [d for d in plan if "unit" in d]
    bad = {d["unresolved"]: d["reason"] for d in plan if "unresolved" in d}
    t.ok(r.rc == 0 and plan and "plan" in plan[0] and plan[0]["plan"]["hash"].startswith("sha256:"),
         "--make-plan prints a header with the plan hash", r.err)
    t.ok(sorted(u["unit"] for u in units) == lab.addresses,
         "one unit per address:port, duplicates removed (%d units for 43 domains)" % len(units),
         "%r\n%r" % ([u["unit"] for u in units], lab.addresses))
    big = [u for u in units if u["unit"].startswith("127.0.62.1:")]
    t.ok(big and "d00.example" in big[0]["domains"] and "d14.example" in big[0]["domains"] and
         "big.provider.test" in big[0]["hosts"] and big[0]["weight"] == len(big[0]["domains"]),
         "a shared provider address is one unit listing every domain it serves", big)
    t.ok(set(bad) == {"gone.example", "nomail.example"} and "NXDOMAIN" in bad["gone.example"] and
         "RFC 7505" in bad["nomail.example"], "NXDOMAIN and null MX domains are listed as unresolved", bad)
    t.ok(any("mx3.lab.test" in u["domains"] for u in units), "a domain without MX uses its implicit MX (RFC 5321 5.1)")
    t.ok(plan and plan[0]["plan"]["domains"] == 43, "D05.EXAMPLE. and d05.example are one domain (43 in all)",
         plan[:1])
    r2 = run("--make-plan", "--targets", lab.domains_file, "--target-type", "domain", "--dns-server", lab.dns,
             "--port", str(lab.port))
    t.ok(r2.rc == 0 and r2.out == r.out, "the same answers give the same plan, byte for byte")
    r3 = run("--make-plan", "--targets", lab.domains_file, "--target-type", "domain", "--dns-server", lab.dns,
             "--port", str(lab.port), "--parallel", "1")
    t.ok(r3.rc == 0 and r3.out == r.out, "looked up one at a time (--parallel 1) or 32 at once: the same plan")
    planf = save("plan.jsonl", r.out)

    # ---- shards ----
    shard_out, seen = {}, {}
    for i in range(4):
        rs = run("--plan", planf, "--shard", "%d/4" % i, "--jsonl", *CHECKS, timeout=120)
        shard_out[i] = rs.out
        docs = read_jsonl(rs.out)
        hdr = docs[0].get("shard", {}) if docs else {}
        us = [d["unit"] for d in docs if "unit" in d]
        t.ok(rs.rc in (0, 1, 2) and hdr.get("index") == i and hdr.get("count") == 4 and
             hdr.get("plan_hash") == plan[0]["plan"]["hash"] and hdr.get("version") and hdr.get("units") == len(us)
             and "fleet" in docs[-1], "shard %d/4: header (plan hash, shard, version), %d unit reports, summary" % (i, len(us)),
             rs.err[-1500:])
        for u in us:
            seen.setdefault(u, []).append(i)
        save("shard-%d.jsonl" % i, rs.out)
    t.ok(sorted(seen) == lab.addresses and all(len(v) == 1 for v in seen.values()),
         "the four shards partition the plan: every unit in exactly one", seen)
    weights = {u["unit"]: max(1, u["weight"]) for u in units}
    loads = [sum(weights[u] for u, s in seen.items() if s[0] == i) for i in range(4)]
    t.ok(max(loads) <= max(max(weights.values()), sum(loads) / 4 + max(weights.values())),
         "shards are balanced by domains served: loads %r" % loads)

    # the engines' variables give the same shards
    rs = run("--plan", planf, "--jsonl", *CHECKS, timeout=120,
             env={"SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "4"})
    us = sorted(d["unit"] for d in read_jsonl(rs.out) if "unit" in d)
    t.ok(us == sorted(u for u, s in seen.items() if s[0] == 2),
         "SLURM_ARRAY_TASK_ID 12 of 10..13 is shard 2/4", rs.err[-800:])
    rs = run("--plan", planf, "--jsonl", "--shard-count", "4", *CHECKS, timeout=120, env={"JOB_COMPLETION_INDEX": "3"})
    us2 = sorted(d["unit"] for d in read_jsonl(rs.out) if "unit" in d)
    t.ok(us2 == sorted(u for u, s in seen.items() if s[0] == 3), "JOB_COMPLETION_INDEX 3 with --shard-count 4 is shard 3/4",
         rs.err[-800:])
    rs = run("--plan", planf, "--jsonl", *CHECKS, env={"JOB_COMPLETION_INDEX": "3"})
    t.ok(rs.rc == 3 and "--shard-count" in rs.err, "JOB_COMPLETION_INDEX without --shard-count is refused", rs.err)
    rs = run("--plan", planf, "--jsonl", *CHECKS, env={"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4"})
    t.ok(rs.rc == 3 and "--array=0-3" in rs.err, "a Slurm array with gaps or a step is refused with the fix", rs.err)

    # idempotent: shard 1 again, the same results
    again = run("--plan", planf, "--shard", "1/4", "--jsonl", *CHECKS, timeout=120)
    t.ok(normalize(read_jsonl(again.out))[0] == normalize(read_jsonl(shard_out[1]))[0] and
         normalize(read_jsonl(again.out))[0], "re-running a shard gives the same set of results")

    # ---- merge ----
    files = [path("shard-%d.jsonl" % i) for i in range(4)]
    html = path("fleet.html")
    m = run("--merge", "--plan", planf, *files, "--jsonl", "--report", html, timeout=120)
    mdocs = read_jsonl(m.out) if m.rc != 3 else []
    summ = mdocs[-1].get("fleet", {}) if mdocs else {}
    t.ok(m.rc == 2 and summ.get("targets") == len(units) and summ.get("plan", {}).get("shards") == 4 and
         summ.get("domains", {}).get("total") == 43 and summ.get("domains", {}).get("unresolved") == 2,
         "--merge --jsonl: %d units, 43 domains, exit 2 (unreachable addresses)" % len(units), m.err[-2000:])
    errs = [e for doc in mdocs if "domain_verdict" not in doc for e in schema_errors(doc)]
    errs += [e for doc in read_jsonl(shard_out[0])[1:] for e in schema_errors(doc)]
    t.ok(mdocs and not errs, "unit reports (with \"unit\") and the merged summary (plan, domains) follow "
         "docs/report.schema.json", errs[:5])
    dv = {d["domain_verdict"]: d for d in mdocs if "domain_verdict" in d}
    refused = {"127.0.62.%d:%d" % (i, lab.port) for i in (12, 13, 14)}
    # a domain is unreachable only when all its addresses are
    mixed = [d for d, v in dv.items() if v.get("units") and
             any(u["unit"] in refused for u in v["units"]) and not all(u["unit"] in refused for u in v["units"])]
    t.ok(len(dv) == 43 and mixed and all(not dv[d]["unreachable"] and dv[d]["exit_code"] == 2 for d in mixed)
         and dv["gone.example"]["verdict"] == "UNRESOLVED",
         "per-domain verdicts: the worst of its MX addresses; reachable while one address is", [dv.get(d) for d in mixed[:2]])
    try:
        with open(html) as f:
            page = f.read()
    except OSError:
        page = ""
    t.ok("<html" in page and "big.provider.test" in page and "%d targets" % len(units) in page and
         "<th>domains</th><td>43 (" in page and "4 shards" in page and plan[0]["plan"]["hash"] in page,
         "--report writes the HTML fleet report of the merged units")
    mt = run("--merge", "--plan", planf, *files)
    t.ok(mt.rc == 2 and "[MERGE]" in mt.out and "each exactly once" in mt.out and "43 domains" in mt.out,
         "--merge text summary", mt.out + mt.err)

    # the same as one process
    single = run("--plan", planf, "--jsonl", *CHECKS, timeout=120)
    sf = save("single.jsonl", single.out)
    ms = run("--merge", "--plan", planf, sf, "--jsonl", timeout=120)
    a, b = normalize(read_jsonl(ms.out)), normalize(mdocs)
    t.ok(ms.rc == 2 and a == b and len(a[0]) == len(units) and len(a[1]) == 43,
         "merged shards equal a single-process run (verdicts, findings, domain verdicts)",
         "%r\n%r" % (a, b) if a != b else ms.err[-1000:])

    # ---- what must fail ----
    os.unlink(files[2])
    lost = sorted(u for u, s in seen.items() if s[0] == 2)
    mm = run("--merge", "--plan", planf, files[0], files[1], files[3])
    t.ok(mm.rc == 3 and not mm.out and "shard 2/4 is missing" in mm.err and all(
         "missing unit %s " % u in mm.err for u in lost) and "%d of %d units missing" % (len(lost), len(units)) in mm.err,
         "a lost shard's output: --merge fails naming the shard and each of its %d units" % len(lost), mm.err)
    save("shard-2.jsonl", shard_out[2])
    lines = shard_out[2].splitlines()
    cut = "\n".join(lines[:2]) + "\n" + lines[2][:40]     # killed while writing its second report
    save("shard-2.jsonl", cut)
    mc = run("--merge", "--plan", planf, *files)
    t.ok(mc.rc == 3 and "cut short" in mc.err, "a shard killed mid-line is refused as cut short", mc.err)
    save("shard-2.jsonl", "\n".join(lines[:2]) + "\n")    # killed between lines
    mk = run("--merge", "--plan", planf, *files)
    cut_units = [u for u in lost if ("\"unit\":\"%s\"" % u) not in lines[1]]
    t.ok(mk.rc == 3 and cut_units and all("missing unit %s " % u in mk.err for u in cut_units) and
         "shard 2/4 is missing" not in mk.err, "a shard killed between lines: its units not written are named",
         mk.err)
    save("shard-2.jsonl", shard_out[2])
    dup = shutil.copy(files[1], path("shard-1-again.jsonl"))
    md = run("--merge", "--plan", planf, *files, dup)
    t.ok(md.rc == 3 and "duplicate shard is refused" in md.err and not md.out, "a duplicate shard is refused", md.err)
    other = save("other.jsonl", shard_out[1].replace(plan[0]["plan"]["hash"], "sha256:" + "0" * 64, 1))
    mo = run("--merge", "--plan", planf, files[0], other, files[2], files[3])
    t.ok(mo.rc == 3 and "shard of another plan" in mo.err, "a shard of another plan is refused", mo.err)
    ver = save("ver.jsonl", shard_out[3].replace('"version":"', '"version":"0.0.0-', 1))
    mv = run("--merge", "--plan", planf, files[0], files[1], files[2], ver)
    t.ok(mv.rc == 3 and "different versions" in mv.err, "shards of different smtp-diag versions are refused", mv.err)
    edited = save("edited.jsonl", r.out.replace("d07.example", "d77.example"))
    me = run("--merge", "--plan", edited, *files)
    t.ok(me.rc == 3 and "edited or cut short" in me.err, "an edited plan fails its hash", me.err)
    six = run("--merge", "--plan", planf, files[0], path("single.jsonl"))
    t.ok(six.rc == 3 and ("of 4 shards" in six.err or "of 1 shards" in six.err), "shards of different counts are refused",
         six.err)
    stray = save("stray.jsonl", shard_out[0] + shard_out[1].splitlines()[1] + "\n")
    ms2 = run("--merge", "--plan", planf, stray, files[1], files[2], files[3])
    t.ok(ms2.rc == 3 and "belongs to shard 1/4" in ms2.err, "a unit in the wrong shard's file is refused", ms2.err)

    # ---- contradictory options ----
    for args, word in ((["--make-plan", "--merge", "--plan", planf], "different steps"),
                       (["--plan", planf, "--shard", "4/4", "--jsonl"], "not I/N"),
                       (["--shard", "1/4", "--server", "127.0.0.1"], "go with --plan"),
                       (["--plan", planf, "--shard", "0/2"], "give --jsonl"),
                       (["--merge", files[0]], "needs --plan"),
                       (["--plan", planf, "--jsonl", "--targets", lab.domains_file], "no --server"),
                       (["--make-plan", "--domain", "a.example", "--json"], "JSON Lines"),
                       (["--mx-map", planf, "--server", "x"], "only goes with --make-plan"),
                       (["--plan", planf, "--shard", "1/4", "--shard-count", "4", "--jsonl"], "already says N"),
                       (["--plan", planf, "--shard", "0/2", "--jsonl", "--port", "10025"], "give --port to --make-plan")):
        rr = run(*args)
        t.ok(rr.rc == 3 and word in rr.err, "refused: %s" % " ".join(args[:3]).replace(tmp, ""), rr.err)

    # --mx-map: a precomputed mapping gives the same plan as DNS
    mapf = save("map.txt", "".join("%s %s %s\n" % (dom, h, ",".join(lab.hosts[h])) for dom, hs in sorted(lab.mx.items())
                                   for _, h in hs))
    mp = run("--make-plan", "--mx-map", mapf, "--port", str(lab.port))
    mdns = [d for d in plan[1:] if "unit" in d]
    t.ok(mp.rc == 0 and [d for d in read_jsonl(mp.out)[1:] if "unit" in d] ==
         [dict(d, domains=[x for x in d["domains"] if x in lab.mx], weight=len([x for x in d["domains"] if x in lab.mx]))
          for d in mdns if any(x in lab.mx for x in d["domains"])],
         "--mx-map gives the units DNS gives for the same mapping", mp.err)

# ---- an MX host without an address, beside a good one ----
# --domain says mx.no_address (critical): senders that pick that host fail;
# the plan lists it (unresolved_mx) and the merge's domain verdict says so
from fakedns import FakeDNS, Reply, a, mx  # noqa: E402
from fleetsmtp import FleetSMTP  # noqa: E402
from shardlab import free_port  # noqa: E402


def half_zone(qname, qtype):
    qname = qname.rstrip(".").lower()
    if qname == "half.example" and qtype == 15:
        return Reply(records=[(15, mx(10, "mx.half.example")), (15, mx(20, "gone.half.example"))])
    if qname == "whole.example" and qtype == 15:
        return Reply(records=[(15, mx(10, "mx.half.example"))])
    if qname == "mx.half.example":
        return Reply(records=[(1, a("127.0.63.1"))] if qtype == 1 else [])
    if qname in ("half.example", "whole.example"):
        return Reply(records=[])
    return Reply(rcode=3)


hp = free_port(["127.0.63.1"])
with FakeDNS(half_zone) as hdns, FleetSMTP([{"addr": "127.0.63.1", "kind": "ok"}], hp):
    doms = save("half.txt", "half.example\nwhole.example\n")
    hr = run("--make-plan", "--targets", doms, "--target-type", "domain", "--dns-server", "127.0.0.1:%d" % hdns.port,
             "--port", str(hp))
    hplan = read_jsonl(hr.out) if hr.rc == 0 else []
    nomx = [d for d in hplan if "unresolved_mx" in d]
    t.ok(hr.rc == 0 and hplan and hplan[0]["plan"]["format"] == 2 and hplan[0]["plan"].get("unresolved_mx") == 1
         and len(nomx) == 1 and nomx[0]["unresolved_mx"] == "gone.half.example" and nomx[0]["domain"] == "half.example"
         and "NXDOMAIN" in nomx[0]["reason"].upper()
         and [d["domains"] for d in hplan if "unit" in d] == [["half.example", "whole.example"]],
         "--make-plan lists an MX host without an address (unresolved_mx) of a domain that has another", hr.out)
    hpf = save("half-plan.jsonl", hr.out)
    hs = run("--plan", hpf, "--shard", "0/1", "--jsonl", *CHECKS, timeout=60)
    hsf = save("half-shard.jsonl", hs.out)
    hm = run("--merge", "--plan", hpf, hsf, "--jsonl", timeout=60)
    hv = {d["domain_verdict"]: d for d in read_jsonl(hm.out) if "domain_verdict" in d} if hm.rc != 3 else {}
    half, whole = hv.get("half.example", {}), hv.get("whole.example", {})
    t.ok(hs.rc == 0 and hm.rc == 2 and half.get("verdict") == "CRITICAL" and half.get("exit_code") == 2
         and [x["host"] for x in half.get("mx_no_address", [])] == ["gone.half.example"]
         and whole.get("verdict") == "OK" and "mx_no_address" not in whole,
         "--merge: the domain with an MX host without an address is CRITICAL (as mx.no_address), "
         "its neighbour on the same unit OK; exit 2", hm.out[-1500:] + hm.err)
    # a format 1 plan (before unresolved_mx) is still read
    import hashlib  # noqa: E402
    old_lines = [ln for ln in hr.out.splitlines()[1:] if "unresolved_mx" not in ln]
    body = "".join(ln + "\n" for ln in old_lines)
    hdr = dict(hplan[0]["plan"], format=1, hash="sha256:" + hashlib.sha256(body.encode()).hexdigest())
    hdr.pop("unresolved_mx", None)
    oldf = save("half-plan-1.jsonl", json.dumps({"plan": hdr}) + "\n" + body)
    hos = run("--plan", oldf, "--shard", "0/1", "--jsonl", *CHECKS, timeout=60)
    ho = run("--merge", "--plan", oldf, save("half-shard-1.jsonl", hos.out), "--jsonl", timeout=60)
    t.ok(hos.rc == 0 and ho.rc == 0, "a format 1 plan is still read (its merge knows no unresolved_mx)",
         hos.err + ho.err)
    newer = save("plan-3.jsonl", json.dumps({"plan": dict(hdr, format=3)}) + "\n" + body)
    hn = run("--merge", "--plan", newer, hsf)
    t.ok(hn.rc == 3 and "not a plan" in hn.err, "a plan of a newer format is refused in one line", hn.err)

shutil.rmtree(tmp, ignore_errors=True)
t.done()
