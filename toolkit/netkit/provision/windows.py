"""Change windows: where the inventory's change policy requires it (per network, or per ministry), a site
is changed only inside one of its maintenance windows (`netkit_site.maintenance`, the same windows the
monitoring excludes from the MoU figures), unless the run says why not (`--now --reason TEXT`)."""

from __future__ import annotations

from datetime import datetime

from netkit.errors import InputError
from netkit.inventory.models import ChangePolicy, Inventory, MaintenanceWindow
from netkit.monitor.exporter.maintenance import any_open


def change_policy(inventory: Inventory, site: str) -> ChangePolicy:
    """The site's ministry's policy when it has one, else the network's."""
    ministry = inventory.ministries.get(inventory.sites[site].ministry)
    if ministry is not None and ministry.change_policy is not None:
        return ministry.change_policy
    return inventory.network.change_policy


def outside_windows(inventory: Inventory, codes: list[str], now: datetime) -> dict[str, str]:
    """Sites whose policy requires a window and none of whose windows is open `now`: site -> why."""
    out = {}
    for code in codes:
        site = inventory.sites[code]
        if not change_policy(inventory, code).require_window or any_open(site.maintenance, now):
            continue
        declared = "; ".join(_describe(w) for w in site.maintenance) or "none declared"
        where = site.vars_file or inventory.path
        out[code] = (f"site {code} ({site.ministry}) may only be changed inside a maintenance window "
                     f"(its windows, {where}: {declared}); it is {now:%a %Y-%m-%d %H:%M} UTC")
    return out


def refuse_outside_windows(inventory: Inventory, codes: list[str], now: datetime, reason: str | None) -> None:
    """InputError (exit 2, nothing touched) unless every site is inside a window or a reason is given."""
    if reason:
        return
    refused = outside_windows(inventory, codes, now)
    if refused:
        raise InputError("; ".join(refused.values()) + ". To change it now anyway: --now --reason TEXT "
                         "(the reason goes into the audit). Nothing was changed.")


def _describe(w: MaintenanceWindow) -> str:
    if w.weekday is not None and w.at is not None:
        return f"{w.weekday} {w.at:%H:%M} UTC for {w.duration_min} min"
    return f"{w.start:%Y-%m-%d %H:%M} to {w.end:%Y-%m-%d %H:%M}"
