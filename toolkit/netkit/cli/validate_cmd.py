"""`netkit validate [SITE|DEVICE ...] [--all] [--junit FILE] [--lab]`: CI's gate before anything reaches a device."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from netkit.cli.common import (
    InventoryOption,
    JsonOption,
    console,
    err_console,
    inventory_path,
    print_json,
    select_devices,
)
from netkit.config.junit import junit_xml
from netkit.config.lab_diff import LabDiff
from netkit.config.validate import ValidationReport, inventory_findings, validate
from netkit.errors import InputError, InventoryError
from netkit.inventory import load_inventory


def _print(report: ValidationReport, diffs: list[LabDiff]) -> None:
    findings = report.all_findings
    if findings:
        table = Table("device", "check", "where", "problem", show_lines=False)
        for f in sorted(findings, key=lambda f: (f.device, f.file, f.line)):
            colour = "red" if f.severity == "error" else "yellow"
            problem = f.message + (f"\n[dim]{f.text}[/]" if f.text else "")
            table.add_row(f.device, f"[{colour}]{f.check}[/]", f.location(), problem)
        console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    for d in diffs:
        if d.error:
            continue
        state = "[green]matches the intended config[/]" if not d.diff.strip() else "would change:"
        console.print(f"[bold]{d.device}[/] (lab) {state}", highlight=False)
        if d.diff.strip():
            console.out(d.diff.rstrip())
    warnings = sum(1 for f in findings if f.severity == "warning")
    verdict = "[green]ok[/]" if report.ok else "[red]FAILED[/]"
    console.print(f"{verdict} {report.inventory}: {len(report.devices)} device(s), {report.errors} error(s), "
                  f"{warnings} warning(s)", highlight=False)


def validate_command(
    names: Annotated[list[str] | None, typer.Argument(help="Sites or devices (default: every device).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every device of the inventory (the default).")] = False,
    junit: Annotated[Path | None, typer.Option("--junit", help="Also write the report as JUnit XML to FILE.",
                                               dir_okay=False)] = None,
    lab: Annotated[bool, typer.Option("--lab", help="Also load each FRR config into its running lab device as a "
                                                    "candidate and show the diff (never committed).")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=64, help="Worker processes.")] = 2,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Inventory checks, rendering, syntax, structure and golden rules for every device; exit 1 on any error."""
    if all_ and names:
        raise InputError("give --all or sites/devices, not both")
    try:
        inv = load_inventory(inventory_path(inventory))
    except InventoryError as e:
        report = ValidationReport(inventory=str(inventory_path(inventory)), devices=[],
                                  findings=inventory_findings(e.problems), notes=[])
        _finish(report, [], junit, json)
        raise typer.Exit(e.exit_code) from None
    targets = [d.name for d in select_devices(inv, names or [])]
    count = len(targets)
    use_bar = count >= 200 and not json
    bar = Progress(TextColumn("validating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err_console, transient=True) if use_bar else None
    with bar if bar is not None else nullcontext():
        task = bar.add_task("validate", total=count) if bar is not None else None

        def advance(n: int) -> None:
            if bar is not None and task is not None:
                bar.advance(task, n)

        report = validate(inv, targets, jobs=jobs, progress=advance)
    diffs: list[LabDiff] = []
    if lab:
        from netkit.lab.validate import with_lab  # the lab layer, only when asked

        report, diffs = with_lab(inv, report, targets)
    _finish(report, diffs, junit, json)
    if not report.ok:
        raise typer.Exit(1)


def _finish(report: ValidationReport, diffs: list[LabDiff], junit: Path | None, json: bool) -> None:
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(junit_xml(report))
    if json:
        data: dict[str, Any] = {"inventory": report.inventory, "ok": report.ok, "errors": report.errors,
                                "devices": len(report.devices), "findings": report.all_findings,
                                "notes": report.notes, "lab": diffs}
        print_json(data)
        return
    _print(report, diffs)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate_command)
