#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""installed.py - what make install puts on a machine is whole: the man
pages name only files that are installed (FILES, SEE ALSO), the bash
completion offers options, check names and profile names, the site
profile directory exists and no libtool .la file is left (make installcheck
deletes them, as Debian does).

Under make check the sources are examined (man pages name no file of the
source tree; the completion script of the tree); under make installcheck
(SD_TEST_INSTALL_ROOT set) the installed tree.
"""
import os
import re
import shutil
import subprocess

from sdtest import BUILD, SMTP_DIAG, SRC, Tap

t = Tap()
ROOT = os.environ.get("SD_TEST_INSTALL_ROOT", "")
MANDIR = os.environ.get("SD_TEST_MANDIR", "")
PAGES = ["man1/smtp-diag.1", "man1/check_smtpdiag.1", "man3/smtpdiag-plugin.3", "man5/smtpdiag-profile.5"]

# --- the man pages ---
for page in PAGES:
    src = os.path.join(SRC, "man", os.path.basename(page))
    with open(src) as f:
        text = "".join(line for line in f if not line.startswith('.\\"'))
    tree = sorted(set(re.findall(r"\b(?:docs|examples|tests|plugins|core)/[\w./-]+", text)))
    t.ok(not tree, "%s names no file of the source tree" % page, tree)
    if ROOT:
        inst = ROOT + os.path.join(MANDIR, page)
        if not t.ok(os.path.isfile(inst), "%s is installed" % page, inst):
            continue
        with open(inst) as f:
            text = f.read()
        left = re.findall(r"@[A-Z]+DIR@", text)
        paths = sorted(set(p.rstrip("/") for p in re.findall(r"\\fI(/[^\\\s]+)", text) +
                           re.findall(r"^\.I (/\S+)", text, flags=re.M)))
        missing = [p for p in paths if not os.path.exists(ROOT + p)]
        t.ok(not left and len(paths) >= 3 and not missing,
             "installed %s: every file it names (%d) is installed" % (page, len(paths)),
             "unsubstituted: %s\nnot installed: %s" % (left, missing))

# smtpdiag-profile(5) names every shipped profile (it lacked the three vendor
# profiles added later: newcomer trial)
with open(os.path.join(SRC, "man", "smtpdiag-profile.5")) as f:
    page5 = f.read().replace("\\-", "-")
shipped = sorted(n[:-5] for n in os.listdir(os.path.join(SRC, "profiles")) if n.endswith(".yaml"))
t.ok(shipped and all(re.search(r"\b%s\b" % re.escape(n), page5) for n in shipped),
     "smtpdiag-profile(5) names every shipped profile (%d)" % len(shipped),
     [n for n in shipped if not re.search(r"\b%s\b" % re.escape(n), page5)])

if ROOT:
    la = [os.path.join(d, f) for d, _, fs in os.walk(ROOT) for f in fs if f.endswith(".la")]
    t.ok(not la, "no libtool .la file in the installed tree (deleted as Debian does)", la)

# --- bash completion ---
COMPLETION = os.environ.get("SD_TEST_BASHCOMP") or os.path.join(SRC, "completion", "smtp-diag.bash")
bash = shutil.which("bash")
if t.ok(bash is not None and os.path.isfile(COMPLETION), "the bash completion is there (%s)" % COMPLETION):

    def complete(*words):
        """COMPREPLY for the command line SMTP_DIAG WORDS... (the last word
        being completed)"""
        line = [SMTP_DIAG] + list(words)
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
                  '_smtp_diag; printf "%s\\n" "${COMPREPLY[@]}"')
        p = subprocess.run([bash, "--norc", "--noprofile", "-c", script, "complete", COMPLETION] + line,
                           capture_output=True, text=True, timeout=60)
        return [w for w in p.stdout.splitlines() if w], p.stderr

    got, err = complete("--li")
    t.ok(got == ["--list-checks", "--list-profiles"] and err == "", "options: --li offers --list-checks and "
         "--list-profiles", (got, err))
    got, err = complete("--")
    helped = set(re.findall(r"--[a-z][a-z0-9-]*", subprocess.run([SMTP_DIAG, "--help"], capture_output=True,
                                                                   text=True).stdout))
    t.ok(len(got) > 30 and set(got) == helped, "options: -- offers every option of --help", sorted(helped ^ set(got)))
    got, err = complete("--server", "mx.example", "--checks", "ba")
    t.ok(got == ["banner"], "check names: --checks ba offers banner", (got, err))
    got, err = complete("-c", "connect,st")
    t.ok(got == ["connect,starttls"], "check names: a comma list completes its last item", (got, err))
    plugins = os.path.join(BUILD, "tests", "plugins")
    got, err = complete("--plugin-dir", plugins, "--checks", "good")
    t.ok(got == ["goodabi"], "check names come from the --plugin-dir given on the line", (got, err))
    got, err = complete("--profile", "sub")
    t.ok(sorted(got) == ["submission", "submission-implicit"], "profile names: --profile sub offers the submission "
         "profiles", (got, err))
    got, err = complete("--explain-profile", "nist")
    t.ok(got == ["nist-800-177"], "profile names after --explain-profile", (got, err))
    got, err = complete("--tls", "")
    t.ok(got == ["none", "starttls", "implicit"], "values: --tls offers its three modes", (got, err))
t.done()
