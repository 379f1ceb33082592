"""Backup intervals per ministry or site group, from the inventory's `netkit_backup` group variable.

    # inventory/<net>/group_vars/moj.yml (a ministry) or site_moj_hq.yml (a site group)
    netkit_backup:
      interval: 4h

Ansible's own precedence decides: a site group (a child of its ministry) overrides its ministry, which
overrides `all`. Durations: 90s, 30m, 4h, 1d.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from netkit.errors import InputError
from netkit.inventory.models import Inventory

DEFAULT_INTERVAL_S = 24 * 3600.0
_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, where: str = "duration") -> float:
    m = _DURATION.match(str(text).strip())
    if not m or float(m.group("n")) <= 0:
        raise InputError(f"{where}: {text!r} is not a duration (give e.g. 90s, 30m, 4h, 1d)")
    return float(m.group("n")) * _UNITS[m.group("unit")]


def intervals_from_vars(host_vars: Mapping[str, Mapping[str, Any]], default: float) -> dict[str, float]:
    """device -> interval in seconds, from each host's merged `netkit_backup` (absent: `default`)."""
    out = {}
    for device, hv in host_vars.items():
        spec = hv.get("netkit_backup") or {}
        if not isinstance(spec, Mapping):
            raise InputError(f"host {device}: netkit_backup must be a mapping such as {{interval: 4h}}")
        interval = spec.get("interval")
        out[device] = parse_duration(interval, f"host {device}: netkit_backup.interval") if interval else default
    return out


def inventory_intervals(inv: Inventory, default: float = DEFAULT_INTERVAL_S) -> dict[str, float]:
    """Every device's backup interval, read through Ansible (so group precedence and vault apply)."""
    from netkit.inventory.ansible_source import read_ansible_inventory

    raw = read_ansible_inventory(inv.path)
    host_vars = {name: raw.hosts[name].vars if name in raw.hosts else {} for name in inv.devices}
    return intervals_from_vars(host_vars, default)


def next_due(last: float, interval: float, success: bool, retry: float) -> float:
    """After a failure try again soon (a router that is down comes back), never later than the interval."""
    return last + (interval if success else min(interval, retry))
