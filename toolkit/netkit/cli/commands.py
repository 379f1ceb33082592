"""Each command module registers its own group or commands; this is the one list of them."""

from __future__ import annotations

import importlib

import typer

# Module names under netkit.cli; each has `register(app)`.
MODULES = (
    "inventory",
    "render",
    "validate",
    "compliance",
    "lab",
    "provision",
    "monitor",
    "report",
    "audit",
    "trust",
)


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        importlib.import_module(f"netkit.cli.{name}_cmd").register(app)
