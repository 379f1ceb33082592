"""`netkit compliance [SITE|DEVICE ...|--all] [--from backups|live]`: running vs intended, per feature, with remediation."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from netkit.cli.common import InventoryOption, JsonOption, console, open_inventory, print_json, select_devices
from netkit.config.compliance import DeviceCompliance
from netkit.errors import InputError
from netkit.paths import state_dir


class Source(StrEnum):
    backups = "backups"
    live = "live"


def _print(results: list[DeviceCompliance], show_lines: bool) -> None:
    table = Table("device", "site", "source", "compliant", "features out of compliance")
    for r in results:
        bad = [f"{f.feature} (-{len(f.missing)} +{len(f.extra)})" for f in r.features if not f.compliant]
        state = "[green]yes[/]" if r.compliant else ("[red]unknown[/]" if r.error else "[red]no[/]")
        table.add_row(r.device, r.site, r.source.split(":", 1)[0], state, r.error or ", ".join(bad))
    console.print(table)
    for r in results:
        if r.compliant or r.error or not show_lines:
            continue
        console.print(f"\n[bold]{r.device}[/]")
        for f in r.features:
            for line in f.missing:
                console.print(f"  [green]+ missing[/] [dim]{f.feature}[/] {line}", highlight=False)
            for line in f.extra:
                console.print(f"  [red]- extra[/]   [dim]{f.feature}[/] {line}", highlight=False)
        console.print("  [bold]remediation:[/]")
        console.out("\n".join("    " + ln for ln in r.remediation.rstrip().splitlines()))
    ok = sum(r.compliant for r in results)
    console.print(f"\n{ok}/{len(results)} device(s) compliant", highlight=False)


def compliance_command(
    names: Annotated[list[str] | None, typer.Argument(help="Sites or devices.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every device of the inventory.")] = False,
    source: Annotated[Source, typer.Option("--from", help="Where running configs come from.")] = Source.backups,
    live: Annotated[bool, typer.Option("--live", help="Same as --from live.")] = False,
    backups: Annotated[Path | None, typer.Option(
        "--backups", help="Backup store: DIR/<site>/<device>.cfg or DIR/<device>.cfg [default: <state>/backups].",
        file_okay=False)] = None,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="With --live, also contact devices outside the lab and loopback ranges.")] = False,
    summary: Annotated[bool, typer.Option("--summary", help="Only the table, no lines or remediation.")] = False,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Compare running with intended configs per feature; print missing/extra lines and remediation (exit 1 if any
    device is not compliant)."""
    if all_ == bool(names):
        raise InputError("give sites or devices, or --all")
    inv = open_inventory(inventory)
    devices = select_devices(inv, names or [])
    use_live = live or source == Source.live
    store = backups or state_dir() / "backups"
    from netkit.drivers.running import compliance  # napalm loads only when a device is read

    results = compliance(inv, devices, live=use_live, backups=store, allow_remote=allow_remote)
    if json:
        print_json(results)
    else:
        _print(results, show_lines=not summary)
    if not all(r.compliant for r in results):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("compliance")(compliance_command)
