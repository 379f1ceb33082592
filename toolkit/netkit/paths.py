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


def lab_failure_logs() -> Path:
    """Where `lab up` keeps the logs of a device whose daemons failed to start (teardown leaves it alone)."""
    return state_dir() / "lab-failed"
