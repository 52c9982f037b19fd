#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""report.py - the HTML report (--report, --report-from).

Golden files: each recorded result set in tests/golden/report-*.json is
rendered with --report-from and must equal tests/golden/report-*.html byte
for byte (after a deliberate change of the report, regenerate them with
SD_UPDATE_GOLDEN=1 make check TESTS=tests/integration/report.py and review
the diff). Every report must be well-formed (xmllint, and Python's XML
parser) and use only the elements and attributes of a report: no script, no
event handler, no external resource. Hostile server strings come out inert.
"""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from sdtest import BUILD, SRC, Tap, run  # sets up the import path  # noqa: I001
from fakesmtp import FakeSMTP  # noqa: E402

t = Tap()
GOLDEN = os.path.join(SRC, "tests", "golden")
OUT = os.path.join(BUILD, "tests", "report-out")
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
update = os.environ.get("SD_UPDATE_GOLDEN") == "1"

ALLOWED = {"html", "head", "meta", "title", "style", "body", "main", "header", "section", "h1", "h2", "h3", "p",
           "table", "thead", "tbody", "tr", "th", "td", "span", "code", "ul", "li", "details", "summary", "pre",
           "a", "svg", "text", "line", "rect", "div"}
ALLOWED_ATTRS = {"lang", "charset", "name", "content", "class", "id", "href", "role", "aria-label", "width", "height",
                 "viewBox", "x", "y", "x1", "y1", "x2", "y2", "rx", "fill", "stroke", "text-anchor", "font-weight",
                 "title", "opacity"}


def inert_problems(path):
    """why the file at PATH is not a well-formed, script-free report ([] if it is)"""
    problems = []
    raw = open(path, "rb").read()
    try:
        raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        problems.append("not UTF-8: %s" % e)
    if b"\0" in raw:
        problems.append("a NUL byte")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as e:
        return problems + ["not well-formed: %s" % e]
    for el in root.iter():
        tag = el.tag.split("}")[-1]
        if tag not in ALLOWED:
            problems.append("element <%s>" % tag)
        for a, v in el.attrib.items():
            a = a.split("}")[-1]
            if a not in ALLOWED_ATTRS and a != "xmlns":
                problems.append("attribute %s=%r on <%s>" % (a, v, tag))
            if a == "href" and not v.startswith("#"):
                problems.append("link out of the document: %r" % v)
    x = subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)
    if x.returncode != 0:
        problems.append("xmllint: " + x.stderr[:500])
    # libxml2's HTML parser knows HTML 4 only: HTML5 and SVG element names are
    # "invalid" to it, anything else it reports is a real error
    x = subprocess.run(["xmllint", "--html", "--noout", path], capture_output=True, text=True)
    errs = [l for l in x.stderr.splitlines() if "error" in l and "invalid" not in l.split("error", 1)[1][:40]]
    errs = [l for l in errs if not l.rstrip().endswith("invalid")]
    if errs:
        problems.append("xmllint --html: " + "\n".join(errs[:5]))
    return problems


# --- golden files -------------------------------------------------------------
inputs = sorted(glob.glob(os.path.join(GOLDEN, "report-*.json")))
t.ok(len(inputs) >= 5, "recorded result sets: %s" % ", ".join(os.path.basename(p) for p in inputs))
for src in inputs:
    name = os.path.basename(src)[:-5]
    out = os.path.join(OUT, name + ".html")
    r = run("--report-from", src, "--report", out)
    want_path = os.path.join(GOLDEN, name + ".html")
    if update and r.rc == 0:
        shutil.copy(out, want_path)
    got = open(out, "rb").read() if os.path.exists(out) else b""
    want = open(want_path, "rb").read() if os.path.exists(want_path) else b"(no golden file)"
    diff = ""
    if got != want:
        d = subprocess.run(["diff", "-u", want_path, out], capture_output=True, text=True, errors="replace")
        diff = d.stdout[:3000]
    t.ok(r.rc == 0 and got == want, "%s renders exactly as the golden file" % name, "%s\n%s" % (r, diff))
    p = inert_problems(out) if os.path.exists(out) else ["no file"]
    t.ok(not p, "%s: well-formed, no script, no event handler, no external resource" % name, "\n".join(p[:10]))

# what each kind of report must show
html = open(os.path.join(OUT, "report-server.html"), encoding="utf-8").read()
t.ok("cipher.forbidden_anonymous" in html and "smtpd_tls_exclude_ciphers" in html
     and html.index("cipher.forbidden_anonymous") < html.index("ehlo.vrfy"),
     "server report: findings sorted by severity, with the fix in the vendor's terms")
t.ok('class="waterfall"' in html and "TLS handshake" in html and "Protocols and cipher suites" in html,
     "server report: a timing waterfall with the session phases and the checks (cipher probes included)")
t.ok('<code class="bad">TLS_DH_anon_WITH_AES_256_GCM_SHA384</code>' in html,
     "server report: offending suites are marked in the accepted list")
html = open(os.path.join(OUT, "report-fleet.html"), encoding="utf-8").read()
rows = html[html.index("Targets, worst first"):]
t.ok('class="histogram"' in html and rows.index("11099") < rows.index("11036") < rows.index("11025"),
     "fleet report: a histogram of audit times and the overview table worst first")
html = open(os.path.join(OUT, "report-domain.html"), encoding="utf-8").read()
t.ok("MX hosts" in html and "Compliance:" in html and "NIST" in html,
     "domain report: MX hosts, domain checks and the compliance table with its sources")
html = open(os.path.join(OUT, "report-submission.html"), encoding="utf-8").read()
t.ok("SMTP transcript" in html and "AUTH SCRAM-SHA-256 ********" in html and "labpass" not in html,
     "submission report: the transcript folded away, the credential redacted")

# --- read by an auditor (issue 21): nothing cut, dedicated layouts, labels ---
html = open(os.path.join(OUT, "report-server.html"), encoding="utf-8").read()
import re  # noqa: E402
import html as htmllib  # noqa: E402
folds = re.findall(r'<details class="fold"><summary>(.*?) &#8230; <span class="muted">\((\d+) more characters\)'
                   r'</span></summary>(.*?)</details>', html, flags=re.S)
bad = []
for shown, more, full in folds:
    s, f = htmllib.unescape(shown), htmllib.unescape(full)
    if not f.startswith(s) or len(f) - len(s) != int(more) or not (f[len(s)] == " " or s[-1] in ",;"):
        bad.append((s[-40:], f[len(s):len(s) + 20]))
t.ok(len(folds) >= 3 and not bad and "ADH-AES1&#8230;" not in html,
     "no value is cut mid-token: a long summary shows its start up to a word boundary, then folds out whole",
     "%d folds; cut inside a word: %s" % (len(folds), bad[:5]))
t.ok('(606 more characters)</span></summary>12 anonymous suites accepted: TLS_DH_anon_WITH_AES_256_GCM_SHA384' in html,
     "the folded summary holds the whole text", html[:0])
t.ok('<table class="matrix">' in html and '<code class="bad">TLS_DH_anon_WITH_AES_256_GCM_SHA384</code>' in html
     and '<th class="v">TLSv1.3</th><th class="v">TLSv1.2</th>' in html and "59 cipher suites accepted" in html,
     "cipher suites as a matrix (suite x version), weak ones marked, folded behind the count")
t.ok('<div class="cert"><div>Subject</div>' in html and 'class="validity"' in html and "chain trusted" in html
     and "names mail.lab.test" in html and "Names (SAN)" in html,
     "the certificate as a card: subject, issuer, validity bar, key, names, verification, chain")
ehlo = html[html.index("EHLO [127.0.0.1] <span") if "EHLO [127.0.0.1] <span" in html else 0:]
ehlo = ehlo[:ehlo.index("<h3>", 10)] if "<h3>" in ehlo[10:] else ehlo
t.ok(ehlo.count(">STARTTLS<") == 1 and "Not offered:" in ehlo and ">REQUIRETLS</code>" in ehlo,
     "EHLO capabilities shown once (pills), the well-known ones not offered in one line", ehlo[:2000])
t.ok('<th title="dnssec_validated">DNSSEC validated</th>' in open(os.path.join(OUT, "report-domain.html")).read()
     and '<th title="handshake_ms">Handshake (ms)</th>' in html and "<th>connect_ms</th>" not in html,
     "facts have labels in words (the raw key in the tooltip)")
dom = open(os.path.join(OUT, "report-domain.html"), encoding="utf-8").read()
sec = dom[dom.index('<section id="t'):] if '<section id="t' in dom else dom[dom.index("<section"):]
t.ok(sec.index("Compliance: 3 passed, 2 failed") < sec.index("MX hosts") < sec.index("Domain findings")
     and "<th>Target</th>" in sec and "<td>mail.lab.test</td><td><code>NIST-TLS</code>" in sec,
     "a compliance profile's table leads, the domain's and each MX host's requirements in one table")
fl = open(os.path.join(OUT, "report-fleet.html"), encoding="utf-8").read()
svg = fl[fl.index('<svg class="histogram"'):fl.index("</svg>", fl.index('<svg class="histogram"'))]
ys = [int(y) for y in re.findall(r'<text x="\d+" y="(\d+)" text-anchor="middle">\d+</text>', svg)]
cap = int(re.search(r'<text x="0" y="(\d+)" font-weight="600">targets per audit time', svg).group(1))
t.ok(ys and min(ys) - 11 > cap, "fleet histogram: the tallest count sits below the caption (no overlap)",
     "caption baseline %d, counts at %s" % (cap, ys))

# --- hostile strings -------------------------------------------------------------
html = open(os.path.join(OUT, "report-hostile.html"), encoding="utf-8").read()
t.ok("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
     and "&quot;quoted&quot;" in html and "\\x07 bell" in html and "&lt;svg onload=alert(1)&gt;" in html
     and "x\\x01y" in html, "hostile strings from a recorded run come out as text", html[:0])

banner = (b"220 evil.example ESMTP <script>alert(1)</script> \"q\" 'a' &amp; \x00nul \xff\xfe "
          b"\xc3\x28 \x1b]0;t\x07\r\n")
ehlo = b"250-evil.example <img src=x onerror=alert(1)>\r\n250-X-</td></tr></table>\r\n250 SIZE 100\r\n"
with FakeSMTP([("send", banner), ("expect", "EHLO"), ("send", ehlo)]) as srv:
    out = os.path.join(OUT, "live-hostile.html")
    r = run("--server", "127.0.0.1", "--port", str(srv.port), "--tls", "none", "--transcript", "--report", out)
p = inert_problems(out) if os.path.exists(out) else ["no report written"]
live = open(out, encoding="utf-8", errors="replace").read() if os.path.exists(out) else ""
t.ok(r.rc in (0, 1) and not p and "&lt;script&gt;alert(1)&lt;/script&gt;" in live and "<script" not in live.lower()
     and "onerror=alert" in live and "<img" not in live.lower(),
     "a live run against a hostile server: --report writes an inert report (script, NUL, bad UTF-8, escapes)",
     "%s\n%s" % ("\n".join(p[:10]), r))

# --- fleet with --report, in text mode ----------------------------------------------
with FakeSMTP([("send", b"220 a.example ESMTP\r\n"), ("expect", "EHLO"), ("send", b"250 a.example\r\n")]) as a:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as tf:
        tf.write("127.0.0.1:%d\n127.0.0.1:9\n" % a.port)
    out = os.path.join(OUT, "live-fleet.html")
    r = run("--targets", tf.name, "--tls", "none", "--report", out, "--timeout", "2s")
    os.unlink(tf.name)
live = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
t.ok(r.rc == 2 and "[SUMMARY]" in r.out and "2 targets" in live and live.count('<section id="t') == 2
     and not inert_problems(out), "--targets with --report: text on stdout, the whole fleet in the HTML file", r)

# --- errors ---------------------------------------------------------------------------
r = run("--report-from", os.path.join(GOLDEN, "report-server.json"))
t.ok(r.rc == 3 and "--report-from needs --report" in r.err, "--report-from without --report", r)
bad = os.path.join(OUT, "bad.json")
with open(bad, "w") as f:
    f.write('{"schema_version": 1,\n  "checks": [}\n')
r = run("--report-from", bad, "--report", os.path.join(OUT, "x.html"))
t.ok(r.rc == 3 and "bad.json:2:" in r.err and not os.path.exists(os.path.join(OUT, "x.html")),
     "a broken JSON file: FILE:LINE:COLUMN, no report written", r)
with open(bad, "w") as f:
    f.write('{"hello": "world"}\n')
r = run("--report-from", bad, "--report", os.path.join(OUT, "x.html"))
t.ok(r.rc == 3 and "not an smtp-diag report" in r.err, "JSON that is not a report is refused", r)
# --- JSON Lines (--jsonl, the fleet format docs/fleet.md recommends) ---
fleet_doc = json.load(open(os.path.join(GOLDEN, "report-fleet.json")))
lines = os.path.join(OUT, "fleet.jsonl")
with open(lines, "w") as f:
    for rep in fleet_doc["reports"]:
        f.write(json.dumps(rep, separators=(",", ":")) + "\n")
    f.write(json.dumps({"schema_version": 1, "tool": fleet_doc["tool"], "fleet": fleet_doc["fleet"]}) + "\n")
out = os.path.join(OUT, "from-jsonl.html")
r = run("--report-from", lines, "--report", out)
got = open(out, "rb").read() if os.path.exists(out) else b""
t.ok(r.rc == 0 and got == open(os.path.join(GOLDEN, "report-fleet.html"), "rb").read(),
     "--report-from FILE.jsonl renders the same report as the --json document of the same run", r)
with open(lines, "w") as f:   # cut short: no summary line
    for rep in fleet_doc["reports"][:2]:
        f.write(json.dumps(rep) + "\n")
r = run("--report-from", lines, "--report", out)
html = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
t.ok(r.rc == 0 and "SMTP audit: 2 targets" in html and html.count('<section id="t') == 2,
     "--report-from JSON Lines of a run cut short (no summary line): a report of what is there", r)
with open(lines, "w") as f:
    f.write(json.dumps(fleet_doc["reports"][0]) + "\n{broken\n")
r = run("--report-from", lines, "--report", os.path.join(OUT, "y.html"))
t.ok(r.rc == 3 and "fleet.jsonl:2: not a JSON object" in r.err and len(r.err.splitlines()) == 1
     and not os.path.exists(os.path.join(OUT, "y.html")), "a bad line in JSON Lines: FILE:LINE and why, one line", r)
html = open(os.path.join(OUT, "report-fleet.html"), encoding="utf-8").read()
head = html[:html.index("</header>")]
t.ok('verdict crit">CRITICAL</span>' in head and "targets: " in head and " OK, " in head
     and ">info<" not in html.split("Targets, worst first")[1].split("</table>")[0],
     "the verdict in the words of every output (OK/WARNING/CRITICAL/UNKNOWN) with a summary sentence", head[-600:])
r = run("--report-from", os.path.join(GOLDEN, "report-server.json"), "--report", "/nonexistent/dir/r.html")
t.ok(r.rc == 3 and "/nonexistent/dir/r.html" in r.err, "an unwritable --report path: one line, exit 3", r)
t.done()
