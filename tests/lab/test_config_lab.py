"""The intended configs on the provisioned lab: the network they build works, the routers run exactly
them (`compliance --live`), `validate --lab` asks each router for the diff of its candidate, and a
drift made on a lab router is found and remediated through the CLI's snippet."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from netkit.config.compliance import compare
from netkit.config.render import render_device
from netkit.inventory.models import Role

if TYPE_CHECKING:
    from tests.lab.conftest import Lab

pytestmark = pytest.mark.lab
LAB_MODE = "provisioned"
VERIFY_SERVICE = "198.18.0.193"


def _lan_gateway(lab: Lab, device: str) -> str:
    lan = next(i for i in lab.inventory.devices[device].interfaces if i.kind == "lan")
    assert lan.address is not None
    return str(lan.address.ip)


def _until_ok(probe: Callable[[], subprocess.CompletedProcess[str]], deadline: float) -> subprocess.CompletedProcess[str]:
    """Sessions up is not routes installed: give BGP the seconds it takes to exchange and install them."""
    while True:
        result = probe()
        if result.returncode == 0 or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_noc_reaches_every_site_lan_gateway_and_sites_reach_the_service(lab: Lab) -> None:
    lab.wait_converged(timeout=60)
    deadline = time.monotonic() + 30
    sites = [d for d in lab.routers if lab.inventory.devices[d].role == Role.SITE_ROUTER]
    assert len(sites) == 5
    for device in sites:
        gateway = _lan_gateway(lab, device)
        ping = _until_ok(partial(subprocess.run, ["ping", "-c", "1", "-W", "2", gateway], capture_output=True,
                                 text=True, timeout=10), deadline)
        assert ping.returncode == 0, (device, gateway, ping.stdout)
        out = _until_ok(partial(lab.exec, device, f"ping -c 1 -W 2 {VERIFY_SERVICE}", check=False), deadline)
        assert out.returncode == 0, (device, out.stdout, out.stderr)


def test_no_lab_router_has_a_default_route(lab: Lab) -> None:
    for device in lab.routers:
        routes = lab.vtysh_json(device, "show ip route json")
        assert "0.0.0.0/0" not in routes, device


def test_running_configs_are_the_intended_ones(lab: Lab) -> None:
    res = lab.netkit("compliance", "--all", "--live", "--json", timeout=300)
    data = json.loads(res.stdout)
    assert {d["device"] for d in data} == set(lab.routers)
    bad = {d["device"]: d["error"] or [f for f in d["features"] if not f["compliant"]] for d in data if not d["compliant"]}
    assert bad == {} and res.returncode == 0


def test_validate_lab_diffs_every_router_without_committing(lab: Lab) -> None:
    before = {d: lab.vtysh(d, "show running-config") for d in lab.routers}
    res = lab.netkit("validate", "--lab", "--json", timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    data = json.loads(res.stdout)
    assert data["ok"] is True and data["notes"] == []
    diffs = {d["device"]: d for d in data["lab"]}
    assert set(diffs) == set(lab.routers)
    assert all(d["error"] == "" and d["diff"].strip() == "" for d in diffs.values()), diffs
    assert {d: lab.vtysh(d, "show running-config") for d in lab.routers} == before


def test_drift_on_a_lab_router_is_found_and_remediated(lab: Lab, tmp_path: Path) -> None:
    device = "moj-battambang-r1"
    rendered = render_device(lab.inventory, device)
    ns = lab.ns(device)
    try:
        subprocess.run(["vtysh", "-N", ns, "-c", "conf t", "-c", "interface eth1", "-c", "description drifted",
                        "-c", "exit", "-c", "ip route 10.99.0.0/16 blackhole"], check=True, capture_output=True)
        res = lab.netkit("compliance", device, "--live", "--json", timeout=120)
        assert res.returncode == 1
        [result] = json.loads(res.stdout)
        bad = {f["feature"]: (f["missing"], f["extra"]) for f in result["features"] if not f["compliant"]}
        assert bad["routing"] == ([], ["ip route 10.99.0.0/16 blackhole"])
        assert bad["interfaces"][1] == ["interface eth1 > description drifted"]
        snippet = tmp_path / "fix.conf"
        snippet.write_text(result["remediation"])
        subprocess.run(["vtysh", "-N", ns, "-f", str(snippet)], check=True, capture_output=True)
        res = lab.netkit("compliance", device, "--live", timeout=120)
        assert res.returncode == 0, res.stdout
    finally:
        # leave the shared lab as it was, whatever happened above
        current = compare(rendered, lab.vtysh(device, "show running-config"), rendered.device, "lab")
        if not current.compliant:
            snippet = tmp_path / "restore.conf"
            snippet.write_text(current.remediation)
            subprocess.run(["vtysh", "-N", ns, "-f", str(snippet)], capture_output=True)
