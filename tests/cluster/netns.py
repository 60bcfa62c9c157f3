"""Hosts on one machine: a Linux network namespace each, joined by veth links to a bridge.

The bridge lives in a namespace of its own (hmc-net), so nothing is added to the machine's own
network: every address is private to the namespaces and no route leads outside. Each host's
processes run in its namespace (`ip netns exec`), in a process group of their own, so a host
can be killed as a machine dies (SIGKILL to the group). Every name starts with PREFIX; what a
run left behind (a failed run's namespaces and their processes, its temporary directory) is
removed at the next start, and everything is removed at the end of a run, even a failing one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "hmc-"
BRIDGE_NS = PREFIX + "net"
SUBNET = "10.231.7"
TEMP_PREFIX = "hmc-cluster-"
IP = shutil.which("ip") or "/usr/sbin/ip"


def unavailable() -> str | None:
    """Why namespaces cannot be made here, or None."""
    if os.geteuid() != 0:
        return "the cluster test makes network namespaces, which needs root"
    if not os.path.exists(IP):
        return "iproute2's `ip` is not installed (apt-get install iproute2)"
    probe = f"{PREFIX}probe{os.getpid()}"
    made = subprocess.run([IP, "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip()}"
    subprocess.run([IP, "netns", "del", probe], capture_output=True)
    return None


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([IP, *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def namespaces() -> list[str]:
    listed = ip("netns", "list", check=False).stdout.split("\n")
    return [line.split()[0] for line in listed if line.startswith(PREFIX)]


def kill_namespace(name: str) -> None:
    """Ends every process still in the namespace (only this test's start there), then deletes it."""
    for _ in range(3):
        listed = ip("netns", "pids", name, check=False).stdout.split()
        pids = [int(p) for p in listed if int(p) != os.getpid()]  # the test's threads entered it
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
    ip("netns", "del", name, check=False)


def remove_stale() -> list[str]:
    """A run killed before its clean-up left these: they would make this run's `ip` calls fail."""
    stale = namespaces()
    for name in stale:
        kill_namespace(name)
    for path in Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        shutil.rmtree(path, ignore_errors=True)
    return stale


@dataclass
class Host:
    name: str
    address: str
    ns: str
    var: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    def run(self, argv: list[str], *, env: dict, log: Path | None = None, user: str | None = None):
        """Starts argv on this host, in a process group of its own, output appended to `log`."""
        prefix = [IP, "netns", "exec", self.ns]
        if user:
            prefix += ["runuser", "-u", user, "--"]
        out = log.open("ab") if log else subprocess.DEVNULL
        proc = subprocess.Popen(
            prefix + argv,
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def call(self, argv: list[str], *, env: dict, timeout: float = 300) -> str:
        done = subprocess.run(
            [IP, "netns", "exec", self.ns, *argv],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def send_signal(self, sig: int) -> int:
        """Sends sig to every process group started on this host; returns how many were alive."""
        alive = 0
        for proc in self.procs:
            if proc.poll() is None:
                alive += 1
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
        return alive

    def kill(self) -> int:
        """SIGKILL, as a machine that loses power: nothing is flushed, no task is handed back."""
        alive = self.send_signal(signal.SIGKILL)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        self.procs = [p for p in self.procs if p.poll() is None]
        return alive

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """A clean stop (gunicorn finishes the requests it holds), SIGKILL after timeout."""
        self.send_signal(sig)
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
        self.kill()


ROOT = Path(__file__).resolve().parents[2]


class Network:
    """The bridge namespace and one namespace per host, each host a veth into the bridge."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.hosts: dict[str, Host] = {}
        ip("netns", "add", BRIDGE_NS)
        ip("-n", BRIDGE_NS, "link", "set", "lo", "up")
        ip("-n", BRIDGE_NS, "link", "add", "br0", "type", "bridge")
        ip("-n", BRIDGE_NS, "link", "set", "br0", "up")

    def add(self, name: str, octet: int) -> Host:
        ns, address = PREFIX + name, f"{SUBNET}.{octet}"
        ip("netns", "add", ns)
        ip("-n", ns, "link", "set", "lo", "up")
        link = self.link(name)
        ip("-n", BRIDGE_NS, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", ns)
        ip("-n", BRIDGE_NS, "link", "set", self.link(name), "master", "br0", "up")
        ip("-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", ns, "link", "set", "eth0", "up")
        var = self.workdir / name / "var"
        var.mkdir(parents=True)
        host = self.hosts[name] = Host(name=name, address=address, ns=ns, var=var)
        return host

    @staticmethod
    def link(name: str) -> str:
        return f"v-{name}"[:15]

    def cut(self, name: str) -> None:
        """The host's cable out: its own side stays up (its sockets wait and retransmit, as over a
        failed switch port), nothing reaches the others until restore()."""
        ip("-n", BRIDGE_NS, "link", "set", self.link(name), "down")

    def restore(self, name: str) -> None:
        ip("-n", BRIDGE_NS, "link", "set", self.link(name), "up")

    def close(self) -> None:
        for host in self.hosts.values():
            host.kill()
        for name in [h.ns for h in self.hosts.values()] + [BRIDGE_NS]:
            kill_namespace(name)


@contextlib.contextmanager
def inside(ns: str):
    """This thread (and the threads and processes it starts meanwhile) in namespace ns: the test
    itself is a client host of the cluster. The machine's own namespace is back afterwards."""
    with open("/proc/self/ns/net") as home, open(f"/run/netns/{ns}") as target:
        os.setns(target.fileno(), os.CLONE_NEWNET)
        try:
            yield
        finally:
            os.setns(home.fileno(), os.CLONE_NEWNET)
