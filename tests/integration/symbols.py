#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""symbols.py - the engine exports the documented API and nothing else.

The API is what include/smtpdiag/*.h declares. libsmtpdiag.so's dynamic
symbols (nm -D --defined-only), the program's exported sd_* symbols (the
modules find the engine there) and the linker version script
core/libsmtpdiag.map must each be exactly that list; every module may call
only functions of that list. Under make installcheck the installed library
and program are the ones examined (SD_TEST_PRIVLIBDIR, SD_TEST_SMTP_DIAG).
"""
import glob
import os
import re
import shutil
import subprocess

from sdtest import BUILD, PLUGINS, SMTP_DIAG, SRC, Tap

t = Tap()
if shutil.which("nm") is None:
    t.skip_all("nm (binutils) is not installed")


def declared():
    """functions declared by the public headers (not static inline ones,
    not function-pointer members)"""
    names = set()
    for h in glob.glob(os.path.join(SRC, "include", "smtpdiag", "*.h")):
        with open(h) as f:
            text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        inline = set(re.findall(r"static\s+inline\s+[^;{(]*?\b(sd_\w+)\s*\(", text))
        for name in re.findall(r"\b(sd_\w+)\s*\((?!\s*\*)", text):
            if name not in inline:
                names.add(name)
    return names


def nm(path, *flags):
    p = subprocess.run(["nm", "-D"] + list(flags) + [path], capture_output=True, text=True)
    return p.returncode, [line.split()[-1] for line in p.stdout.splitlines() if line.strip()], p.stderr


API = declared()
t.ok(len(API) > 50, "the headers declare the API (%d functions)" % len(API), sorted(API))

with open(os.path.join(SRC, "core", "libsmtpdiag.map")) as f:
    mapped = set(re.findall(r"^\s*(sd_\w+);", f.read(), flags=re.M))
t.ok(mapped == API, "core/libsmtpdiag.map lists exactly the declared functions",
     "missing: %s\nundeclared: %s" % (sorted(API - mapped), sorted(mapped - API)))

libdir = os.environ.get("SD_TEST_PRIVLIBDIR") or os.path.join(BUILD, ".libs")
libs = sorted(glob.glob(os.path.join(libdir, "libsmtpdiag.so.*.*.*")))
if t.ok(len(libs) == 1, "libsmtpdiag.so found in %s" % libdir, os.listdir(libdir) if os.path.isdir(libdir) else ""):
    rc, syms, err = nm(libs[0], "--defined-only")
    exported = set(syms)
    t.ok(rc == 0 and exported == API,
         "nm -D --defined-only libsmtpdiag.so lists exactly the %d documented functions" % len(API),
         "%s\nnot documented: %s\nnot exported: %s" % (err, sorted(exported - API), sorted(API - exported)))

rc, syms, err = nm(SMTP_DIAG, "--defined-only")
prog = {s for s in syms if s.startswith("sd_")}
t.ok(rc == 0 and prog == API, "smtp-diag exports exactly the API to the modules it loads (%s)" % SMTP_DIAG,
     "%s\nnot documented: %s\nnot exported: %s" % (err, sorted(prog - API), sorted(API - prog)))

mods = sorted(glob.glob(os.path.join(PLUGINS.split(":")[0], "*.so")) or
              glob.glob(os.path.join(PLUGINS.split(":")[0], ".libs", "*.so")))
bad = {}
for m in mods:
    rc, syms, err = nm(m, "--undefined-only")
    extra = sorted(s for s in syms if s.startswith("sd_") and s not in API)
    if rc != 0 or extra:
        bad[os.path.basename(m)] = extra or err
t.ok(len(mods) > 10 and not bad, "the %d modules call nothing of the engine but the API" % len(mods), bad)
t.done()
