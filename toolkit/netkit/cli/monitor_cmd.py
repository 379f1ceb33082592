"""`netkit monitor serve|status|targets` (the exporter's issue); rules/dashboards come from monitor_rules_cmd."""

from __future__ import annotations

import typer

from netkit.cli import monitor_rules_cmd

monitor_app = typer.Typer(help="Watch the sites: exporter, status, Prometheus targets, rules, dashboards.",
                          no_args_is_help=True)


def register(app: typer.Typer) -> None:
    monitor_rules_cmd.add_to(monitor_app)
    app.add_typer(monitor_app, name="monitor")
