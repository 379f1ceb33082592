"""What netkit derives from validated specs: indexes, loopbacks, LAN gateways, link addressing, peers.

Addresses are built from integers (ipaddress parses strings slowly; 10,000 devices have ~50,000
interfaces). The rules themselves live in `addressing`.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from netkit.inventory import addressing
from netkit.inventory.models import (
    Device,
    DeviceSpec,
    Interface,
    IPv4If,
    Link,
    LinkSpec,
    NetworkSpec,
    Role,
    Site,
    SiteAddressing,
    SiteSpec,
)
from netkit.inventory.problems import Problems


@dataclass(frozen=True)
class SiteEntry:
    spec: SiteSpec
    ministry: str
    where: str  # "file:line: group site_x" for messages
    source: Path | None


@dataclass(frozen=True)
class HostEntry:
    spec: DeviceSpec
    where: str  # "file:line: host x" for messages
    source: Path


def link_name(spec: LinkSpec) -> str:
    return f"{spec.a.device}:{spec.a.interface}--{spec.b.device}:{spec.b.interface}"


def _ifaddr(address: int | ipaddress.IPv4Address, prefixlen: int) -> IPv4If:
    return ipaddress.IPv4Interface((int(address), prefixlen))


class Deriver:
    def __init__(self, p: Problems, network: NetworkSpec, sites: dict[str, SiteEntry],
                 hosts: dict[str, HostEntry], network_where: str = "netkit_network") -> None:
        self.p = p
        self.network_where = network_where
        self.network = network
        self.site_entries = sites
        self.hosts = hosts
        self.members: dict[str, list[str]] = defaultdict(list)
        for name, entry in sorted(hosts.items()):
            self.members[entry.spec.site].append(name)
        self.addr: dict[str, SiteAddressing] = {}
        self.interfaces: dict[str, list[Interface]] = {}
        self.index: dict[str, int] = {}
        self.loopback: dict[str, IPv4If | None] = {}

    def derive(self) -> tuple[dict[str, Site], dict[str, Device], dict[str, Link]]:
        for code, entry in self.site_entries.items():
            try:
                self.addr[code] = addressing.site_addressing(entry.spec.block, entry.spec.vlans)
            except ValueError as e:
                self.p.add(entry.where, f"netkit_site.block: {e}")
        for code, names in self.members.items():
            if code in self.site_entries and code in self.addr:
                self._site_interfaces(code, names)
        links = self._links()
        self._link_interfaces(links)
        noc = self.network.noc
        if noc is not None:
            # The device's end and the NOC's, as for a link (the lab builds the NOC side from this interface).
            try:
                device_end, noc_end = addressing.p2p_ends(noc.prefix)
            except ValueError as e:
                self.p.add(self.network_where, f"netkit_network.noc.prefix: {e} (one for {noc.device}, one for the NOC)")
            else:
                if noc.device in self.interfaces:
                    self.interfaces[noc.device].append(Interface(
                        name=noc.interface, kind="noc", address=device_end, description="NOC attachment",
                        peer_address=noc_end.ip,
                    ))
        return self._sites(links), self._devices(), dict(sorted(links.items()))

    def _site_interfaces(self, code: str, names: list[str]) -> None:
        entry = self.site_entries[code]
        sspec, addr = entry.spec, self.addr[code]
        used = {self.hosts[n].spec.index for n in names if self.hosts[n].spec.index is not None}
        free = (i for i in range(256) if i not in used)
        switch_pos = 0
        mgmt_len = self.network.management_prefix.prefixlen
        for name in names:
            host = self.hosts[name]
            dspec = host.spec
            index = dspec.index if dspec.index is not None else next(free, 256)
            ifs = [Interface(
                name=dspec.mgmt_interface or dspec.platform.spec.naming.mgmt_interface, kind="mgmt",
                address=_ifaddr(dspec.mgmt_address, mgmt_len), description="out-of-band management",
            )]
            lo = None
            try:
                if dspec.role != Role.SERVICE_HOST:
                    lo = addressing.loopback(addr, index)
                    ifs.append(Interface(name="lo", kind="loopback", address=lo, description="router-id",
                                         ospf=dspec.role in (Role.CORE_ROUTER, Role.SITE_ROUTER)))
                if dspec.role == Role.SITE_ROUTER:
                    ifs.extend(self._lan_interfaces(dspec, sspec, addr))
                if dspec.role == Role.ACCESS_SWITCH:
                    svi = addressing.access_switch_address(addr, switch_pos)
                    switch_pos += 1
                    ifs.append(Interface(name=f"vlan{sspec.vlans.mgmt}", kind="lan", address=svi,
                                         vlan=sspec.vlans.mgmt, description="in-band management"))
            except ValueError as e:
                self.p.add(host.where, f"outside its site's block {sspec.block}: {e}")
            self.interfaces[name] = ifs
            self.index[name] = index
            self.loopback[name] = lo

    @staticmethod
    def _lan_interfaces(dspec: DeviceSpec, sspec: SiteSpec, addr: SiteAddressing) -> list[Interface]:
        base = dspec.lan_interface or dspec.platform.spec.naming.lan_interface
        if sspec.access_switches == 0:
            return [Interface(name=base, kind="lan", address=_ifaddr(addr.user.gateway, addr.user.prefix.prefixlen),
                              description="site LAN (users)", ospf=False)]
        return [
            Interface(name=f"{base}.{sub.vlan}", kind="lan", vlan=sub.vlan,
                      address=_ifaddr(sub.gateway, sub.prefix.prefixlen), description=f"{label} VLAN gateway")
            for label, sub in (("user", addr.user), ("voice", addr.voice), ("management", addr.mgmt))
        ]

    def _links(self) -> dict[str, Link]:
        links: dict[str, Link] = {}
        for code, entry in self.site_entries.items():
            for position, lspec in enumerate(entry.spec.links):
                lname = link_name(lspec)
                prefix = lspec.prefix
                if prefix is None and code in self.addr:
                    try:
                        prefix = addressing.p2p_prefix(self.addr[code], position)
                    except ValueError as e:
                        self.p.add(entry.where, f"netkit_site.links.{position} {lname}: {e}")
                        continue
                if prefix is None:
                    continue
                if lname in links:
                    self.p.add(entry.where, f"netkit_site.links.{position}: link {lname} is declared twice")
                    continue
                links[lname] = Link(
                    name=lname, site=code, a=lspec.a, b=lspec.b, prefix=prefix, circuit_id=lspec.circuit_id,
                    committed_mbps=lspec.committed_mbps, impairment=lspec.impairment, ospf=lspec.ospf,
                )
        return links

    def _link_interfaces(self, links: dict[str, Link]) -> None:
        for link in links.values():
            try:
                ends = addressing.p2p_ends(link.prefix)
            except ValueError as e:
                self.p.add(self.site_entries[link.site].where, f"link {link.name}: {e}")
                continue
            for end, peer, addr, peer_addr in ((link.a, link.b, ends[0], ends[1]), (link.b, link.a, ends[1], ends[0])):
                if end.device not in self.interfaces or peer.device not in self.hosts:
                    continue
                peer_asn = self._asn(peer.device)
                own_asn = self._asn(end.device)
                self.interfaces[end.device].append(Interface(
                    name=end.interface, kind="p2p", address=addr, peer_device=peer.device,
                    peer_interface=peer.interface, peer_address=peer_addr.ip, ospf=link.ospf,
                    ebgp_peer_asn=peer_asn if peer_asn != own_asn and not link.ospf else None,
                    description=f"{link.circuit_id + ' ' if link.circuit_id else ''}to {peer.device} {peer.interface}",
                ))

    def _asn(self, device: str) -> int | None:
        entry = self.site_entries.get(self.hosts[device].spec.site)
        return entry.spec.asn if entry is not None else None

    def _devices(self) -> dict[str, Device]:
        devices: dict[str, Device] = {}
        snmp_v2c = self.network.snmp.allow_v2c
        for name, host in sorted(self.hosts.items()):
            if name not in self.interfaces:
                continue
            dspec = host.spec
            entry = self.site_entries[dspec.site]
            devices[name] = Device(
                name=name, site=dspec.site, ministry=entry.ministry, role=dspec.role, platform=dspec.platform,
                mgmt_address=dspec.mgmt_address,
                mgmt_interface=dspec.mgmt_interface or dspec.platform.spec.naming.mgmt_interface,
                credentials=dspec.credentials, index=self.index[name], loopback=self.loopback[name],
                asn=entry.spec.asn, interfaces=self.interfaces[name],
                allow_snmp_v2c=dspec.allow_snmp_v2c or snmp_v2c, http_port=dspec.http_port,
                ssh_host_key=dspec.ssh_host_key, vars_file=host.source,
            )
        return devices

    def _sites(self, links: dict[str, Link]) -> dict[str, Site]:
        site_links: dict[str, list[str]] = defaultdict(list)
        for name, link in links.items():
            site_links[link.site].append(name)
        sites: dict[str, Site] = {}
        for code, entry in sorted(self.site_entries.items()):
            if code not in self.addr:
                continue
            sspec = entry.spec
            sites[code] = Site(
                code=code, name=sspec.name, name_km=sspec.name_km, kind=sspec.kind, ministry=entry.ministry,
                province=sspec.province,
                address=sspec.address, block=sspec.block, asn=sspec.asn, addressing=self.addr[code],
                targets=sspec.targets, mou=sspec.mou, maintenance=sspec.maintenance, vlans=sspec.vlans,
                access_switches=sspec.access_switches, static_routes=sspec.static_routes,
                bandwidth_endpoint=sspec.bandwidth_endpoint,
                devices=self.members.get(code, []), links=site_links.get(code, []), vars_file=entry.source,
            )
        return sites
