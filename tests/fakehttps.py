#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fakehttps.py - a scripted TLS peer: an HTTPS policy server (MTA-STS) and
an implicit-TLS SMTP server, for what real servers will not do (issue 19).

    with FakeHTTPS(behaviour, cert="c.pem", key="k.pem") as srv:   # srv.port
        ...

BEHAVIOUR, run for each accepted connection:
    ("policy", body, headers)   TLS, read the request, answer 200 with BODY (bytes) and the
                                extra HEADERS (list of (name, value) as bytes, NUL allowed)
    ("plain", body)             no TLS: answer the ClientHello with a plain HTTP response
    ("reset",)                  no TLS: read the ClientHello, abort with a TCP reset
    ("stall",)                  accept, never read or write (the listener backlog would do too)
    ("alert", name)             TLS, refuse the handshake with the alert NAME, e.g.
                                "UNRECOGNIZED_NAME" (ssl.ALERT_DESCRIPTION_<NAME>)
    ("smtp",)                   implicit TLS, then 220, EHLO -> 250, QUIT -> 221
CERT may hold a whole chain (every certificate in the file is sent).
ADDRESSES: listen on each of these loopback addresses, the same port.
Loopback only, by design.
"""
import socket
import ssl
import struct
import threading


class FakeHTTPS:
    def __init__(self, behaviour, cert=None, key=None, addresses=("127.0.0.1",)):
        self.behaviour = behaviour
        self.requests = []            # request heads received (bytes)
        self.accepted = 0
        self.ctx = None
        if cert is not None:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(cert, key)
            if behaviour[0] == "alert":
                alert = getattr(ssl, "ALERT_DESCRIPTION_" + behaviour[1])
                self.ctx.sni_callback = lambda sock, name, ctx: alert
        for _ in range(50):
            self.socks = []
            port = 0
            try:
                for a in addresses:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    self.socks.append(s)
                    s.bind((a, port))
                    port = s.getsockname()[1]
                break
            except OSError:
                for s in self.socks:
                    s.close()
        else:
            raise OSError("fakehttps: no port free on every address")
        self.port = port
        self._stop = threading.Event()
        self._conns = []
        self._threads = []
        for s in self.socks:
            s.listen(16)
            th = threading.Thread(target=self._serve, args=(s,), daemon=True)
            th.start()
            self._threads.append(th)

    def _serve(self, sock):
        sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except (socket.timeout, OSError):
                continue
            self.accepted += 1
            self._conns.append(conn)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _read_head(self, c):
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        self.requests.append(data)
        return data

    def _session(self, c):
        kind = self.behaviour[0]
        try:
            c.settimeout(10)
            if kind == "stall":
                self._stop.wait(60)
                return
            if kind == "plain":
                c.recv(4096)
                body = self.behaviour[1]
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
                          % (len(body), body))
                return
            if kind == "reset":
                c.recv(4096)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            t = self.ctx.wrap_socket(c, server_side=True)
            self._conns.append(t)
            if kind == "policy":
                self._read_head(t)
                body, headers = self.behaviour[1], self.behaviour[2]
                head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n" % len(body)
                for name, value in headers:
                    head += name + b": " + value + b"\r\n"
                t.sendall(head + b"\r\n" + body)
            elif kind == "smtp":
                f = t.makefile("rb")
                t.sendall(b"220 mail.x.test ESMTP\r\n")
                for line in f:
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        t.sendall(b"250-mail.x.test\r\n250 8BITMIME\r\n")
                    elif verb == b"QUIT":
                        t.sendall(b"221 bye\r\n")
                        break
                    else:
                        t.sendall(b"250 ok\r\n")
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def close(self):
        self._stop.set()
        for th in self._threads:
            th.join(2)
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        for s in self.socks:
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
