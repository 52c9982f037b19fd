#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""mtasts-server.py - the HTTPS side of MTA-STS for the tests (stdlib only).

Serves https://mta-sts.<domain>/.well-known/mta-sts.txt for the test
domains of dns-up.sh, chosen by the Host header, each one a case:

  lab.test        enforce, mx: mail.lab.test, max_age 604800 (the good one)
  multi.lab.test  testing, mx: *.lab.test
  wild.lab.test   testing, mx: *.lab.test, LF line ends, max_age 86400
  badmx.lab.test  enforce, mx: other.example.net only
  redirect        301 to another URL          big       70 000 bytes
  ctype           served as text/html         expired   certificate expired (by SNI)
  syntax          version STSv2, mode strict, max_age too big, a bad mx
  nopolicy        404                         twotxt, badtxt  a good policy (their TXT is the case)

Usage: mtasts-server.py --port P --certs DIR --pid-file F   (binds 127.0.0.1 only)
"""
import argparse
import http.server
import os
import socketserver
import ssl
import sys

WELL_KNOWN = "/.well-known/mta-sts.txt"


def policy(mode, mx, max_age=604800, eol="\r\n"):
    lines = ["version: STSv1", "mode: " + mode] + ["mx: " + m for m in mx] + ["max_age: %d" % max_age]
    return eol.join(lines) + eol


GOOD = policy("enforce", ["mail.lab.test"])
CASES = {
    "lab.test": (200, "text/plain", GOOD),
    "multi.lab.test": (200, "text/plain", policy("testing", ["*.lab.test"])),
    "wild.lab.test": (200, "text/plain", policy("testing", ["*.lab.test"], 86400, "\n")),
    "badmx.lab.test": (200, "text/plain", policy("enforce", ["other.example.net"])),
    "redirect.lab.test": (301, "text/plain", "moved\r\n"),
    "big.lab.test": (200, "text/plain", GOOD + "x-padding: " + "x" * 70000 + "\r\n"),
    "ctype.lab.test": (200, "text/html; charset=utf-8", GOOD),
    "expired.lab.test": (200, "text/plain", GOOD),
    "syntax.lab.test": (200, "text/plain",
                        "version: STSv2\r\nmode: strict\r\nmx: bad_host!\r\nmax_age: 99999999999\r\n"),
    "nopolicy.lab.test": (404, "text/plain", "not found\r\n"),
    "twotxt.lab.test": (200, "text/plain", GOOD),
    "badtxt.lab.test": (200, "text/plain", GOOD),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        domain = host[len("mta-sts."):] if host.startswith("mta-sts.") else None
        code, ctype, body = CASES.get(domain, (404, "text/plain", "no such policy host\r\n"))
        if self.path.split("?")[0] != WELL_KNOWN:
            code, ctype, body = 404, "text/plain", "not found\r\n"
        data = body.encode()
        self.send_response(code)
        if code == 301:
            self.send_header("Location", "https://www.lab.test/mta-sts.txt")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s host=%s %s\n" % (self.client_address[0], self.headers.get("Host"), fmt % args))
        sys.stderr.flush()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        # the TLS handshake runs in the connection's thread: a client that
        # stalls cannot block the accept loop
        request.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            sys.stderr.write("%s TLS handshake failed: %s\n" % (client_address[0], e))
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass


def context(certs, crt):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(certs, crt), os.path.join(certs, "leaf.key"))
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--pid-file", required=True)
    a = ap.parse_args()
    ctx = context(a.certs, "mta-sts.crt")
    expired = context(a.certs, "mta-sts-expired.crt")

    def by_sni(sock, name, _ctx):
        if name == "mta-sts.expired.lab.test":
            sock.context = expired
    ctx.sni_callback = by_sni
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.ctx = ctx
    with open(a.pid_file, "w") as f:
        f.write("%d\n" % os.getpid())
    srv.serve_forever()


if __name__ == "__main__":
    main()
