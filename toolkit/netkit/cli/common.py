"""Options and output helpers shared by every command module."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.rule import Rule

from netkit.errors import InputError
from netkit.inventory import Inventory, default_inventory_path, load_inventory
from netkit.inventory.models import Device

UNBOUNDED_WIDTH = 10_000
RULE_WIDTH = 100


class OutputConsole(Console):
    """rich's console, except in a pipe or a log: there rich would cut every table to 80 columns (so
    `netkit monitor status | less` wraps each cell over lines); there tables take the width they need.
    An explicit COLUMNS still wins. `--json` stays the machine format."""

    def __init__(self, stderr: bool = False) -> None:
        stream = sys.stderr if stderr else sys.stdout
        unbounded = not stream.isatty() and not os.environ.get("COLUMNS")
        super().__init__(stderr=stderr, width=UNBOUNDED_WIDTH if unbounded else None)
        self.unbounded = unbounded

    def rule(self, title: str = "", *, characters: str = "─", style: str = "rule.line",  # type: ignore[override]
             align: Literal["left", "center", "right"] = "center") -> None:
        if not self.unbounded:
            super().rule(title, characters=characters, style=style, align=align)
            return
        self.print(Rule(title, characters=characters, style=style, align=align), width=RULE_WIDTH)


console = OutputConsole()
err_console = OutputConsole(stderr=True)

InventoryOption = Annotated[
    Path | None,
    typer.Option(
        "-i", "--inventory", envvar="NETKIT_INVENTORY", show_default="inventory/lab",
        help="Ansible inventory (directory or file).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]


def inventory_path(path: Path | None) -> Path:
    return path if path is not None else default_inventory_path()


def open_inventory(path: Path | None) -> Inventory:
    return load_inventory(inventory_path(path))


def select_devices(inv: Inventory, names: Iterable[str]) -> list[Device]:
    """The devices named, a site code standing for the site's devices that netkit configures (no names:
    every device netkit configures), by name, each once. InputError for a name that is neither."""
    names = list(names)
    if not names:
        return [d for d in inv.devices.values() if d.platform.spec.configured]
    found: dict[str, Device] = {}
    for name in names:
        if name in inv.sites:
            found.update((d.name, d) for d in inv.site_devices(name) if d.platform.spec.configured)
        elif name in inv.devices:
            found[name] = inv.devices[name]
        else:
            raise InputError(f"{inv.path}: no site or device named {name!r} (see `netkit inventory show`)")
    return sorted(found.values(), key=lambda d: d.name)


def to_jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, dict):
        return {str(k): to_jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [to_jsonable(v) for v in data]
    return data


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(data), indent=2, sort_keys=False, default=str, ensure_ascii=False) + "\n")
