"""`netkit monitor serve|status|targets|stop` (the exporter); rules/dashboards come from monitor_rules_cmd."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from netkit.cli import monitor_regions_cmd, monitor_rules_cmd, monitor_web_cmd
from netkit.cli.common import InventoryOption, JsonOption, console, inventory_path, open_inventory, print_json
from netkit.errors import InputError
from netkit.monitor.as_code import filesd
from netkit.monitor.exporter import daemon
from netkit.monitor.exporter.collectors import collectors_for
from netkit.monitor.exporter.http import MetricsServer, parse_listen
from netkit.monitor.exporter.plan import build_plan
from netkit.monitor.exporter.probes import IcmpSettings
from netkit.monitor.exporter.service import Monitor, ServiceSettings, inventory_resolver
from netkit.monitor.exporter.shard import Shard
from netkit.monitor.exporter.status import (
    SiteStatus,
    TargetStatus,
    fetch_samples,
    samples_from_collectors,
    site_statuses,
)
from netkit.monitor.exporter.webconfig import check_exposure, load_web_config

monitor_app = typer.Typer(help="Watch the sites: exporter, status, Prometheus targets, rules, dashboards.",
                          no_args_is_help=True)

PidfileOption = Annotated[Path | None, typer.Option(
    "--pidfile", help="Where the exporter's PID is kept (default: <state dir>/monitor/exporter.pid).")]


def _settings(snmp_interval: float, probe_interval: float, icmp_count: int, snmp_timeout: float,
              workers: int = 1) -> ServiceSettings:
    return ServiceSettings(snmp_interval=snmp_interval, probe_interval=probe_interval, snmp_timeout=snmp_timeout,
                           workers=workers,
                           icmp=IcmpSettings(count=icmp_count, interval=min(0.2, probe_interval / (2 * icmp_count))))


WorkersOption = Annotated[int, typer.Option(min=1, max=64, help="SNMP polling processes (use the cores: "
                                            "decoding answers is CPU work).")]


@monitor_app.command("serve")
def serve(
    inventory: InventoryOption = None,
    listen: Annotated[str, typer.Option(help="HOST:PORT for /metrics (loopback unless you say otherwise).")]
    = "127.0.0.1:9430",
    shard: Annotated[str | None, typer.Option(help="I/N: watch only this shard's devices and targets.")] = None,
    snmp_interval: Annotated[float, typer.Option(min=1, help="Seconds between SNMP polls of a device.")] = 30.0,
    probe_interval: Annotated[float, typer.Option(min=1, help="Seconds between probe cycles.")] = 15.0,
    icmp_count: Annotated[int, typer.Option(min=1, max=50, help="ICMP echo requests per target per cycle.")] = 5,
    snmp_timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for an SNMP answer.")] = 2.0,
    workers: WorkersOption = 1,
    background: Annotated[bool, typer.Option("--background", help="Detach, write the pidfile, return once "
                                             "listening (stop with `netkit monitor stop`).")] = False,
    pidfile: PidfileOption = None,
    web_config: Annotated[Path | None, typer.Option(help="Prometheus web-config file: TLS (tls_server_config) and "
                                                    "basic auth (basic_auth_users, bcrypt hashes).")] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Allow clear-text /metrics on a non-loopback "
                                           "address.")] = False,
) -> None:
    """Run the exporter: poll devices over SNMP, probe every site's targets, serve /metrics."""
    host, port = parse_listen(listen)
    web = load_web_config(web_config) if web_config else None
    check_exposure(host, web, insecure)
    sh = Shard.parse(shard)
    inv = open_inventory(inventory)
    pid_path = pidfile or daemon.default_pidfile()
    if background:
        plan = build_plan(inv, sh)
        pid, warm = daemon.serve_in_background(
            inventory_path(inventory),
            ["--listen", listen, "--shard", str(sh), "--snmp-interval", str(snmp_interval),
             "--probe-interval", str(probe_interval), "--icmp-count", str(icmp_count),
             "--snmp-timeout", str(snmp_timeout), "--workers", str(workers),
             *(["--web-config", str(web_config.resolve())] if web_config else []),
             *(["--insecure"] if insecure else [])],
            (host, port), pid_path, len(plan.devices), len(plan.probes),
            warmup=0.0 if web is not None else 30.0)  # the warm-up reads plain http; behind TLS it is skipped
        scheme = "https" if web is not None and web.tls is not None else "http"
        console.print(f"exporter running as PID {pid} on {scheme}://{host}:{port}/metrics "
                      f"({'every device polled and target probed once' if warm else 'still warming up'}; "
                      f"log {daemon.default_logfile()}, stop with `netkit monitor stop`)", highlight=False)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    plan = build_plan(inv, sh)
    mon = Monitor(plan, inventory_resolver(inv),
                  _settings(snmp_interval, probe_interval, icmp_count, snmp_timeout, workers))
    mon.start_workers()  # forks: before the HTTP thread and the event loop
    server = MetricsServer(mon.cache, collectors_for(mon.cache), (host, port), web)
    daemon.write_pidfile(pid_path, os.getpid())
    logging.getLogger("netkit.monitor").info(
        "shard %s: %d devices, %d targets; metrics on %s://%s:%d/metrics%s", sh, len(plan.devices),
        len(plan.probes), "https" if web and web.tls else "http", *server.address,
        " (basic auth)" if web and web.users else "")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await mon.run(stop)

    server.start()
    try:
        asyncio.run(main())
    finally:
        server.stop()
        daemon.remove_pidfile(pid_path, os.getpid())


