"""`lab up --provisioned`: the intended configs loaded, OSPF and eBGP up, the NOC reaching the sites."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.lab.conftest import Lab

pytestmark = pytest.mark.lab
LAB_MODE = "provisioned"


def test_every_adjacency_the_inventory_implies_comes_up(lab: Lab) -> None:
    adjacencies = lab.wait_converged(timeout=60)
    down = [f"{a.device} {a.protocol} -> {a.peer_device} {a.peer_address}: {a.state}" for a in adjacencies if not a.up]
    assert not down, down
    assert {(a.device, a.peer_device) for a in adjacencies if a.protocol == "ospf"} >= {
        ("dc-core1", "dc-core2"), ("dc-core2", "dc-core1")}
    ebgp = [a for a in adjacencies if a.protocol == "bgp" and a.interface != "-"]
    assert len(ebgp) == 2 * 6  # six site uplinks, both ends
    ibgp = {(a.device, a.peer_device) for a in adjacencies if a.protocol == "bgp" and a.interface == "-"}
    assert ibgp == {("dc-core1", "dc-core2"), ("dc-core2", "dc-core1")}  # the cores' loopback session


def test_ospf_between_the_cores_is_full(lab: Lab) -> None:
    lab.wait_converged(timeout=60)
    neighbours = lab.vtysh_json("dc-core1", "show ip ospf neighbor json")["neighbors"]
    core2_id = str(lab.inventory.devices["dc-core2"].loopback.ip)  # type: ignore[union-attr]
    assert neighbours[core2_id][0]["state"].startswith("Full")


def test_ebgp_sessions_to_the_cores_are_established(lab: Lab) -> None:
    lab.wait_converged(timeout=60)
    hq = lab.inventory.devices["moj-hq-r1"]
    uplinks = {str(i.peer_address) for i in hq.interfaces if i.ebgp_peer_asn}
    assert len(uplinks) == 2
    deadline = time.monotonic() + 30  # established first, the prefixes a moment later
    while True:
        peers = lab.vtysh_json("moj-hq-r1", "show bgp summary json")["ipv4Unicast"]["peers"]
        received = {p: peers[p].get("pfxRcd", 0) for p in uplinks}
        if all(received.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert {p: peers[p]["state"] for p in uplinks} == dict.fromkeys(uplinks, "Established")
    assert all(received.values()), received


def test_the_running_config_is_the_rendered_one(lab: Lab) -> None:
    from netkit.config.render import render_device

    intended = render_device(lab.inventory, lab.inventory.devices["moj-battambang-r1"]).files["frr.conf"]
    running = lab.vtysh("moj-battambang-r1", "show running-config")
    for line in ("router bgp 65103", "hostname moj-battambang-r1"):
        assert line in intended and line in running


def test_the_noc_reaches_every_site_and_the_service(lab: Lab) -> None:
    lab.wait_converged(timeout=60)
    deadline = time.monotonic() + 30  # sessions are up; routes may still be on their way
    for device in lab.routers:
        loopback = lab.inventory.devices[device].loopback
        assert loopback is not None
        while True:
            ping = subprocess.run(["ping", "-c", "1", "-W", "1", str(loopback.ip)], capture_output=True, text=True)
            if ping.returncode == 0 or time.monotonic() > deadline:
                break
        assert ping.returncode == 0, (device, ping.stdout)
    svc = lab.plan.device("verify-svc").service
    assert svc is not None
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    with direct.open(f"http://{svc.address.ip}:{svc.port}/health", timeout=5) as answer:
        assert answer.status == 200 and b'"ok"' in answer.read()
