"""A national-scale inventory (ministries x provinces) for benchmarks. Never built or probed: it
uses private addressing that no lab or test ever sends a packet to."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from netkit.inventory.cambodia import MINISTRIES, MPT, PROVINCES, Name
from netkit.platforms import get

# The vendor mix of a generated inventory (its shape, fixed so the output stays the same); interface
# names come from each platform's spec.
ROUTER_PLATFORMS = ["ios", "eos", "junos", "huawei_vrp", "routeros", "frr"]
SWITCH_PLATFORMS = ["ios", "eos", "junos", "huawei_vrp"]


@dataclass(frozen=True)
class NationalShape:
    ministries: int = 34  # of the len(MINISTRIES) real institutions: ~12,000 devices, as in earlier figures
    provinces: int = len(PROVINCES)
    devices_per_site: int = 14  # one site router and access switches


def _ministry(index: int) -> Name:
    """The index-th real institution; a numbered stand-in past the end of the list (stress shapes)."""
    if index < len(MINISTRIES):
        return MINISTRIES[index]
    return Name(f"m{index + 1:03d}", f"Institution {index + 1}", "")


def national_inventory(shape: NationalShape) -> tuple[dict[str, Any], int]:
    """The inventory as one Ansible YAML document (vars inline, as NetBox exports tend to be)."""
    mgmt = ipaddress.IPv4Network("172.16.0.0/12")
    mgmt_next = iter(mgmt.hosts())
    next(mgmt_next)
    cores = {"core1": next(mgmt_next), "core2": next(mgmt_next)}
    children: dict[str, Any] = {
        "mpt": {
            "vars": {"netkit_ministry": {"code": MPT.code, "name": f"{MPT.en} (national core)",
                                         "name_km": MPT.km}},
            "children": {"site_nat_dc": {
                "vars": {"netkit_site": {"code": "nat-dc", "name": "National Data Center", "kind": "datacenter",
                                         "province": "Phnom Penh", "block": "10.250.0.0/22", "asn": 64512,
                                         "links": [{"a": {"device": "core1", "interface": "TenGigabitEthernet0/0/0"},
                                                    "b": {"device": "core2", "interface": "TenGigabitEthernet0/0/0"},
                                                    "ospf": True}]}},
                "hosts": {name: {"ansible_host": str(addr), "netkit_device": {
                    "role": "core-router", "platform": "ios", "credentials": "national"}}
                    for name, addr in cores.items()},
            }},
        }
    }
    count = len(cores)
    for m in range(shape.ministries):
        ministry = _ministry(m)
        mcode = ministry.code
        sites: dict[str, Any] = {}
        for p in range(shape.provinces):
            province = PROVINCES[p % len(PROVINCES)]
            code = f"{mcode}-{province.code}" if p < len(PROVINCES) else f"{mcode}-p{p + 1:02d}"
            block = ipaddress.IPv4Network((f"10.{m + 1}.{p * 4}.0", 22))
            rplat = ROUTER_PLATFORMS[(m + p) % len(ROUTER_PLATFORMS)]
            uplink_if = get(rplat).naming.router_uplink
            core = "core1" if (m + p) % 2 == 0 else "core2"
            router = f"{code}-r1"
            switches = shape.devices_per_site - 1 if rplat != "frr" else 0
            hosts: dict[str, Any] = {router: {"ansible_host": str(next(mgmt_next)), "netkit_device": {
                "role": "site-router", "platform": rplat, "credentials": "national"}}}
            splat = SWITCH_PLATFORMS[(m + p) % len(SWITCH_PLATFORMS)]
            for s in range(switches):
                hosts[f"{code}-sw{s + 1:02d}"] = {"ansible_host": str(next(mgmt_next)), "netkit_device": {
                    "role": "access-switch", "platform": splat, "credentials": "national"}}
            count += len(hosts)
            sites[f"site_{code.replace('-', '_')}"] = {
                "vars": {"netkit_site": {
                    "code": code, "name": f"{ministry.en}, {province.en} office",
                    "name_km": f"{ministry.km} ខេត្ត{province.km}" if ministry.km else "",
                    "province": province.en, "block": str(block), "asn": 65000 + m * 100 + p + 1,
                    "access_switches": switches,
                    "links": [{"a": {"device": router, "interface": uplink_if},
                               "b": {"device": core, "interface": f"TenGigabitEthernet1/{m + 1}/{p + 1}"},
                               "circuit_id": f"GOV-{code.upper()}-001", "committed_mbps": 100}],
                    "targets": [{"name": "gateway", "kind": "icmp", "address": "router"}],
                    "mou": {"availability_pct": 99.5, "latency_ms": 50, "loss_pct": 1.0, "bandwidth_mbps": 100},
                }},
                "hosts": hosts,
            }
        children[mcode] = {"vars": {"netkit_ministry": {"code": mcode, "name": ministry.en, "name_km": ministry.km}},
                           "children": sites}
    return {"all": {
        "vars": {"netkit_network": {
            "name": "Government Network (generated national scale)", "core_asn": 64512,
            "management_prefix": str(mgmt), "ntp_servers": ["10.250.3.1"], "syslog_servers": ["10.250.3.2"],
            "credential_sets": {"national": {"source": "env"}},
        }},
        "children": children,
    }}, count


def write_national_inventory(out: Path, shape: NationalShape, fmt: Literal["yaml", "json"] = "yaml") -> int:
    """Write `out/hosts.yml` (as people write inventories) or `out/hosts.json` (as exports such as
    `ansible-inventory --list` are; Ansible parses JSON about 2.5x faster than YAML). Returns the device count."""
    data, count = national_inventory(shape)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        with (out / "hosts.json").open("w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, ensure_ascii=False)
        return count
    with (out / "hosts.yml").open("w", encoding="utf-8") as f:
        f.write("# Generated by `netkit inventory generate`: a national-scale inventory for benchmarks.\n")
        yaml.safe_dump(data, f, sort_keys=False, default_flow_style=None, width=200, allow_unicode=True)
    return count
