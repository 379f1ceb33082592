"""What one exporter watches, derived from the inventory: devices to poll, targets to probe, agreements.

No secrets here: a device carries the name of its credential set; the poller resolves the set when it
polls (so a lab brought up after the exporter started is picked up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netkit.inventory.models import BandwidthTests, Inventory, MaintenanceWindow, ProbeTarget, Site
from netkit.monitor.exporter.bandwidth import BandwidthTarget, bandwidth_targets
from netkit.monitor.exporter.shard import Shard, device_key, site_key, target_key

DEVICE_LABELS = ("device", "site", "ministry", "province", "role")
INTERFACE_LABELS = (*DEVICE_LABELS, "interface", "alias")
PROBE_LABELS = ("site", "ministry", "province", "target", "kind")
SITE_LABELS = ("site", "ministry", "province")
CIRCUIT_LABELS = ("device", "interface", "site", "ministry", "province", "circuit_id")


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    site: str
    ministry: str
    province: str
    role: str
    address: str
    port: int
    v2c: bool  # poll with the set's community instead of SNMPv3 authPriv

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.name, self.site, self.ministry, self.province, self.role)


@dataclass(frozen=True)
class Agreement:
    """A site's MoU thresholds in base units."""

    availability_ratio: float
    latency_seconds: float
    loss_ratio: float
    bandwidth_bps: float
    period_seconds: float
    http_answer_seconds: float = 1.0


@dataclass(frozen=True)
class ProbeSpec:
    site: str
    ministry: str
    province: str
    target: str
    kind: Literal["icmp", "tcp", "http"]
    host: str  # ICMP/TCP address, or the URL's host for HTTP
    port: int | None
    url: str | None
    mou: Agreement

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.site, self.ministry, self.province, self.target, self.kind)

    @property
    def key(self) -> str:
        return f"{self.site}/{self.target}"

    @property
    def slow_seconds(self) -> float:
        """A reply slower than this is slow: the MoU latency for a network probe (icmp/tcp), the site's
        http answer time for an http target."""
        return self.mou.http_answer_seconds if self.kind == "http" else self.mou.latency_seconds


@dataclass(frozen=True)
class CircuitSpec:
    device: str
    interface: str
    site: str
    ministry: str
    province: str
    circuit_id: str
    committed_bps: float

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.device, self.interface, self.site, self.ministry, self.province, self.circuit_id)


@dataclass(frozen=True)
class SiteSpec:
    site: str
    ministry: str
    province: str
    name: str
    ministry_name: str
    maintenance: tuple[MaintenanceWindow, ...]
    name_km: str = ""
    ministry_name_km: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.site, self.ministry, self.province)


@dataclass(frozen=True)
class MonitorPlan:
    shard: Shard
    devices: tuple[DeviceSpec, ...]
    probes: tuple[ProbeSpec, ...]
    circuits: tuple[CircuitSpec, ...]
    sites: tuple[SiteSpec, ...]
    timezone: str = "UTC"  # the inventory's: maintenance windows are local
    bandwidth: tuple[BandwidthTarget, ...] = ()
    bandwidth_tests: BandwidthTests | None = None  # the schedule; None: no throughput tests


def agreement(site: Site) -> Agreement:
    m = site.mou
    return Agreement(
        availability_ratio=m.availability_pct / 100, latency_seconds=m.latency_ms / 1000,
        loss_ratio=m.loss_pct / 100, bandwidth_bps=m.bandwidth_mbps * 1e6, period_seconds=m.period_days * 86400.0,
        http_answer_seconds=m.http_answer_ms / 1000,
    )


def probe_host(inventory: Inventory, site: Site, target: ProbeTarget) -> str:
    """Where a target is (`address: router` is the site router's LAN gateway), as the inventory checked it."""
    return inventory.target_host(site, target)


def build_plan(inventory: Inventory, shard: Shard | None = None, sites: set[str] | None = None) -> MonitorPlan:
    """Everything this exporter (shard) watches; `sites` narrows it (for `monitor status SITE`)."""
    shard = shard or Shard()
    chosen = [s for code, s in sorted(inventory.sites.items()) if sites is None or code in sites]
    devices: list[DeviceSpec] = []
    probes: list[ProbeSpec] = []
    circuits: list[CircuitSpec] = []
    for site in chosen:
        for dev in inventory.site_devices(site.code):
            if dev.credentials is None or not shard.owns(device_key(dev.name)):
                continue
            devices.append(DeviceSpec(
                name=dev.name, site=site.code, ministry=site.ministry, province=site.province, role=dev.role.value,
                address=str(dev.mgmt_address), port=161, v2c=dev.allow_snmp_v2c and inventory.network.snmp.allow_v2c,
            ))
        mou = agreement(site)
        for t in site.targets:
            if not shard.owns(target_key(site.code, t.name)):
                continue
            probes.append(ProbeSpec(
                site=site.code, ministry=site.ministry, province=site.province, target=t.name, kind=t.kind,
                host=probe_host(inventory, site, t), port=t.port, url=t.url, mou=mou,
            ))
    owned = {d.name for d in devices}
    for link in sorted(inventory.links.values(), key=lambda lk: lk.name):
        if not (link.circuit_id and link.committed_mbps):
            continue
        for end in (link.a, link.b):
            end_dev = inventory.devices.get(end.device)
            if end_dev is None or end_dev.name not in owned:
                continue
            site = inventory.sites[end_dev.site]
            circuits.append(CircuitSpec(
                device=end_dev.name, interface=end.interface, site=site.code, ministry=site.ministry,
                province=site.province, circuit_id=link.circuit_id, committed_bps=link.committed_mbps * 1e6,
            ))
    site_specs = tuple(
        SiteSpec(site=s.code, ministry=s.ministry, province=s.province, name=s.name,
                 ministry_name=inventory.ministries[s.ministry].name, maintenance=tuple(s.maintenance),
                 name_km=s.name_km, ministry_name_km=inventory.ministries[s.ministry].name_km)
        for s in chosen if shard.owns(site_key(s.code))
    )
    return MonitorPlan(shard=shard, devices=tuple(devices), probes=tuple(probes), circuits=tuple(circuits),
                       sites=site_specs, timezone=inventory.network.timezone,
                       bandwidth=tuple(bandwidth_targets(inventory, [s.site for s in site_specs])),
                       bandwidth_tests=inventory.network.bandwidth_tests)
