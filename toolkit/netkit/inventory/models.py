"""Typed models of the inventory: what every other layer reads instead of loose YAML dicts.

The `*Spec` models are what an inventory author writes (validated from Ansible vars); the plain
models (`Site`, `Device`, `Link`, `Interface`) add what netkit derives (addressing, interfaces).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from netkit.errors import InputError
from netkit.platforms import Platform as Platform  # re-exported: the inventory names a platform by it

IPv4 = ipaddress.IPv4Address
IPv4Net = ipaddress.IPv4Network
IPv4If = ipaddress.IPv4Interface


class Strict(BaseModel):
    """Unknown keys are mistakes (a typo must not silently vanish)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(StrEnum):
    CORE_ROUTER = "core-router"
    SITE_ROUTER = "site-router"
    ACCESS_SWITCH = "access-switch"
    SERVICE_HOST = "service-host"


ROUTER_ROLES = frozenset({Role.CORE_ROUTER, Role.SITE_ROUTER})
# ---------------------------------------------------------------- what the author writes


class Vaulted(str):
    """A string that was vault-encrypted in the inventory (decrypted in memory only)."""

    __slots__ = ()


def _written_as_text(what: str, example: str) -> Any:
    """Times and dates must be strings: YAML 1.1 reads an unquoted 22:30 as the number 1350 (base 60),
    which pydantic would then take as seconds (00:22:30); a number is never what the author meant."""

    def check(value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            read = (f"YAML 1.1 reads {int(value) // 60}:{int(value) % 60:02d} unquoted as the number {value} (base 60)"
                    if what == "time" and isinstance(value, int) and 0 <= value < 6000 else
                    f"unquoted, YAML reads it as the number {value}")
            raise ValueError(f"write the {what} as a quoted string, e.g. {example} ({read})")
        return value

    return BeforeValidator(check)


ClockTime = Annotated[time, _written_as_text("time", '"22:30"')]
DateTime = Annotated[datetime, _written_as_text("date-time", '"2026-03-01T02:00:00+07:00"')]


def http_url_parts(url: str) -> tuple[str, int]:
    """The host and port an http(s) URL points at; ValueError saying what is wrong with it.
    The one definition of a usable probe URL: the model validates with it, the monitor probes with it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("an http target's url must start with http:// or https://")
    if any(c.isspace() for c in url):
        raise ValueError("an http target's url cannot contain white space")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise ValueError("the port of an http target's url must be a number from 1 to 65535")
    if not parts.hostname:
        raise ValueError("an http target's url needs a host (http://HOST[:PORT]/PATH)")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


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
    start: DateTime | None = None
    end: DateTime | None = None
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None
    at: ClockTime | None = None
    duration_min: Annotated[int, Field(ge=1, le=24 * 60)] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> MaintenanceWindow:
        one_off = self.start is not None and self.end is not None
        weekly = self.weekday is not None and self.at is not None and self.duration_min is not None
        if one_off == weekly:
            raise ValueError("give either start and end, or weekday, at and duration_min")
        if one_off and self.start is not None and self.end is not None and (
                (self.start.utcoffset() is None) != (self.end.utcoffset() is None)):
            raise ValueError("start and end must both carry a UTC offset (e.g. +07:00) or both none: "
                             f"start {self.start.isoformat()}, end {self.end.isoformat()}")
        if one_off and self.end is not None and self.start is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def _http_url(value: str) -> str:
    http_url_parts(value)
    return value


def _ipv4_or_router(value: str) -> str:
    if value != "router":
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise ValueError("not an IPv4 address (nor 'router', the site router's LAN gateway)") from None
    return value


class ProbeTarget(Strict):
    """Something the NOC probes for a site (icmp/tcp/http). `address: router` means the site
    router's LAN gateway, derived from the site's block."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    kind: Literal["icmp", "tcp", "http"]
    address: Annotated[str, AfterValidator(_ipv4_or_router)] | None = None
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    url: Annotated[str, AfterValidator(_http_url)] | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> ProbeTarget:
        if self.kind == "http" and not self.url:
            raise ValueError("an http target needs url")
        if self.url is not None and self.kind != "http":
            raise ValueError(f"url is for http targets (this one is {self.kind}: give address instead)")
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


class ChangePolicy(Strict):
    """How `netkit provision` may change a site (per network, overridden per ministry): only inside one of the
    site's maintenance windows, and only while its alerts are silenced in Alertmanager."""

    require_window: bool = False  # outside every window of the site: refused unless --now --reason
    silence: bool = True  # silence the site's alerts for each transaction (when Alertmanager answers)
    require_silence: bool = False  # refuse (nothing touched) when no silence can be created
    alertmanager_url: str | None = None  # default: NETKIT_ALERTMANAGER_URL, else http://127.0.0.1:9093


class MinistrySpec(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    change_policy: ChangePolicy | None = None
    name_km: str = ""


class SnmpSettings(Strict):
    v3_user: str = "netkit"
    # Read-only v2c is refused unless a device or the network allows it explicitly.
    allow_v2c: bool = False


SECRET_FIELDS = ("password", "snmp_auth_key", "snmp_priv_key", "snmp_community")


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

    @model_validator(mode="before")
    @classmethod
    def _secrets_vaulted(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("source") == "vars":
            plain = [k for k in SECRET_FIELDS if isinstance(data.get(k), str) and not isinstance(data[k], Vaulted)]
            if plain:
                raise ValueError(
                    f"{', '.join(plain)} in plain text: the secrets of a vars credential set must be vault-encrypted "
                    f"(ansible-vault encrypt_string --name {plain[0]} ...), or use source env or lab")
        return data


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
    change_policy: ChangePolicy = ChangePolicy()
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
    # The SSH host key's fingerprint as `ssh-keygen -lf` prints it: every connection must see this key.
    ssh_host_key: Annotated[str, Field(pattern=r"^SHA256:[A-Za-z0-9+/]{43}$")] | None = None


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
    change_policy: ChangePolicy | None = None
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
    ssh_host_key: str | None = None  # SHA256 fingerprint pinned in the inventory
    vars_file: Path | None = None  # where the host's vars came from, for messages

    @property
    def is_router(self) -> bool:
        return self.role in ROUTER_ROLES

    @property
    def lab_capable(self) -> bool:
        return self.platform.spec.lab

    def interface(self, name: str) -> Interface | None:
        return next((i for i in self.interfaces if i.name == name), None)


def _names(names: Iterable[str], shown: int = 20) -> str:
    """The first names, sorted (a national inventory has 10,000 devices)."""
    ordered = sorted(names)
    more = f" ... and {len(ordered) - shown} more (see `netkit inventory show`)" if len(ordered) > shown else ""
    return ", ".join(ordered[:shown]) + more


class Inventory(Strict):
    path: Path
    network: NetworkSpec
    ministries: dict[str, Ministry]
    sites: dict[str, Site]
    devices: dict[str, Device]
    links: dict[str, Link]
    network_file: Path | None = None  # where netkit_network came from, for messages

    def site(self, code: str) -> Site:
        """The site `code`; InputError naming the inventory and the valid site codes otherwise."""
        found = self.sites.get(code)
        if found is None:
            raise InputError(f"{self.path}: no site {code!r}; valid sites: {_names(self.sites)}")
        return found

    def device(self, name: str) -> Device:
        """The device `name`; InputError naming the inventory and the valid device names otherwise."""
        found = self.devices.get(name)
        if found is None:
            raise InputError(f"{self.path}: no device {name!r}; valid devices: {_names(self.devices)}")
        return found

    def site_devices(self, code: str) -> list[Device]:
        return [self.devices[d] for d in self.sites[code].devices]

    def site_links(self, code: str) -> list[Link]:
        return [self.links[n] for n in self.sites[code].links]

    def target_host(self, site: Site, target: ProbeTarget) -> str:
        """The address the NOC probes for `target`: the one definition the checks and the monitor share.
        `address: router` is the LAN gateway a site-router of the site holds; ValueError when none does."""
        if target.kind == "http":
            return http_url_parts(target.url or "")[0]
        if target.address == "router":
            gateway = site.addressing.user.gateway
            for name in site.devices:
                device = self.devices.get(name)
                if device is not None and device.role == Role.SITE_ROUTER and any(
                        i.kind == "lan" and i.address is not None and i.address.ip == gateway for i in device.interfaces):
                    return str(gateway)
            raise ValueError(f"address 'router' means the LAN gateway ({gateway}) of the site's site-router, "
                             "and this site has none: give the address to probe")
        return target.address or ""


SiteSpec.model_rebuild()
