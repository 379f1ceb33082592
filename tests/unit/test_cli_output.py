"""Output without a terminal: in a pipe or a log, tables take the width they need (rich would cut them
to 80 columns and wrap every cell); an explicit COLUMNS still wins."""

from __future__ import annotations

import os
import subprocess
import sys

from netkit.inventory import Inventory


def _show(columns: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NETKIT_INVENTORY")}
    if columns:
        env["COLUMNS"] = columns
    out = subprocess.run([sys.executable, "-m", "netkit", "inventory", "show"], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout  # stdout is a pipe, not a terminal
    return out.splitlines()


def test_a_piped_table_keeps_each_row_on_one_line(lab: Inventory) -> None:
    lines = _show(None)
    for site in lab.sites.values():
        assert any(site.code in ln and site.name in ln for ln in lines), (site.code, site.name, lines)
    assert max(len(ln) for ln in lines) > 80  # the lab's table is wider than a terminal's default


def test_columns_still_bounds_the_width() -> None:
    narrow, wide = _show("60"), _show(None)
    # inventory show keeps its fixed columns whole (crop=False), so it may pass 60; its names still shrink
    assert max(len(ln) for ln in narrow) < max(len(ln) for ln in wide), narrow
    assert any("…" in ln for ln in narrow), narrow
