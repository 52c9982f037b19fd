# SPDX-License-Identifier: MIT
"""sdtest.py - shared helpers for the integration tests (TAP output).

Run by 'make check' with SD_TOP_BUILDDIR, SD_TOP_SRCDIR and the plugin and
profile directories in the environment.
"""
import json
import os
import subprocess
import sys

BUILD = os.environ.get("SD_TOP_BUILDDIR", ".")
SRC = os.environ.get("SD_TOP_SRCDIR", ".")
# the product under test: the build tree's program, modules and profiles
# under make check; the installed ones under make installcheck (which sets
# SD_TEST_SMTP_DIAG and the two directory variables to the installed tree)
SMTP_DIAG = os.environ.get("SD_TEST_SMTP_DIAG") or os.path.join(BUILD, "smtp-diag")
PLUGINS = os.environ.get("SMTPDIAG_PLUGIN_DIR") or os.path.join(BUILD, "plugins")
PROFILES = os.environ.get("SMTPDIAG_PROFILE_DIR") or os.path.join(SRC, "profiles")
INSTALLCHECK = os.environ.get("SD_INSTALLCHECK") == "1"
sys.path.insert(0, os.path.join(SRC, "tests"))


class Tap:
    """Minimal TAP producer: ok(), then done() prints the plan and exits."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        sys.excepthook = self._crashed

    def _crashed(self, kind, value, tb):
        """an exception in the script: one failing test with the traceback
        (the TAP driver would only say 'missing test plan'), then the plan"""
        import traceback
        self.ok(False, "the test script crashed: %s: %s" % (kind.__name__, value),
                "".join(traceback.format_exception(kind, value, tb)))
        print("1..%d" % self.n, flush=True)

    def ok(self, cond, name, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name), flush=True)
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines()[:60]:
                    print("# " + line)
        return cond

    def skip_all(self, why):
        print("1..0 # SKIP " + why)
        sys.exit(0)

    def done(self):
        if _valgrind_failures:
            self.ok(False, "valgrind reported memory errors in %d run(s)" % len(_valgrind_failures),
                    "\n\n".join(_valgrind_failures))
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err
        self._json = None

    @property
    def json(self):
        """the parsed report; a run that printed no report (smtp-diag failed,
        hung or crashed) yields an empty one, so the test that needed it
        fails with the run's output rather than crashing the script"""
        if self._json is None:
            try:
                self._json = json.loads(self.out)
            except ValueError:
                self._json = {"checks": [], "unparseable": True}
        return self._json

    def check(self, name):
        for c in self.json["checks"]:
            if c["name"] == name:
                return c
        raise KeyError(name)

    def finding_ids(self):
        return [f["id"] for c in self.json["checks"] for f in c["findings"]]

    def finding(self, fid):
        for c in self.json["checks"]:
            for f in c["findings"]:
                if f["id"] == fid:
                    return f
        return None

    def __str__(self):
        # the findings first: a failing assertion's diagnostics are cut to
        # 60 lines, and the JSON around them rarely says what went wrong
        head = ""
        try:
            doc = json.loads(self.out)
            parts = [doc] + doc.get("servers", [])
            head = "findings: %s\n" % ", ".join(
                "%s(%s)" % (f["id"], f["severity"]) for d in parts for c in d.get("checks", [])
                for f in c.get("findings", [])) + "summary: %s\n" % doc.get("summary")
        except (ValueError, AttributeError, KeyError, TypeError):
            pass
        return "exit %s\n%s--- stdout\n%s\n--- stderr\n%s" % (self.rc, head, self.out[-4000:], self.err[-2000:])


# runs whose valgrind found errors (exit 99): reported by Tap.done() as a
# failing test even when the run's own assertions did not look at the status
_valgrind_failures = []


def run(*args, timeout=60, env=None):
    """Run smtp-diag; a hang is a failure (the timeout is a guard, not a goal).
    Under 'make check-valgrind', SD_VALGRIND holds the valgrind command line.
    ENV: extra environment variables."""
    wrapper = os.environ.get("SD_VALGRIND", "").split()
    # DNS never goes to the system resolver from a test: to the lab DNS
    # server when a test started one (SD_TEST_DNS), else to a closed
    # loopback port, so a lookup fails at once and stays on the machine
    full_env = dict(os.environ, SMTPDIAG_DNS_SERVER=os.environ.get("SD_TEST_DNS", "127.0.0.1:9"))
    full_env.update(env or {})
    for attempt in (1, 2):
        try:
            p = subprocess.run(wrapper + [SMTP_DIAG] + list(args), capture_output=True, text=True,
                               timeout=timeout, errors="replace", env=full_env)
        except subprocess.TimeoutExpired as e:
            return Result("hang", e.stdout or "", "smtp-diag did not finish within %ss" % timeout)
        # LeakSanitizer's own exit-time scan crashes on some runs ("Tracer
        # caught signal 11 ... LeakSanitizer has encountered a fatal error",
        # google/sanitizers#1353): a failure of the tool after smtp-diag has
        # finished, not of smtp-diag. Such a run is repeated once with leak
        # detection off (AddressSanitizer's memory checks stay on; leaks are
        # still checked by the valgrind stage). A leak report is never retried.
        if attempt == 1 and "LeakSanitizer has encountered a fatal error" in p.stderr:
            asan = full_env.get("ASAN_OPTIONS", "")
            full_env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "detect_leaks=0"
            continue
        break
    if wrapper and p.returncode == 99:
        _valgrind_failures.append("smtp-diag %s\n%s" % (" ".join(args), p.stderr[-3000:]))
    return Result(p.returncode, p.stdout, p.stderr)


_schema = None


def schema_errors(doc):
    """List of JSON-schema violations of a report (empty when valid)."""
    global _schema
    import jsonschema
    if _schema is None:
        with open(os.path.join(SRC, "docs", "report.schema.json")) as f:
            _schema = json.load(f)
    v = jsonschema.Draft202012Validator(_schema)
    return ["%s: %s" % ("/".join(map(str, e.path)), e.message) for e in v.iter_errors(doc)]
