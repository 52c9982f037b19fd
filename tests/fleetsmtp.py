#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fleetsmtp.py - many small SMTP endpoints on loopback addresses, for fleet runs.

FleetSMTP(endpoints, port) serves each endpoint on its own 127.x.y.z address
(Linux routes all of 127.0.0.0/8 to the loopback interface, nothing leaves
the machine), all on the same port, from one asyncio loop in a thread.
An endpoint is a dict: {"addr": "127.0.40.1", "kind": KIND, ...}:

    ok         greets, answers EHLO (no STARTTLS), MAIL/RCPT/RSET/NOOP 250 (RCPT to example.net,
               the relay test's external domain: 554 Relay access denied), QUIT 221
    slow       the same, each reply after "delay" seconds (221 to QUIT at once)
    stall      accepts and never says a word (the client's greeting timeout ends it)
    refuse     nothing listens: connection refused
    dead       a listener with a full accept queue: SYNs dropped, connect times out
    ratelimit  the first "limited" connections get "421 4.7.0 too many connections", then ok
    flap       ok, but once its first connection is accepted the port is closed for "down" seconds

It counts connections per address and the most that were open at once
(stats()), which is what a per-destination limit is judged by.
"""
import asyncio
import socket
import threading


class FleetSMTP:
    def __init__(self, endpoints, port):
        self.endpoints = endpoints
        self.port = port
        self._stats = {e["addr"]: {"connections": 0, "open": 0, "max_open": 0} for e in endpoints}
        self._lock = threading.Lock()
        self._blackholes = []
        self._ready = threading.Event()
        self._error = None
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error:
            raise self._error

    # ---- bookkeeping ----
    def stats(self):
        with self._lock:
            return {a: dict(s) for a, s in self._stats.items()}

    def _opened(self, addr):
        with self._lock:
            s = self._stats[addr]
            s["connections"] += 1
            s["open"] += 1
            s["max_open"] = max(s["max_open"], s["open"])
            return s["connections"]

    def _closed(self, addr):
        with self._lock:
            self._stats[addr]["open"] -= 1

    # ---- the loop ----
    def _run(self):
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._start_all())
        except Exception as e:      # noqa: BLE001 - reported to the constructor
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    async def _start_all(self):
        self._servers = {}
        for e in self.endpoints:
            kind = e["kind"]
            if kind == "refuse":
                continue
            if kind == "dead":
                self._blackhole(e["addr"])
                continue
            await self._listen(e)

    async def _listen(self, e):
        srv = await asyncio.start_server(lambda r, w, e=e: self._session(e, r, w), e["addr"], self.port,
                                         reuse_address=True, backlog=256)
        self._servers[e["addr"]] = srv

    def _blackhole(self, addr):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, self.port))
        s.listen(0)
        fillers = []
        for _ in range(4):
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect((addr, self.port))
            except BlockingIOError:
                pass
            fillers.append(c)
        self._blackholes.append((s, fillers))

    async def _session(self, e, reader, writer):
        addr = e["addr"]
        n = self._opened(addr)
        delay = e.get("delay", 0)
        name = e.get("name", "mx.fleet.test")
        if e["kind"] == "flap" and n == 1:
            asyncio.ensure_future(self._flap(e))

        async def reply(text):
            if delay:
                await asyncio.sleep(delay)
            writer.write(text.encode())
            await writer.drain()

        try:
            if e["kind"] == "stall":
                while await reader.read(4096):
                    pass
                return
            if e["kind"] == "ratelimit" and n <= e.get("limited", 1):
                await reply("421 4.7.0 %s Error: too many connections from %s\r\n" % (name, addr))
                return
            await reply("220 %s ESMTP fleet\r\n" % name)
            while True:
                line = await asyncio.wait_for(reader.readline(), 60)
                if not line:
                    return
                verb = line.decode("latin-1").strip().split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    await reply("250-%s\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
                                "250 ENHANCEDSTATUSCODES\r\n" % name)
                elif verb == "QUIT":
                    # at once, as real servers do: smtp-diag waits for the
                    # 221 only a few ms, and a slow goodbye would keep the
                    # connection counted open here after the client left
                    writer.write(b"221 2.0.0 Bye\r\n")
                    await writer.drain()
                    return
                elif verb == "RCPT" and line.decode("latin-1").strip().lower().endswith("@example.net>"):
                    await reply("554 5.7.1 <relaytest@example.net>: Relay access denied\r\n")
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    await reply("250 2.0.0 Ok\r\n")
                else:
                    await reply("502 5.5.2 Error: command not recognized\r\n")
        except (ConnectionError, asyncio.TimeoutError):
            pass
        finally:
            self._closed(addr)
            try:
                writer.close()
            except Exception:      # noqa: BLE001 - closing a broken socket
                pass

    async def _flap(self, e):
        srv = self._servers.pop(e["addr"], None)
        if srv is not None:
            srv.close()
            await srv.wait_closed()
        await asyncio.sleep(e.get("down", 0.5))
        await self._listen(e)

    # ---- the end ----
    def close(self):
        async def stop():
            for srv in list(self._servers.values()):
                srv.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        for s, fillers in self._blackholes:
            for c in fillers:
                c.close()
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
