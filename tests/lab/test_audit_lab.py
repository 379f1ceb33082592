"""The audit chain on a real provisioning history: every transaction the lab ran verifies, and editing one
recorded entry makes `netkit audit verify` fail naming it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from netkit.provision.defaults import audit_file

pytestmark = pytest.mark.lab
LAB_MODE = "factory"
LAB_CHANGES_DEVICES = True  # it provisions the factory lab: the next module gets a new one


def test_audit_verify_on_a_real_history_then_after_an_edit(lab: Any) -> None:
    for args in (["nat-dc", "--check"], ["nat-dc", "--yes"], ["nat-dc", "--yes"]):
        proc = lab.netkit("provision", "site", *args, "--json", timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    path = audit_file()
    ok = lab.netkit("audit", "verify", "--json")
    report = json.loads(ok.stdout)
    assert ok.returncode == 0 and report["ok"] and report["entries"] >= 3, ok.stdout + ok.stderr
    history = json.loads(lab.netkit("audit", "log", "--site", "nat-dc", "--device", "dc-core1", "--json").stdout)
    assert [e["action"] for e in history[-3:]] == ["check", "provision", "provision"], history
    lines = path.read_text().splitlines()
    target = len(lines) - 2  # the first real provisioning: claim another engineer did it
    record = json.loads(lines[target])
    seq, who = record["seq"], record["who"]
    lines[target] = lines[target].replace(json.dumps(who), json.dumps("someone-else@elsewhere"), 1)
    path.write_text("\n".join(lines) + "\n")
    try:
        bad = lab.netkit("audit", "verify")
        assert bad.returncode == 1, bad.stdout + bad.stderr
        assert f"entry #{seq}" in bad.stderr and "edited" in bad.stderr, bad.stderr
        assert f"{path}:{target + 1}" in bad.stderr.replace("\n", ""), bad.stderr
    finally:
        lines[target] = lines[target].replace(json.dumps("someone-else@elsewhere"), json.dumps(who), 1)
        path.write_text("\n".join(lines) + "\n")
    assert lab.netkit("audit", "verify").returncode == 0
