"""Where netkit keeps state outside git: lab state, generated credentials, backups, audit, locks."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """NETKIT_STATE_DIR, else /var/lib/netkit for root, else ~/.local/state/netkit."""
    if env := os.environ.get("NETKIT_STATE_DIR"):
        return Path(env)
    if os.geteuid() == 0:
        return Path("/var/lib/netkit")
    return Path.home() / ".local" / "state" / "netkit"


def lab_dir() -> Path:
    return state_dir() / "lab"


def lab_credentials_file() -> Path:
    """Written by `netkit lab up` (mode 0600): username, password, snmp_auth_key, snmp_priv_key, snmp_community."""
    return lab_dir() / "credentials.yml"


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