@monitor_app.command("stop")
def stop(pidfile: PidfileOption = None, json: JsonOption = False) -> None:
    """Stop a background exporter by the PID in its pidfile (nothing to do is not an error)."""
    outcome = daemon.stop(pidfile or daemon.default_pidfile())
    if json:
        print_json({"pid": outcome.pid, "stopped": outcome.stopped, "message": outcome.message})
        return
    console.print(outcome.message, highlight=False)


def _fmt(value: float | None, scale: float = 1.0, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value * scale:.{digits}f}{unit}"


def _status_table(sites: list[SiteStatus]) -> Table:
    table = Table("site", "ministry", "state", "devices up", "target", "kind", "answer", "rtt", "jitter", "loss",
                  "MoU rtt/loss", "http answer / max", "problems")
    colors = {"ok": "green", "degraded": "yellow", "down": "red", "unknown": "dim", "maintenance": "blue"}
    for s in sites:
        up = f"{sum(d.up for d in s.devices)}/{len(s.devices)}" if s.devices else "-"
        state = f"[{colors.get(s.state, 'white')}]{s.state}[/]"
        targets: list[TargetStatus | None] = list(s.targets) or [None]
        for i, t in enumerate(targets):
            first = i == 0
            site = f"{s.site}\n{s.name_km}" if s.name_km else s.site
            cells: list[Any] = [site if first else "", s.ministry if first else "", state if first else "",
                                up if first else ""]
            if t is None:
                cells += ["-"] * 9
            else:
                answer = "-" if t.success is None else ("yes" if t.success else "[red]no[/]")
                if t.http_status:
                    answer += f" ({t.http_status})"
                if t.is_http:  # an http answer time is the service's, judged on its own threshold
                    network = ["-", "-", "-", "-"]
                    http = (f"{_fmt(t.rtt_avg_seconds, 1000, ' ms', 0)} / "
                            f"{_fmt(t.http_answer_seconds, 1000, ' ms', 0)}")
                else:
                    network = [_fmt(t.rtt_avg_seconds, 1000, " ms"), _fmt(t.jitter_seconds, 1000, " ms"),
                               _fmt(t.loss_ratio, 100, "%"),
                               f"{_fmt(t.mou_latency_seconds, 1000, ' ms', 0)} / {_fmt(t.mou_loss_ratio, 100, '%')}"]
                    http = "-"
                cells += [t.target, t.kind, answer, *network, http, ", ".join(t.problems)]
            table.add_row(*cells)
    return table


@monitor_app.command("status")
def status(
    site: Annotated[str | None, typer.Argument(help="One site code; every site if omitted.")] = None,
    inventory: InventoryOption = None,
    json: JsonOption = False,
    from_url: Annotated[str | None, typer.Option("--from", help="Read a running exporter, e.g. "
                                                 "http://127.0.0.1:9430 (default: poll and probe once now).")] = None,
    snmp_timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for an SNMP answer.")] = 2.0,
    workers: WorkersOption = 1,
) -> None:
    """A live table of every site against its MoU targets (exit 1 if a site is down or degraded)."""
    if from_url:
        samples = fetch_samples(from_url)
    else:
        inv = open_inventory(inventory)
        if site is not None:
            inv.site(site)
        plan = build_plan(inv, Shard(), sites={site} if site else None)
        mon = Monitor(plan, inventory_resolver(inv), _settings(30, 15, 5, snmp_timeout, workers))
        mon.start_workers()
        asyncio.run(mon.run_once())
        samples = samples_from_collectors(collectors_for(mon.cache))
    sites = site_statuses(samples, site)
    if site is not None and not sites:
        raise InputError(f"no metrics for site {site!r} at {from_url or 'this inventory'}")
    if json:
        print_json([{"site": s.site, "name": s.name, "name_km": s.name_km, "ministry": s.ministry,
                     "province": s.province,
                     "state": s.state, "maintenance": s.maintenance,
                     "devices": [d.__dict__ for d in s.devices],
                     "targets": [{**t.__dict__, "problems": t.problems} for t in s.targets]} for s in sites])
    else:
        console.print(_status_table(sites))
    if any(s.state in ("down", "degraded") for s in sites):
        raise typer.Exit(1)


@monitor_app.command("targets")
def targets(
    inventory: InventoryOption = None,
    out: Annotated[Path | None, typer.Option(help="Write file_sd JSON files into this directory.")] = None,
    shards: Annotated[int, typer.Option(min=1, max=1000, help="How many exporter shards.")] = 1,
    exporter: Annotated[list[str] | None, typer.Option(help="HOST:PORT of each shard's exporter, in order "
                                                       "(default 127.0.0.1:9430, :9431, ...).")] = None,
    json: JsonOption = False,
) -> None:
    """Prometheus file_sd files for the exporter shards (how many devices and targets each one watches)."""
    inv = open_inventory(inventory)
    plan = filesd.plan_targets(inv, shards, exporter)
    written = filesd.write_targets(plan, out) if out is not None else []
    if json:
        print_json([{"shard": str(t.shard), "exporter": t.exporter, "devices": t.devices, "probe_targets": t.probes,
                     "file": str(out / t.filename) if out else None} for t in plan])
        return
    table = Table("shard", "exporter", "devices", "probe targets", "file")
    for t in plan:
        table.add_row(str(t.shard), t.exporter, str(t.devices), str(t.probes), str(out / t.filename) if out else "-")
    console.print(table)
    if written:
        console.print(f"wrote {len(written)} file_sd file(s) into {out}", highlight=False)


def register(app: typer.Typer) -> None:
    monitor_rules_cmd.add_to(monitor_app)
    monitor_web_cmd.add_to(monitor_app)
    monitor_regions_cmd.add_to(monitor_app)
    app.add_typer(monitor_app, name="monitor")
