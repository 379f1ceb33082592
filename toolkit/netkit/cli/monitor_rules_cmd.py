"""`netkit monitor rules|dashboards|alertmanager|stack`: monitoring as code. Added to the monitor group."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from netkit.cli.common import InventoryOption, JsonOption, console, open_inventory, print_json
from netkit.errors import InputError
from netkit.monitor.as_code import stack as monitor_stack
from netkit.monitor.as_code.rules_build import DEFAULT_MONITORS_DIR, generate_rules
from netkit.monitor.as_code.rules_config import AlertmanagerSettings, alertmanager_file, settings_for
from netkit.monitor.as_code.rules_devices import DevicePolicy
from netkit.monitor.as_code.rules_links import DEFAULT_GRAFANA_URL, DEFAULT_RUNBOOK_BASE, Links
from netkit.monitor.as_code.rules_windows import WINDOW_SETS, WindowSet
from netkit.monitor.exporter.webconfig import scrape_settings

WindowsOption = Annotated[str, typer.Option(
    "--windows", help="production: the SRE workbook's burn-rate windows; test: the same thresholds, "
    "windows 60x shorter (lab tests and demos).")]
GrafanaOption = Annotated[str, typer.Option("--grafana-url", help="Grafana base URL for the alerts' dashboard links.")]
RunbookOption = Annotated[str, typer.Option("--runbook-base", help="Where docs/alerting.md is published.")]


def _windows(name: str) -> WindowSet:
    if name not in WINDOW_SETS:
        raise InputError(f"--windows {name!r}: choose one of {', '.join(WINDOW_SETS)}")
    return WINDOW_SETS[name]


def rules(
    inventory: InventoryOption = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for the rule files.")] = (
        DEFAULT_MONITORS_DIR / "prometheus" / "rules"),
    windows: WindowsOption = "production",
    grafana_url: GrafanaOption = DEFAULT_GRAFANA_URL,
    runbook_base: RunbookOption = DEFAULT_RUNBOOK_BASE,
    uplink_share: Annotated[float, typer.Option(min=0.05, max=1.0,
                                                help="Alert above this share of a circuit's committed bandwidth.")] = 0.8,
    json: JsonOption = False,
) -> None:
    """Generate the Prometheus rules of every site (SLOs, burn-rate alerts) and device, checked by promtool."""
    inv = open_inventory(inventory)
    result = generate_rules(inv, out, _windows(windows), Links(grafana_url, runbook_base),
                            DevicePolicy(uplink_share=uplink_share))
    if json:
        print_json({**asdict(result), "out_dir": str(result.out_dir), "files": [str(f) for f in result.files]})
        return
    console.print(f"[green]ok[/] {len(result.files)} rule files in {out} ({windows} windows): {result.groups} groups, "
                  f"{result.recording_rules} recording and {result.alerting_rules} alerting rules for "
                  f"{len(result.sites)} sites; promtool check rules passed", highlight=False)


def dashboards(
    out: Annotated[Path, typer.Option("--out", help="Directory for the dashboard JSON files.")] = (
        DEFAULT_MONITORS_DIR / "grafana" / "dashboards"),
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Generate the Grafana dashboards (ministry overview, site detail, device interfaces), in the
    inventory's time zone."""
    from netkit.monitor.as_code.dashboards import panel_queries, write_dashboards  # the SDK is a large import
    from netkit.monitor.as_code.dashboards_boards import all_dashboards

    boards = all_dashboards(open_inventory(inventory).network.timezone)
    files = write_dashboards(out, boards)
    counts = {uid: len(panel_queries(b)) for uid, b in boards.items()}
    if json:
        print_json({"out_dir": str(out), "files": [str(f) for f in files], "queries": counts})
        return
    for f in files:
        console.print(f"[green]ok[/] {f} ({counts[f.stem]} queries, parsed by promtool)", highlight=False)


