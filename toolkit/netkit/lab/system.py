"""The lab's few contacts with the operating system: commands, namespaces' processes, signals.

Every command goes through `run`, so a failure names the command and what it printed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from netkit.errors import EnvironmentProblem, NetkitError
from netkit.procs import process_alive

NETNS_DIR = Path("/run/netns")

# What `lab up` runs, and the Debian package that ships it.
REQUIRED_TOOLS: dict[str, str] = {
    "ip": "iproute2",
    "tc": "iproute2",
    "unshare": "util-linux",
    "nsenter": "util-linux",
    "/usr/lib/frr/frrinit.sh": "frr",
    "/usr/lib/frr/zebra": "frr",
    "/usr/lib/frr/bgpd": "frr",
    "/usr/lib/frr/ospfd": "frr",
    "/usr/lib/frr/staticd": "frr",
    "vtysh": "frr",
    "/usr/lib/*/frr/modules/bgpd_snmp.so": "frr-snmp",
    "/usr/lib/frr/frr-reload.py": "frr-pythontools",
    "snmpd": "snmpd",
    "/usr/sbin/sshd": "openssh-server",
    "ssh-keygen": "openssh-client",
    "useradd": "passwd",
    "userdel": "passwd",
    "chpasswd": "passwd",
}


class CommandFailed(NetkitError):
    """A system command the lab needs failed; the message names it and shows its output."""

    def __init__(self, argv: Sequence[str], code: int, output: str) -> None:
        shown = " ".join(argv)
        super().__init__(f"`{shown}` failed (exit {code}): {output.strip() or 'no output'}")
        self.argv = list(argv)
        self.code = code
        self.output = output


def run(
    argv: Sequence[str], *, check: bool = True, input: str | None = None, timeout: float = 60,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            list(argv), input=input, capture_output=True, text=True, timeout=timeout,
            env=None if env is None else {**os.environ, **env},
        )
    except FileNotFoundError as e:
        raise EnvironmentProblem(f"{argv[0]}: not installed ({e})") from e
    except subprocess.TimeoutExpired as e:
        raise CommandFailed(argv, -1, f"timed out after {timeout:.0f} s") from e
    if check and proc.returncode != 0:
        raise CommandFailed(argv, proc.returncode, proc.stderr + proc.stdout)
    return proc


def ip_batch(lines: Iterable[str], ns: str | None = None) -> None:
    """Many `ip` commands in one process (an order of magnitude faster than one process each)."""
    text = "\n".join(lines)
    if text:
        run(["ip", *(["-n", ns] if ns else []), "-batch", "-"], input=text + "\n")


def missing_tools(tools: Mapping[str, str] = REQUIRED_TOOLS) -> list[str]:
    """`tool (package)` for each tool not found."""
    missing = []
    for tool, package in tools.items():
        found = glob.glob(tool) if "*" in tool else ([tool] if os.access(tool, os.X_OK) else [])
        if not found and not tool.startswith("/") and shutil.which(tool):
            found = [tool]
        if not found:
            missing.append(f"{tool} (Debian package {package})")
    return missing


def require_environment(tools: Mapping[str, str] = REQUIRED_TOOLS) -> None:
    if os.geteuid() != 0:
        raise EnvironmentProblem("the lab needs root (network namespaces, veth pairs, daemons): run it with sudo")
    missing = missing_tools(tools)
    if missing:
        packages = sorted({p.split("Debian package ")[1].rstrip(")") for p in missing})
        raise EnvironmentProblem(
            f"the lab needs {', '.join(missing)}; install with `apt-get install -y {' '.join(packages)}` "
            "or `make deps`"
        )


# ---------------------------------------------------------------- namespaces and their processes


def netns_exists(ns: str) -> bool:
    return (NETNS_DIR / ns).exists()


def netns_inode(ns: str) -> int | None:
    try:
        return os.stat(NETNS_DIR / ns).st_ino
    except OSError:
        return None


def pids_in_netns(namespaces: Iterable[str]) -> dict[str, list[int]]:
    """The processes living in each namespace (like `ip netns pids`, for all of them in one /proc scan)."""
    inodes = {ino: ns for ns in namespaces if (ino := netns_inode(ns)) is not None}
    found: dict[str, list[int]] = {ns: [] for ns in inodes.values()}
    if not inodes:
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            ino = os.stat(f"/proc/{entry.name}/ns/net").st_ino
        except OSError:
            continue
        if ino in inodes:
            found[inodes[ino]].append(int(entry.name))
    return found


def in_netns(pid: int, ns: str) -> bool:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino == netns_inode(ns)
    except OSError:
        return False


def kill_all(pids: Iterable[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def empty_namespaces(namespaces: Sequence[str], timeout: float = 10.0) -> list[int]:
    """Kill every process in the namespaces (again and again: watchfrr restarts what dies) until none is
    left; return the PIDs that survived the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        pids = [p for ps in pids_in_netns(namespaces).values() for p in ps if process_alive(p)]
        if not pids or time.monotonic() > deadline:
            return pids
        kill_all(pids)
        time.sleep(0.05)


def spawn_in_netns(ns: str, argv: Sequence[str], log: Path) -> int:
    """Start a long-lived process inside `ns`, detached from us (its own session, stdio to `log`); its PID."""
    command = shlex.join(["ip", "netns", "exec", ns, "setsid", *argv])
    return int(run(["sh", "-c", f"{command} </dev/null >>{shlex.quote(str(log))} 2>&1 & echo $!"]).stdout.strip())


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll `predicate()` until true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
