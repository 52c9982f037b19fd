#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sdk.py - the extension SDK as an in-house check author uses it.

'make install DESTDIR=...' into a scratch directory, then the example check
(examples/size-limit) is compiled with nothing but cc and pkg-config against
that installed tree, put in a user plugin directory, and run: by name with
--checks, and from a user profile that extends the shipped default.
"""
import os
import shutil
import subprocess
import tempfile

from sdtest import BUILD, PLUGINS, PROFILES, SRC, Tap, run
from fakesmtp import FakeSMTP  # noqa: E402

t = Tap()
for tool in ("cc", "pkg-config", "make"):
    if shutil.which(tool) is None:
        t.skip_all("%s is not installed" % tool)

work = tempfile.mkdtemp(prefix="sd-sdk-")
try:
    dest = os.path.join(work, "root")
    inst = subprocess.run(["make", "-C", BUILD, "install", "DESTDIR=" + dest], capture_output=True, text=True)
    if not t.ok(inst.returncode == 0, "make install DESTDIR=... works", inst.stdout[-2000:] + inst.stderr[-2000:]):
        t.done()
    pcs = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "smtpdiag-plugin.pc"]
    hdrs = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "plugin.h"]
    t.ok(len(pcs) == 1 and len(hdrs) == 1 and hdrs[0].endswith("include/smtpdiag/plugin.h"),
         "the install holds smtpdiag-plugin.pc and the public headers", pcs + hdrs)
    pcdir = os.path.dirname(pcs[0])
    prefix = os.path.dirname(os.path.dirname(os.path.dirname(pcs[0])))   # <dest><prefix>/lib/pkgconfig
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
    pc = subprocess.run(["pkg-config", "--define-variable=prefix=" + prefix, "--cflags", "--libs",
                         "smtpdiag-plugin"], capture_output=True, text=True, env=env)
    abi = subprocess.run(["pkg-config", "--variable=abi", "smtpdiag-plugin"], capture_output=True, text=True,
                         env=env)
    t.ok(pc.returncode == 0 and "-lsmtpdiag" in pc.stdout and abi.stdout.strip() == "2",
         "pkg-config smtpdiag-plugin: flags and the plugin ABI", pc.stdout + pc.stderr + abi.stdout)

    plugins = os.path.join(work, "plugins")
    os.mkdir(plugins, 0o755)
    so = os.path.join(plugins, "size_limit.so")
    cc = subprocess.run("cc -Wall -Werror -o %s %s $(pkg-config --define-variable=prefix=%s --cflags --libs "
                        "smtpdiag-plugin)" % (so, os.path.join(SRC, "examples", "size-limit", "size_limit.c"), prefix),
                        shell=True, capture_output=True, text=True, env=env)
    if not t.ok(cc.returncode == 0 and os.path.exists(so), "the example builds out of tree with cc + pkg-config",
                cc.stderr):
        t.done()

    both = PLUGINS + ":" + plugins
    r = run("--plugin-dir", both, "--list-checks")
    t.ok(r.rc == 0 and any(l.startswith("size-limit ") for l in r.out.splitlines()) and "REFUSED" not in r.out,
         "the user plugin directory is scanned and the module accepted", r)

    script = [("send", b"220 fake.example ESMTP\r\n"), ("expect", "EHLO"),
              ("send", b"250-fake.example\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n")]
    with FakeSMTP(script) as srv:
        r = run("--plugin-dir", both, "--server", "127.0.0.1", "--port", str(srv.port), "--tls", "none", "--json",
                "--checks", "size-limit", "--set", "size-limit.min_mb=50")
    f = r.finding("size-limit.too_small")
    t.ok(r.rc == 1 and f is not None and "10.2 MB" in f["summary"] and "policy is 50 MB" in f["summary"],
         "the example check runs by name, with a --set parameter", r)

    profiles = os.path.join(work, "profiles")
    os.mkdir(profiles, 0o755)
    shutil.copy(os.path.join(SRC, "examples", "size-limit", "corp.yaml"), profiles)
    with FakeSMTP(script) as srv:
        r = run("--plugin-dir", both, "--profile-dir", profiles + ":" + PROFILES,
                "--profile", "corp", "--server", "127.0.0.1", "--port", str(srv.port), "--tls", "none", "--json")
    names = [c["name"] for c in r.json.get("checks", [])]
    t.ok("size-limit" in names and names[0] == "connect" and r.check("size-limit")["status"] == "ok"
         and r.check("size-limit")["summary"] == "10.2 MB accepted",
         "a user profile extending 'default' selects the example check (min_mb 10: passes)", r)
finally:
    shutil.rmtree(work, ignore_errors=True)
t.done()
