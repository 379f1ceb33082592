"""`netkit audit log` and `netkit audit verify`: the provisioning history, and proof it was not rewritten."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from netkit.cli.common import JsonOption, console, err_console, print_json
from netkit.provision.audit_chain import verify_chain
from netkit.provision.audit_query import AuditFilter, audit_history
from netkit.provision.defaults import audit_file

audit_app = typer.Typer(help="The tamper-evident provisioning history.", no_args_is_help=True)

FileOption = Annotated[Path | None, typer.Option("--file", help="Audit log (default: the state directory's).")]


@audit_app.command("log")
def log(
    site: Annotated[str | None, typer.Option(help="Only this site's transactions.")] = None,
    device: Annotated[str | None, typer.Option(help="Only transactions that touched this device.")] = None,
    user: Annotated[str | None, typer.Option(help="Only this engineer's transactions (user@host as recorded).")] = None,
    result: Annotated[str | None, typer.Option(help="Only this result (confirmed, rolled-back, failed, checked ...).")] = None,
    last: Annotated[int | None, typer.Option(help="Only the last N matching entries.")] = None,
    file: FileOption = None,
    json: JsonOption = False,
) -> None:
    """Who changed which site, when, and how it ended, oldest first."""
    entries = audit_history(file or audit_file(), AuditFilter(site, device, user, result), last)
    if json:
        print_json(entries)
        return
    table = Table("when (UTC)", "who", "action", "site", "devices", "result", title="audit", title_justify="left")
    for e in entries:
        table.add_row(e.when.strftime("%Y-%m-%d %H:%M:%S"), e.who, e.action, e.site,
                      ", ".join(f"{d.name}:{d.status}" for d in e.devices), e.result)
    console.print(table)


@audit_app.command("verify")
def verify(
    head: Annotated[str | None, typer.Option(help="The head hash recorded elsewhere earlier (or its prefix): "
                                                  "also catches entries rewritten or removed at the end.")] = None,
    file: FileOption = None,
    json: JsonOption = False,
) -> None:
    """Check the hash chain: names every entry edited, removed or reordered (exit 1)."""
    report = verify_chain(file or audit_file(), head)
    if json:
        print_json({"path": report.path, "entries": report.entries, "head": report.head, "ok": report.ok,
                    "problems": [asdict(p) for p in report.problems]})
    elif report.ok:
        console.print(f"[green]ok[/] {report.path}: {report.entries} entries, chain intact; head {report.head}",
                      highlight=False, soft_wrap=True)
    else:
        for p in report.problems:
            err_console.print(f"[bold red]tampered:[/] {p.message}", highlight=False, soft_wrap=True)
        err_console.print(f"{report.path}: {len(report.problems)} problem(s) in {report.entries} entries",
                          highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
