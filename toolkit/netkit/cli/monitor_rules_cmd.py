"""`netkit monitor rules|dashboards`: monitoring as code (its own issue). Added to the monitor group."""

from __future__ import annotations

import typer


def add_to(monitor_app: typer.Typer) -> None:
    """Nothing yet."""
