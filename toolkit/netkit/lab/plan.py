"""What the lab will build for an inventory, computed without touching the machine.

The plan names every namespace, interface, address and route, and refuses anything that could let a
packet leave the machine: every address the lab configures must lie in 198.18.0.0/15.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from netkit.errors import InputError
from netkit.inventory.models import Device, Impairment, Inventory, IPv4, IPv4If, IPv4Net, Link

LAB_SUPERNET = ipaddress.IPv4Network("198.18.0.0/15")
DEFAULT_PREFIX = "nk-"
RUN_ROOT = Path("/run/netkit-lab")
IFNAME_MAX = 15
_PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$")
_BAD_IFNAME = re.compile(r"[/:\s%]")


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LinkEndPlan(Frozen):
    device: str
    ns: str
    interface: str  # Linux name inside the device's namespace
    wire: str  # the matching end inside the wire namespace


class LinkPlan(Frozen):
    name: str
    site: str
    index: int
    a: LinkEndPlan
    b: LinkEndPlan
    bridge: str  # joins a.wire and b.wire in the wire namespace while the link is not relayed
    impairment: Impairment | None = None

    def end(self, device: str) -> LinkEndPlan:
        return self.a if self.a.device == device else self.b


class ServicePlan(Frozen):
    interface: str
    address: IPv4If
    port: int
    route_via: IPv4 | None


class DevicePlan(Frozen):
    name: str
    ns: str
    kind: Literal["router", "service"]
    mgmt_interface: str
    mgmt_address: IPv4If
    mgmt_peer: str  # this device's port on the management bridge
    lan_interfaces: list[str] = []
    interface_map: dict[str, str] = {}  # inventory name -> Linux name, only where they differ
    service: ServicePlan | None = None
    allow_v2c: bool = False


class NocPlan(Frozen):
    device: str
    device_interface: str
    host_interface: str
    host_address: IPv4If
    gateway: IPv4
    routes: list[IPv4Net]


class LabPlan(Frozen):
    prefix: str
    inventory: Path
    mgmt_ns: str
    wire_ns: str
    mgmt_bridge: str = "br0"
    host_mgmt_interface: str
    host_mgmt_address: IPv4If
    noc: NocPlan | None
    guard: IPv4Net = LAB_SUPERNET
    devices: dict[str, DevicePlan]
    links: list[LinkPlan]
    skipped: list[str] = []  # devices and links the lab cannot build, with the reason
    snmp_user: str
    run_dir: Path

    @property
    def namespaces(self) -> list[str]:
        return [self.mgmt_ns, self.wire_ns, *(d.ns for d in self.devices.values())]

    @property
    def host_interfaces(self) -> list[str]:
        """The lab's interfaces in the host's own namespace: the management link, the NOC link."""
        return [self.host_mgmt_interface, *([self.noc.host_interface] if self.noc else [])]

    def device(self, name: str) -> DevicePlan:
        if name not in self.devices:
            known = ", ".join(self.devices) or "none"
            raise InputError(f"{self.inventory}: no lab device named {name!r} (lab devices: {known})")
        return self.devices[name]

    def link(self, spec: str) -> LinkPlan:
        """A link by its name `devA:ifA--devB:ifB`, by `device:interface`, or by a device with one link."""
        found = [lk for lk in self.links if lk.name == spec]
        if not found and ":" in spec:
            dev, _, itf = spec.partition(":")
            found = [lk for lk in self.links
                     if any(e.device == dev and itf in (e.interface, _inventory_name(self, e)) for e in (lk.a, lk.b))]
        elif not found:
            found = [lk for lk in self.links if spec in (lk.a.device, lk.b.device)]
        if len(found) == 1:
            return found[0]
        names = "\n  ".join(lk.name for lk in self.links) or "(none)"
        why = "matches several links" if found else "matches no link"
        raise InputError(f"{spec!r} {why}; give a link name, `device:interface`, or a device with one link:\n  {names}")


def _inventory_name(plan: LabPlan, end: LinkEndPlan) -> str:
    rev = {v: k for k, v in plan.devices[end.device].interface_map.items()}
    return rev.get(end.interface, end.interface)


def lab_prefix() -> str:
    prefix = os.environ.get("NETKIT_LAB_PREFIX", DEFAULT_PREFIX)
    if not _PREFIX_RE.match(prefix):
        raise InputError(f"NETKIT_LAB_PREFIX={prefix!r}: use 1-16 letters, digits, '-', '_' or '.'")
    return prefix


def host_ifname(prefix: str, suffix: str) -> str:
    """A host-side interface name unique to the prefix, within Linux's 15 characters."""
    name = f"{prefix}{suffix}"
    if len(name) <= IFNAME_MAX and not _BAD_IFNAME.search(name):
        return name
    return f"nk{hashlib.sha1(prefix.encode()).hexdigest()[:IFNAME_MAX - 3 - len(suffix)]}-{suffix}"


