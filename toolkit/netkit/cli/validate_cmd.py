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
from netkit.config.lab_diff import CandidateSession, LabDiff, OpenSession, lab_diffs
from netkit.config.models import Finding
from netkit.config.render import Renderer
from netkit.config.validate import ValidationReport, inventory_findings, validate
from netkit.errors import InputError, InventoryError, NetkitError
from netkit.inventory import Inventory, load_inventory


def _lab_opener(inv: Inventory) -> tuple[OpenSession | None, str]:
    """A session opener for the running lab, or None and why the lab check is skipped."""
    try:
        from netkit.lab.lifecycle import load_state
    except ImportError as e:
        return None, f"lab check skipped: the lab is not available in this installation ({e})"
    state = load_state()
    if state is None or state.phase != "up":
        return None, "lab check skipped: no lab is up (run `netkit lab up`)"
    if Path(state.inventory).resolve() != inv.path.resolve():
        return None, f"lab check skipped: the running lab is built from {state.inventory}, not {inv.path}"
    from netkit.drivers import driver_class, open_device
    from netkit.inventory.credentials import credentials_for

    try:
        driver_class("frr")
    except NetkitError as e:
        return None, f"lab check skipped: the napalm_frr driver is not available ({e})"

    def open_session(name: str) -> CandidateSession:
        dev = inv.devices[name]
        session: CandidateSession = open_device(inv, dev, credentials_for(inv, dev))
        return session

    return open_session, ""


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
        report, diffs = _with_lab(inv, report, targets)
    _finish(report, diffs, junit, json)
    if not report.ok:
        raise typer.Exit(1)


def _with_lab(inv: Inventory, report: ValidationReport, targets: list[str]) -> tuple[
        ValidationReport, list[LabDiff]]:
    opener, why = _lab_opener(inv)
    if opener is None:
        return report.model_copy(update={"notes": [*report.notes, why]}), []
    wanted = set(targets)
    clean = {d.device for d in report.devices if d.ok}
    renderer = Renderer(inv)
    configs = [renderer.render(d) for d in inv.devices.values()
               if d.platform == "frr" and d.name in wanted and d.name in clean]
    diffs, findings = lab_diffs(configs, opener)
    return _merge(report, findings), diffs


def _merge(report: ValidationReport, findings: list[Finding]) -> ValidationReport:
    by_dev: dict[str, list[Finding]] = {}
    for f in findings:
        by_dev.setdefault(f.device, []).append(f)
    devices = [d.model_copy(update={"findings": [*d.findings, *by_dev.get(d.device, [])]}) for d in report.devices]
    return report.model_copy(update={"devices": devices})


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
