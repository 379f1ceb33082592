"""`netkit validate`: render every device, check syntax, structure and golden rules; one report.

Per device (in parallel processes for large inventories): render, parse every file, structural rules,
golden rules. Then across devices: FRR's own parser over all FRR configs in one `vtysh --dryrun`, and
addresses configured on two devices. Every finding names the device, the file and the line.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from netkit.config import frr_syntax
from netkit.config.context import DeviceContext
from netkit.config.models import Finding, RenderedConfig
from netkit.config.parse import parse
from netkit.config.render import Renderer, RenderError, templates_dir
from netkit.config.rules import GoldenRule, check_rules, load_rules
from netkit.config.structure import Address, addresses, duplicate_addresses, undefined_references
from netkit.inventory.models import Device, Inventory, Platform

Progress = Callable[[int], None]


class DeviceResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    device: str
    site: str
    platform: Platform
    files: list[str]
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


class ValidationReport(BaseModel):
    inventory: str
    devices: list[DeviceResult]
    findings: list[Finding]  # not tied to one device's rendering: the inventory, cross-device checks
    notes: list[str]  # checks that were skipped, and why

    @property
    def all_findings(self) -> list[Finding]:
        return [*self.findings, *(f for d in self.devices for f in d.findings)]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.all_findings if f.severity == "error")

    @property
    def ok(self) -> bool:
        return self.errors == 0


@dataclass(frozen=True)
class _AddrRef:
    ip: str
    device: str
    file: str
    line: int
    interface: str


@dataclass(frozen=True)
class _Checked:
    result: DeviceResult
    addresses: list[_AddrRef]
    frr_files: list[tuple[str, str]]  # (file name, text) for the batched vtysh check


def check_rendered(rendered: RenderedConfig, dev: Device, rules: list[GoldenRule], ctx: DeviceContext) -> tuple[
        list[Finding], list[_AddrRef]]:
    """Parser, structural rules and golden rules over one device's rendered files."""
    findings: list[Finding] = []
    refs: list[_AddrRef] = []
    for file, text in rendered.files.items():
        tree = parse(text, dev.platform)
        for err in tree.errors:
            findings.append(Finding(device=dev.name, check="syntax", file=file, line=err.lineno,
                                    message=err.message, text=err.text.strip()))
        for p in undefined_references(tree):
            findings.append(Finding(device=dev.name, check="structure", file=file, line=p.line.lineno if p.line else 0,
                                    message=p.message, text=p.line.text if p.line else ""))
        found: list[Address] = addresses(tree)
        for p in duplicate_addresses(found):
            findings.append(Finding(device=dev.name, check="structure", file=file, line=p.line.lineno if p.line else 0,
                                    message=p.message, text=p.line.text if p.line else ""))
        refs.extend(_AddrRef(a.ip, dev.name, file, a.line.lineno, a.interface) for a in found)
        if file == rendered.main_file:
            for v in check_rules(rules, dev.platform, tree, ctx):
                findings.append(Finding(device=dev.name, check=f"rule:{v.rule}", severity=v.severity, file=file,
                                        line=v.line, message=v.message, text=v.text))
    return findings, refs


def check_device(renderer: Renderer, rules: list[GoldenRule], dev: Device) -> _Checked:
    try:
        rendered, ctx = renderer.render_with_context(dev)
    except RenderError as e:
        finding = Finding(device=dev.name, check="render", file=e.file, line=e.line, message=e.reason)
        return _Checked(DeviceResult(device=dev.name, site=dev.site, platform=dev.platform, files=[],
                                     findings=[finding]), [], [])
    findings, refs = check_rendered(rendered, dev, rules, ctx)
    frr = list(rendered.files.items()) if dev.platform == "frr" else []  # vtysh checks FRR files
    return _Checked(DeviceResult(device=dev.name, site=dev.site, platform=dev.platform,
                                 files=list(rendered.files), findings=findings), refs, frr)


# ------------------------------------------------------------------ parallel workers (fork)

_SHARED: tuple[Inventory, Path, list[GoldenRule]] | None = None


def _work(names: list[str]) -> list[_Checked]:
    assert _SHARED is not None
    inventory, templates, rules = _SHARED
    renderer = Renderer(inventory, templates)
    return [check_device(renderer, rules, inventory.devices[n]) for n in names]


