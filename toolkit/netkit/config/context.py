"""The typed data a template sees, built from the inventory models (`netkit render --show-vars`).
Its types live in `context_types` and are re-exported here.

Everything a template needs is computed here (routing policy, OSPF membership, platform interface
names, QoS rates), so templates only lay out text. Secrets appear as `@@secret:<name>@@` marks.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from netkit.config.context_types import (
    AaaCtx,
    BgpCtx,
    BgpNeighbor,
    DeviceContext,
    Iface,
    MgmtCtx,
    Net,
    OspfCtx,
    PrefixList,
    QosCtx,
    Route,
    SiteCtx,
    SnmpCtx,
    SwitchCtx,
    Timers,
    Vlan,
    as_dict,
    template_vars,
)
from netkit.config.models import SECRET_MARK
from netkit.inventory.models import Device, Interface, Inventory, Link, Role
from netkit.platforms import Naming

LAB_TIMERS = {"ospf_hello": 1, "ospf_dead": 3, "bgp_keepalive": 3, "bgp_hold": 9, "bgp_connect": 5}
MGMT_ACL = "NETKIT-MGMT"
SNMP_ACL = "NETKIT-SNMP"


@lru_cache(maxsize=65536)
def net(prefix: ipaddress.IPv4Network) -> Net:
    return Net(prefix=str(prefix), network=str(prefix.network_address), prefixlen=prefix.prefixlen,
               netmask=str(prefix.netmask), wildcard=str(prefix.hostmask))


def secret(name: str) -> str:
    return SECRET_MARK.format(name=name)


def policy_name(site: str) -> str:
    return "NETKIT-FROM-" + site.upper()


class InventoryIndex:
    """Lookups that would otherwise scan the whole inventory once per device."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.links: dict[tuple[str, str], Link] = {}
        for link in inventory.links.values():
            self.links[(link.a.device, link.a.interface)] = link
            self.links[(link.b.device, link.b.interface)] = link
        self.bgp_speakers = {name for name, dev in inventory.devices.items() if _speaks_bgp(dev)}
        self.site_ctx: dict[str, SiteCtx] = {}  # shared by the devices of a site
        self.vlans: dict[str, list[Vlan]] = {}


def _speaks_bgp(dev: Device) -> bool:
    return dev.is_router and (dev.role == Role.CORE_ROUTER or any(i.ebgp_peer_asn for i in dev.interfaces))


def _sub(name: str) -> tuple[str, int]:
    base, _, unit = name.partition(".")
    return (base, int(unit)) if unit.isdigit() else (name, 0)