def valid_ifname(name: str) -> bool:
    return 0 < len(name) <= IFNAME_MAX and name not in (".", "..", "lo") and not _BAD_IFNAME.search(name)


class _Planner:
    def __init__(self, inventory: Inventory, prefix: str) -> None:
        self.inv = inventory
        self.prefix = prefix
        self.problems: list[str] = []
        self.skipped: list[str] = []

    def outside(self, what: str, address: IPv4Net | IPv4If | IPv4) -> None:
        net = address.network if isinstance(address, ipaddress.IPv4Interface) else address
        inside = net.subnet_of(LAB_SUPERNET) if isinstance(net, ipaddress.IPv4Network) else net in LAB_SUPERNET
        if not inside:
            self.problems.append(f"{what} {address} is outside {LAB_SUPERNET}")

    def interface_map(self, device: Device) -> dict[str, str]:
        mapping: dict[str, str] = {}
        used = {i.name for i in device.interfaces if valid_ifname(i.name)}
        n = 0
        for itf in device.interfaces:
            if itf.kind == "loopback" or valid_ifname(itf.name):
                continue
            while f"if{n}" in used:
                n += 1
            mapping[itf.name] = f"if{n}"
            used.add(f"if{n}")
        return mapping

    def device(self, device: Device, position: int) -> DevicePlan:
        mapping = self.interface_map(device)
        linux = {i.name: mapping.get(i.name, i.name) for i in device.interfaces}
        mgmt = next(i for i in device.interfaces if i.kind == "mgmt")
        assert mgmt.address is not None
        self.outside(f"{device.name}: management address", mgmt.address)
        kind: Literal["router", "service"] = "router" if device.platform.spec.configured else "service"
        service = None
        if kind == "service":
            p2p = next((i for i in device.interfaces if i.kind == "p2p" and i.address is not None), None)
            address = p2p.address if p2p is not None and p2p.address is not None else mgmt.address
            self.outside(f"{device.name}: service address", address)
            service = ServicePlan(interface=linux[p2p.name] if p2p else linux[mgmt.name], address=address,
                                  port=device.http_port or 80, route_via=p2p.peer_address if p2p else None)
        return DevicePlan(
            name=device.name, ns=f"{self.prefix}{device.name}", kind=kind, mgmt_interface=linux[mgmt.name],
            mgmt_address=mgmt.address, mgmt_peer=f"m{position}", service=service, allow_v2c=device.allow_snmp_v2c,
            lan_interfaces=[linux[i.name] for i in device.interfaces if i.kind == "lan"], interface_map=mapping,
        )

    def link(self, link: Link, index: int, devices: dict[str, DevicePlan]) -> LinkPlan | None:
        missing = [d for d in link.devices if d not in devices]
        if missing:
            self.skipped.append(f"link {link.name}: {', '.join(missing)} cannot run in the lab")
            return None

        def end(device: str, itf: str, side: str) -> LinkEndPlan:
            dev = devices[device]
            return LinkEndPlan(device=device, ns=dev.ns, interface=dev.interface_map.get(itf, itf),
                               wire=f"l{index}{side}")

        return LinkPlan(name=link.name, site=link.site, index=index, a=end(link.a.device, link.a.interface, "a"),
                        b=end(link.b.device, link.b.interface, "b"), bridge=f"l{index}", impairment=link.impairment)

    def noc(self, devices: dict[str, DevicePlan]) -> NocPlan | None:
        noc = self.inv.network.noc
        if noc is None:
            return None
        if noc.device not in devices or devices[noc.device].kind != "router":
            self.skipped.append(f"NOC attachment: {noc.device} is not a lab router")
            return None
        self.outside("netkit_network.noc.prefix", noc.prefix)
        # Both ends as the inventory derived them (and checked: a prefix without two addresses never gets here).
        itf = next(i for i in self.inv.devices[noc.device].interfaces if i.kind == "noc")
        assert itf.address is not None and itf.peer_address is not None
        nets = [self.inv.sites[s].block for s in sorted({self.inv.devices[d].site for d in devices})]
        nets += [lk.prefix for lk in self.inv.links.values() if all(d in devices for d in lk.devices)]
        for net in nets:
            self.outside("site block or link prefix", net)
        routes = [n for n in ipaddress.collapse_addresses(nets) if not n.overlaps(noc.prefix)]
        dev = devices[noc.device]
        return NocPlan(
            device=noc.device, device_interface=dev.interface_map.get(noc.interface, noc.interface),
            host_interface=host_ifname(self.prefix, "noc"),
            host_address=ipaddress.IPv4Interface((itf.peer_address, noc.prefix.prefixlen)), gateway=itf.address.ip,
            routes=sorted(routes),
        )


