"""`netkit render site SITE | device DEVICE | --all [--out DIR]`, `netkit render --show-vars DEVICE`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax

from netkit.cli.common import (
    InventoryOption,
    JsonOption,
    console,
    err_console,
    open_inventory,
    print_json,
    select_devices,
)
from netkit.config.context import as_dict
from netkit.config.models import RenderedConfig
from netkit.config.render import Renderer, device_context, render_site
from netkit.errors import InputError
from netkit.inventory.models import Device

PROGRESS_FROM = 50  # devices; below that a bar only flickers

OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write DIR/<device>/<file> instead of printing.", file_okay=False),
]

render_app = typer.Typer(
    help="Render intended configurations from the inventory and the templates.",
    no_args_is_help=False, invoke_without_command=True,
)


def _render(renderer: Renderer, devices: list[Device]) -> Iterable[RenderedConfig]:
    if len(devices) < PROGRESS_FROM:
        for dev in devices:
            yield renderer.render(dev)
        return
    columns = (TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("render", total=len(devices))
        for dev in devices:
            yield renderer.render(dev)
            bar.advance(task)


def _emit(configs: list[RenderedConfig], out: Path | None, json: bool) -> None:
    if out is not None:
        for cfg in configs:
            folder = out / cfg.device
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in cfg.files.items():
                (folder / name).write_text(text)
        if json:
            print_json({"out": str(out), "devices": [c.device for c in configs]})
        else:
            files = sum(len(c.files) for c in configs)
            console.print(f"wrote {files} file(s) for {len(configs)} device(s) under {out}", highlight=False)
        return
    if json:
        print_json(configs)
        return
    for cfg in configs:
        for name, text in cfg.files.items():
            if len(configs) > 1 or len(cfg.files) > 1:
                console.print(f"[bold]# ===== {cfg.device}: {name} =====[/]", highlight=False)
            console.out(text, end="", highlight=False)


@render_app.callback()
def _main(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Render every device of the inventory.")] = False,
    show_vars: Annotated[
        str | None, typer.Option("--show-vars", metavar="DEVICE", help="Print the data the templates see for DEVICE.")
    ] = None,
    out: OutOption = None,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Render intended configurations (see the site and device commands), or all of them with --all."""
    if ctx.invoked_subcommand is not None:
        if all_ or show_vars:
            raise InputError("give --all/--show-vars or a subcommand (site, device), not both")
        return
    if show_vars is None and not all_:
        console.print(ctx.get_help())
        raise typer.Exit(2)
    inv = open_inventory(inventory)
    renderer = Renderer(inv)
    if show_vars is not None:
        data = as_dict(device_context(inv, show_vars))
        if json:
            print_json(data)
        else:
            import yaml

            text = yaml.safe_dump(data, sort_keys=False, width=120)
            console.print(Syntax(text, "yaml", theme="ansi_dark", background_color="default", word_wrap=True))
        return
    devices = select_devices(inv, [])
    _emit(list(_render(renderer, devices)), out, json)


@render_app.command("site")
def site(
    code: Annotated[str, typer.Argument(help="A site code (see `netkit inventory show`).")],
    out: OutOption = None,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Render every configurable device of a site."""
    _emit(render_site(open_inventory(inventory), code), out, json)


@render_app.command("device")
def device(
    name: Annotated[str, typer.Argument(help="A device name (see `netkit inventory show SITE`).")],
    out: OutOption = None,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Render one device."""
    inv = open_inventory(inventory)
    renderer = Renderer(inv)
    _emit([renderer.render(name)], out, json)


def register(app: typer.Typer) -> None:
    app.add_typer(render_app, name="render")
