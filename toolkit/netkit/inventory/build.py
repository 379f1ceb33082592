"""Turn raw Ansible vars into validated models, collecting every problem instead of stopping at one."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from netkit.inventory import addressing
from netkit.inventory.ansible_source import RawHost, RawInventory
from netkit.inventory.models import (
    DEFAULT_LAN_INTERFACE,
    DEFAULT_MGMT_INTERFACE,
    Device,
    DeviceSpec,
    Interface,
    Inventory,
    Link,
    LinkSpec,
    Ministry,
    MinistrySpec,
    NetworkSpec,
    Role,
    Site,
    SiteAddressing,
    SiteSpec,
)

M = TypeVar("M", bound=BaseModel)


class Problems:
    """Collects messages that each name the file, the host or site, and the key."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        if (line := f"{where}: {message}") not in self.items:
            self.items.append(line)

    def validate(self, model: type[M], data: Any, where: str, key: str) -> M | None:
        if data is None:
            self.add(where, f"{key} is missing")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as e:
            for err in e.errors():
                loc = ".".join(str(p) for p in (key, *err["loc"]))
                got = f" (got {err['input']!r})" if err["type"] not in ("missing", "model_type") else ""
                self.add(where, f"{loc}: {err['msg']}{got}")
            return None


def _link_name(spec: LinkSpec) -> str:
    return f"{spec.a.device}:{spec.a.interface}--{spec.b.device}:{spec.b.interface}"


