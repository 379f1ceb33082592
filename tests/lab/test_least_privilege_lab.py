"""Least privilege on a real transaction: no process's command line ever carries a secret while netkit
provisions a site, and the state directory (credentials, backups, audit) is closed to other users."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from netkit.paths import lab_credentials_file, state_dir
from netkit.provision.defaults import audit_file, backups_dir

pytestmark = pytest.mark.lab
LAB_MODE = "factory"
LAB_CHANGES_DEVICES = True  # it provisions the factory lab: the next module gets a new one
NETKIT = [sys.executable, "-m", "netkit"]


def _cmdlines() -> dict[int, bytes]:
    out = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                    out[int(entry.name)] = f.read()
            except OSError:
                pass  # gone meanwhile
    return out


def test_no_secret_on_any_command_line_during_a_transaction(lab: Any) -> None:
    c = lab.credentials
    secrets = {k: v.encode() for k, v in {"password": c.password, "snmp_auth_key": c.snmp_auth_key,
                                          "snmp_priv_key": c.snmp_priv_key, "snmp_community": c.snmp_community}.items()}
    proc = subprocess.Popen([*NETKIT, "provision", "site", "nat-dc", "--yes"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "NETKIT_INVENTORY": str(lab.inventory.path)})
    seen: dict[bytes, int] = {}
    leaks: list[str] = []
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        for pid, line in _cmdlines().items():
            seen[line] = pid
            leaks += [f"pid {pid}: {name} in {line[:200]!r}" for name, s in secrets.items() if s in line]
        time.sleep(0.02)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out.decode()[-3000:] + err.decode()[-3000:]
    assert not leaks, leaks
    ansible = [line for line in seen if b"ansible" in line or b"AnsiballZ" in line]
    assert ansible, "the scan never saw the transaction's Ansible processes: it could not have found a leak"


def _as_nobody(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", str(path)],
                          capture_output=True, text=True)


def test_state_directory_and_secrets_are_owner_only(lab: Any) -> None:
    lab.netkit("inventory", "show")  # any command secures the state directory first
    root = state_dir()
    assert root.stat().st_mode & 0o077 == 0, oct(root.stat().st_mode)
    assert lab_credentials_file().stat().st_mode & 0o077 == 0
    backup = next(p for p in backups_dir().rglob("*") if p.is_file())
    for path in (lab_credentials_file(), backup, audit_file()):
        assert path.read_bytes(), path  # root reads it ...
        denied = _as_nobody(path)  # ... another user does not
        assert denied.returncode != 0 and "Permission denied" in denied.stderr, (path, denied)
