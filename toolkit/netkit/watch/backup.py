"""One watcher backup of one device: fetch the running config, commit it if it changed, judge it.

A device that cannot be reached gives a failed backup and leaves its last compliance untouched: a router
that is down is not a router that drifted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from netkit.config.compliance import DeviceCompliance, compare
from netkit.config.models import RenderedConfig
from netkit.errors import NetkitError
from netkit.inventory.models import Device, Inventory
from netkit.provision.backups import BackupStore
from netkit.provision.masking import Masker

Fetch = Callable[[Device], str]  # the running config of a device, or NetkitError


@dataclass(frozen=True)
class BackupRequest:
    device: Device
    reason: str  # "schedule", "syslog", "start"
    users: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()  # masked


@dataclass
class BackupOutcome:
    device: str
    started: float
    finished: float
    ok: bool
    error: str = ""  # masked
    commit: str | None = None  # a new commit, when the config changed
    compliance: DeviceCompliance | None = None
    features: dict[str, bool] = field(default_factory=dict)
    drift_lines: int = 0


def napalm_fetch(inv: Inventory, timeout: float = 30) -> Fetch:
    """Production fetch: one SSH session per backup through the device's NAPALM driver."""

    def fetch(dev: Device) -> str:
        from netkit.drivers import connected
        from netkit.inventory.credentials import credentials_for

        with connected(inv, dev, credentials_for(inv, dev), timeout=timeout) as session:
            return str(session.get_config(retrieve="running")["running"])

    return fetch


def commit_message(req: BackupRequest, author: str, features: list[str]) -> str:
    who = ", ".join(req.users) or "unknown (the device's log did not say)"
    head = f"{req.device.name}: configuration changed ({req.reason})"
    body = [f"device: {req.device.name}", f"site: {req.device.site}", f"reason: {req.reason}", f"by: {who}"]
    if features:
        body.append(f"features out of intent after this change: {', '.join(features)}")
    if req.commands:
        body += ["", "commands the device logged:", *(f"  {c}" for c in req.commands[:50])]
    return head + "\n\n" + "\n".join(body) + f"\n\nrecorded by: {author}\n"


def run_backup(req: BackupRequest, fetch: Fetch, store: BackupStore, intended: RenderedConfig | None,
               masker: Masker, clock: Callable[[], float] = time.time) -> BackupOutcome:
    dev = req.device
    started = clock()
    try:
        running = fetch(dev)
    except NetkitError as e:
        return BackupOutcome(dev.name, started, clock(), ok=False, error=masker.mask(str(e)))
    result = compare(intended, running, dev.site, "watch") if intended is not None else None
    features = {f.feature: f.compliant for f in result.features} if result else {}
    drift = sum(len(f.missing) + len(f.extra) for f in result.features) if result else 0
    author = req.users[-1] if req.users else "netkit-watch"
    bad = sorted(f for f, ok in features.items() if not ok)
    try:
        commit = store.save_changed(dev.site, dev.name, running, author,
                                    masker.mask(commit_message(req, "netkit backup serve", bad)))
    except NetkitError as e:
        return BackupOutcome(dev.name, started, clock(), ok=False, error=masker.mask(f"backup store: {e}"))
    return BackupOutcome(dev.name, started, clock(), ok=True, commit=commit, compliance=result,
                         features=features, drift_lines=drift)
