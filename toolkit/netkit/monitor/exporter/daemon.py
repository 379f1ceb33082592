"""Run the exporter in the background and stop it again, by the PID it recorded (never by name)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from netkit.errors import NetkitError
from netkit.paths import state_dir
from netkit.procs import read_pid


def monitor_dir() -> Path:
    return state_dir() / "monitor"


def default_pidfile() -> Path:
    return monitor_dir() / "exporter.pid"


def default_logfile() -> Path:
    return monitor_dir() / "exporter.log"


def is_exporter(pid: int) -> bool:
    """The PID still runs `netkit monitor serve` (not a process that got the PID recycled)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"monitor" in argv and b"serve" in argv


def write_pidfile(path: Path, pid: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    old = read_pid(path)
    if old is not None and old != pid and is_exporter(old):
        raise NetkitError(f"{path}: an exporter already runs as PID {old} (stop it with `netkit monitor stop`)")
    path.write_text(f"{pid}\n")


def remove_pidfile(path: Path, pid: int) -> None:
    if read_pid(path) == pid:
        with contextlib.suppress(OSError):
            path.unlink()


def _listening(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def spawn(argv: list[str], listen: tuple[str, int], pidfile: Path, logfile: Path, timeout: float = 20.0) -> int:
    """Start `argv` (a foreground `serve`) detached, wait until it listens; its PID."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "ab") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + timeout
    host = "127.0.0.1" if listen[0] in ("0.0.0.0", "") else listen[0]
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise NetkitError(f"the exporter exited with {proc.returncode} at start; see {logfile}")
        if _listening(host, listen[1]) and read_pid(pidfile) == proc.pid:
            return proc.pid
        time.sleep(0.1)
    proc.terminate()
    raise NetkitError(f"the exporter did not listen on {listen[0]}:{listen[1]} within {timeout:.0f} s; see {logfile}")


@dataclass(frozen=True)
class StopOutcome:
    pid: int | None
    stopped: bool
    message: str


def stop(pidfile: Path, timeout: float = 10.0) -> StopOutcome:
    pid = read_pid(pidfile)
    if pid is None:
        return StopOutcome(None, False, f"no exporter recorded in {pidfile}")
    if not is_exporter(pid):
        with contextlib.suppress(OSError):
            pidfile.unlink()
        return StopOutcome(pid, False, f"PID {pid} from {pidfile} is not running an exporter (stale file removed)")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and is_exporter(pid):
        time.sleep(0.1)
    if is_exporter(pid):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        pidfile.unlink()
    return StopOutcome(pid, True, f"stopped the exporter (PID {pid})")


def serve_in_background(inventory: Path, serve_args: list[str], listen: tuple[str, int], pidfile: Path,
                        devices: int, targets: int, warmup: float = 30.0) -> tuple[int, bool]:
    """Re-launch `netkit monitor serve` detached (same options, `-i inventory`), wait until it listens, then
    until it has polled every device and probed every target once (at most `warmup` s), so that
    `monitor status --from` right after has data. (PID, warmed up)."""
    import sys

    from netkit.monitor.exporter.status import fetch_samples, ready

    argv = [sys.executable, "-m", "netkit", "monitor", "serve", "-i", str(inventory), *serve_args,
            "--pidfile", str(pidfile)]
    pid = spawn(argv, listen, pidfile, default_logfile())
    host, port = listen
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/metrics"
    deadline = time.monotonic() + warmup
    warm = False
    while time.monotonic() < deadline and not warm:
        warm = ready(fetch_samples(url), devices, targets)
        if not warm:
            time.sleep(0.5)
    return pid, warm
