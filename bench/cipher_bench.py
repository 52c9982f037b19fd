#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cipher_bench.py - smtp-diag's cipher check against testssl.sh and nmap.

Starts the lab Postfix (tests/lab/postfix-up.sh) on loopback, then for each
TLS listener runs, one after the other:

  smtp-diag --checks cipher                                (this project)
  testssl --starttls smtp -p -e                            (Debian testssl.sh)
  nmap -Pn --script ssl-enum-ciphers                       (Debian nmap)

and prints the wall time of each (median of --runs for the two fast tools),
the ratios, and whether the accepted protocol and cipher sets are identical.
Needs root (the lab Postfix), a built tree (run from it or pass --build),
and `apt-get install testssl.sh nmap`. Nothing leaves 127.0.0.1.

nmap only speaks STARTTLS on a port it believes to be SMTP; a private
--datadir with an nmap-services file naming the lab ports as smtp does that
without -sV (which would add service detection to nmap's time).
"""
import argparse
import json
import os
import statistics
import sys
import xml.etree.ElementTree as ET

from benchlab import DelayProxy, Lab, need, smtp_diag, timed
VERSIONS = {"TLSv1": "TLSv1.0", "TLSv1.0": "TLSv1.0", "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2",
            "TLSv1.3": "TLSv1.3", "SSLv3": "SSLv3", "SSLv2": "SSLv2"}
# (offset from the port base, label)
LISTENERS = [(0, "MX (Postfix 'high')"), (12, "strict (ECDHE+AEAD)"), (11, "legacy (TLS 1.0/1.1, kRSA)")]


def ours(build, port, ca, parallel):
    argv, env = smtp_diag(build)
    args = argv + ["--server", "mail.lab.test", "--address", "127.0.0.1", "--port", str(port), "--ca-file", ca,
            "--checks", "cipher", "--json"] + (["--tls-parallel", str(parallel)] if parallel else [])
    secs, p = timed(args, env)
    doc = json.loads(p.stdout)
    c = [x for x in doc["checks"] if x["name"] == "cipher"][0]
    f = c["facts"]
    sets = {}
    for key, name in (("tlsv1_0", "TLSv1.0"), ("tlsv1_1", "TLSv1.1"), ("tlsv1_2", "TLSv1.2"), ("tlsv1_3", "TLSv1.3")):
        if f.get(key + "_suites_iana"):
            sets[name] = set(f[key + "_suites_iana"])
    protos = {VERSIONS[k] for k, v in f.get("protocols", {}).items() if v == "accepted"}
    return secs, protos, sets, f.get("handshakes")


def nmap(port, datadir):
    secs, p = timed(["nmap", "-Pn", "-n", "--datadir", datadir, "-p", str(port), "--script", "ssl-enum-ciphers",
                     "-oX", "-", "127.0.0.1"])
    sets = {}
    root = ET.fromstring(p.stdout)
    for script in root.iter("script"):
        if script.get("id") != "ssl-enum-ciphers":
            continue
        for proto in script.findall("table"):
            name = VERSIONS.get(proto.get("key"))
            if name is None:
                continue
            for t in proto.findall("table"):
                if t.get("key") != "ciphers":
                    continue
                for c in t.findall("table"):
                    for e in c.findall("elem"):
                        if e.get("key") == "name":
                            # nmap names TLS 1.3 suites TLS_AKE_WITH_...; IANA says TLS_...
                            sets.setdefault(name, set()).add(e.text.replace("TLS_AKE_WITH_", "TLS_"))
    return secs, set(sets), sets


def testssl(port, tmp):
    out = os.path.join(tmp, "testssl-%d.json" % port)
    if os.path.exists(out):
        os.unlink(out)
    secs, p = timed(["testssl", "--quiet", "--warnings", "off", "--color", "0", "--starttls", "smtp", "-p", "-e",
                     "--jsonfile", out, "127.0.0.1:%d" % port])
    protos, suites = set(), set()
    names = {"TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3", "SSLv3": "SSLv3",
             "SSLv2": "SSLv2"}
    for e in json.load(open(out)):
        if e["id"] in names and e["finding"].startswith("offered"):
            protos.add(names[e["id"]])
        elif e["id"].startswith("cipher_x"):
            suites.add(e["finding"].split()[-1])  # the IANA name ends the line
    return secs, protos, suites


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.getcwd(), help="build tree (default: the current directory)")
    ap.add_argument("--runs", type=int, default=5, help="runs of smtp-diag and nmap per listener (median)")
    ap.add_argument("--no-testssl", action="store_true", help="skip testssl.sh (about 30-60 s per listener)")
    ap.add_argument("--parallel", type=int, default=0, help="smtp-diag --tls-parallel (default: the profile's)")
    ap.add_argument("--rtt", type=int, default=20,
                    help="also measure through a proxy adding this round-trip time in ms (0: skip; no testssl)")
    a = ap.parse_args()
    need("nmap", *(() if a.no_testssl else ("testssl",)))
    offsets = [off for off, _ in LISTENERS]
    lab = Lab(offsets, extra_ports=[int(os.environ.get("SD_LAB_PORT_BASE", "10025")) + 40 + o for o in offsets])
    try:
        base, proxy_base = lab.base, lab.base + 40
        print("listener                        tool       wall (s)  ratio  sets")
        all_same = True
        plan = [(base + off, label, True) for off, label in LISTENERS]
        if a.rtt > 0:
            for off, label in LISTENERS:
                DelayProxy(proxy_base + off, base + off, a.rtt)
                plan.append((proxy_base + off, "%s, RTT %d ms" % (label.split(" (")[0], a.rtt), False))
        for port, label, direct in plan:
            runs = [ours(a.build, port, lab.ca, a.parallel) for _ in range(a.runs)]
            t_ours = statistics.median(r[0] for r in runs)
            _, o_protos, o_sets, hs = runs[0]
            nruns = [nmap(port, lab.nmap_datadir) for _ in range(a.runs)]
            t_nmap = statistics.median(r[0] for r in nruns)
            _, n_protos, n_sets = nruns[0]
            same_n = o_protos == n_protos and o_sets == n_sets
            print("%-31s smtp-diag  %8.3f         %d handshakes" % (label + " :%d" % port, t_ours, hs))
            print("%-31s nmap       %8.3f  %5.1fx %s" % ("", t_nmap, t_nmap / t_ours, "identical" if same_n else
                                                          "DIFFER: ours %s / nmap %s" % (o_sets, n_sets)))
            all_same &= same_n
            if not a.no_testssl and direct:
                t_ts, ts_protos, ts_suites = testssl(port, lab.tmp)
                o_union = set().union(*o_sets.values()) if o_sets else set()
                same_t = o_protos == ts_protos and o_union == ts_suites
                print("%-31s testssl    %8.3f  %5.1fx %s" % ("", t_ts, t_ts / t_ours, "identical" if same_t else
                                                              "DIFFER: protocols %s/%s, suites ours-testssl %s, "
                                                              "testssl-ours %s" % (o_protos, ts_protos,
                                                                                   o_union - ts_suites,
                                                                                   ts_suites - o_union)))
                all_same &= same_t
        print("accepted protocol and cipher sets: %s" % ("identical for every tool and listener" if all_same
                                                         else "NOT identical (see above)"))
        return 0 if all_same else 1
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())
