"""`netkit validate --lab`: each clean FRR config loaded into its running lab device as a candidate and
diffed (config.lab_diff does the loading; this module finds the running lab and opens its devices)."""

from __future__ import annotations

from pathlib import Path

from netkit.config.lab_diff import CandidateSession, LabDiff, OpenSession, lab_diffs
from netkit.config.models import Finding
from netkit.config.render import Renderer
from netkit.config.validate import ValidationReport
from netkit.errors import NetkitError
from netkit.inventory import Inventory
from netkit.lab.lifecycle import load_state


def _lab_opener(inv: Inventory) -> tuple[OpenSession | None, str]:
    """A session opener for the running lab, or None and why the lab check is skipped."""
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
        dev = inv.device(name)
        session: CandidateSession = open_device(inv, dev, credentials_for(inv, dev))
        return session

    return open_session, ""


def with_lab(inv: Inventory, report: ValidationReport, targets: list[str]) -> tuple[ValidationReport, list[LabDiff]]:
    """The report with the lab's findings merged in, and each device's diff (or a note why there are none)."""
    opener, why = _lab_opener(inv)
    if opener is None:
        return report.model_copy(update={"notes": [*report.notes, why]}), []
    wanted = set(targets)
    clean = {d.device for d in report.devices if d.ok}
    renderer = Renderer(inv)
    configs = [renderer.render(d) for d in inv.devices.values()
               if d.platform.spec.lab and d.platform.spec.configured and d.name in wanted and d.name in clean]
    diffs, findings = lab_diffs(configs, opener)
    return _merge(report, findings), diffs


def _merge(report: ValidationReport, findings: list[Finding]) -> ValidationReport:
    by_dev: dict[str, list[Finding]] = {}
    for f in findings:
        by_dev.setdefault(f.device, []).append(f)
    devices = [d.model_copy(update={"findings": [*d.findings, *by_dev.get(d.device, [])]}) for d in report.devices]
    return report.model_copy(update={"devices": devices})
