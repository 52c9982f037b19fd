#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""layers.py - the tree keeps its architecture (docs/architecture.md).

Reads every #include line of core/ and plugins/ and fails when:
  - a core file includes a header of a layer above its own (the order is
    LAYERS below, lowest first; a layer may include itself and any below),
  - a core file includes a core header by a path that is not "layer/file.h"
    (relative climbs like "../x.h" hide which layer is meant),
  - a plugin includes anything but <smtpdiag/...> and files of its own
    folder (plugins see only include/smtpdiag/ and their folder),
  - a folder of core/ is not in LAYERS, or a layer folder has no README
    saying what lives there and what it may include.
Also checks that docs/architecture.md names every layer folder.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sdtest import SRC, Tap  # noqa: E402

# lowest first; cli is the program, on top of everything
LAYERS = ["base", "wire", "dns", "diagnosis", "smtp", "engine", "report", "fleet", "cli"]
RANK = {name: i for i, name in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def includes(path):
    """(line number, kind, target) of every #include in PATH"""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                out.append((n, m.group(1), m.group(2)))
    return out


def sources(top):
    for dirpath, _dirs, files in os.walk(top):
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                yield os.path.join(dirpath, name)


# headers that make writes into the build tree (Makefile.am), absent from a
# source tree of a VPATH build (make distcheck)
GENERATED = {"cli/sd_paths.h"}


def check_core(core):
    """list of violations in core/"""
    bad = []
    for path in sources(core):
        rel = os.path.relpath(path, core)
        layer = rel.split(os.sep)[0]
        if layer not in RANK:
            bad.append("%s: core/%s is not a layer folder (%s)" % (rel, layer, ", ".join(LAYERS)))
            continue
        for n, kind, target in includes(path):
            if kind == "<":
                continue  # system and public <smtpdiag/...> headers
            where = "core/%s:%d" % (rel, n)
            parts = target.split("/")
            if layer == "cli" and len(parts) == 1 and \
                    os.path.exists(os.path.join(os.path.dirname(path), target)):
                continue  # the program's own headers
            if len(parts) != 2 or parts[0] not in RANK:
                bad.append('%s: #include "%s" is not "layer/file.h"' % (where, target))
                continue
            if not os.path.exists(os.path.join(core, target)) and target not in GENERATED:
                bad.append('%s: #include "%s" names no file of core/' % (where, target))
                continue
            if RANK[parts[0]] > RANK[layer]:
                bad.append('%s: %s includes "%s" of the higher layer %s'
                           % (where, layer, target, parts[0]))
    return bad


def check_plugins(plugins):
    """list of violations in plugins/"""
    bad = []
    for path in sources(plugins):
        rel = os.path.relpath(path, plugins)
        parts = rel.split(os.sep)
        if len(parts) != 2:
            bad.append("plugins/%s: a check's files live in plugins/<check>/" % rel)
            continue
        for n, kind, target in includes(path):
            where = "plugins/%s:%d" % (rel, n)
            if kind == "<":
                # system headers and the public API only; never the core's
                if target.split("/")[0] in RANK or target.startswith("core/"):
                    bad.append("%s: <%s> is a core header" % (where, target))
                continue
            if "/" in target or not os.path.exists(os.path.join(os.path.dirname(path), target)):
                bad.append('%s: #include "%s" is not a file of plugins/%s/' % (where, target, parts[0]))
    return bad


def main():
    t = Tap()
    core = os.path.join(SRC, "core")
    plugins = os.path.join(SRC, "plugins")

    bad = check_core(core)
    t.ok(not bad, "core/: every #include names a layer at or below its own", "\n".join(bad))
    bad = check_plugins(plugins)
    t.ok(not bad, "plugins/: every #include is <smtpdiag/...>, a system header or the check's own folder",
         "\n".join(bad))

    folders = sorted(d for d in os.listdir(core) if os.path.isdir(os.path.join(core, d)))
    t.ok(sorted(folders) == sorted(LAYERS), "core/ holds exactly the layer folders",
         "found %s, expected %s" % (folders, LAYERS))
    missing = [d for d in folders if not os.path.exists(os.path.join(core, d, "README"))]
    t.ok(not missing, "every layer folder has a README", "no README in: %s" % missing)
    with open(os.path.join(SRC, "docs", "architecture.md"), encoding="utf-8") as f:
        arch = f.read()
    unnamed = [d for d in folders if "core/%s/" % d not in arch]
    t.ok(not unnamed, "docs/architecture.md names every layer folder", "not named: %s" % unnamed)
    # the map stays true: every source file of core/ is named in docs/architecture.md
    unmapped = sorted("core/%s" % os.path.relpath(p, core) for p in sources(core)
                      if p.endswith(".c") and os.path.basename(p) not in arch)
    t.ok(not unmapped, "docs/architecture.md names every .c file of core/", unmapped)
    fams = sorted(d for d in os.listdir(plugins) if os.path.isdir(os.path.join(plugins, d)) and d != ".libs")
    with open(os.path.join(plugins, "README"), encoding="utf-8") as f:
        readme = f.read()
    t.ok(all(d + "/" in readme for d in fams), "plugins/README names every check family folder",
         [d for d in fams if d + "/" not in readme])
    loose = [f for f in os.listdir(plugins) if f.endswith((".c", ".h"))]
    t.ok(not loose, "no loose source files in plugins/ (one folder per check family)", loose)

    # the checker itself must catch what it is for: a fake tree with a
    # core file reaching up and a plugin reaching into the core
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for d in ("core/wire", "core/engine", "plugins/x"):
            os.makedirs(os.path.join(tmp, d))
        with open(os.path.join(tmp, "core/engine/runner.h"), "w") as f:
            f.write("\n")
        with open(os.path.join(tmp, "core/wire/net.c"), "w") as f:
            f.write('#include <stdio.h>\n#include "engine/runner.h"\n#include "../engine/runner.h"\n')
        with open(os.path.join(tmp, "plugins/x/x.c"), "w") as f:
            f.write('#include <smtpdiag/plugin.h>\n#include "../../core/wire/net.h"\n#include <engine/runner.h>\n')
        bad_core = check_core(os.path.join(tmp, "core"))
        bad_plug = check_plugins(os.path.join(tmp, "plugins"))
        t.ok(len(bad_core) == 2 and "higher layer engine" in bad_core[0],
             "the checker flags a wire file including an engine header", bad_core)
        t.ok(len(bad_plug) == 2, "the checker flags a plugin including core headers", bad_plug)
    t.done()


if __name__ == "__main__":
    main()
