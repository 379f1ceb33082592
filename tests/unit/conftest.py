"""Fixtures the unit tests share. Inventories are frozen models, so one load serves the session."""

from __future__ import annotations

import pytest
from netkit.inventory import DEFAULT_INVENTORY, Inventory, load_inventory

EXAMPLES = DEFAULT_INVENTORY.parent / "examples"


@pytest.fixture(scope="session")
def lab() -> Inventory:
    """The embedded lab inventory (inventory/lab)."""
    return load_inventory(DEFAULT_INVENTORY)


@pytest.fixture(scope="session")
def examples() -> Inventory:
    """The multi-vendor example inventory (inventory/examples)."""
    return load_inventory(EXAMPLES)
