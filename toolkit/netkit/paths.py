"""Where netkit keeps state outside git: lab state, generated credentials, backups, audit, locks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from netkit.errors import EnvironmentProblem

# Below this, a backup or an audit line may not fit: refuse before any device is touched.
MIN_FREE_BYTES = 16 * 1024 * 1024


def state_dir() -> Path:
    """NETKIT_STATE_DIR, else /var/lib/netkit for root, else ~/.local/state/netkit."""
    if env := os.environ.get("NETKIT_STATE_DIR"):
        path = Path(env)
    elif os.geteuid() == 0:
        path = Path("/var/lib/netkit")
    else:
        path = Path.home() / ".local" / "state" / "netkit"
    if path.exists() and not path.is_dir():
        raise EnvironmentProblem(f"state directory {path} is a file, not a directory (move it away, or set "
                                 "NETKIT_STATE_DIR to a directory)")
    return path


def free_space(path: Path) -> int:
    """Bytes free for an unprivileged writer on the file system that holds `path` (or would hold it)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def enough_space(path: Path, what: str, free_bytes: Callable[[Path], int] = free_space,
                 needed: int = MIN_FREE_BYTES) -> None:
    free = free_bytes(path)
    if free < needed:
        raise EnvironmentProblem(f"{what} {path}: only {free // 1024} KiB free on its file system (netkit needs "
                                 f"{needed // 1024 // 1024} MiB there before it touches any device): free some space")


def lab_dir() -> Path:
    return state_dir() / "lab"


def lab_credentials_file() -> Path:
    """Written by `netkit lab up` (mode 0600): username, password, snmp_auth_key, snmp_priv_key, snmp_community."""
    return lab_dir() / "credentials.yml"


def lab_failure_logs() -> Path:
    """Where `lab up` keeps the logs of a device whose daemons failed to start (teardown leaves it alone)."""
    return state_dir() / "lab-failed"


# Where secrets or configs with secrets live: owner-only even if the state directory is loosened again.
PRIVATE_SUBDIRS = ("backups", "audit", "runs", "lab", "trust")


def secure_state_dir(root: Path | None = None) -> Path:
    """Tighten the state directory and its private subfolders to owner-only (0700) if a looser umask or an
    operator left them group- or world-readable. Every netkit command calls it before and after it runs (it
    creates nothing: a command refused for bad input leaves no trace); the secrets inside are 0600 anyway."""
    root = root or state_dir()
    for d in (root, *(root / name for name in PRIVATE_SUBDIRS)):
        try:
            st = d.stat()
        except FileNotFoundError:
            continue
        if st.st_uid == os.geteuid() and st.st_mode & 0o077:
            d.chmod(st.st_mode & 0o700)
    return root
