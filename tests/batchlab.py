#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""batchlab.py - what the batch-engine tests share: a private network
namespace and daemons started and stopped by the test itself.

own_netns(t, why): re-runs the calling test in a new network namespace with
lo up and 127.0.0.2/8 added to lo (glibc's AI_ADDRCONFIG counts every IPv4
address but 127.0.0.1: without a second one, Slurm's getaddrinfo() of
"127.0.0.1" fails with "Name or service not known" in a namespace that has
only loopback). The daemons started there can bind their fixed ports
without meeting another test's, and never see another interface. Returns in
the child; exits with the child's status in the parent.

Daemons(): Popen each in the foreground, logs kept; stop() ends each by its
pid (SIGTERM, then SIGKILL after a deadline), also at exit.
"""
import atexit
import os
import shutil
import signal
import subprocess
import sys
import time

MARK = "SD_BATCHLAB_NETNS"


def own_netns(t, private_run=False):
    """PRIVATE_RUN: also a mount namespace with a fresh tmpfs on /run (sshd
    wants /run/sshd; the host's /run is left alone)"""
    if os.environ.get(MARK) == "1":
        return
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        t.skip_all("needs root, unshare and ip for a private network namespace")
    env = dict(os.environ, **{MARK: "1"})
    script = 'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec "$0" "$@"'
    unshare = ["unshare", "-n"]
    if private_run:
        unshare.append("-m")
        script = 'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd && ' + script
    try:
        p = subprocess.run(unshare + ["sh", "-c", script, sys.executable] + sys.argv, env=env)
    except OSError as e:
        t.skip_all("cannot make a network namespace: %s" % e)
    sys.exit(p.returncode)


class Daemons:
    def __init__(self, logdir):
        self.logdir = logdir
        self.procs = []
        atexit.register(self.stop)

    def start(self, name, argv, env=None):
        log = open(os.path.join(self.logdir, name + ".out"), "w")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True)
        self.procs.append((name, p, log))
        return p

    def log_tail(self, name, n=15):
        path = os.path.join(self.logdir, name + ".out")
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        for name, p, log in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
            log.close()
        self.procs = []


def wait_for(cond, seconds, step=0.2):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()
