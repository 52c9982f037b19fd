#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# fncomment-check.py - the project rule "every C function has a one-line
# /* name - purpose */ comment" (docs/architecture.md, HELPER-BRIEF): every
# function definition at column 0 of a .c file of the source tree has a
# comment ending on the non-blank line right above it (above the return
# type when the type sits on its own line). A TAP test of make check; the
# definitions lacking a comment are listed as "# FILE:LINE name".
#
# Files: the git-tracked .c files when SRCDIR is the top of a git checkout,
# else every .c file found under SRCDIR (a tarball in make distcheck),
# except what the build generates.
#
#   tests/fncomment-check.py [SRCDIR]

import os
import re
import subprocess
import sys

PRUNE = {".git", "build-aux", "m4", "autom4te.cache", ".libs", ".deps",
         "_build", "_inst", "installcheck-root"}
PRUNE_PATHS = {"tests/fuzz/work", "tests/lab-state", "debian/tmp",
               "debian/smtpdiag", "debian/smtpdiag-dev", "debian/.debhelper"}
NAME_RE = re.compile(r"([A-Za-z_]\w*)\s*\(")
NOT_NAMES = {"__attribute__", "__declspec", "alignas", "_Alignas"}


# tracked_files - the .c files git tracks when src is a checkout's top, else None
def tracked_files(src):
    try:
        top = subprocess.run(["git", "-C", src, "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, check=False)
        if top.returncode != 0 or \
                os.path.realpath(top.stdout.strip()) != os.path.realpath(src):
            return None
        ls = subprocess.run(["git", "-C", src, "ls-files", "-z", "--", "*.c"],
                            capture_output=True, text=True, check=False)
    except OSError:
        return None
    if ls.returncode != 0:
        return None
    files = [f for f in ls.stdout.split("\0") if f]
    return files or None


# found_files - every .c file under src except build products and scratch trees
def found_files(src):
    out = []
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        rel = "" if rel == "." else rel + "/"
        dirs[:] = sorted(d for d in dirs if d not in PRUNE
                         and not re.match(r"smtpdiag-[0-9]", d)
                         and rel + d not in PRUNE_PATHS)
        out += [rel + f for f in sorted(files) if f.endswith(".c")]
    return out


# strip_code - the file's lines with comments, strings and character
# constants blanked (so braces, parentheses and ';' in them do not count),
# plus per line whether it is a preprocessor line
def strip_code(text):
    out = []
    pre = []
    in_comment = False
    in_pre = False
    for line in text.split("\n"):
        if not in_comment and not in_pre:
            in_pre = line.lstrip().startswith("#")
        is_pre = in_pre
        buf = []
        i = 0
        n = len(line)
        while i < n:
            c = line[i]
            if in_comment:
                if line.startswith("*/", i):
                    in_comment = False
                    buf.append("  ")
                    i += 2
                else:
                    buf.append(" ")
                    i += 1
            elif line.startswith("/*", i):
                in_comment = True
                buf.append("  ")
                i += 2
            elif line.startswith("//", i):
                break
            elif c in "\"'":
                j = i + 1
                while j < n and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                buf.append(c + " " * max(0, min(j, n) - i - 1) + c)
                i = j + 1
            else:
                buf.append(c)
                i += 1
        in_pre = is_pre and line.endswith("\\")
        out.append("".join(buf))
        pre.append(is_pre)
    return out, pre


# check_file - (line, name) of each definition in path lacking its comment,
# and how many definitions path holds
def check_file(path):
    with open(path, encoding="utf-8", errors="replace") as fh:
        raw = fh.read().split("\n")
    code, pre = strip_code("\n".join(raw))
    missing = []
    count = 0
    depth = 0
    start = None            # first line of the current top-level declaration
    text = []               # its text so far (depth 0 only)
    for i, line in enumerate(code):
        if pre[i]:
            continue
        if depth == 0 and start is None:
            if not line.strip():
                continue
            if line[0] in " \t}":
                start = -1  # not at column 0: never a definition we check
            else:
                start = i
            text = []
        for c in line:
            if depth == 0:
                if c == ";":
                    start = None
                    text = []
                    continue
                if c == "{":
                    stmt = "".join(text)
                    if start is not None and start >= 0 and "=" not in stmt \
                            and stmt.rstrip().endswith(")"):
                        name = next((m.group(1) for m in NAME_RE.finditer(stmt)
                                     if m.group(1) not in NOT_NAMES), None)
                        if name:
                            count += 1
                            k = start - 1
                            while k >= 0 and not raw[k].strip():
                                k -= 1
                            if k < 0 or not raw[k].rstrip().endswith("*/"):
                                missing.append((start + 1, name))
                    start = None
                    text = []
                    depth = 1
                    continue
                text.append(c)
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
        if depth == 0 and start is not None:
            text.append(" ")
    return missing, count


# main - check every file, print the TAP case and the definitions lacking a comment
def main():
    src = sys.argv[1] if len(sys.argv) > 1 else \
        os.environ.get("SD_TOP_SRCDIR") or os.path.join(os.path.dirname(__file__), "..")
    files = tracked_files(src)
    if files is None:
        files = found_files(src)
    bad = []
    defs = 0
    for f in files:
        p = os.path.join(src, f)
        if not os.path.isfile(p):
            continue
        missing, count = check_file(p)
        defs += count
        bad += ["%s:%d %s" % (f, line, name) for line, name in missing]
    ok = defs > 0 and not bad
    print("1..1")
    print("%s 1 - every function definition has a /* name - purpose */ comment "
          "(%d definitions in %d .c files)" % ("ok" if ok else "not ok", defs, len(files)))
    if defs == 0:
        print("# no function definition found under %s" % src)
    for b in bad:
        print("# missing comment: %s" % b)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