def _fork_is_safe() -> bool:
    """Forking while another thread may hold a lock (the import lock, logging's) can hang the child
    forever; rich's refresh thread only ever holds the console's lock, which workers never take."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return all(t is threading.main_thread() or type(t).__name__ == "_RefreshThread" for t in threading.enumerate())


def _run(inventory: Inventory, names: list[str], templates: Path, rules: list[GoldenRule], jobs: int,
         progress: Progress | None) -> list[_Checked]:
    global _SHARED
    if jobs <= 1 or len(names) < 200 or not _fork_is_safe():
        renderer = Renderer(inventory, templates)
        out = []
        for n in names:
            out.append(check_device(renderer, rules, inventory.devices[n]))
            if progress:
                progress(1)
        return out
    chunk = max(50, len(names) // (jobs * 8))
    chunks = [names[i:i + chunk] for i in range(0, len(names), chunk)]
    _SHARED = (inventory, templates, rules)
    results: list[_Checked] = []
    try:
        # fork: workers inherit the inventory instead of unpickling 10,000 devices each
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for part in pool.imap(_work, chunks):  # in order: the report lists devices as asked
                results.extend(part)
                if progress:
                    progress(len(part))
    finally:
        _SHARED = None
    return results


def _cross_device_duplicates(checked: Iterable[_Checked]) -> list[Finding]:
    owners: dict[str, list[_AddrRef]] = defaultdict(list)
    for c in checked:
        for ref in c.addresses:
            owners[ref.ip].append(ref)
    findings = []
    for ip, refs in owners.items():
        devices = {r.device for r in refs}
        if len(devices) < 2:
            continue
        where = ", ".join(f"{r.device} {r.interface}" for r in refs)
        for r in refs:
            findings.append(Finding(device=r.device, check="structure", file=r.file, line=r.line,
                                    message=f"address {ip} is configured on several devices: {where}"))
    return findings


def validate(
    inventory: Inventory,
    devices: list[str] | None = None,
    *,
    templates: Path | None = None,
    rules_dir: Path | None = None,
    jobs: int | None = None,
    frr_check: bool = True,
    progress: Progress | None = None,
) -> ValidationReport:
    """Validate the named devices (default: every device netkit configures)."""
    templates = templates or templates_dir()
    rules = load_rules(rules_dir or templates / "rules")
    names = devices if devices is not None else [d.name for d in inventory.devices.values() if d.platform.spec.configured]
    checked = _run(inventory, names, templates, rules, jobs or min(4, os.cpu_count() or 1), progress)
    extra: list[Finding] = []
    notes: list[str] = []
    frr_files = [(c.result.device, file, text) for c in checked for file, text in c.frr_files]
    if frr_files and frr_check:
        outcome = frr_syntax.dryrun(frr_files)
        if outcome.skipped:
            notes.append(outcome.skipped)
        extra.extend(outcome.findings)
    extra.extend(_cross_device_duplicates(checked))
    by_device: dict[str, list[Finding]] = defaultdict(list)
    for f in extra:
        by_device[f.device].append(f)
    results = [c.result.model_copy(update={"findings": [*c.result.findings, *by_device.pop(c.result.device, [])]})
               if c.result.device in by_device else c.result for c in checked]
    leftover = [f for fs in by_device.values() for f in fs]
    return ValidationReport(inventory=str(inventory.path), devices=results, findings=leftover, notes=notes)


_HOST = re.compile(r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?:(?:host (?P<host>[\w.-]+)|site (?P<site>[\w.-]+)|"
                   r"group \S+): )?(?P<msg>.*)$")


def inventory_findings(problems: list[str]) -> list[Finding]:
    """InventoryError problems as findings (`file[:line]: host NAME: message` -> device NAME, file, line)."""
    out = []
    for p in problems:
        m = _HOST.match(p)
        if m:
            out.append(Finding(device=m["host"] or m["site"] or "inventory", check="inventory", file=m["file"],
                               line=int(m["line"] or 0), message=m["msg"] or p))
        else:
            out.append(Finding(device="inventory", check="inventory", message=p))
    return out
