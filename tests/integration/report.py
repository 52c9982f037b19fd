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
           "a", "svg", "text", "line", "rect"}
ALLOWED_ATTRS = {"lang", "charset", "name", "content", "class", "id", "href", "role", "aria-label", "width", "height",
                 "viewBox", "x", "y", "x1", "y1", "x2", "y2", "rx", "fill", "stroke", "text-anchor", "font-weight"}


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
t.ok('<span class="bad">TLS_DH_anon_WITH_AES_256_GCM_SHA384</span>' in html,
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
r = run("--report-from", os.path.join(GOLDEN, "report-server.json"), "--report", "/nonexistent/dir/r.html")
t.ok(r.rc == 3 and "/nonexistent/dir/r.html" in r.err, "an unwritable --report path: one line, exit 3", r)
t.done()
