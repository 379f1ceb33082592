"""Typed models of the inventory: what every other layer reads instead of loose YAML dicts.

The `*Spec` models are what an inventory author writes (validated from Ansible vars); the plain
models (`Site`, `Device`, `Link`, `Interface`) add what netkit derives (addressing, interfaces).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator

IPv4 = ipaddress.IPv4Address
IPv4Net = ipaddress.IPv4Network
IPv4If = ipaddress.IPv4Interface


class Strict(BaseModel):
    """Unknown keys are mistakes (a typo must not silently vanish)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Platform(StrEnum):
    FRR = "frr"
    IOS = "ios"
    EOS = "eos"
    JUNOS = "junos"
    HUAWEI_VRP = "huawei_vrp"
    ROUTEROS = "routeros"
    LINUX = "linux"  # service hosts: not configured by netkit, only built by the lab and probed


class Role(StrEnum):
    CORE_ROUTER = "core-router"
    SITE_ROUTER = "site-router"
    ACCESS_SWITCH = "access-switch"
    SERVICE_HOST = "service-host"


ROUTER_ROLES = frozenset({Role.CORE_ROUTER, Role.SITE_ROUTER})
# Platforms the lab can run as real devices; the others are rendered and validated only.
LAB_PLATFORMS = frozenset({Platform.FRR, Platform.LINUX})

DEFAULT_MGMT_INTERFACE = {
    Platform.FRR: "eth0",
    Platform.LINUX: "eth0",
    Platform.IOS: "GigabitEthernet0",
    Platform.EOS: "Management1",
    Platform.JUNOS: "fxp0",
    Platform.HUAWEI_VRP: "MEth0/0/0",
    Platform.ROUTEROS: "ether1",
}
DEFAULT_LAN_INTERFACE = {
    Platform.FRR: "lan0",
    Platform.LINUX: "lan0",
    Platform.IOS: "GigabitEthernet0/0/1",
    Platform.EOS: "Ethernet2",
    Platform.JUNOS: "ge-0/0/1",
    Platform.HUAWEI_VRP: "GigabitEthernet0/0/1",
    Platform.ROUTEROS: "ether2",
}


# ---------------------------------------------------------------- what the author writes


class Thresholds(Strict):
    """A site's MoU (memorandum of understanding) connectivity targets."""

    availability_pct: Annotated[float, Field(gt=0, le=100)] = 99.5
    latency_ms: Annotated[float, Field(gt=0, le=10_000)] = 50
    loss_pct: Annotated[float, Field(ge=0, le=100)] = 1.0
    bandwidth_mbps: Annotated[float, Field(gt=0, le=1_000_000)] = 100
    period_days: Annotated[int, Field(ge=1, le=366)] = 30
    # The answer time of the site's http targets (a service's own time, not the network's latency).
    http_answer_ms: Annotated[float, Field(gt=0, le=60_000)] = 1000


class MaintenanceWindow(Strict):
    """A one-off window (start/end) or a weekly one (weekday, at, duration_min)."""

    reason: str = ""
    start: datetime | None = None
    end: datetime | None = None
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None
    at: time | None = None
    duration_min: Annotated[int, Field(ge=1, le=24 * 60)] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> MaintenanceWindow:
        one_off = self.start is not None and self.end is not None
        weekly = self.weekday is not None and self.at is not None and self.duration_min is not None
        if one_off == weekly:
            raise ValueError("give either start and end, or weekday, at and duration_min")
        if one_off and self.end is not None and self.start is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ProbeTarget(Strict):
    """Something the NOC probes for a site (icmp/tcp/http). `address: router` means the site
    router's LAN gateway, derived from the site's block."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    kind: Literal["icmp", "tcp", "http"]
    address: str | None = None
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> ProbeTarget:
        if self.kind == "http" and not self.url:
            raise ValueError("an http target needs url")
        if self.kind in ("icmp", "tcp") and not self.address:
            raise ValueError(f"an {self.kind} target needs address")
        if self.kind == "tcp" and self.port is None:
            raise ValueError("a tcp target needs port")
        return self


class Impairment(Strict):
    """Characteristics of a degraded circuit (used by the lab; documented for real ones)."""

    delay_ms: Annotated[float, Field(ge=0, le=10_000)] = 0
    jitter_ms: Annotated[float, Field(ge=0, le=10_000)] = 0
    loss_pct: Annotated[float, Field(ge=0, le=100)] = 0
    rate_mbit: Annotated[float, Field(gt=0)] | None = None


class LinkEnd(Strict):
    device: str
    interface: str


class LinkSpec(Strict):
    """A point-to-point link. Addressing comes from the owning site's block unless `prefix` is given."""

    a: LinkEnd
    b: LinkEnd
    prefix: IPv4Net | None = None
    circuit_id: str | None = None
    committed_mbps: Annotated[float, Field(gt=0)] | None = None
    impairment: Impairment | None = None
    ospf: bool = False  # True inside a site/DC; uplinks to the core run eBGP


