#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""wan_bench.py - the default audit over a WAN link, against its round-trip floor.

Starts the lab Postfix and puts its MX listener (and its open relay) behind
a proxy that holds each chunk for RTT/2 in each direction (benchlab's
DelayProxy: the TCP connect itself is not delayed). For each RTT it runs

  smtp-diag --server mail.lab.test --address 127.0.0.1 --port P   (default profile, relay-light included)

and prints the median wall time, the round-trip floor of the main session
(greeting 0.5 + EHLO 1 + STARTTLS 1 + TLS 1.3 handshake 1 + EHLO 1 = 4.5 RTT)
and their ratio; then, in the same run, the time the usual tools need for
the same answers one after another:

  swaks --server 127.0.0.1:P --quit-after EHLO                 (reachable, greeting, EHLO, response time)
  posttls-finger -c -l verify -F ca.crt [127.0.0.1]:P mail.lab.test   (TLS version, cipher, certificate)
  nmap -Pn --script smtp-open-relay ... -p P 127.0.0.1         (relay verdict)

Needs root, a built tree, and `apt-get install swaks nmap postfix`. DNS
lookups go to a closed loopback port (DANE and PTR say "not checked" at
once): nothing leaves 127.0.0.1, and no tool sends DATA.
"""
import argparse
import json
import os
import statistics

from benchlab import DelayProxy, Lab, need, smtp_diag, timed

LISTENERS = [(0, "MX"), (1, "open relay")]


def ours(build, port, ca):
    argv, env = smtp_diag(build)
    secs, p = timed(argv + ["--server", "mail.lab.test", "--address", "127.0.0.1", "--port", str(port),
                            "--ca-file", ca, "--dns-server", "127.0.0.1:9", "--json"], env)
    try:
        doc = json.loads(p.stdout)
        return secs, doc.get("verdict"), (doc.get("answers") or {}).get("line", doc.get("summary"))
    except ValueError:
        return secs, "no JSON", p.stderr.strip()[:200]


def others(port, ca, datadir, mail_config):
    t_swaks, s = timed(["swaks", "--server", "127.0.0.1:%d" % port, "--quit-after", "EHLO", "--ehlo", "bench.test"])
    # posttls-finger reads a main.cf: the lab's, not /etc/postfix's
    t_ptf, f = timed(["posttls-finger", "-c", "-l", "verify", "-F", ca, "[127.0.0.1]:%d" % port, "mail.lab.test"],
                     dict(os.environ, MAIL_CONFIG=mail_config))
    t_nmap, n = timed(["nmap", "-Pn", "-n", "--datadir", datadir, "-p", str(port), "--script", "smtp-open-relay",
                       "--script-args", "smtp-open-relay.domain=example.net,smtp-open-relay.ip=127.0.0.1",
                       "127.0.0.1"])
    tls = next((l.strip() for l in (f.stdout + f.stderr).splitlines() if "TLS connection established" in l),
               "posttls-finger: " + (f.stdout + f.stderr).strip()[-160:])
    relay = next((l.strip("|_ ") for l in n.stdout.splitlines() if "smtp-open-relay:" in l), "no verdict")
    return t_swaks, t_ptf, t_nmap, tls, relay


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.getcwd(), help="build tree (default: the current directory)")
    ap.add_argument("--runs", type=int, default=5, help="runs of smtp-diag per listener and RTT (median)")
    ap.add_argument("--rtt", default="50,150", help="round-trip times in ms, comma-separated")
    a = ap.parse_args()
    need("swaks", "nmap", "posttls-finger")
    rtts = [int(x) for x in a.rtt.split(",") if x]
    extra = [int(os.environ.get("SD_LAB_PORT_BASE", "10025")) + 40 + 10 * i + off
             for i in range(len(rtts)) for off, _ in LISTENERS]
    lab = Lab([off for off, _ in LISTENERS], extra_ports=extra)
    try:
        print("RTT   listener    smtp-diag (s)  floor 4.5 RTT  ratio  | swaks  posttls-finger  nmap   sum (s)")
        for i, rtt in enumerate(rtts):
            for off, label in LISTENERS:
                port = lab.base + 40 + 10 * i + off
                DelayProxy(port, lab.base + off, rtt)
                runs = [ours(a.build, port, lab.ca) for _ in range(a.runs)]
                t = statistics.median(r[0] for r in runs)
                floor = 4.5 * rtt / 1000.0
                ts, tp, tn, tls, relay = others(port, lab.ca, lab.nmap_datadir,
                                                os.path.join(lab.state, "postfix", "etc"))
                print("%3d   %-10s  %13.3f  %13.3f  %4.2fx  | %5.2f  %14.2f  %5.2f  %7.2f"
                      % (rtt, label, t, floor, t / floor, ts, tp, tn, ts + tp + tn))
                print("      smtp-diag: %s: %s" % (runs[0][1], runs[0][2]))
                print("      others:    %s; %s" % (tls, relay))
        return 0
    finally:
        lab.close()


if __name__ == "__main__":
    raise SystemExit(main())