def alertmanager(
    inventory: InventoryOption = None,
    out: Annotated[Path, typer.Option("--out", help="File to write.")] = (
        DEFAULT_MONITORS_DIR / "alertmanager" / "alertmanager.yml"),
    webhook: Annotated[str, typer.Option(help="Receivers post to WEBHOOK/<ministry>/<page|ticket>.")] = (
        AlertmanagerSettings().webhook_base),
    windows: WindowsOption = "production",
) -> None:
    """Generate alertmanager.yml: routes per ministry and severity, grouped per site, with inhibitions."""
    inv = open_inventory(inventory)
    text = alertmanager_file(inv, _windows(windows), webhook)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(f"[green]ok[/] {out}: {len(inv.ministries)} ministries routed; amtool check-config passed",
                  highlight=False)


stack_app = typer.Typer(help="Run Prometheus and Alertmanager on loopback from the generated config.",
                        no_args_is_help=True)
StackDirOption = Annotated[Path | None, typer.Option("--dir", help="Config, data, logs and pidfiles "
                                                     "(default: <state dir>/monitor/stack).")]
_STACK_DEFAULTS = monitor_stack.StackSettings()


def _print_state(state: monitor_stack.StackState, json: bool) -> None:
    if json:
        print_json({"directory": str(state.directory), "running": state.running,
                    **{p.name: asdict(p) for p in state.processes},
                    "processes": [asdict(p) for p in state.processes]})
        return
    table = Table("process", "pid", "url", "ready", title=f"monitoring stack in {state.directory}")
    for p in state.processes:
        table.add_row(p.name, str(p.pid or "-"), p.url or "-", "[green]yes[/]" if p.ready else "[red]no[/]")
    console.print(table)


@stack_app.command("up")
def stack_up(
    inventory: InventoryOption = None,
    exporter: Annotated[list[str] | None, typer.Option(help="host:port of a netkit exporter (repeatable).")] = None,
    prometheus: Annotated[str, typer.Option(help="Prometheus listen address.")] = _STACK_DEFAULTS.prometheus_listen,
    alertmanager_listen: Annotated[str, typer.Option("--alertmanager", help="Alertmanager listen address.")] = (
        _STACK_DEFAULTS.alertmanager_listen),
    webhook: Annotated[str, typer.Option(help="Alert receivers' base URL.")] = AlertmanagerSettings().webhook_base,
    windows: WindowsOption = "production",
    directory: StackDirOption = None,
    exporter_ca: Annotated[Path | None, typer.Option(help="Scrape the exporters over https, trusting this CA.")] = None,
    exporter_user: Annotated[str | None, typer.Option(help="Basic-auth user for the exporters.")] = None,
    exporter_password_file: Annotated[Path | None, typer.Option(help="File holding that user's password.")] = None,
    json: JsonOption = False,
) -> None:
    """Start (or reload) Prometheus and Alertmanager; they keep running after the command returns."""
    inv = open_inventory(inventory)
    ws = _windows(windows)
    settings = monitor_stack.StackSettings(
        prometheus_listen=prometheus, alertmanager_listen=alertmanager_listen,
        exporters=tuple(exporter or _STACK_DEFAULTS.exporters), windows=ws, alertmanager=settings_for(ws, webhook),
        exporter_scrape=scrape_settings(exporter_ca, exporter_user, exporter_password_file))
    _print_state(monitor_stack.up(inv, settings, directory), json)


@stack_app.command("down")
def stack_down(directory: StackDirOption = None) -> None:
    """Stop the Prometheus and Alertmanager that `stack up` started (by their recorded PIDs)."""
    stopped = monitor_stack.down(directory)
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@stack_app.command("status")
def stack_status(directory: StackDirOption = None, json: JsonOption = False) -> None:
    """Whether Prometheus and Alertmanager run and answer /-/ready (exit 1 if not both)."""
    state = monitor_stack.status(directory)
    _print_state(state, json)
    if not state.running:
        raise typer.Exit(1)


def add_to(monitor_app: typer.Typer) -> None:
    monitor_app.command("rules")(rules)
    monitor_app.command("dashboards")(dashboards)
    monitor_app.command("alertmanager")(alertmanager)
    monitor_app.add_typer(stack_app, name="stack")
