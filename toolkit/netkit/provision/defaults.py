"""Production wiring of a site transaction: state under netkit.paths.state_dir(), Ansible backend."""

from __future__ import annotations

import shutil
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path

from netkit.inventory.credentials import Credentials
from netkit.inventory.models import Inventory
from netkit.paths import state_dir
from netkit.provision.ansible_backend import AnsibleBackend
from netkit.provision.audit import AuditLog
from netkit.provision.backend import Backend, ProgressCallback
from netkit.provision.backups import BackupStore
from netkit.provision.masking import Masker
from netkit.provision.plan import SitePlan
from netkit.provision.silences import Alertmanager
from netkit.provision.transaction import BackendFactory, Environment
from netkit.trust.verify import require_trusted

KEEP_RUNS = 30


def backups_dir() -> Path:
    return state_dir() / "backups"


def audit_file() -> Path:
    return state_dir() / "audit" / "provision.jsonl"


def runs_dir() -> Path:
    return state_dir() / "runs"


def production_env(command: str = "netkit provision") -> Environment:
    root = state_dir()
    return Environment(store=BackupStore(backups_dir()), audit=AuditLog(audit_file()), locks_dir=root / "locks",
                       host=socket.gethostname(), command=command,
                       check_upstream=True, alertmanager=Alertmanager)


def prune_runs(root: Path, keep: int = KEEP_RUNS) -> None:
    if not root.is_dir():
        return
    runs = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)
    for old in runs[:-keep] if keep else runs:
        shutil.rmtree(old, ignore_errors=True)


def ansible_factory(inventory: Inventory, forks: int = 20, work_root: Path | None = None) -> BackendFactory:
    root = work_root or runs_dir()

    def make(plan: SitePlan, creds: dict[str, Credentials], masker: Masker, progress: ProgressCallback) -> Backend:
        prune_runs(root)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        sites = plan.site.split(",")
        label = sites[0] + (f"+{len(sites) - 1}" if len(sites) > 1 else "")  # a batch: first site and count
        # Before any backup or login: every device must offer the SSH host key the trust store holds.
        store = require_trusted(inventory, [d.device for d in plan.devices])
        return AnsibleBackend(inventory, plan, creds, root / f"{stamp}-{label}-{uuid.uuid4().hex[:6]}", masker,
                              progress, forks=forks, known_hosts=store.known_hosts)

    return make
