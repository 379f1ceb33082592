"""The types of the data a template sees (`netkit render --show-vars`); `context` builds them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

# Frozen dataclasses, not pydantic models: built from already validated models, 10,000 devices at a time,
# where construction cost counts. `as_dict` gives the JSON form (`netkit render --show-vars --json`).


def as_dict(value: DeviceContext) -> dict[str, Any]:
    """The JSON-ready form of a device's template data."""
    return asdict(value)


def template_vars(value: DeviceContext) -> dict[str, Any]:
    """The top-level names a template sees (one level deep: the values stay typed objects)."""
    return {f.name: getattr(value, f.name) for f in fields(value)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Net:
    """A prefix in the forms vendors spell it."""

    prefix: str  # 198.18.0.0/24
    network: str  # 198.18.0.0
    prefixlen: int
    netmask: str  # 255.255.255.0
    wildcard: str  # 0.0.0.255


@dataclass(frozen=True, slots=True, kw_only=True)
class Iface:
    name: str  # the platform's name (IOS Loopback0 for the inventory's `lo`)
    inventory_name: str
    kind: Literal["loopback", "mgmt", "p2p", "lan", "noc"]
    description: str
    address: str | None  # 198.18.0.1/32
    ip: str | None
    prefixlen: int | None
    netmask: str | None
    net: Net | None
    base: str  # the parent interface of a sub-interface (lan0 for lan0.10), else the name
    unit: int  # the sub-interface number (0 when not a sub-interface)
    vlan: int | None
    peer_device: str | None
    peer_address: str | None
    ospf: bool  # runs an OSPF adjacency (point-to-point)
    ospf_passive: bool  # advertised into OSPF without an adjacency
    ebgp_peer_asn: int | None
    committed_mbps: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BgpNeighbor:
    address: str
    remote_as: int
    description: str
    ebgp: bool
    update_source: str | None  # iBGP over loopbacks
    policy_in: str | None  # route-map names (None: accept, iBGP)
    policy_out: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PrefixList:
    name: str
    prefixes: list[Net]


@dataclass(frozen=True, slots=True, kw_only=True)
class BgpCtx:
    asn: int
    router_id: str
    networks: list[Net]
    neighbors: list[BgpNeighbor]
    prefix_lists: list[PrefixList]
    # route-map name -> prefix-list it matches (None: permit everything)
    route_maps: dict[str, str | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class OspfCtx:
    router_id: str
    area: str
    interfaces: list[str]  # platform names of every interface in area 0
    passive: list[str]
    networks: list[Net]  # the prefixes of those interfaces (for `network` statements)


@dataclass(frozen=True, slots=True, kw_only=True)
class Timers:
    """Lab timers when the inventory's credentials come from the lab; None means the vendor default."""

    lab: bool
    ospf_hello: int | None
    ospf_dead: int | None
    bgp_keepalive: int | None
    bgp_hold: int | None
    bgp_connect: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    net: Net
    next_hop: str  # an address or null0
    blackhole: bool
    comment: str  # a short tag (route names on IOS, comments elsewhere)


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpCtx:
    v3_user: str
    group: str
    view: str
    auth_key: str
    priv_key: str
    allow_v2c: bool
    community: str
    acl: str
    location: str
    contact: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MgmtCtx:
    acl: str
    permit: list[Net]
    interface: Iface


@dataclass(frozen=True, slots=True, kw_only=True)
class AaaCtx:
    username: str
    password: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QosCtx:
    interface: str
    mbps: float
    kbps: int
    bps: int
    policy: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Vlan:
    id: int
    name: str
    net: Net
    gateway: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchCtx:
    uplink: str
    access_range: str  # the platform's range syntax for the access ports
    user_vlan: int
    voice_vlan: int
    mgmt_vlan: int
    default_gateway: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteCtx:
    code: str
    name: str
    kind: str
    ministry: str
    ministry_name: str
    province: str
    address: str
    asn: int
    block: Net


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceContext:
    hostname: str
    domain: str
    platform: str
    role: str
    is_router: bool
    is_switch: bool
    network_name: str
    banner: str
    site: SiteCtx
    ntp_servers: list[str]
    syslog_servers: list[str]
    dns_servers: list[str]
    loopback: Iface | None
    interfaces: list[Iface]  # data plane (not management, not loopback), inventory order
    trunk_parents: list[str]  # parents of VLAN sub-interfaces that are not interfaces of their own
    vlans: list[Vlan]
    ospf: OspfCtx | None
    bgp: BgpCtx | None
    static_routes: list[Route]
    snmp: SnmpCtx
    mgmt: MgmtCtx
    aaa: AaaCtx
    qos: list[QosCtx]
    switch: SwitchCtx | None
    timers: Timers