def plan_lab(inventory: Inventory, prefix: str | None = None, run_root: Path = RUN_ROOT) -> LabPlan:
    """The lab for this inventory, or InputError naming everything that keeps it from being safe to build."""
    prefix = prefix if prefix is not None else lab_prefix()
    planner = _Planner(inventory, prefix)
    capable = [d for d in inventory.devices.values() if d.lab_capable]
    for d in inventory.devices.values():
        if not d.lab_capable:
            planner.skipped.append(f"{d.name}: platform {d.platform.value} cannot run in the lab")
    if not capable:
        raise InputError(f"{inventory.path}: no lab-capable devices (the lab runs platforms frr and linux)")
    mgmt_net = inventory.network.management_prefix
    planner.outside("netkit_network.management_prefix", mgmt_net)
    devices = {d.name: planner.device(d, pos) for pos, d in enumerate(capable)}
    for reserved in ("mgmt", "wire"):
        if reserved in devices:
            planner.problems.append(f"device name {reserved!r} is reserved for the lab's own namespace {prefix}{reserved}")
    links = [p for i, lk in enumerate(inventory.links.values()) if (p := planner.link(lk, i, devices)) is not None]
    noc = planner.noc(devices)
    host_mgmt = ipaddress.IPv4Interface((next(mgmt_net.hosts()), mgmt_net.prefixlen))
    for dp in devices.values():
        if dp.mgmt_address.ip == host_mgmt.ip:
            planner.problems.append(f"{dp.name}: management address {dp.mgmt_address.ip} is the lab host's own")
    if planner.problems:
        lines = "\n  ".join(planner.problems)
        raise InputError(
            f"{inventory.path}: the lab only configures addresses inside {LAB_SUPERNET} so that nothing can "
            f"leave this machine:\n  {lines}"
        )
    return LabPlan(
        prefix=prefix, inventory=inventory.path, mgmt_ns=f"{prefix}mgmt", wire_ns=f"{prefix}wire",
        host_mgmt_interface=host_ifname(prefix, "mgmt"), host_mgmt_address=host_mgmt, noc=noc,
        devices=devices, links=links, skipped=planner.skipped, snmp_user=inventory.network.snmp.v3_user,
        run_dir=run_root / prefix,
    )
