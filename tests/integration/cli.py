#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cli.py - the command line: help, listings, and clear errors for bad input.

Every bad invocation must end with exit status 3 and one line on stderr that
says what and where; none of these cases touches the network.
"""
import os
import shutil

from sdtest import BUILD, PLUGINS, PROFILES, SRC, Tap, run

t = Tap()
profiles = os.path.join(SRC, "tests", "profiles")

r = run("--help")
t.ok(r.rc == 0 and "--server" in r.out and "--transcript" in r.out and "Exit status" in r.out, "--help", r)
r = run("--version")
t.ok(r.rc == 0 and "plugin ABI 2" in r.out, "--version names the plugin ABI", r)

r = run("--list-checks")
names = [l.split()[0] for l in r.out.splitlines() if l and not l.startswith(" ")]
t.ok(r.rc == 0 and names == ["auth", "banner", "certificate", "cipher", "connect", "dane", "dkim", "dmarc", "dnsbl", "ehlo",
              "mta-sts", "ntlm-info", "ptr", "relay", "relay-light", "response-time", "smuggling", "spf", "starttls",
              "tls-rpt", "tls-weak", "transaction", "user-enum"],
     "--list-checks lists the twenty-three checks", r)
t.ok("requires: connect" in r.out and "min_size (integer, default 0)" in r.out,
     "--list-checks shows prerequisites and parameters", r)

r = run("--list-profiles")
t.ok(r.rc == 0 and [l.split()[0] for l in r.out.splitlines()] == [
        "bsi-tr-03108", "default", "exchange", "exim", "ncsc-nl", "nist-800-177", "opensmtpd", "postfix",
        "sendmail", "submission-implicit", "submission"] and "Inbound MX" in r.out,
     "--list-profiles: the eleven shipped profiles with descriptions", r)


def usage_error(args, want, name, warnings=0):
    """exit 3, nothing on stdout, one error line (after WARNINGS warning lines)"""
    r = run(*args)
    lines = [l for l in r.err.splitlines() if l.startswith("smtp-diag:")]
    errors = [l for l in lines if not l.startswith("smtp-diag: warning:")]
    t.ok(r.rc == 3 and len(errors) == 1 and len(lines) == 1 + warnings and want in errors[0] and r.out == "",
         name, r)


usage_error(["--bogus"], "unknown option '--bogus'", "unknown option")
usage_error(["--port"], "needs an argument", "missing option argument")
usage_error(["--port", "99999", "--server", "x"], "--port: '99999' is not a port number", "bad port")
usage_error(["--timeout", "soon", "--server", "x"], "--timeout: 'soon'", "bad timeout")
# below 100 ms no server can answer: refused like --deadline, not blamed on the server
usage_error(["--timeout", "1ms", "--server", "127.0.0.1"], "--timeout: '1ms' is not a duration from 100ms",
            "--timeout 1ms: refused with one line, exit 3")
usage_error(["--timeout", "0.05", "--server", "127.0.0.1"], "--timeout: '0.05'", "--timeout 0.05 (50 ms): refused")
_tiny = os.path.join(os.environ.get("TMPDIR", "/tmp"), "sd-cli-tiny-timeout-%d.yaml" % os.getpid())
with open(_tiny, "w") as _f:
    _f.write("target:\n  timeouts:\n    greeting: 1ms\nchecks: [connect]\n")
usage_error(["--server", "127.0.0.1", "--profile", _tiny], "timeouts.greeting must be at least 100ms",
            "profile timeouts.greeting: 1ms refused with one line, exit 3")
os.unlink(_tiny)
usage_error([], "no target: give --server NAME", "no target")
usage_error(["--server", "127.0.0.1", "extra"], "unexpected argument 'extra'", "stray argument")
usage_error(["--server", "127.0.0.1", "--tls", "sometimes"], "--tls: 'sometimes'", "bad TLS mode")
usage_error(["--server", "127.0.0.1", "--ehlo-name", "two words"], "--ehlo-name must be one word", "bad EHLO name")
usage_error(["--server", "127.0.0.1", "--checks", "ehlo,nosuch"], "unknown check 'nosuch'", "--checks with an unknown check")
usage_error(["--server", "127.0.0.1", "--profile", "nosuch"], "no profile named 'nosuch'", "unknown profile name")
usage_error(["--server", "127.0.0.1", "--profile", os.path.join(profiles, "bad-unknown-check.yaml")],
            "bad-unknown-check.yaml:4:5: unknown check 'ehloo'", "profile with an unknown check: file:line:column")
usage_error(["--server", "127.0.0.1", "--profile", os.path.join(profiles, "bad-syntax.yaml")],
            "bad-syntax.yaml:5:", "profile with a YAML syntax error: file:line:column")
usage_error(["--server", "127.0.0.1", "--profile", os.path.join(profiles, "bad-param-type.yaml")],
            "bad-param-type.yaml:5:17: check 'ehlo': parameter 'min_size' expects an integer",
            "profile with a bad parameter type: file:line:column")
usage_error(["--server", "mail.example", "--address", "mail.example"], "--address: 'mail.example' is not an IP address",
            "--address must be an IP literal")
usage_error(["--server", "127.0.0.1", "--set", "parallel=4"], "--set: 'parallel=4' is not CHECK.PARAM=VALUE",
            "--set without a check name")
usage_error(["--server", "127.0.0.1", "--set", "cipher.parallel=4"],
            "--set cipher.parallel=4: check 'cipher' is not in profile 'default' and not in --checks",
            "--set for a check that would not run is an error, not silently ignored")
usage_error(["--server", "127.0.0.1", "--tls-parallel", "2"], "check 'cipher' is not in profile 'default'",
            "--tls-parallel without the cipher check")
usage_error(["--server", "127.0.0.1", "--tls-parallel", "0", "--checks", "cipher"],
            "--tls-parallel: '0' is not a number from 1 to 16", "--tls-parallel out of range")
usage_error(["--server", "127.0.0.1", "--set", "ehlo.min_sise=10"],
            "--set: check 'ehlo' has no parameter 'min_sise' (it takes: ", "--set with an unknown parameter")
usage_error(["--server", "127.0.0.1", "--checks", "cipher", "--set", "cipher.parallel=lots"],
            "--set: check 'cipher': parameter 'parallel' expects an integer, got 'lots'", "--set with a bad value")
usage_error(["--server", "127.0.0.1", "--auth-user", "bob"], "--auth-user needs a password",
            "--auth-user without a password source")
usage_error(["--server", "127.0.0.1", "--auth-user", "bob", "--auth-password-file", "/nonexistent/pw"],
            "--auth-password-file: cannot read '/nonexistent/pw'", "unreadable password file")
usage_error(["--server", "127.0.0.1", "--auth-user", "bob", "--auth-password-file", "/dev/null"],
            "is empty (the password is its first line)", "empty password file")
usage_error(["--server", "127.0.0.1", "--auth-password-file", "/dev/null"], "--auth-password-file needs --auth-user",
            "password file without a user")
usage_error(["--server", "127.0.0.1", "--to", "a@example.net"], "only go with --send (nothing is sent without it)",
            "--to without --send sends nothing")
usage_error(["--server", "127.0.0.1", "--send"], "--send needs --to ADDRESS",
            "--send without --to: refused at once, not after the audit")
# ... but a profile of the user's that names the recipient is enough (the
# check is made on the bound profile, before any connection)
import tempfile  # noqa: E402
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as up:
    up.write("extends: default\nchecks:\n  - name: transaction\n    params:\n      to: postmaster@example.net\n")
r = run("--server", "127.0.0.1", "--port", "9", "--send", "--profile", up.name, "--checks", "connect,transaction",
        "--timeout", "1s")
t.ok(r.rc == 2 and "--send needs --to" not in r.err and "connect.refused" in r.out,
     "--send with the recipient in the user's profile: not refused, the run goes on", r)
os.unlink(up.name)
usage_error(["--server", "127.0.0.1", "--warning", "5s", "--critical", "2s"], "--warning (5000 ms) is above --critical",
            "--warning above --critical is refused, as monitoring-plugins do")
# a check's thresholds in the wrong order, from --set or a profile: refused
# as --warning above --critical is (newcomer trial: a 900-day warning with a
# 1000-day critical made a certificate valid 824 days CRITICAL)
usage_error(["--server", "127.0.0.1", "--set", "certificate.warn_days=900", "--set", "certificate.crit_days=1000"],
            "warn_days (900) is fewer days than crit_days (1000)", "--set certificate days in the wrong order")
usage_error(["--server", "127.0.0.1", "--set", "response-time.tls_warn=20s"],
            "tls_warn (20000 ms) is later than tls_crit (10000 ms)", "--set response-time thresholds in the wrong order")
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as up:
    up.write("extends: default\nchecks:\n  - name: certificate\n    params:\n      warn_days: 7\n")
r = run("--server", "127.0.0.1", "--profile", up.name)
t.ok(r.rc == 3 and "%s:5:" % up.name in r.err and "warn_days (7) is fewer days than crit_days (14)" in r.err
     and r.err.count("\n") == 1, "a profile's thresholds in the wrong order: one line naming the file and line", r)
os.unlink(up.name)
usage_error(["--server", "127.0.0.1", "--send", "--to", "not-an-address"], "--to: 'not-an-address' is not a mail address",
            "--to with something that is not an address")
usage_error(["--server", "127.0.0.1", "--send", "--to", "a@example.net", "--header", "no colon"],
            "--header: 'no colon' is not one header line", "--header without a name")
usage_error(["--server", "127.0.0.1", "--ca-file", "/nonexistent/ca.pem"], "--ca-file: cannot read '/nonexistent/ca.pem'",
            "unreadable --ca-file")
usage_error(["--server", "127.0.0.1", "--plugin-dir", "/nonexistent"], "/nonexistent", "missing plugin directory")

# --- contradictions are refused, never settled silently ---
r = run("--server", "x", "--json", "--nagios")
t.ok(r.rc == 3 and "--json and --nagios ask for different output formats" in r.err
     and r.out.startswith("SMTP UNKNOWN - --json and --nagios"),
     "--json with --nagios: one line, exit 3, the UNKNOWN line a monitor reads (not 'last wins')", r)
usage_error(["--server", "x", "--format", "jsonl", "--json"], "--format jsonl and --json ask for different output",
            "--format with another format option")
usage_error(["--server", "x", "--quiet", "--verbose"], "--quiet and --verbose contradict each other",
            "--quiet with --verbose")
usage_error(["--server", "x", "--address", "127.0.0.1", "--address", "127.0.0.2"],
            "--address given twice ('127.0.0.1', then '127.0.0.2')", "a single-valued option given twice")
usage_error(["--server", "x", "--port", "25", "-p", "587"], "--port given twice", "long and short form of one option")
usage_error(["--server", "x", "--send", "--to", "a@example.net", "--body", "b", "--body-file", "/dev/null"],
            "--body and --body-file both give the message body", "--body with --body-file")
r = run("--server", "x", "--json", "--format", "json", "--nagios")
t.ok(r.rc == 3 and "--format json and --nagios" in r.err and r.out.startswith("SMTP UNKNOWN"),
     "the same format twice is fine; a third that differs is refused (UNKNOWN line for a monitor)", r)

# --- --report is checked before the audit, not after it ---
r = run("--server", "127.0.0.1", "--port", "9", "--report", "/nonexistent/dir/r.html", "--timeout", "30s")
t.ok(r.rc == 3 and r.out == "" and "cannot write '/nonexistent/dir/r.html'" in r.err
     and "/nonexistent/dir" in r.err and len(r.err.splitlines()) == 1,
     "--report into a missing directory: refused before any connection, one line", r)
r = run("--server", "127.0.0.1", "--report", "/tmp")
t.ok(r.rc == 3 and "'/tmp' is a directory" in r.err, "--report naming a directory is refused", r)
if os.geteuid() != 0:
    r = run("--server", "127.0.0.1", "--report", "/proc/r.html")
    t.ok(r.rc == 3 and "cannot write" in r.err, "--report into an unwritable directory is refused", r)

# --- a --targets file: every bad line, escaped, as FILE:LINE ---
import tempfile  # noqa: E402
with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as tf:
    tf.write(b"good.example\n# comment\nbad name here x y\nok.example 192.0.2.1\nx.example 999.1.1.1\n"
             b"evil\x1b[31m.example a b c d\nnul\x00.example\n")
    tname = tf.name
r = run("--targets", tname)
errs = [l for l in r.err.splitlines() if l.startswith("smtp-diag:")]
t.ok(r.rc == 3 and r.out == "" and len(errs) == 4 and errs[0].startswith("smtp-diag: %s:3: " % tname)
     and errs[1].startswith("smtp-diag: %s:5: '999.1.1.1'" % tname) and "%s:6: " % tname in errs[2]
     and "\\x1b[31m" in errs[2] and "\x1b" not in r.err and "%s:7: the line holds a NUL byte" % tname in errs[3],
     "--targets: each bad line reported as FILE:LINE, control bytes escaped, NUL named", r)
with open(tname, "w") as f:
    f.write("".join("bad name %d x y\n" % i for i in range(30)))
r = run("--targets", tname)
errs = [l for l in r.err.splitlines() if l.startswith("smtp-diag:")]
t.ok(r.rc == 3 and len(errs) == 21 and errs[19].startswith("smtp-diag: %s:20:" % tname)
     and errs[20].endswith("10 more bad lines not shown (30 in all)"),
     "--targets with 30 bad lines: the first 20, then the count", r)
os.unlink(tname)

# a module built against another ABI: refused with a clear message, the rest still load
both = PLUGINS + ":" + os.path.join(BUILD, "tests", "plugins")
r = run("--plugin-dir", both, "--list-checks")
t.ok(r.rc == 0 and "badabi" in r.out and "REFUSED: built for plugin ABI 3, but this smtp-diag speaks ABI 2" in r.out
     and "goodabi" in r.out, "module of another ABI is refused, others load", r)
usage_error(["--plugin-dir", both, "--server", "127.0.0.1", "--checks", "badabi"],
            "check 'badabi' is not available: its module was refused: built for plugin ABI 3",
            "asking for a refused module says why", warnings=2)

# --- --explain-profile: the resolved profile, with origins ---
TP = os.path.join(SRC, "tests", "profiles")
r = run("--explain-profile", "submission-implicit")
lines = r.out.splitlines()
t.ok(r.rc == 0 and "name: submission-implicit" in lines and any(l.startswith("# read:") for l in lines)
     and "  port: 465" in lines and "  tls: implicit" in lines
     and "      require: []   # submission-implicit.yaml:11" in lines
     and "      recommend: [ENHANCEDSTATUSCODES, PIPELINING]   # submission.yaml:16" in lines
     and "      expect_enforced: true   # submission.yaml:21" in lines
     and "      crit_days: 14   # default.yaml:29" in lines and "      verify: true   # default" in lines
     and "  - name: dane   # submission.yaml:29" in lines,
     "--explain-profile: extends resolved three levels deep, each value with its file:line or 'default'", r)
r = run("--explain-profile", os.path.join(TP, "variables.yaml"), "--var", "domain=lab.test",
        "--set", "certificate.expect_name=smtp.${domain}")
lines = r.out.splitlines()
t.ok(r.rc == 0 and "  domain: lab.test   # --var" in lines and "      expect_hostname: mail.lab.test   # variables.yaml:10"
     in lines and "      expect_name: smtp.lab.test   # --set" in lines,
     "--explain-profile with --var and --set: variables expanded, origins kept", r)
usage_error(["--explain-profile", os.path.join(TP, "bad-variable.yaml")], "bad-variable.yaml:5:24: variable ${domian}",
            "--explain-profile: an unknown variable is an error at file:line:column")
usage_error(["--explain-profile", "nonesuch"], "nonesuch", "--explain-profile: unknown profile")
usage_error(["--server", "x", "--var", "novalue"], "--var: 'novalue' is not NAME=VALUE", "--var needs NAME=VALUE")
# a --var the profile never uses would change nothing: a misspelt name is
# an error, and the value (perhaps a secret) is not echoed
usage_error(["--explain-profile", os.path.join(TP, "variables.yaml"), "--var", "domian=hidden-value"],
            "--var domian: profile", "--var NAME the profile does not use")
r = run("--explain-profile", os.path.join(TP, "variables.yaml"), "--var", "domian=hidden-value")
t.ok("hidden-value" not in r.out + r.err and "uses no ${domian}" in r.err, "... without echoing its value", r)

# --- the site profile directory: searched before the shipped profiles ---
import re  # noqa: E402
import tempfile  # noqa: E402
r = run("--server", "127.0.0.1", "--profile", "zz-none", env={"SMTPDIAG_PROFILE_DIR": ""})
m = re.search(r"no profile named 'zz-none' in (\S+)", r.err)
dirs = m.group(1).split(":") if m else []
t.ok(r.rc == 3 and len(dirs) == 2 and dirs[0].endswith("/etc/smtpdiag/profiles")
     and dirs[1].endswith("/share/smtpdiag/profiles"),
     "built-in profile path: the site directory (sysconfdir) first, then the shipped profiles", r)
site = tempfile.mkdtemp(prefix="sd-site-")
with open(os.path.join(site, "default.yaml"), "w") as f:
    f.write("name: default\ndescription: Site default (test)\nextends: default\ntarget:\n  port: 2525\n")
site_env = {"SMTPDIAG_PROFILE_DIR": site + ":" + PROFILES}
r = run("--list-profiles", env=site_env)
rows = [line.split()[0] for line in r.out.splitlines() if line.strip()]
t.ok(r.rc == 0 and rows.count("default") == 1 and "Site default (test)" in r.out and "submission" in rows
     and r.err == "", "--list-profiles: a site profile shadows the shipped one of its name, listed once", r)
r = run("--explain-profile", "default", env=site_env)
lines = r.out.splitlines()
t.ok(r.rc == 0 and "  port: 2525" in lines and "  - name: ehlo   # default.yaml:16" in lines
     and "      crit_days: 14   # default.yaml:29" in lines and "Site default (test)" in r.out,
     "a site default.yaml saying 'extends: default' extends the shipped default, not itself", r)
r = run("--explain-profile", "submission", env=site_env)
t.ok(r.rc == 0 and "  port: 587" in "\n".join(r.out.splitlines()) and "2525" not in r.out,
     "... and the shipped profiles that extend default get the site's default", r)
shutil.rmtree(site)

# --- the manual page lists every option --help has ---
r = run("--help")
with open(os.path.join(SRC, "man", "smtp-diag.1")) as fh:
    page = fh.read().replace("\\-", "-")
opts = re.findall(r"--([a-z][a-z-]+)", r.out)
missing = sorted({o for o in opts if "--" + o not in page})
t.ok(r.rc == 0 and len(opts) > 30 and not missing, "man/smtp-diag.1 documents every option of --help", missing)
# ... every form of --help's Usage lines in the SYNOPSIS (the plan, shard and merge modes too),
# and SEE ALSO names check_smtpdiag(1)
synopsis = page.split(".SH SYNOPSIS", 1)[-1].split(".SH DESCRIPTION", 1)[0]
syn_text = " ".join(l for l in synopsis.splitlines() if not l.startswith(".br")).replace(".B ", "").replace(".I ", "")
syn_text = " ".join(syn_text.split())
forms = [l.split("smtp-diag", 1)[1].strip() for l in r.out.splitlines() if l.lstrip().startswith(("Usage: smtp-diag", "smtp-diag "))]
leads = [" ".join(f.split()[:2]) for f in forms]
absent = [lead for lead in leads if lead not in syn_text]
see_also = page.split(".SH SEE ALSO", 1)[-1]
t.ok(len(forms) >= 6 and not absent and ".BR check_smtpdiag (1)" in see_also,
     "man/smtp-diag.1: the SYNOPSIS has every Usage form of --help (--make-plan, --plan, --merge); SEE ALSO check_smtpdiag(1)",
     "absent: %s\nforms: %s" % (absent, forms))

t.done()
