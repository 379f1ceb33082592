"""Copies of the lab inventory for tests that edit one."""

from __future__ import annotations

import shutil
from pathlib import Path

from netkit.trust.store import store_dir


def copy_inventory(source: Path, out: Path) -> Path:
    """A copy of an inventory for a test to edit, trusting the same SSH host keys: the trust store is kept
    per inventory path, and `lab up` recorded the lab's keys for the original."""
    shutil.copytree(source, out)
    if store_dir(source).is_dir():
        shutil.copytree(store_dir(source), store_dir(out), dirs_exist_ok=True)
    return out
