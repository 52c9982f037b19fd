#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kbwords.py - each vendor's fix names only that vendor (issue 23, item 6).

Reads the WHY(kind, vendor, cause, fix) rows of core/diagnosis/kb_table.c and
fails when a vendor's row names another vendor's software or directives, or
when a generic row (vendor NULL: what a server nobody can name gets) names
any vendor's. The plugins' own texts are checked against servers in
tests/integration/vendors.py.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sdtest import SRC, Tap  # noqa: E402

# words that give a vendor away (case-sensitive: "key exchange" is no vendor)
WORDS = {
    "postfix": ["Postfix", "postconf", "main.cf", "master.cf", "postfix reload", "postscreen"],
    "exchange": ["Exchange", "Set-ReceiveConnector", "SCHANNEL", "Receive Connector"],
    "exim": ["Exim", "exim4", "acl_smtp_"],
    "sendmail": ["Sendmail", "sendmail.mc", "sendmail.cf"],
    "opensmtpd": ["OpenSMTPD", "smtpd.conf", "smtpctl"],
    "chasquid": ["chasquid"],
}
TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(NULL)|([,)])', re.S)


def why_rows(text):
    """(line, kind, vendor, cause, fix) of every WHY( row"""
    for m in re.finditer(r'^\s*WHY\(', text, re.M):
        args, cur, pos = [], None, m.end()
        while True:
            t = TOKEN.search(text, pos)
            pos = t.end()
            if t.group(1) is not None:
                cur = (cur or "") + t.group(1)
            elif t.group(2):
                cur = None
            else:
                args.append(cur)
                cur = None
                if t.group(3) == ")":
                    break
        yield (text.count("\n", 0, m.start()) + 1,) + tuple(args)


t = Tap()
with open(os.path.join(SRC, "core", "diagnosis", "kb_table.c")) as fh:
    rows = list(why_rows(fh.read()))
t.ok(len(rows) > 100 and all(len(r) == 5 for r in rows), "kb_table.c: %d WHY rows read" % len(rows))
bad = []
for line, kind, vendor, cause, fix in rows:
    text = (cause or "") + " " + (fix or "")
    others = [v for v in WORDS if v != vendor]
    hits = [w for v in others for w in WORDS[v] if w in text]
    if hits:
        bad.append("line %d %s (%s): names %s" % (line, kind, vendor or "generic", ", ".join(hits)))
t.ok(not bad, "no vendor row names another vendor, no generic row names any", "\n".join(bad))
vendored = {(k, v) for _, k, v, _, _ in rows if v}
t.ok(all(v in WORDS for _, v in vendored), "every vendor row is for a known vendor",
     sorted({v for _, v in vendored} - set(WORDS)))
t.done()