class _Builder:
    def __init__(self, index: InventoryIndex, dev: Device) -> None:
        self.idx = index
        self.inv = index.inventory
        self.dev = dev
        self.site = self.inv.sites[dev.site]
        self.traits: Naming = dev.platform.spec.naming
        self.runs_ospf = dev.is_router and any(i.kind == "p2p" and i.ospf for i in dev.interfaces)

    def platform_name(self, itf: Interface) -> str:
        if itf.kind == "loopback":
            return self.traits.loopback
        if itf.kind == "lan" and itf.vlan is not None and self.dev.role == Role.ACCESS_SWITCH:
            return self.traits.svi.format(vlan=itf.vlan)
        return itf.name

    def iface(self, itf: Interface) -> Iface:
        name = self.platform_name(itf)
        base, unit = _sub(name)
        if self.traits.loopback_unit and itf.kind == "loopback":
            base, unit = _sub(self.traits.loopback_unit)
        in_ospf = self.runs_ospf and itf.kind != "mgmt" and not itf.ebgp_peer_asn
        active = in_ospf and itf.kind == "p2p" and itf.ospf
        link = self.idx.links.get((self.dev.name, itf.name))
        addr = itf.address
        return Iface(
            name=name, inventory_name=itf.name, kind=itf.kind, description=itf.description,
            address=str(addr) if addr else None, ip=str(addr.ip) if addr else None,
            prefixlen=addr.network.prefixlen if addr else None, netmask=str(addr.netmask) if addr else None,
            net=net(addr.network) if addr else None, base=base, unit=unit, vlan=itf.vlan,
            peer_device=itf.peer_device, peer_address=str(itf.peer_address) if itf.peer_address else None,
            ospf=active, ospf_passive=in_ospf and not active, ebgp_peer_asn=itf.ebgp_peer_asn,
            committed_mbps=link.committed_mbps if link is not None else None,
        )

    def bgp(self, ifaces: list[Iface], router_id: str) -> BgpCtx | None:
        if self.dev.name not in self.idx.bgp_speakers:
            return None
        customer = self.site.kind == "customer"
        networks = [net(self.site.block)]
        noc = self.inv.network.noc
        if noc is not None and noc.device in self.site.devices:
            networks.append(net(noc.prefix))
        prefix_lists: list[PrefixList] = []
        route_maps: dict[str, str | None] = {"NETKIT-EBGP-OUT": "NETKIT-EBGP-OUT" if customer else None}
        if customer:
            prefix_lists.append(PrefixList(name="NETKIT-EBGP-OUT", prefixes=networks))
        neighbors: list[BgpNeighbor] = []
        for itf in ifaces:
            if not (itf.ebgp_peer_asn and itf.peer_address):
                continue
            peer = self.inv.devices.get(itf.peer_device or "")
            if customer or peer is None:
                policy_in = "NETKIT-EBGP-IN"
                route_maps.setdefault(policy_in, None)
            else:
                # A core accepts from a site only that site's block, so no site can hijack another's.
                policy_in = policy_name(peer.site)
                if policy_in not in route_maps:
                    route_maps[policy_in] = policy_in
                    prefix_lists.append(PrefixList(name=policy_in, prefixes=[net(self.inv.sites[peer.site].block)]))
            neighbors.append(BgpNeighbor(
                address=itf.peer_address, remote_as=itf.ebgp_peer_asn, ebgp=True, update_source=None,
                description=f"{itf.peer_device} AS{itf.ebgp_peer_asn}", policy_in=policy_in,
                policy_out="NETKIT-EBGP-OUT",
            ))
        for other in self.site.devices:
            peer = self.inv.devices[other]
            if other == self.dev.name or other not in self.idx.bgp_speakers or peer.loopback is None:
                continue
            neighbors.append(BgpNeighbor(
                address=str(peer.loopback.ip), remote_as=self.site.asn, ebgp=False,
                update_source=self.traits.loopback, description=f"{other} iBGP", policy_in=None, policy_out=None,
            ))
        neighbors.sort(key=lambda n: ipaddress.IPv4Address(n.address))  # FRR's running-config order
        return BgpCtx(asn=self.site.asn, router_id=router_id, networks=networks, neighbors=neighbors,
                      prefix_lists=prefix_lists, route_maps=dict(sorted(route_maps.items())))

    def ospf(self, ifaces: list[Iface], router_id: str) -> OspfCtx | None:
        if not self.runs_ospf:
            return None
        members = [i for i in ifaces if i.ospf or i.ospf_passive]
        return OspfCtx(router_id=router_id, area="0", interfaces=[i.name for i in members],
                       passive=[i.name for i in members if i.ospf_passive],
                       networks=[i.net for i in members if i.net is not None])

    def routes(self, bgp: BgpCtx | None) -> list[Route]:
        routes: list[Route] = []
        if bgp is not None:
            # The advertised aggregate exists in the RIB and never loops (more specifics win).
            routes.append(Route(net=net(self.site.block), next_hop="null0", blackhole=True,
                                comment="netkit-site-aggregate"))
        for sr in self.site.static_routes:
            hop = str(sr.next_hop)
            routes.append(Route(net=net(sr.prefix), next_hop=hop, blackhole=hop == "null0",
                                                comment="netkit-site-static"))
        return routes

    def switch(self) -> SwitchCtx | None:
        if self.dev.role != Role.ACCESS_SWITCH:
            return None
        t = self.traits
        vl = self.site.vlans
        return SwitchCtx(uplink=t.switch_uplink,
                         access_range=t.switch_access_range, user_vlan=vl.user, voice_vlan=vl.voice,
                         mgmt_vlan=vl.mgmt, default_gateway=str(self.site.addressing.mgmt.gateway))

    def vlans(self) -> list[Vlan]:
        if self.dev.role != Role.ACCESS_SWITCH and not any(i.vlan for i in self.dev.interfaces):
            return []
        cached = self.idx.vlans.get(self.site.code)
        if cached is None:
            a = self.site.addressing
            cached = self.idx.vlans[self.site.code] = [
                Vlan(id=s.vlan, name=f"NETKIT-{label}", net=net(s.prefix), gateway=str(s.gateway))
                for label, s in (("USER", a.user), ("VOICE", a.voice), ("MGMT", a.mgmt))]
        return cached

    def site_ctx(self) -> SiteCtx:
        site = self.site
        cached = self.idx.site_ctx.get(site.code)
        if cached is None:
            ministry = self.inv.ministries.get(site.ministry)
            cached = self.idx.site_ctx[site.code] = SiteCtx(
                code=site.code, name=site.name, kind=site.kind, ministry=site.ministry,
                ministry_name=ministry.name if ministry else site.ministry, province=site.province,
                address=site.address, asn=site.asn, block=net(site.block))
        return cached

    def build(self) -> DeviceContext:
        dev, inv, site = self.dev, self.inv, self.site
        all_ifs = [self.iface(i) for i in dev.interfaces]
        mgmt_if = next(i for i in all_ifs if i.kind == "mgmt")
        loopback = next((i for i in all_ifs if i.kind == "loopback"), None)
        data = [i for i in all_ifs if i.kind not in ("mgmt", "loopback")]
        router_id = loopback.ip if loopback and loopback.ip else str(dev.mgmt_address)
        ospf_ifs = [*([loopback] if loopback else []), *data]
        bgp = self.bgp(data, router_id)
        cset = inv.network.credential_sets.get(dev.credentials or "")
        lab = cset is not None and cset.source == "lab"
        t = LAB_TIMERS if lab else {}
        timers = Timers(lab=lab, ospf_hello=t.get("ospf_hello"), ospf_dead=t.get("ospf_dead"),
                                        bgp_keepalive=t.get("bgp_keepalive"), bgp_hold=t.get("bgp_hold"),
                                        bgp_connect=t.get("bgp_connect"))
        qos = [QosCtx(interface=i.name, mbps=i.committed_mbps, kbps=int(i.committed_mbps * 1000),
                      bps=int(i.committed_mbps * 1_000_000), policy=f"NETKIT-CIR-{int(i.committed_mbps)}M")
               for i in data if i.committed_mbps and i.ebgp_peer_asn and self.traits.qos]
        return DeviceContext(
            hostname=dev.name, domain=inv.network.domain, platform=dev.platform.value, role=dev.role.value,
            is_router=dev.is_router, is_switch=dev.role == Role.ACCESS_SWITCH, network_name=inv.network.name,
            banner=inv.network.banner,
            site=self.site_ctx(),
            ntp_servers=[str(a) for a in inv.network.ntp_servers],
            syslog_servers=[str(a) for a in inv.network.syslog_servers],
            dns_servers=[str(a) for a in inv.network.dns_servers],
            loopback=loopback, interfaces=data, vlans=self.vlans(),
            trunk_parents=sorted({i.base for i in data if i.unit} - {i.name for i in data}),
            ospf=self.ospf(ospf_ifs, router_id), bgp=bgp, static_routes=self.routes(bgp),
            snmp=SnmpCtx(v3_user=inv.network.snmp.v3_user, group="NETKIT-RO", view="NETKIT-VIEW",
                         auth_key=secret("snmp_auth_key"), priv_key=secret("snmp_priv_key"),
                         allow_v2c=dev.allow_snmp_v2c, community=secret("snmp_community"), acl=SNMP_ACL,
                         location=f"{site.name}, {site.province}", contact=f"NOC, {inv.network.name}"),
            mgmt=MgmtCtx(acl=MGMT_ACL, permit=[net(inv.network.management_prefix)], interface=mgmt_if),
            aaa=AaaCtx(username=secret("username"), password=secret("password")),
            qos=qos, switch=self.switch(), timers=timers,
        )


def build_context(inventory: Inventory, device: Device, index: InventoryIndex | None = None) -> DeviceContext:
    """The template data of one device."""
    return _Builder(index or InventoryIndex(inventory), device).build()


__all__ = [
    "AaaCtx", "BgpCtx", "BgpNeighbor", "DeviceContext", "Iface", "InventoryIndex", "MgmtCtx", "Net", "OspfCtx", "PrefixList", "QosCtx", "Route", "SiteCtx", "SnmpCtx", "SwitchCtx", "Timers", "Vlan", "as_dict", "build_context", "template_vars"
]
