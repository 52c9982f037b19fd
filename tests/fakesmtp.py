#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fakesmtp.py - a scripted SMTP peer for what real servers will not do.

A script is a list of steps run for each accepted connection:
    ("send", b"220 x\r\n")     write bytes
    ("trickle", b"...", 0.5)   write one byte every 0.5 s
    ("expect", "EHLO")         read one line; it must start with this (case-insensitive)
    ("read",)                  read and ignore one line
    ("sleep", 2.0)             wait
    ("flood", b"250-x\r\n", n) write the chunk n times (0: until the peer goes away)
    ("close",)                 close the connection now
    ("hang",)                  keep the connection open, never read or write again
    ("drain",)                 read whatever bytes have arrived (e.g. a TLS ClientHello), up to 64 KiB
    ("reset",)                 abort the connection with a TCP reset (SO_LINGER 0)
    ("tls", context)           TLS server handshake with this ssl.SSLContext; the steps after
                               it (and the QUIT loop) run over TLS; a failed handshake ends
                               the connection (the alert the context sent is the point)
    ("tls_keep", context, b"220 go\r\n")
                               the same with the STARTTLS buffering bug (CVE-2011-0411): send the
                               reply to STARTTLS, then handshake; plain-text lines that came with
                               STARTTLS are answered inside TLS afterwards ("250 2.0.0 Ok" each),
                               as Postfix did before the CVE-2011-0411 fix (what was buffered is
                               taken before the reply goes out, so a ClientHello never is)
    ("proxy", port)            from here on relay bytes both ways to 127.0.0.1:port (e.g. an
                               `openssl s_server` that does what Python's ssl cannot: OCSP stapling)
SCRIPT may also be a function of the connection's number (0 for the first
accepted connection) returning the steps, for servers that differ between
connections (a load balancer in front of unlike nodes).
After the last step the server answers QUIT with 221, RCPT TO an address at
example.net (the relay test's external domain) with 554 Relay access denied
(as a correctly configured MX does), and otherwise 250.
Listens on 127.0.0.1 (or ::1 with host="::1"; port 0 = any free port); loopback only, by design.
"""
import socket
import ssl
import struct
import threading
import time


class FakeSMTP:
    def __init__(self, script, host="127.0.0.1", port=0, rcvbuf=None):
        self.script = script
        family = socket.AF_INET6 if ":" in host else socket.AF_INET   # host="::1": an IPv6 listener
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf:   # inherited by accepted sockets: a peer that never reads fills it quickly
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.received = []          # client lines, for assertions
        self.errors = []
        self.tls_errors = []        # server-side handshake failures, for assertions
        self.accepted = 0           # connections accepted so far
        self._stop = threading.Event()
        self._conns = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self._conns.append(conn)
            script = self.script(self.accepted) if callable(self.script) else self.script
            self.accepted += 1
            threading.Thread(target=self._session, args=(conn, script), daemon=True).start()

    def _readline(self, f):
        line = f.readline(1 << 20)
        if not line:
            raise EOFError
        text = line.decode("latin-1").rstrip("\r\n")
        self.received.append(text)
        return text

    def _session(self, conn, script):
        f = conn.makefile("rb")
        try:
            for step in script:
                op = step[0]
                if op == "send":
                    conn.sendall(step[1])
                elif op == "trickle":
                    for b in step[1]:
                        if self._stop.is_set():
                            return
                        conn.sendall(bytes([b]))
                        time.sleep(step[2])
                elif op == "expect":
                    line = self._readline(f)
                    if not line.upper().startswith(step[1].upper()):
                        self.errors.append("expected %r, got %r" % (step[1], line))
                elif op == "read":
                    self._readline(f)
                elif op == "sleep":
                    self._stop.wait(step[1])
                elif op == "flood":
                    n = 0
                    while not self._stop.is_set() and (step[2] == 0 or n < step[2]):
                        conn.sendall(step[1])
                        n += 1
                elif op == "close":
                    return
                elif op == "drain":
                    conn.settimeout(2)
                    try:
                        conn.recv(65536)
                    except socket.timeout:
                        pass
                    conn.settimeout(None)
                elif op == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                elif op in ("tls", "tls_keep"):
                    kept = b""
                    if op == "tls_keep":
                        conn.setblocking(False)
                        try:
                            kept = f.peek(65536) or b""   # what the reader buffered (the client waits for 220)
                        except (BlockingIOError, OSError):
                            kept = b""
                        conn.setblocking(True)
                        conn.sendall(step[2])
                    f.close()
                    conn.settimeout(10)
                    try:
                        conn = step[1].wrap_socket(conn, server_side=True)
                    except (ssl.SSLError, OSError) as e:
                        self.tls_errors.append(str(e))
                        return
                    conn.settimeout(None)
                    self._conns.append(conn)
                    f = conn.makefile("rb")
                    for line in kept.split(b"\n"):
                        if line.strip():
                            self.received.append("(kept) " + line.decode("latin-1").rstrip("\r"))
                            conn.sendall(b"250 2.0.0 Ok\r\n")
                elif op == "proxy":
                    self._proxy(conn, f, step[1])
                    return
                elif op == "hang":
                    self._stop.wait(3600)
                    return
            while not self._stop.is_set():
                line = self._readline(f)
                if line.upper().startswith("QUIT"):
                    conn.sendall(b"221 2.0.0 bye\r\n")
                    return
                if line.upper().startswith("RCPT TO:") and line.lower().rstrip().endswith("@example.net>"):
                    conn.sendall(b"554 5.7.1 " + line[8:].strip().encode("latin-1", "replace")
                                 + b": Relay access denied\r\n")
                    continue
                conn.sendall(b"250 2.0.0 ok\r\n")
        except (EOFError, OSError):
            pass
        finally:
            try:
                f.close()
                conn.close()
            except OSError:
                pass

    def _proxy(self, conn, f, port):
        back = socket.create_connection(("127.0.0.1", port), timeout=10)
        self._conns.append(back)
        f.close()

        def pump(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        other = threading.Thread(target=pump, args=(back, conn), daemon=True)
        other.start()
        pump(conn, back)
        other.join(10)
        back.close()

    def close(self):
        self._stop.set()
        self.sock.close()
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        self._thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
