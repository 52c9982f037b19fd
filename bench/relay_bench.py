#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""relay_bench.py - smtp-diag's relay check against nmap's smtp-open-relay.

Starts the lab Postfix and runs, on its relay-restricted MX listener and on
its deliberately open relay (mail discarded):

  smtp-diag --checks relay                                         (this project)
  nmap -Pn --script smtp-open-relay --script-args smtp-open-relay.domain=example.net,smtp-open-relay.ip=127.0.0.1

and prints each wall time (median of --runs for smtp-diag; nmap once, it
takes ~18 s on the MX), the ratio, and both verdicts. Needs root, a built
tree, and `apt-get install nmap`. Nothing leaves 127.0.0.1, and neither
tool sends DATA.
"""
import argparse
import json
import os
import statistics
import sys

from benchlab import Lab, need, smtp_diag, timed

LISTENERS = [(0, "MX (reject_unauth_destination)"), (1, "open relay (mynetworks 127/8)")]


def ours(build, port):
    argv, env = smtp_diag(build)
    secs, p = timed(argv + ["--server", "mail.lab.test", "--address", "127.0.0.1", "--port", str(port),
                            "--checks", "relay", "--json"], env)
    c = [x for x in json.loads(p.stdout)["checks"] if x["name"] == "relay"][0]
    is_open = any(f["id"] == "relay.open" for f in c["findings"])
    return secs, is_open, "%s: %s" % ("OPEN RELAY" if is_open else "not open", c.get("summary") or c["status"])


def nmap(port, datadir):
    secs, p = timed(["nmap", "-Pn", "-n", "--datadir", datadir, "-p", str(port), "--script", "smtp-open-relay",
                     "--script-args", "smtp-open-relay.domain=example.net,smtp-open-relay.ip=127.0.0.1",
                     "127.0.0.1"])
    line = next((l.strip("|_ ") for l in p.stdout.splitlines() if "smtp-open-relay:" in l), "no verdict")
    return secs, "is an open relay" in line, line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.getcwd(), help="build tree (default: the current directory)")
    ap.add_argument("--runs", type=int, default=5, help="runs of smtp-diag per listener (median)")
    a = ap.parse_args()
    need("nmap")
    lab = Lab([off for off, _ in LISTENERS])
    same = True
    try:
        print("listener                             tool       wall (s)  ratio  verdict")
        for off, label in LISTENERS:
            port = lab.base + off
            runs = [ours(a.build, port) for _ in range(a.runs)]
            t_ours = statistics.median(r[0] for r in runs)
            t_nmap, n_open, n_line = nmap(port, lab.nmap_datadir)
            print("%-36s smtp-diag  %8.3f         %s" % (label, t_ours, runs[0][2]))
            print("%-36s nmap       %8.3f  %5.1fx %s" % ("", t_nmap, t_nmap / t_ours, n_line))
            same &= runs[0][1] == n_open
        print("verdicts: %s" % ("the same for both tools on every listener" if same else "DIFFER (see above)"))
        return 0 if same else 1
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())
