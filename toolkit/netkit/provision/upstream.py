"""Dependencies first: a customer site is changed only when the data center it uplinks to runs its
intended config. Otherwise its uplink checks would fail for a minute and the site roll back, without
saying why.

"Runs its intended config" is decided in two steps, the cheap one first:
1. the record: the upstream site's newest provision/rollback audit entry is a provision that ended
   `confirmed` or `unchanged`, and every device's intended config then (its sha256) is the one rendered now;
2. otherwise the devices: the upstream site's intended configs are loaded as candidates and discarded
   (a `netkit diff site`); no diff on any device = it runs its intended config (a lab brought up
   `--provisioned`, or a data center configured by hand to the letter).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from netkit.errors import InputError
from netkit.inventory.models import Inventory
from netkit.provision.audit import AuditLog

LiveCheck = Callable[[str], list[str]]  # upstream site -> devices whose running config differs from intended


def intended_sha(config: str) -> str:
    return hashlib.sha256(config.encode()).hexdigest()


def upstream_sites(inventory: Inventory, site: str) -> list[str]:
    """The data-center sites this customer site's devices peer with (its uplinks); none for a data center."""
    if inventory.sites[site].kind == "datacenter":
        return []
    found = set()
    for dev in inventory.site_devices(site):
        for itf in dev.interfaces:
            peer = inventory.devices.get(itf.peer_device) if itf.peer_device else None
            if peer is not None and peer.site != site and inventory.sites[peer.site].kind == "datacenter":
                found.add(peer.site)
    return sorted(found)


def recorded_intended(audit: AuditLog, site: str, intended: dict[str, str]) -> bool:
    """True when the audit proves the site was confirmed with exactly these intended configs."""
    last = next((e for e in reversed(audit.entries(site)) if e.action in ("provision", "rollback")), None)
    if last is None or last.action != "provision" or last.result not in ("confirmed", "unchanged"):
        return False
    shas = {d.name: d.intended_sha256 for d in last.devices}
    return all(shas.get(name) == intended_sha(text) for name, text in intended.items())


def refuse_without_upstream(inventory: Inventory, codes: list[str], audit: AuditLog,
                            intended: Callable[[str], dict[str, str]], live: LiveCheck) -> None:
    """InputError (exit 2, nothing touched) naming each upstream site that does not run its intended config.
    Upstream sites in `codes` themselves go first in the same batch and are not asked."""
    asked: dict[str, list[str]] = {}
    problems = []
    for code in codes:
        for up in upstream_sites(inventory, code):
            if up in codes:
                continue
            if up not in asked:
                asked[up] = [] if recorded_intended(audit, up, intended(up)) else live(up)
            if asked[up]:
                problems.append(f"site {code} uplinks to data center {up}, which does not run its intended config "
                                f"({', '.join(asked[up])} differ); provision {up} first "
                                f"(`netkit provision site {up}`), or both together")
    if problems:
        raise InputError("; ".join(problems) + ". Nothing was changed.")
