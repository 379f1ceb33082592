"""`netkit backup serve`: the configuration watcher (backups on a schedule and on syslog, compliance metrics)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from netkit.cli.common import InventoryOption, open_inventory
from netkit.monitor.exporter.http import parse_listen
from netkit.watch.schedule import parse_duration
from netkit.watch.serve import ServeOptions, serve


def serve_command(
    listen: Annotated[str, typer.Option("--listen", help="Metrics endpoint HOST:PORT.")] = "127.0.0.1:9431",
    syslog_listen: Annotated[str | None, typer.Option(
        "--syslog-listen", help="Receive syslog on udp HOST:PORT; bind the NOC-side address (lab: the lab "
                                "host's management address, e.g. 198.19.0.1:514). Default: no syslog.")] = None,
    interval: Annotated[str, typer.Option(
        "--interval", help="Backup interval of devices whose groups set no netkit_backup.interval.")] = "24h",
    debounce: Annotated[float, typer.Option(help="Seconds of quiet after a reported change before the backup.")] = 3.0,
    retry: Annotated[float, typer.Option(help="Seconds before a failed backup is tried again.")] = 60.0,
    concurrency: Annotated[int, typer.Option(min=1, help="Backups (SSH sessions) at once.")] = 10,
    device: Annotated[list[str] | None, typer.Option("--device", help="Watch only these devices.")] = None,
    backups: Annotated[Path | None, typer.Option("--backups", help="Backup store [default: <state>/backups].",
                                                 file_okay=False)] = None,
    state_file: Annotated[Path | None, typer.Option(
        "--state-file", help="Where the watcher keeps its state [default: <state>/watch/state.json].")] = None,
    inventory: InventoryOption = None,
) -> None:
    """Watch every device: back it up on its group's schedule and at once when it reports a configuration
    change by syslog; commit only changes; export backup and compliance metrics. Runs until SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("paramiko").setLevel(logging.WARNING)  # two lines per SSH session otherwise
    inv = open_inventory(inventory)
    opts = ServeOptions(
        metrics_listen=parse_listen(listen), syslog_listen=parse_listen(syslog_listen) if syslog_listen else None,
        default_interval_s=parse_duration(interval, "--interval"), debounce_s=debounce, retry_s=retry,
        concurrency=concurrency, store=backups, state_file=state_file, devices=tuple(device or ()))
    serve(inv, opts)


def register(backup_app: typer.Typer) -> None:
    backup_app.command("serve")(serve_command)
