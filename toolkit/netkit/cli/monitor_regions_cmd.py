"""`netkit monitor regions`: each regional Prometheus' config, writing into the one global store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from netkit.cli.common import InventoryOption, JsonOption, console, open_inventory, print_json
from netkit.monitor.as_code.regions import RegionSettings, plan_regions, write_regions


def regions(
    out: Annotated[Path, typer.Option(help="Write <out>/region-N/{prometheus.yml,rules/,targets/}.")],
    inventory: InventoryOption = None,
    shards: Annotated[int, typer.Option(min=1, max=1000, help="How many exporter shards.")] = 1,
    regions: Annotated[int, typer.Option(min=1, max=1000, help="How many regional Prometheus servers.")] = 1,
    exporter: Annotated[list[str] | None, typer.Option(help="HOST:PORT of each shard's exporter, in order.")] = None,
    prometheus: Annotated[list[str] | None, typer.Option(help="HOST:PORT of each region's Prometheus, in order "
                                                         "(default 127.0.0.1:9090, :9091, ...).")] = None,
    global_store: Annotated[str, typer.Option(help="HOST:PORT of VictoriaMetrics, the global store.")]
    = "127.0.0.1:8428",
    alertmanager: Annotated[str, typer.Option(help="HOST:PORT of the one Alertmanager.")] = "127.0.0.1:9093",
    json: JsonOption = False,
) -> None:
    """Each region's Prometheus config: its shards' file_sd, rules, remote_write to the global store, labels."""
    inv = open_inventory(inventory)
    s = RegionSettings(shards=shards, regions=regions, exporters=tuple(exporter or ()),
                       prometheus=tuple(prometheus or ()), global_store=global_store, alertmanager=alertmanager)
    written = write_regions(inv, s, out)
    plan = plan_regions(s)
    if json:
        print_json([{"region": r.name, "prometheus": r.prometheus, "shards": [str(sh) for sh in r.shards],
                     "config": str(p)} for r, p in zip(plan, written, strict=True)])
        return
    table = Table("region", "prometheus", "shards", "config")
    for r, p in zip(plan, written, strict=True):
        table.add_row(r.name, r.prometheus, " ".join(str(sh) for sh in r.shards), str(p))
    console.print(table)
    console.print(f"every region writes to {global_store} and alerts to {alertmanager}", highlight=False)


def add_to(monitor_app: typer.Typer) -> None:
    monitor_app.command("regions")(regions)
