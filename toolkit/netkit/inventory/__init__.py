"""The inventory layer: load an Ansible inventory and validate it into typed models."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from pathlib import Path

from netkit.errors import InventoryError
from netkit.inventory.ansible_source import read_ansible_inventory
from netkit.inventory.build import build_inventory
from netkit.inventory.checks import run_checks
from netkit.inventory.models import Device, Inventory, Link, Site

DEFAULT_INVENTORY = Path(__file__).resolve().parents[3] / "inventory" / "lab"


def default_inventory_path() -> Path:
    return Path(os.environ.get("NETKIT_INVENTORY") or DEFAULT_INVENTORY)


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector, left on, rescans every object built so far each time enough new
    ones exist: loading 10,000 hosts makes millions (Ansible tags each YAML value), and the rescans took
    more than half of the time. Objects still go away as usual when no longer referenced."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_inventory(path: Path | None = None) -> Inventory:
    """Load, validate and check an inventory; raise InventoryError listing every problem."""
    path = Path(path) if path is not None else default_inventory_path()
    with _without_cyclic_gc():
        raw = read_ansible_inventory(path)
        inventory, problems = build_inventory(raw)
        if inventory is not None:
            problems = run_checks(inventory)
        del raw
    if problems or inventory is None:
        raise InventoryError(f"{path}: {len(problems)} problem(s) in the inventory", problems)
    return inventory


__all__ = ["DEFAULT_INVENTORY", "Device", "Inventory", "Link", "Site", "default_inventory_path", "load_inventory"]
