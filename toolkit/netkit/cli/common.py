"""Options and output helpers shared by every command module."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console

from netkit.config.platforms import PLATFORMS
from netkit.errors import InputError
from netkit.inventory import Inventory, default_inventory_path, load_inventory
from netkit.inventory.models import Device

console = Console()
err_console = Console(stderr=True)

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
        return [d for d in inv.devices.values() if d.platform in PLATFORMS]
    found: dict[str, Device] = {}
    for name in names:
        if name in inv.sites:
            found.update((d.name, d) for d in inv.site_devices(name) if d.platform in PLATFORMS)
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
