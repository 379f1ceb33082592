"""One global view: a Prometheus per region (a group of exporter shards) writing into one global store.

Each regional Prometheus scrapes only its own shards' exporters (file_sd, as `netkit monitor targets`
writes them), evaluates the generated rules, sends alerts to the one Alertmanager, and forwards every
sample (scraped and rule results) with `remote_write` to VictoriaMetrics, the global store, with the
external label `netkit_region`. Dashboards and `netkit report sla` query the global store. Why remote_write
and not federation: docs/monitoring.md ("One global view").

Shard i of N belongs to region ((i - 1) mod R) + 1, so regions stay balanced whatever N is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from netkit.errors import InputError
from netkit.inventory.models import Inventory
from netkit.monitor.as_code.filesd import plan_targets, write_targets
from netkit.monitor.as_code.rules import header_text
from netkit.monitor.as_code.rules_build import generate_rules
from netkit.monitor.as_code.rules_config import (
    PrometheusSettings,
    check_prometheus_config,
    prometheus_config,
    prometheus_settings_for,
)
from netkit.monitor.as_code.rules_links import Links
from netkit.monitor.as_code.rules_windows import PRODUCTION, WindowSet
from netkit.monitor.exporter.shard import Shard

REGION_LABEL = "netkit_region"
GLOBAL_WRITE_PATH = "/api/v1/write"  # VictoriaMetrics' Prometheus remote_write endpoint


@dataclass(frozen=True)
class RegionSettings:
    shards: int = 1
    regions: int = 1
    exporters: tuple[str, ...] = ()  # HOST:PORT per shard (default 127.0.0.1:9430, :9431, ...)
    prometheus: tuple[str, ...] = ()  # HOST:PORT of each regional Prometheus (default 127.0.0.1:9090, :9091, ...)
    global_store: str = "127.0.0.1:8428"  # VictoriaMetrics
    alertmanager: str = "127.0.0.1:9093"
    windows: WindowSet = PRODUCTION


@dataclass(frozen=True)
class Region:
    index: int
    shards: tuple[Shard, ...]
    prometheus: str

    @property
    def name(self) -> str:
        return f"region-{self.index}"


def plan_regions(s: RegionSettings) -> list[Region]:
    if not 1 <= s.regions <= s.shards:
        raise InputError(f"--regions {s.regions}: give 1 to --shards ({s.shards}); a region needs a shard")
    proms = list(s.prometheus) or [f"127.0.0.1:{9090 + i}" for i in range(s.regions)]
    if len(proms) != s.regions:
        raise InputError(f"--prometheus given {len(proms)} times for {s.regions} regions: give one per region")
    return [Region(r, tuple(Shard(i, s.shards) for i in range(1, s.shards + 1) if (i - 1) % s.regions == r - 1),
                   proms[r - 1]) for r in range(1, s.regions + 1)]


def region_config(region: Region, s: RegionSettings, header: list[str]) -> str:
    """prometheus.yml of one region: its shard files, the rules, the Alertmanager, remote_write, labels."""
    base: PrometheusSettings = prometheus_settings_for(s.windows, alertmanagers=(s.alertmanager,),
                                                        self_address=region.prometheus)
    data = yaml.safe_load(prometheus_config(base, [region.name]))
    data["global"]["external_labels"][REGION_LABEL] = region.name
    for job in data["scrape_configs"]:
        if "file_sd_configs" in job:
            job["file_sd_configs"][0]["files"] = [f"targets/netkit-shard-{sh.index}-of-{sh.count}.json"
                                                  for sh in region.shards]
    data["remote_write"] = [{"url": f"http://{s.global_store}{GLOBAL_WRITE_PATH}",
                             "queue_config": {"max_samples_per_send": 10000, "capacity": 50000}}]
    return header_text(header) + yaml.safe_dump(data, sort_keys=False, width=200)


def write_regions(inv: Inventory, s: RegionSettings, out: Path, links: Links | None = None) -> list[Path]:
    """<out>/<region>/{prometheus.yml, rules/, targets/} for every region, each checked by promtool."""
    regions = plan_regions(s)
    targets = plan_targets(inv, s.shards, list(s.exporters) or None)
    written = []
    for region in regions:
        d = out / region.name
        generate_rules(inv, d / "rules", s.windows, links or Links())
        mine = {sh.index for sh in region.shards}
        write_targets([t for t in targets if t.shard.index in mine], d / "targets")
        header = [f"(`netkit monitor regions`): Prometheus of {region.name}, shards "
                  f"{', '.join(str(sh) for sh in region.shards)}. Do not edit.",
                  f"Listens on {region.prometheus}; writes to the global store {s.global_store}; "
                  f"alerts to {s.alertmanager}."]
        path = d / "prometheus.yml"
        path.write_text(region_config(region, s, header), encoding="utf-8")
        check_prometheus_config(path)
        written.append(path)
    return written
