"""What /proc says about a process: shared by the lab (its daemons) and the monitoring stack (its pidfiles)."""

from __future__ import annotations

import os
from pathlib import Path


def read_pid(pidfile: Path) -> int | None:
    """The PID a pidfile holds (None: no file, or not a PID)."""
    try:
        text = pidfile.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may itself hold spaces and parentheses)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def process_start_time(pid: int) -> int | None:
    """Clock ticks after boot at which `pid` started: tells a process from a later one reusing its PID."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields is not None and len(fields) > 19 else None


def process_alive(pid: int, start_time: int | None = None) -> bool:
    """`pid` runs and is not a zombie; with `start_time`, it is also the very process that was recorded."""
    fields = _stat_fields(pid)  # one read: the process may exit between two
    if fields is None or fields[0] == "Z":
        return False
    return start_time is None or (len(fields) > 19 and int(fields[19]) == start_time)


def process_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) `pid` has used so far, in seconds; None once it is gone."""
    fields = _stat_fields(pid)
    if fields is None or len(fields) <= 12:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
