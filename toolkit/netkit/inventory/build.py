"""Turn raw Ansible vars into validated models, collecting every problem instead of stopping at one.

The layout an author writes: `netkit_network` in group `all`, `netkit_ministry` in each ministry group,
`netkit_site` in each `site_<code>` group (a child of its ministry's group), `netkit_device` and
`ansible_host` per host. A group's value is shared by its hosts and validated once.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from pathlib import Path

from netkit.inventory.ansible_source import RawHost, RawInventory, inventory_file
from netkit.inventory.derive import Deriver, HostEntry, SiteEntry
from netkit.inventory.models import DeviceSpec, Inventory, Ministry, MinistrySpec, NetworkSpec, SiteSpec
from netkit.inventory.problems import Problems

KNOWN_VARS = ("netkit_network", "netkit_ministry", "netkit_site", "netkit_device", "netkit_backup")

__all__ = ["KNOWN_VARS", "build_inventory"]


def _file(origin: str | None) -> Path | None:
    return Path(re.sub(r":\d+$", "", origin)) if origin else None


class _Builder:
    def __init__(self, raw: RawInventory) -> None:
        self.raw = raw
        self.p = Problems()
        self.p.extend(raw.problems)
        self.hosts_file = inventory_file(raw.path)
        self.ministries: dict[str, Ministry] = {}
        self.sites: dict[str, SiteEntry] = {}
        self.hosts: dict[str, HostEntry] = {}
        self.group_of_code: dict[str, str] = {}
        self.ministry_where: dict[str, str] = {}

    def group_where(self, host: RawHost, group: str, key: str) -> str:
        origin = host.origins.get(key) or str(self.raw.group_sources.get(group, self.hosts_file))
        return f"{origin}: group {group}"

    def host_where(self, host: RawHost) -> str:
        origin = host.origins.get("netkit_device") or host.origins.get("ansible_host") or str(host.source)
        return f"{origin}: host {host.name}"

    def build(self) -> tuple[Inventory | None, list[str]]:
        any_host = next(iter(self.raw.hosts.values()))
        network_where = self.group_where(any_host, "all", "netkit_network")
        network = self.p.validate(NetworkSpec, any_host.vars.get("netkit_network"), network_where, "netkit_network")
        for host in self.raw.hosts.values():
            self._host(host)
        for group in self.raw.empty_groups:
            if group.startswith("site_"):
                self.p.add(f"{self.raw.group_sources.get(group, self.hosts_file)}: group {group}",
                           "a site group without hosts (list the site's devices under it, or remove the group)")
        if network is None:
            return None, self.p.items
        sites, devices, links = Deriver(self.p, network, self.sites, self.hosts, network_where).derive()
        if self.p.items:
            return None, self.p.items
        inventory = Inventory(
            path=self.raw.path, network=network, ministries=dict(sorted(self.ministries.items())),
            sites=sites, devices=devices, links=links,
            network_file=_file(any_host.origins.get("netkit_network")) or self.raw.group_sources.get("all"),
        )
        return inventory, []

    def _host(self, host: RawHost) -> None:
        where = self.host_where(host)
        for key in host.vars:
            if key.startswith("netkit_") and key not in KNOWN_VARS:
                close = difflib.get_close_matches(key, KNOWN_VARS, n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                origin = host.origins.get(key, str(host.source))
                file = _file(origin)
                who = f"group {file.stem}" if file is not None and file.parent.name == "group_vars" else f"host {host.name}"
                self.p.add(f"{origin}: {who}", f"unknown variable {key} ({hint}netkit reads {', '.join(KNOWN_VARS)})")
        site_groups = [g for g in host.groups if g.startswith("site_")]
        if not site_groups:
            self.p.add(where, "belongs to no site group (put it under a group site_<code> with netkit_site)")
            return
        if len(site_groups) > 1:
            self.p.add(where, f"is in {len(site_groups)} site groups ({', '.join(site_groups)}): a device belongs "
                              "to exactly one site (remove it from all but one)")
            return
        site_group = site_groups[0]
        mspec = self._ministry(host, site_group)
        swhere = self.group_where(host, site_group, "netkit_site")
        sspec = self.p.validate(SiteSpec, host.vars.get("netkit_site"), swhere, "netkit_site", shared=True)
        if sspec is not None and mspec is not None:
            other = self.group_of_code.setdefault(sspec.code, site_group)
            if other != site_group:
                self.p.add(swhere, f"netkit_site.code {sspec.code!r} is also the code of group {other} "
                                   "(site codes must be unique)")
            elif sspec.code not in self.sites:
                self.sites[sspec.code] = SiteEntry(sspec, mspec.code, swhere, _file(host.origins.get("netkit_site")))
        self._device(host, where, sspec)

    def _ministry(self, host: RawHost, site_group: str) -> MinistrySpec | None:
        group = next((g for g in host.groups if g not in ("all", site_group) and not g.startswith("site_")), "all")
        mwhere = self.group_where(host, group, "netkit_ministry")
        if group == "all" and "netkit_ministry" not in host.vars:
            self.p.add(self.group_where(host, site_group, "netkit_site"),
                       "is not inside a ministry group (make it a child of a group whose vars hold netkit_ministry)")
            return None
        mspec = self.p.validate(MinistrySpec, host.vars.get("netkit_ministry"), mwhere, "netkit_ministry",
                                shared=True)
        if mspec is not None:
            known = self.ministries.get(mspec.code)
            if known is not None and known.name != mspec.name:
                self.p.add(mwhere, f"netkit_ministry.code {mspec.code!r} is used by two ministries with different "
                                   f"names ({known.name!r} at {self.ministry_where[mspec.code]}, and {mspec.name!r})")
            elif known is None:
                self.ministries[mspec.code] = Ministry(code=mspec.code, name=mspec.name, name_km=mspec.name_km,
                                                       change_policy=mspec.change_policy)
                self.ministry_where[mspec.code] = mwhere
        return mspec

    def _device(self, host: RawHost, where: str, sspec: SiteSpec | None) -> None:
        raw_device = host.vars.get("netkit_device")
        if raw_device is None:
            self.p.add(where, "netkit_device is missing (role, platform, credentials of the device)")
            return
        if not isinstance(raw_device, dict):
            self.p.add(where, f"netkit_device must be a mapping of keys (got {raw_device!r})")
            return
        dvars = dict(raw_device)
        if "mgmt_address" not in dvars:
            if "ansible_host" not in host.vars:
                self.p.add(where, "ansible_host is missing (the device's management address)")
                return
            try:
                dvars["mgmt_address"] = ipaddress.IPv4Address(str(host.vars["ansible_host"]))
            except ValueError:
                self.p.add(where, f"ansible_host {host.vars['ansible_host']!r} is not an IPv4 address (netkit needs "
                                  "the management address itself, not a DNS name)")
                return
        if sspec is None:
            dvars.setdefault("site", "-")  # the site's own problem is reported; still check the device's keys
        elif dvars.setdefault("site", sspec.code) != sspec.code:
            self.p.add(where, f"netkit_device.site {dvars['site']!r} is not the site of its group "
                              f"({sspec.code!r}): drop the key, the site group decides")
            return
        dspec = self.p.validate(DeviceSpec, dvars, where, "netkit_device")
        if dspec is not None and sspec is not None:
            self.hosts[host.name] = HostEntry(dspec, where, host.source)


def build_inventory(raw: RawInventory) -> tuple[Inventory | None, list[str]]:
    """The validated inventory, or None and every problem found."""
    return _Builder(raw).build()