class _Builder:
    def __init__(self, raw: RawInventory) -> None:
        self.raw = raw
        self.p = Problems()
        self.hosts_file = raw.path / "hosts.yml" if raw.path.is_dir() else raw.path

    def group_where(self, group: str, what: str) -> str:
        source = self.raw.group_sources.get(group, self.hosts_file)
        return f"{source}: {what}"

    def host_where(self, host: RawHost) -> str:
        return f"{host.source}: host {host.name}"

    def site_group(self, host: RawHost) -> str:
        return next((g for g in reversed(host.groups) if g.startswith("site_")), "all")

    def ministry_group(self, host: RawHost) -> str:
        site = self.site_group(host)
        return next((g for g in host.groups if g not in ("all", site) and not g.startswith("site_")), "all")

    def build(self) -> tuple[Inventory | None, list[str]]:
        hosts = self.raw.hosts
        any_host = next(iter(hosts.values()))
        network = self.p.validate(
            NetworkSpec, any_host.vars.get("netkit_network"), self.group_where("all", "group all"), "netkit_network"
        )
        ministries: dict[str, Ministry] = {}
        site_specs: dict[str, tuple[SiteSpec, str, str]] = {}  # code -> spec, ministry, where
        device_specs: dict[str, tuple[DeviceSpec, RawHost]] = {}
        site_groups_of_code: dict[str, str] = {}

        for host in hosts.values():
            where = self.host_where(host)
            site_group = self.site_group(host)
            if site_group == "all":
                self.p.add(where, "belongs to no site group (put it under a group site_<code> with netkit_site)")
                continue
            mgroup = self.ministry_group(host)
            mspec = self.p.validate(
                MinistrySpec, host.vars.get("netkit_ministry"), self.group_where(mgroup, f"group {mgroup}"),
                "netkit_ministry",
            )
            if mspec is not None:
                known = ministries.get(mspec.code)
                if known is not None and known.name != mspec.name:
                    self.p.add(self.group_where(mgroup, f"group {mgroup}"),
                               f"netkit_ministry.code {mspec.code!r} is used by two ministries with different names")
                ministries[mspec.code] = Ministry(code=mspec.code, name=mspec.name)
            swhere = self.group_where(site_group, f"group {site_group}")
            sspec = self.p.validate(SiteSpec, host.vars.get("netkit_site"), swhere, "netkit_site")
            if sspec is not None and mspec is not None:
                other = site_groups_of_code.setdefault(sspec.code, site_group)
                if other != site_group:
                    self.p.add(swhere, f"netkit_site.code {sspec.code!r} is also the code of group {other} "
                                       "(site codes must be unique)")
                site_specs[sspec.code] = (sspec, mspec.code, swhere)
            dvars = dict(host.vars.get("netkit_device") or {})
            if "ansible_host" not in host.vars:
                self.p.add(where, "ansible_host is missing (the device's management address)")
                continue
            dvars.setdefault("mgmt_address", host.vars["ansible_host"])
            if sspec is not None:
                dvars.setdefault("site", sspec.code)
            dspec = self.p.validate(DeviceSpec, dvars, where, "netkit_device")
            if dspec is not None:
                device_specs[host.name] = (dspec, host)

        if network is None:
            return None, self.p.items
        sites, devices, links = self._derive(network, site_specs, device_specs)
        if self.p.items:
            return None, self.p.items
        inventory = Inventory(
            path=self.raw.path, network=network, ministries=dict(sorted(ministries.items())),
            sites=sites, devices=devices, links=links,
        )
        return inventory, []

    def _derive(
        self,
        network: NetworkSpec,
        site_specs: dict[str, tuple[SiteSpec, str, str]],
        device_specs: dict[str, tuple[DeviceSpec, RawHost]],
    ) -> tuple[dict[str, Site], dict[str, Device], dict[str, Link]]:
        members: dict[str, list[str]] = defaultdict(list)
        for name, (dspec, _host) in sorted(device_specs.items()):
            members[dspec.site].append(name)

        site_addr: dict[str, SiteAddressing] = {}
        for code, (sspec, _m, where) in site_specs.items():
            try:
                site_addr[code] = addressing.site_addressing(sspec.block, sspec.vlans)
            except ValueError as e:
                self.p.add(where, f"netkit_site.block: {e}")

        # Index, loopback and the interfaces every device has.
        interfaces: dict[str, list[Interface]] = {}
        extra: dict[str, dict[str, Any]] = {}
        for code, names in members.items():
            if code not in site_specs or code not in site_addr:
                continue
            sspec, _m, swhere = site_specs[code]
            used = {device_specs[n][0].index for n in names if device_specs[n][0].index is not None}
            free = (i for i in range(256) if i not in used)
            switch_pos = 0
            for name in names:
                dspec, host = device_specs[name]
                where = self.host_where(host)
                index = dspec.index if dspec.index is not None else next(free)
                ifs = [Interface(
                    name=dspec.mgmt_interface or DEFAULT_MGMT_INTERFACE[dspec.platform], kind="mgmt",
                    address=f"{dspec.mgmt_address}/{network.management_prefix.prefixlen}",
                    description="out-of-band management",
                )]
                lo = None
                try:
                    if dspec.role != Role.SERVICE_HOST:
                        lo = addressing.loopback(site_addr[code], index)
                        ifs.append(Interface(name="lo", kind="loopback", address=lo, description="router-id",
                                             ospf=dspec.role in (Role.CORE_ROUTER, Role.SITE_ROUTER)))
                    if dspec.role == Role.SITE_ROUTER:
                        ifs.extend(self._lan_interfaces(dspec, sspec, site_addr[code]))
                    if dspec.role == Role.ACCESS_SWITCH:
                        svi = addressing.access_switch_address(site_addr[code], switch_pos)
                        switch_pos += 1
                        ifs.append(Interface(name=f"vlan{sspec.vlans.mgmt}", kind="lan", address=svi,
                                             vlan=sspec.vlans.mgmt, description="in-band management"))
                except ValueError as e:
                    self.p.add(where, f"outside its site's block {sspec.block}: {e}")
                interfaces[name] = ifs
                extra[name] = {"index": index, "loopback": lo}

        links: dict[str, Link] = {}
        for code, (sspec, _m, swhere) in site_specs.items():
            for position, lspec in enumerate(sspec.links):
                lname = _link_name(lspec)
                prefix = lspec.prefix
                if prefix is None and code in site_addr:
                    try:
                        prefix = addressing.p2p_prefix(site_addr[code], position)
                    except ValueError as e:
                        self.p.add(swhere, f"netkit_site.links[{position}] {lname}: {e}")
                        continue
                if prefix is None:
                    continue
                if lname in links:
                    self.p.add(swhere, f"netkit_site.links[{position}]: link {lname} is declared twice")
                    continue
                links[lname] = Link(
                    name=lname, site=code, a=lspec.a, b=lspec.b, prefix=prefix, circuit_id=lspec.circuit_id,
                    committed_mbps=lspec.committed_mbps, impairment=lspec.impairment, ospf=lspec.ospf,
                )

        for link in links.values():
            try:
                ends = addressing.p2p_ends(link.prefix)
            except ValueError as e:
                self.p.add(site_specs[link.site][2], f"link {link.name}: {e}")
                continue
            for end, peer, addr, peer_addr in ((link.a, link.b, ends[0], ends[1]), (link.b, link.a, ends[1], ends[0])):
                if end.device not in interfaces or peer.device not in device_specs:
                    continue
                peer_site = device_specs[peer.device][0].site
                own_site = device_specs[end.device][0].site
                peer_asn = site_specs[peer_site][0].asn if peer_site in site_specs else None
                own_asn = site_specs[own_site][0].asn if own_site in site_specs else None
                interfaces[end.device].append(Interface(
                    name=end.interface, kind="p2p", address=addr, peer_device=peer.device,
                    peer_interface=peer.interface, peer_address=peer_addr.ip, ospf=link.ospf,
                    ebgp_peer_asn=peer_asn if peer_asn != own_asn and not link.ospf else None,
                    description=f"{link.circuit_id + ' ' if link.circuit_id else ''}to {peer.device} {peer.interface}",
                ))

        if network.noc is not None and network.noc.device in interfaces:
            hosts = list(network.noc.prefix.hosts())
            interfaces[network.noc.device].append(Interface(
                name=network.noc.interface, kind="noc", address=f"{hosts[0]}/{network.noc.prefix.prefixlen}",
                description="NOC attachment", peer_address=hosts[1] if len(hosts) > 1 else None,
            ))

        devices: dict[str, Device] = {}
        for name, (dspec, host) in sorted(device_specs.items()):
            if name not in interfaces:
                continue
            sspec, ministry, _w = site_specs[dspec.site]
            devices[name] = Device(
                name=name, site=dspec.site, ministry=ministry, role=dspec.role, platform=dspec.platform,
                mgmt_address=dspec.mgmt_address,
                mgmt_interface=dspec.mgmt_interface or DEFAULT_MGMT_INTERFACE[dspec.platform],
                credentials=dspec.credentials, index=extra[name]["index"], loopback=extra[name]["loopback"],
                asn=sspec.asn, interfaces=interfaces[name],
                allow_snmp_v2c=dspec.allow_snmp_v2c or network.snmp.allow_v2c, http_port=dspec.http_port,
                vars_file=host.source,
            )

        sites: dict[str, Site] = {}
        for code, (sspec, ministry, _w) in sorted(site_specs.items()):
            if code not in site_addr:
                continue
            sites[code] = Site(
                code=code, name=sspec.name, kind=sspec.kind, ministry=ministry, province=sspec.province,
                address=sspec.address, block=sspec.block, asn=sspec.asn, addressing=site_addr[code],
                targets=sspec.targets, mou=sspec.mou, maintenance=sspec.maintenance, vlans=sspec.vlans,
                access_switches=sspec.access_switches, static_routes=sspec.static_routes,
                devices=members.get(code, []),
                links=[n for n, lk in links.items() if lk.site == code],
            )
        return sites, devices, dict(sorted(links.items()))

    def _lan_interfaces(self, dspec: DeviceSpec, sspec: SiteSpec, addr: SiteAddressing) -> list[Interface]:
        base = dspec.lan_interface or DEFAULT_LAN_INTERFACE[dspec.platform]
        if sspec.access_switches == 0:
            return [Interface(name=base, kind="lan", address=f"{addr.user.gateway}/{addr.user.prefix.prefixlen}",
                              description="site LAN (users)", ospf=False)]
        return [
            Interface(name=f"{base}.{sub.vlan}", kind="lan", vlan=sub.vlan,
                      address=f"{sub.gateway}/{sub.prefix.prefixlen}", description=f"{label} VLAN gateway")
            for label, sub in (("user", addr.user), ("voice", addr.voice), ("management", addr.mgmt))
        ]


def build_inventory(raw: RawInventory) -> tuple[Inventory | None, list[str]]:
    """The validated inventory, or None and every problem found."""
    return _Builder(raw).build()


def where_of(inventory: Inventory, path: Path | None) -> str:
    return str(path) if path is not None else str(inventory.path)
