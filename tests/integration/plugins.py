#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""plugins.py - loading check modules safely: only from configured absolute
directories, never from files or directories others can write, never a
module of another ABI (not even its constructors run), never through a .la
that points elsewhere."""
import os
import shutil
import stat
import tempfile

from sdtest import BUILD, INSTALLCHECK, PLUGINS, Tap, run  # sets up the import path  # noqa: I001
from fakesmtp import FakeSMTP  # noqa: E402

t = Tap()
TESTPLUGINS = os.path.join(BUILD, "tests", "plugins")
GOOD_SO = os.path.join(TESTPLUGINS, ".libs", "goodabi.so")
work = tempfile.mkdtemp(prefix="sd-plugins-")
os.chmod(work, 0o755)


def fresh_dir(name, mode=0o755):
    d = os.path.join(work, name)
    os.makedirs(d)
    os.chmod(d, mode)
    return d


def listed(r, name):
    """the --list-checks line of check NAME ("" if absent)"""
    return next((line for line in r.out.splitlines() if line.split()[:1] == [name]), "")


# --- another ABI: refused from the file; its constructor never runs ---
marker = os.path.join(work, "constructor-ran")
r = run("--plugin-dir", TESTPLUGINS, "--list-checks", env={"SD_CTOR_MARKER": marker})
line = listed(r, "ctorabi")
t.ok(r.rc == 0 and "REFUSED: built for plugin ABI" in line and "none of its code ran" in line,
     "a module of another ABI is refused from its file", r)
t.ok(not os.path.exists(marker), "... and was never loaded: its constructor did not run", r)
t.ok("goodabi" in r.out and "REFUSED" not in listed(r, "goodabi"), "the valid module next to it loads", r)

# --- files and directories others can write ---
d = fresh_dir("world-writable-file")
shutil.copy(GOOD_SO, d)
os.chmod(os.path.join(d, "goodabi.so"), 0o666)
r = run("--plugin-dir", d, "--list-checks")
t.ok(r.rc == 0 and "writable by everyone; refusing to load code from it" in listed(r, "goodabi"),
     "a world-writable module file is refused", r)
r = run("--plugin-dir", PLUGINS + ":" + d, "--server", "127.0.0.1", "--checks", "goodabi")
last = (r.err.strip().splitlines() or [""])[-1]
t.ok(r.rc == 3 and "check 'goodabi' is not available: its module was refused" in last
     and "writable by everyone" in last, "asking for its check: a line naming the refusal, exit 3", r)

d = fresh_dir("world-writable-dir", 0o777)
shutil.copy(GOOD_SO, d)
os.chmod(d, 0o777)     # umask may have narrowed it
r = run("--plugin-dir", d, "--list-checks")
t.ok(r.rc == 3 and "plugin directory: %s is writable by everyone" % d in r.err,
     "a world-writable plugin directory is refused outright, exit 3", r)
os.chmod(d, 0o775)
r = run("--plugin-dir", d, "--list-checks")
t.ok(r.rc == 3 and "writable by its group" in r.err, "a group-writable plugin directory too", r)

# a .la whose shared object sits in a world-writable .libs/
d = fresh_dir("writable-libs")
libs = fresh_dir("writable-libs/.libs", 0o777)
os.chmod(libs, 0o777)
shutil.copy(GOOD_SO, libs)
shutil.copy(os.path.join(TESTPLUGINS, "goodabi.la"), d)
r = run("--plugin-dir", d, "--list-checks")
t.ok("REFUSED" in listed(r, "goodabi") and ".libs is writable by everyone" in listed(r, "goodabi"),
     "a .la is followed to the object it loads: a world-writable .libs/ is refused", r)

# a .la that names an object outside its directory, and one whose libdir= points elsewhere
d = fresh_dir("escaping-la")
with open(os.path.join(d, "evil.la"), "w") as f:
    f.write("# libtool archive\ndlname='../../evil.so'\nlibrary_names='evil.so'\ninstalled=yes\n"
            "libdir='/tmp'\n")
r = run("--plugin-dir", d, "--list-checks")
t.ok("names a shared object outside its directory" in listed(r, "evil"),
     "a .la naming an object outside its directory is refused", r)
d = fresh_dir("libdir-elsewhere")
with open(os.path.join(d, "goodabi.la"), "w") as f:
    f.write("dlname='goodabi.so'\ninstalled=yes\nlibdir='%s'\n" % os.path.join(TESTPLUGINS, ".libs"))
r = run("--plugin-dir", d, "--list-checks")
t.ok("neither in %s nor in %s/.libs" % (d, d) in listed(r, "goodabi"),
     "a .la's libdir= is never followed: only its own directory counts", r)

# a symbolic link from a safe directory into an unsafe one
unsafe = fresh_dir("unsafe-target", 0o777)
os.chmod(unsafe, 0o777)
shutil.copy(GOOD_SO, unsafe)
d = fresh_dir("symlinked")
os.symlink(os.path.join(unsafe, "goodabi.so"), os.path.join(d, "goodabi.so"))
r = run("--plugin-dir", d, "--list-checks")
t.ok("%s is writable by everyone" % unsafe in listed(r, "goodabi"),
     "a symlink is judged by where it leads: a module in a world-writable directory is refused", r)

# --- where modules come from ---
d = fresh_dir("cwd")
shutil.copy(GOOD_SO, d)
old = os.getcwd()
os.chdir(d)
try:
    r = run("--list-checks", env={"SMTPDIAG_PLUGIN_DIR": "."})
    t.ok(r.rc == 3 and "plugin directory '.' is not an absolute path" in r.err and "goodabi" not in r.out,
         "a relative SMTPDIAG_PLUGIN_DIR is refused, never resolved against the current directory", r)
    r = run("--list-checks", env={"SMTPDIAG_PLUGIN_DIR": "::"})
    t.ok(r.rc == 3 and "names no directory" in r.err and "goodabi" not in r.out,
         "empty entries are not the current directory", r)
    r = run("--list-checks", "--plugin-dir", ".")
    t.ok(r.rc == 0 and "goodabi" in r.out, "a relative --plugin-dir is the user's explicit choice: anchored to "
         "the current directory", r)
finally:
    os.chdir(old)

# --- the product's own modules (the installed ones under make installcheck,
# found through the environment of the suite like a user's defaults): a
# clean run prints nothing on stderr, and every check is listed once
r = run("--list-checks")
rows = [line.split()[0] for line in r.out.splitlines() if line[:1] not in ("", " ")]
t.ok(r.rc == 0 and r.err == "" and "REFUSED" not in r.out and len(rows) > 10 and len(rows) == len(set(rows)),
     "%s modules (%s): every check listed once, none refused, nothing on stderr"
     % ("installed" if INSTALLCHECK else "build-tree", PLUGINS), r)
clean = [("send", b"220 fake.example ESMTP\r\n"), ("expect", "EHLO"),
         ("send", b"250-fake.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n")]
for fmt in ((), ("--json",), ("--nagios",)):
    with FakeSMTP(clean) as srv:
        r = run("--server", "127.0.0.1", "--port", str(srv.port), "--tls", "none", *fmt)
    t.ok(r.rc in (0, 1, 2) and r.err == "" and r.out != "",
         "a clean run of the default profile%s prints its report and nothing on stderr" % "".join(" " + f for f in fmt),
         r)

# the real modules of the build load cleanly
r = run("--plugin-dir", os.path.join(BUILD, "plugins"), "--list-checks")
t.ok(r.rc == 0 and "REFUSED" not in r.out and "banner" in r.out, "every module of the build loads", r)


def check_rows(out):
    """the check names of a --list-checks output (a row per check; indented
    lines describe it)"""
    return [line.split()[0] for line in out.splitlines() if line[:1] not in ("", " ")]


BUILD_CHECKS = check_rows(r.out)

# --- the three layouts a module directory comes in: the build tree's .la
# files (objects in .libs/), an installed tree (.la next to its .so), and
# Debian's (the .la files deleted, .so only). In each, every check is
# listed once, nothing is refused and a run prints nothing on stderr.
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(BUILD, "plugins", ".libs")) if f.endswith(".so"))
layouts = {"build tree (.la, objects in .libs/)": os.path.join(BUILD, "plugins")}
for name, with_la, with_so in (("installed (.la + .so)", True, True), ("Debian (.so only)", False, True),
                               ("lone .la files", True, False)):
    d = fresh_dir("layout-" + name.split()[0].lower())
    for m in MODULES:
        if with_so:
            shutil.copy(os.path.join(BUILD, "plugins", ".libs", m + ".so"), d)
        if with_la:
            shutil.copy(os.path.join(BUILD, "plugins", m + ".la"), d)
    layouts[name] = d
script = [("send", b"220 fake.example ESMTP\r\n"), ("expect", "EHLO"),
          ("send", b"250-fake.example\r\n250 SIZE 10240000\r\n")]
for name, d in layouts.items():
    r = run("--plugin-dir", d, "--list-checks")
    names = check_rows(r.out)
    if name == "lone .la files":
        # a .la whose object is neither next to it nor in .libs/: refused, named
        t.ok(r.rc == 0 and len(names) == len(MODULES) and r.out.count("REFUSED") == len(MODULES)
             and "names banner.so, which is neither in" in r.out,
             "%s: each module refused once, saying where its object was looked for" % name, r)
        continue
    t.ok(r.rc == 0 and "REFUSED" not in r.out and r.err == "" and len(MODULES) > 10
         and sorted(names) == sorted(set(names)) and sorted(names) == sorted(BUILD_CHECKS),
         "%s: every check listed once, none refused" % name, r)
    with FakeSMTP(script) as srv:
        r = run("--plugin-dir", d, "--server", "127.0.0.1", "--port", str(srv.port), "--tls", "none",
                "--checks", "connect,banner,ehlo", "--json")
    t.ok(r.rc in (0, 1) and r.err == "" and [c["name"] for c in r.json["checks"]] == ["connect", "banner", "ehlo"],
         "%s: a run prints nothing on stderr" % name, r)

for root, dirs, files in os.walk(work):
    for x in dirs:
        os.chmod(os.path.join(root, x), stat.S_IRWXU)
shutil.rmtree(work)
t.done()
