#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""monitoring.py - check_smtpdiag and the exporter against the real lab.

1. Conformance: monitoring-plugins' check_smtp and check_smtpdiag with the
   same options over the lab's cases (refused port, expired certificate
   with -D, slow greeting (postscreen) with -w, no TLS with -S, the good
   MX, greeting text with -e, -D days) must exit with the same code.
2. Prometheus: a real Prometheus server (Debian's prometheus) scrapes
   `smtp-diag --exporter` with blackbox-style relabeling; after two scrapes
   its HTTP query API must say probe_success 1 for the good MX, 0 for the
   dead port, and probe_ssl_earliest_cert_expiry in the past for the
   expired-certificate listener.
Needs root, Postfix, check_smtp and prometheus; skipped without them,
failed instead under SD_REQUIRE_LAB=1. Its own lab copy on ports 10225-10253
(SD_MONITORING_LAB_PORT_BASE), so it may run beside postfix.py.
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sdtest  # noqa: E402

t = sdtest.Tap()
LAB = os.path.join(sdtest.SRC, "tests", "lab")
STATE = os.path.join(sdtest.BUILD, "tests", "lab-state-monitoring")
# a lab of its own (as domain.py): runs beside postfix.py under make -j2
BASE = int(os.environ.get("SD_MONITORING_LAB_PORT_BASE", "10225"))
MX, PLAINAUTH, POSTSCREEN, EXPIRED = BASE, BASE + 4, BASE + 5, BASE + 6
SMTPS, LEGACY = BASE + 3, BASE + 11
DNS_PORT = BASE + 28          # 10253
CA = os.path.join(STATE, "certs", "ca.crt")
PLUGIN = os.environ.get("SD_TEST_CHECK_SMTPDIAG") or os.path.join(sdtest.BUILD, "check_smtpdiag")
CHECK_SMTP = os.environ.get("SD_TEST_CHECK_SMTP", "/usr/lib/nagios/plugins/check_smtp")
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
wrapped = bool(os.environ.get("SD_VALGRIND")) or os.environ.get("SD_SANITIZERS") == "yes"
env = dict(os.environ, SD_LAB_STATE=STATE, SD_LAB_PORT_BASE=str(BASE), SD_LAB_DNS_PORT=str(DNS_PORT))

missing = None
if os.geteuid() != 0:
    missing = "not root (the Postfix master must run as root)"
elif shutil.which("postfix") is None and not os.path.exists("/usr/sbin/postfix"):
    missing = "postfix is not installed"
elif not os.access(CHECK_SMTP, os.X_OK):
    missing = "check_smtp is not installed (apt-get install monitoring-plugins-basic)"
elif not os.access(PROMETHEUS, os.X_OK):
    missing = "prometheus is not installed (apt-get install prometheus)"
if missing:
    if os.environ.get("SD_REQUIRE_LAB") == "1":
        print("1..1\nnot ok 1 - lab required (SD_REQUIRE_LAB=1) but " + missing)
        sys.exit(1)
    t.skip_all(missing)

procs = []


def stop(*_):
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    subprocess.run([os.path.join(LAB, "dns-down.sh"), "--quiet"], env=env)
    subprocess.run([os.path.join(LAB, "postfix-down.sh"), "--quiet", "--purge"], env=env)
    shutil.rmtree(STATE, ignore_errors=True)


atexit.register(stop)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
t0 = time.monotonic()
up = subprocess.run([os.path.join(LAB, "postfix-up.sh")], env=env, capture_output=True, text=True)
if not t.ok(up.returncode == 0, "lab Postfix starts", up.stdout + up.stderr):
    t.done()
up = subprocess.run([os.path.join(LAB, "dns-up.sh")], env=env, capture_output=True, text=True)
if not t.ok(up.returncode == 0, "lab DNS starts", up.stdout + up.stderr):
    t.done()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


DEAD = free_port()

# --- 1. the same exit codes as check_smtp ---
cases = [
    ("refused port", DEAD, []),
    ("good MX", MX, []),
    ("good MX, -S", MX, ["-S"]),
    ("greeting text with -e (found)", MX, ["-e", "ESMTP"]),
    ("greeting text with -e (missing)", MX, ["-e", "Exim"]),
    ("no TLS with -S", PLAINAUTH, ["-S"]),
    ("expired certificate, -D 30,14", EXPIRED, ["-D", "30,14"]),
    ("-D days: more than the certificate has", MX, ["-D", "20000,10"]),
    ("-D days: fewer than it has", MX, ["-D", "30,14"]),
    ("slow greeting (postscreen) with -w 1", POSTSCREEN, ["-w", "1"]),
    # newcomer trial: check_smtpdiag said OK (no -S) or WARNING (no STARTTLS) here
    ("implicit TLS port without -s, -t 4", SMTPS, ["-t", "4"]),
    ("implicit TLS port without -s, -S -t 4", SMTPS, ["-S", "-t", "4"]),
    # check_smtp makes a TLS 1.1 handshake with this Postfix too (not with the
    # legacy Exim and Sendmail of the vendor lab: its OpenSSL finds no common suite)
    ("TLS 1.0/1.1 only, -S", LEGACY, ["-S"]),
    ("TLS 1.0/1.1 only, -D 30,14", LEGACY, ["-D", "30,14"]),
]
for name, port, args in cases:
    full = ["-H", "127.0.0.1", "-p", str(port)] + args
    c = subprocess.run([CHECK_SMTP] + full, capture_output=True, text=True, timeout=60)
    wrapper = os.environ.get("SD_VALGRIND", "").split()
    d = subprocess.run(wrapper + [PLUGIN] + full, capture_output=True, text=True, timeout=120)
    t.ok(c.returncode == d.returncode and c.returncode in (0, 1, 2, 3) and d.stderr == "",
         "%s: check_smtp %d, check_smtpdiag %d" % (name, c.returncode, d.returncode),
         "check_smtp: %s\ncheck_smtpdiag: %s%s" % (c.stdout, d.stdout, d.stderr))

d = subprocess.run(os.environ.get("SD_VALGRIND", "").split() + [PLUGIN, "-H", "127.0.0.1", "-p", str(SMTPS), "-S"],
                   capture_output=True, text=True, timeout=120)
t.ok(d.returncode == 2 and "implicit TLS" in d.stdout and "use -s" in d.stdout and "STARTTLS" not in d.stdout,
     "an implicit-TLS port without -s: the status line says to use -s (not 'no STARTTLS')", d.stdout + d.stderr)

# --profile without -S: the profile's checks use the profile's TLS mode (STARTTLS for default),
# so an expired certificate is CRITICAL; the plugin's own test stays plain SMTP as check_smtp's
# (the default profile's PTR and DANE checks ask the lab's DNS server, never
# the machine's resolver: strace found this run's two PTR queries going there)
d = subprocess.run(os.environ.get("SD_VALGRIND", "").split() +
                   [PLUGIN, "-H", "127.0.0.1", "-p", str(EXPIRED), "--profile", "default", "--ca-file", CA],
                   capture_output=True, text=True, timeout=120,
                   env=dict(os.environ, SMTPDIAG_DNS_SERVER="127.0.0.1:%d" % DNS_PORT))
t.ok(d.returncode == 2 and "certificate expired" in d.stdout and "--tls none" not in d.stdout,
     "check_smtpdiag --profile default without -S: the profile's STARTTLS runs, the expired certificate is CRITICAL",
     d.stdout + d.stderr)

# -D and --profile on one expired certificate: one problem, not two (the
# profile's certificate.expired repeats what -D said), and the "+N more"
# counts are those of the lines listed below the status line
d = subprocess.run(os.environ.get("SD_VALGRIND", "").split() +
                   [PLUGIN, "-H", "127.0.0.1", "-p", str(EXPIRED), "-S", "-D", "30,14", "--profile", "postfix",
                    "--ca-file", CA],
                   capture_output=True, text=True, timeout=120,
                   env=dict(os.environ, SMTPDIAG_DNS_SERVER="127.0.0.1:%d" % DNS_PORT))
lines = d.stdout.splitlines()
head = lines[0].split("|")[0] if lines else ""
listed = [l for l in lines[1:] if l.startswith("[")]
m = re.search(r"\(\+(\d+) more: (\d+) critical, (\d+) warning, (\d+) unknown\)", head)
counts_ok = (m is None and not listed) or (
    m is not None and int(m.group(1)) == len(listed)
    and [int(m.group(i)) for i in (2, 3, 4)] == [sum(l.startswith("[%s]" % s) for l in listed)
                                                 for s in ("CRITICAL", "WARNING", "UNKNOWN")])
t.ok(d.returncode == 2 and "expired" in head and counts_ok
     and sum("expired" in l for l in [head] + listed) == 1,
     "-S -D 30,14 --profile postfix, expired certificate: reported once, the counts match the lines listed",
     d.stdout + d.stderr)

# --- 2. a real Prometheus scrapes the exporter ---
EXPORTER = free_port()
PROM = free_port()
interval = "5s" if wrapped else "2s"
tmp = tempfile.mkdtemp(prefix="sd-prom-")
atexit.register(shutil.rmtree, tmp, True)
exp_log = open(os.path.join(tmp, "exporter.log"), "w")
exporter = subprocess.Popen(
    os.environ.get("SD_VALGRIND", "").split() +
    [sdtest.SMTP_DIAG, "--exporter", "127.0.0.1:%d" % EXPORTER, "--allow-target", "mail.lab.test:*",
     "--ca-file", CA, "--dns-server", "127.0.0.1:%d" % DNS_PORT, "--deadline", "10s"],
    stdout=exp_log, stderr=subprocess.STDOUT, env=dict(os.environ))
procs.append(exporter)
targets = ["mail.lab.test:%d" % MX, "mail.lab.test:%d" % DEAD, "mail.lab.test:%d" % EXPIRED]
config = {
    "global": {"scrape_interval": interval, "scrape_timeout": interval},
    "scrape_configs": [
        {"job_name": "smtp", "metrics_path": "/probe", "params": {"module": ["default"]},
         "static_configs": [{"targets": targets}],
         "relabel_configs": [
             {"source_labels": ["__address__"], "target_label": "__param_target"},
             {"source_labels": ["__param_target"], "target_label": "instance"},
             {"target_label": "__address__", "replacement": "127.0.0.1:%d" % EXPORTER}]},
        {"job_name": "smtpdiag_exporter", "static_configs": [{"targets": ["127.0.0.1:%d" % EXPORTER]}]},
    ],
}
with open(os.path.join(tmp, "prometheus.yml"), "w") as fh:
    json.dump(config, fh)   # JSON is YAML
prom_log = open(os.path.join(tmp, "prometheus.log"), "w")
prom = subprocess.Popen([PROMETHEUS, "--config.file=" + os.path.join(tmp, "prometheus.yml"),
                         "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                         "--web.listen-address=127.0.0.1:%d" % PROM, "--log.level=warn"],
                        stdout=prom_log, stderr=subprocess.STDOUT)
procs.append(prom)


def query(q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (PROM, urllib.parse.urlencode({"query": q}))
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            doc = json.load(r)
    except OSError:
        return None
    return {tuple(sorted(x["metric"].items())): float(x["value"][1]) for x in doc["data"]["result"]}


def value(q):
    res = query(q)
    return list(res.values())[0] if res else None


# two scrapes of every target
limit = time.monotonic() + (120 if wrapped else 40)
scraped = None
while time.monotonic() < limit:
    scraped = query('count_over_time(up{job="smtp"}[5m])')
    if scraped and len(scraped) == 3 and all(v >= 2 for v in scraped.values()):
        break
    time.sleep(0.5)
ok = t.ok(scraped is not None and len(scraped) == 3 and all(v >= 2 for v in scraped.values()),
          "Prometheus scraped the exporter twice for each of the 3 targets", scraped)
good = value('probe_success{instance="mail.lab.test:%d"}' % MX)
dead = value('probe_success{instance="mail.lab.test:%d"}' % DEAD)
expiry = value('probe_ssl_earliest_cert_expiry{instance="mail.lab.test:%d"}' % EXPIRED)
good_expiry = value('probe_ssl_earliest_cert_expiry{instance="mail.lab.test:%d"}' % MX)
tls = query('probe_tls_version_info{instance="mail.lab.test:%d"}' % MX)


def debug_page(port):
    """the exporter's debug page for the lab target on PORT (for a failure's diagnosis)"""
    try:
        return urllib.request.urlopen("http://127.0.0.1:%d/probe?target=mail.lab.test:%d&debug=true" %
                                      (EXPORTER, port), timeout=30).read().decode()[-3000:]
    except OSError as e:
        return "exporter unreachable (%s); its log:\n%s" % (e, open(os.path.join(tmp, "exporter.log")).read()[-2000:])


t.ok(good == 1, "probe_success is 1 for the good MX (%s)" % good, debug_page(MX))
t.ok(dead == 0, "probe_success is 0 for the dead port (%s)" % dead)
t.ok(expiry is not None and expiry < time.time() and good_expiry is not None and good_expiry > time.time(),
     "probe_ssl_earliest_cert_expiry: in the past for the expired listener (%s), ahead for the MX (%s)" %
     (expiry, good_expiry))
t.ok(tls and all(dict(k).get("version", "").startswith("TLS 1.") for k in tls),
     "probe_tls_version_info names the TLS version", tls)
phases = query('smtpdiag_phase_duration_seconds{instance="mail.lab.test:%d"}' % MX)
t.ok(phases and {"connect", "greeting", "tls_handshake"} <= {dict(k)["phase"] for k in phases},
     "smtpdiag_phase_duration_seconds has connect, greeting and the TLS handshake", phases)
crit = value('smtpdiag_findings{instance="mail.lab.test:%d",severity="critical"}' % EXPIRED)
info = query('smtpdiag_finding_info{instance="mail.lab.test:%d",id="certificate.expired"}' % EXPIRED)
t.ok(crit is not None and crit >= 1 and info, "smtpdiag_findings and smtpdiag_finding_info for the expired certificate",
     (crit, info))
own_up = value('up{job="smtpdiag_exporter"}')
own = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % EXPORTER, timeout=10).read().decode()
succ = [float(l.split()[-1]) for l in own.splitlines() if l.startswith('smtpdiag_exporter_probes_total{result="success"}')]
t.ok(own_up == 1 and succ and succ[0] >= 2,
     "the exporter's own /metrics: scraped by Prometheus, %s successful probes" % (succ[0] if succ else None), own)

# the exporter's refusals: one line each
for path, code in (("/probe?target=other.example:25", 403), ("/probe?target=mail.lab.test:%d&module=../x" % MX, 400),
                   ("/probe?target=mail.lab.test:99999", 400), ("/probe", 400)):
    try:
        urllib.request.urlopen("http://127.0.0.1:%d%s" % (EXPORTER, path), timeout=30)
        got, body = 200, ""
    except urllib.error.HTTPError as e:
        got, body = e.code, e.read().decode()
    t.ok(got == code and body.count("\n") == 1, "%s: %d with one line (%s)" % (path, code, body.strip()))
# debug=true: the transcript, never the credentials (none are configured: the AUTH line is absent)
body = urllib.request.urlopen("http://127.0.0.1:%d/probe?target=mail.lab.test:%d&debug=true" % (EXPORTER, MX),
                              timeout=30).read().decode()
t.ok("-> EHLO" in body and "<- 220" in body and "probe_success 1" in body, "debug=true: transcript and metrics")

# --format openmetrics --output: written atomically, read back
out = os.path.join(tmp, "smtp.prom")
r = sdtest.run("--server", "mail.lab.test", "--address", "127.0.0.1", "--port", str(EXPIRED), "--ca-file", CA,
               "--format", "openmetrics", "--output", out)
text = open(out).read() if os.path.exists(out) else ""
t.ok(r.rc == 2 and r.out == "" and text.endswith("# EOF\n") and "probe_success 0" in text and
     "smtpdiag_finding_info{id=\"certificate.expired\",severity=\"critical\"} 1" in text and
     not [f for f in os.listdir(tmp) if ".tmp." in f],
     "--format openmetrics --output FILE: the expired listener's metrics, no temporary file left", r)
exporter.terminate()
rc = exporter.wait(timeout=60)
t.ok(rc == 0, "the exporter stops on SIGTERM (exit %s)" % rc, open(os.path.join(tmp, "exporter.log")).read()[-3000:])
print("# monitoring.py took %.1f s" % (time.monotonic() - t0))
t.done()
