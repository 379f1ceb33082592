"""Compliance of devices: their running configs, from the backup store or read live through their driver,
against the intended ones (config.compliance compares; this module fetches)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from netkit.config.compliance import DeviceCompliance, compare, from_backups, unreachable
from netkit.config.models import RenderedConfig
from netkit.config.render import Renderer
from netkit.drivers.lookup import connected
from netkit.errors import NetkitError
from netkit.inventory.credentials import credentials_for
from netkit.inventory.models import Device, Inventory

# Live reads talk only to lab and loopback addresses unless told otherwise (no packet leaves a test machine).
LOCAL_NETWORKS = (ipaddress.IPv4Network("198.18.0.0/15"), ipaddress.IPv4Network("127.0.0.0/8"))


def live_compliance(inv: Inventory, dev: Device, rendered: RenderedConfig, allow_remote: bool) -> DeviceCompliance:
    """One device against its running config read through its driver (a failure is this device's result)."""
    source = f"live:{dev.mgmt_address}"
    if not allow_remote and not any(dev.mgmt_address in net for net in LOCAL_NETWORKS):
        return unreachable(rendered, dev.site, source, f"{dev.mgmt_address} is not a lab or loopback address; "
                                                       "give --allow-remote to fetch from real devices")
    try:
        with connected(inv, dev, credentials_for(inv, dev)) as session:
            running = str(session.get_config(retrieve="running")["running"])
    except NetkitError as e:  # this device is reported; the others go on
        return unreachable(rendered, dev.site, source, f"cannot read the running config: {e}")
    return compare(rendered, running, dev.site, source)


def compliance(inv: Inventory, devices: list[Device], *, live: bool, backups: Path,
               allow_remote: bool = False) -> list[DeviceCompliance]:
    """Every device against its running config: live (`live`), else its latest backup in `backups`."""
    renderer = Renderer(inv)
    results: list[DeviceCompliance] = []
    for dev in devices:
        rendered = renderer.render(dev)
        results.append(live_compliance(inv, dev, rendered, allow_remote) if live
                       else from_backups(rendered, dev.site, backups))
    return results