class VlanPlan(Strict):
    user: Annotated[int, Field(ge=1, le=4094)] = 10
    voice: Annotated[int, Field(ge=1, le=4094)] = 20
    mgmt: Annotated[int, Field(ge=1, le=4094)] = 99


class SiteSpec(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    name_km: str = ""  # the Khmer name: reports, dashboards, alerts; never a device (see config/ascii_guard.py)
    kind: Literal["datacenter", "customer"] = "customer"
    province: str
    address: str = ""
    block: IPv4Net
    asn: Annotated[int, Field(ge=1, le=4_294_967_295)]
    links: list[LinkSpec] = []
    targets: list[ProbeTarget] = []
    mou: Thresholds = Thresholds()
    maintenance: list[MaintenanceWindow] = []
    vlans: VlanPlan = VlanPlan()
    access_switches: Annotated[int, Field(ge=0, le=64)] = 0
    static_routes: list[StaticRoute] = []
    bandwidth_endpoint: str = "router"  # the iperf3 server at the site: an address, or the site router's gateway


class StaticRoute(Strict):
    prefix: IPv4Net
    next_hop: IPv4 | Literal["null0"]


class MinistrySpec(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    name_km: str = ""


class SnmpSettings(Strict):
    v3_user: str = "netkit"
    # Read-only v2c is refused unless a device or the network allows it explicitly.
    allow_v2c: bool = False


class CredentialSet(Strict):
    """Where a set of credentials comes from. Values never live in plain text in git:
    `lab` = generated by `netkit lab up`; `env` = NETKIT_CRED_<NAME>_{USERNAME,PASSWORD,SNMP_AUTH,SNMP_PRIV};
    `vars` = the keys below, typically vault-encrypted."""

    source: Literal["lab", "env", "vars"]
    username: str | None = None
    password: str | None = None
    snmp_auth_key: str | None = None
    snmp_priv_key: str | None = None
    snmp_community: str | None = None


class NocAttachment(Strict):
    """Where the NOC (the monitoring vantage point) attaches to the data plane."""

    prefix: IPv4Net
    device: str
    interface: str


class BandwidthTests(Strict):
    """Scheduled throughput tests (iperf3) from the NOC to every customer site, in a daily off-peak window
    of local time, bounded in seconds and rate, one at a time (docs/mou.md)."""

    off_peak_at: time = time(1, 0)
    off_peak_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 240
    seconds: Annotated[int, Field(ge=1, le=60)] = 5
    max_rate_factor: Annotated[float, Field(gt=1, le=10)] = 1.2  # the test never sends more than this x agreed
    every_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 24 * 60
    misses_in_a_row: Annotated[int, Field(ge=1, le=100)] = 3
    port: Annotated[int, Field(ge=1, le=65535)] = 5201


class NetworkSpec(Strict):
    name: str
    core_asn: Annotated[int, Field(ge=1, le=4_294_967_295)]
    domain: str = "gov.example"
    timezone: str = "UTC"  # IANA zone of people's times: maintenance windows, report months (netkit/localtime.py)
    banner: str = "Authorized access only. Government network managed by the telecom ministry."
    ntp_servers: list[IPv4] = []
    syslog_servers: list[IPv4] = []
    dns_servers: list[IPv4] = []
    management_prefix: IPv4Net
    noc: NocAttachment | None = None
    snmp: SnmpSettings = SnmpSettings()
    credential_sets: dict[str, CredentialSet] = {}
    bandwidth_tests: BandwidthTests | None = None

    @model_validator(mode="after")
    def _known_zone(self) -> NetworkSpec:
        if self.timezone.upper() != "UTC":
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"timezone {self.timezone!r} is not an IANA zone name (e.g. Asia/Phnom_Penh)") from None
        return self


class DeviceSpec(Strict):
    """Per-host `netkit_*` vars as the author writes them."""

    role: Role
    platform: Platform
    site: str
    mgmt_address: IPv4
    credentials: str | None = None
    index: Annotated[int, Field(ge=0, le=255)] | None = None
    mgmt_interface: str | None = None
    lan_interface: str | None = None
    allow_snmp_v2c: bool = False
    http_port: Annotated[int, Field(ge=1, le=65535)] | None = None  # service hosts


# ---------------------------------------------------------------- what netkit derives


class Interface(Strict):
    name: str
    kind: Literal["loopback", "mgmt", "p2p", "lan", "noc"]
    address: IPv4If | None = None
    description: str = ""
    peer_device: str | None = None
    peer_interface: str | None = None
    peer_address: IPv4 | None = None
    ospf: bool = False
    ebgp_peer_asn: int | None = None
    vlan: int | None = None


class Link(Strict):
    name: str  # "devA:ifA--devB:ifB"
    site: str
    a: LinkEnd
    b: LinkEnd
    prefix: IPv4Net
    circuit_id: str | None = None
    committed_mbps: float | None = None
    impairment: Impairment | None = None
    ospf: bool = False

    @property
    def devices(self) -> tuple[str, str]:
        return (self.a.device, self.b.device)


class Subnet(Strict):
    vlan: int
    prefix: IPv4Net
    gateway: IPv4


class SiteAddressing(Strict):
    loopbacks: IPv4Net
    p2p: IPv4Net
    user: Subnet
    voice: Subnet
    mgmt: Subnet
    services: IPv4Net


class Ministry(Strict):
    code: str
    name: str
    name_km: str = ""


class Site(Strict):
    code: str
    name: str
    name_km: str = ""
    kind: Literal["datacenter", "customer"]
    ministry: str
    province: str
    address: str
    block: IPv4Net
    asn: int
    addressing: SiteAddressing
    targets: list[ProbeTarget]
    mou: Thresholds
    maintenance: list[MaintenanceWindow]
    vlans: VlanPlan
    access_switches: int
    static_routes: list[StaticRoute]
    devices: list[str]
    bandwidth_endpoint: str = "router"
    links: list[str]
    vars_file: Path | None = None  # where the site's netkit_site came from, for messages


class Device(Strict):
    name: str
    site: str
    ministry: str
    role: Role
    platform: Platform
    mgmt_address: IPv4
    mgmt_interface: str
    credentials: str | None
    index: int
    loopback: IPv4If | None
    asn: int
    interfaces: list[Interface]
    allow_snmp_v2c: bool
    http_port: int | None = None
    vars_file: Path | None = None  # where the host's vars came from, for messages

    @property
    def is_router(self) -> bool:
        return self.role in ROUTER_ROLES

    @property
    def lab_capable(self) -> bool:
        return self.platform in LAB_PLATFORMS

    def interface(self, name: str) -> Interface | None:
        return next((i for i in self.interfaces if i.name == name), None)


class Inventory(Strict):
    path: Path
    network: NetworkSpec
    ministries: dict[str, Ministry]
    sites: dict[str, Site]
    devices: dict[str, Device]
    links: dict[str, Link]
    network_file: Path | None = None  # where netkit_network came from, for messages

    def site_devices(self, code: str) -> list[Device]:
        return [self.devices[d] for d in self.sites[code].devices]

    def site_links(self, code: str) -> list[Link]:
        return [self.links[n] for n in self.sites[code].links]


SiteSpec.model_rebuild()
