"""JUnit XML of a validation report, for CI systems: one test case per device, one failure per error."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from netkit.config.models import Finding
from netkit.config.validate import ValidationReport


def _failure(case: ET.Element, f: Finding) -> None:
    tag = "failure" if f.severity == "error" else "system-out"
    el = ET.SubElement(case, tag)
    where = f"{f.device} {f.location()}"
    if tag == "failure":
        el.set("type", f.check)
        el.set("message", f"{where}: {f.message}")
    el.text = f"{where}: [{f.check}] {f.message}" + (f"\n    {f.text}" if f.text else "") + "\n"


def junit_xml(report: ValidationReport) -> str:
    """Deterministic JUnit XML (testsuite "netkit validate", classname = site, name = device)."""
    cases: list[ET.Element] = []
    if report.findings or not report.devices:
        case = ET.Element("testcase", classname="netkit", name="inventory")
        for f in report.findings:
            _failure(case, f)
        cases.append(case)
    for dev in report.devices:
        case = ET.Element("testcase", classname=dev.site, name=dev.device)
        for f in dev.findings:
            _failure(case, f)
        cases.append(case)
    failures = sum(1 for c in cases if c.find("failure") is not None)
    suite = ET.Element("testsuite", name="netkit validate", tests=str(len(cases)), failures=str(failures),
                       errors="0", skipped="0")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="inventory", value=report.inventory)
    for note in report.notes:
        ET.SubElement(props, "property", name="note", value=note)
    suite.extend(cases)
    root = ET.Element("testsuites", tests=str(len(cases)), failures=str(failures))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
