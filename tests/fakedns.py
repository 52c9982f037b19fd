#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fakedns.py - a scripted DNS server for what dnsmasq will not do.

dnsmasq (tests/lab/dns-up.sh) serves the honest records. This one answers
as a test tells it to: with the AD bit set (a DNSSEC-validating resolver),
truncated over UDP with the full answer over TCP, with a spoofed id first,
with garbage, SERVFAIL, or not at all.

    def answer(qname, qtype):          # qtype: 1 A, 15 MX, 16 TXT, 52 TLSA...
        return Reply(records=[(15, mx(10, "mail.lab.test"))], ad=True)
    with FakeDNS(answer) as dns:       # dns.port: UDP and TCP on 127.0.0.1
        ...

Reply(records, rcode=0, ad=False, truncate_udp=False, spoof_first=False,
      raw=None, drop=False). A record is (type, rdata) owned by the question's
name, or (type, rdata, "owner.name"). Loopback only, by design.
"""
import socket
import struct
import threading


def name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def a(addr):
    return socket.inet_aton(addr)


def mx(pref, host):
    return struct.pack("!H", pref) + name(host)


def txt(*strings):
    return b"".join(bytes([len(s)]) + s.encode() for s in strings)


def tlsa(usage, selector, matching, data):
    return bytes([usage, selector, matching]) + data


class Reply:
    def __init__(self, records=(), rcode=0, ad=False, truncate_udp=False, spoof_first=False, raw=None,
                 drop=False):
        self.records, self.rcode, self.ad = list(records), rcode, ad
        self.truncate_udp, self.spoof_first, self.raw, self.drop = truncate_udp, spoof_first, raw, drop


def parse_question(q):
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    return ".".join(labels).lower(), qtype, q[12:i + 5]


def build(q, reply, truncated=False, wrong_id=False):
    qname, qtype, question = parse_question(q)
    qid = struct.unpack("!H", q[:2])[0] ^ (0x5555 if wrong_id else 0)
    flags = 0x8000 | 0x0100 | 0x0080 | (reply.rcode & 0xf)   # QR RD RA
    if reply.ad:
        flags |= 0x0020
    records = [] if truncated else reply.records
    if truncated:
        flags |= 0x0200
    out = struct.pack("!HHHHHH", qid, flags, 1, len(records), 0, 0) + question
    for rec in records:
        rtype, rdata = rec[0], rec[1]
        owner = name(rec[2]) if len(rec) > 2 else b"\xc0\x0c"   # another owner, or the question's
        out += owner + struct.pack("!HHIH", rtype, 1, 300, len(rdata)) + rdata
    return out


class FakeDNS:
    def __init__(self, answer, host="127.0.0.1"):
        self.answer = answer
        self.queries = []            # (qname, qtype, "udp"|"tcp")
        # one port number for UDP and TCP: take a free TCP port, then the
        # same UDP port; another test's socket may hold it, so try again
        for _ in range(50):
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.tcp.bind((host, 0))
            self.port = self.tcp.getsockname()[1]
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.udp.bind((host, self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise OSError("fakedns: no port free for both UDP and TCP")
        self.tcp.listen(8)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=t, daemon=True) for t in (self._serve_udp, self._serve_tcp)]
        for th in self._threads:
            th.start()

    def _serve_udp(self):
        self.udp.settimeout(0.2)
        while not self._stop.is_set():
            try:
                q, peer = self.udp.recvfrom(4096)
            except (socket.timeout, OSError):
                continue
            qname, qtype, _ = parse_question(q)
            self.queries.append((qname, qtype, "udp"))
            reply = self.answer(qname, qtype)
            if reply.drop:
                continue
            if reply.raw is not None:
                self.udp.sendto(reply.raw, peer)
                continue
            if reply.spoof_first:
                self.udp.sendto(build(q, Reply(records=[(qtype, a("192.0.2.66"))] if qtype == 1 else []),
                                      wrong_id=True), peer)
            self.udp.sendto(build(q, reply, truncated=reply.truncate_udp), peer)

    def _serve_tcp(self):
        self.tcp.settimeout(0.2)
        while not self._stop.is_set():
            try:
                c, _ = self.tcp.accept()
            except (socket.timeout, OSError):
                continue
            try:
                c.settimeout(2)
                n = struct.unpack("!H", c.recv(2))[0]
                q = b""
                while len(q) < n:
                    q += c.recv(n - len(q))
                qname, qtype, _ = parse_question(q)
                self.queries.append((qname, qtype, "tcp"))
                out = build(q, self.answer(qname, qtype))
                c.sendall(struct.pack("!H", len(out)) + out)
            except (OSError, struct.error):
                pass
            finally:
                c.close()

    def close(self):
        # let the threads leave accept()/recvfrom() first: a socket closed
        # under a blocked accept() stays bound until that call returns
        self._stop.set()
        for th in self._threads:
            th.join(2)
        self.udp.close()
        self.tcp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
