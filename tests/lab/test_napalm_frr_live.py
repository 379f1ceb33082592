"""napalm_frr against real lab routers over SSH: the getters' shapes and values, and the config contract
(diff, commit with revert timer, confirm, the router reverting by itself when not confirmed, when the
SSH session dies and when the controller dies, invalid and rejected candidates, rollback).

Config tests run on one factory-state router and always leave it as they found it (running config,
no revert timer, no driver state on it). Getter tests with routing run on the provisioned lab."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import napalm
import pytest
from napalm.base import models
from napalm.base.exceptions import CommitError, MergeConfigException, ReplaceConfigException
from napalm.base.test import helpers
from napalm_frr import FrrDriver
from napalm_frr.getters import strip_banner
from netkit.lab.system import wait_for

if TYPE_CHECKING:
    from tests.lab.conftest import Lab

pytestmark = pytest.mark.lab
LAB_MODE = "factory"
ROUTER = "mowa-hq-r1"  # factory-state config tests
CHANGE = "ip route 198.18.250.0/24 blackhole\n"  # harmless: a discard route inside the lab range


def running(lab: Lab, device: str) -> str:
    return strip_banner(lab.vtysh(device, "show running-config"))


@dataclass
class Router:
    lab: Any
    name: str
    factory: str  # the running config before any test touched it
    state_dirs: set[str] = field(default_factory=set)

    def driver(self, **optional_args: Any) -> FrrDriver:
        creds = self.lab.credentials
        dev = FrrDriver(self.lab.mgmt(self.name), creds.username, creds.password, timeout=30,
                        optional_args=optional_args)
        dev.open()
        self.state_dirs.add(dev.router_info["state_dir"])
        return dev

    def running(self) -> str:
        return running(self.lab, self.name)

    def with_change(self, extra: str = CHANGE) -> str:
        return self.factory.replace("\nend\n", f"\n{extra}end\n") if "\nend\n" in self.factory else self.factory + extra


@pytest.fixture(scope="module")
def factory_config(lab_factory: Lab) -> str:
    return running(lab_factory, ROUTER)


@pytest.fixture
def router(lab_factory: Lab, factory_config: str) -> Iterator[Router]:
    """The factory router, put back as found after each test (before the lab may switch modes):
    no timer, the factory config, no driver state, even when the test failed."""
    r = Router(lab_factory, ROUTER, factory_config)
    yield r
    for d in r.state_dirs:
        r.lab.exec(ROUTER, f'p=$(cat {d}/timer.pid 2>/dev/null) && [ -n "$p" ] && kill -TERM -"$p"', check=False)
    if r.running() != r.factory:
        dev = r.driver()
        dev.load_replace_candidate(config=r.factory)
        dev.commit_config()
        dev.close()
    for d in r.state_dirs:
        r.lab.exec(ROUTER, f"rm -rf {d}; rmdir {d.rsplit('/', 1)[0]} 2>/dev/null", check=False)
    assert r.running() == r.factory


# ------------------------------------------------------------------ getting in
def test_plain_napalm_opens_a_lab_router(lab_factory: Lab) -> None:
    driver = napalm.get_network_driver("frr")
    dev = driver(lab_factory.mgmt(ROUTER), lab_factory.credentials.username, lab_factory.credentials.password)
    dev.open()
    try:
        assert dev.is_alive() == {"is_alive": True}
        facts = dev.get_facts()
        assert facts["hostname"] == ROUTER and facts["vendor"] == "FRRouting" and facts["os_version"].startswith("8.")
    finally:
        dev.close()
    assert dev.is_alive() == {"is_alive": False}


def test_factory_getters(router: Router) -> None:
    dev = router.driver()
    mgmt_if = router.lab.inventory.devices[ROUTER].mgmt_interface
    try:
        facts = dev.get_facts()
        assert helpers.test_model(models.FactsDict, facts) and mgmt_if in facts["interface_list"]
        ifs = dev.get_interfaces()
        assert all(helpers.test_model(models.InterfaceDict, i) for i in ifs.values())
        assert ifs[mgmt_if]["is_up"] and ifs[mgmt_if]["is_enabled"]
        ips = dev.get_interfaces_ip()
        assert ips[mgmt_if]["ipv4"] == {router.lab.mgmt(ROUTER): {"prefix_length": 24}}
        counters = dev.get_interfaces_counters()
        assert all(helpers.test_model(models.InterfaceCounterDict, c) for c in counters.values())
        assert counters[mgmt_if]["rx_octets"] > 0 and counters[mgmt_if]["tx_octets"] > 0  # our own SSH traffic
        assert dev.get_bgp_neighbors() == {} and dev.get_ospf_neighbors() == {}  # factory: no routing
        config = dev.get_config()
        assert f"hostname {ROUTER}\n" in config["running"] and config["candidate"] == ""
        assert f"hostname {ROUTER}" in config["startup"]
        snmp = dev.get_snmp_information()
        assert helpers.test_model(models.SNMPDict, snmp)
        host_mgmt = str(router.lab.plan.host_mgmt_address.ip)  # the host on the management network
        pong = dev.ping(host_mgmt, count=3)
        assert pong["success"]["probes_sent"] == 3 and pong["success"]["packet_loss"] == 0
        assert pong["success"]["results"][0]["ip_address"] == host_mgmt
        assert dev.cli(["show version"])["show version"].startswith("FRRouting")
    finally:
        dev.close()


# ------------------------------------------------------------------ the config contract
def test_diff_commit_with_timer_then_confirm(router: Router) -> None:
    dev = router.driver()
    try:
        dev.load_replace_candidate(config=router.with_change())
        assert dev.compare_config() == "+" + CHANGE
        dev.commit_config(revert_in=120)
        assert dev.has_pending_commit()
        assert CHANGE in router.running()
        assert CHANGE not in dev.get_config(retrieve="startup")["startup"]  # saved only on confirm
        with pytest.raises(CommitError, match="Pending commit confirm already in process"):
            dev.load_merge_candidate(config="interface lo\n description second\nexit\n")
            dev.commit_config(revert_in=60)
        dev.discard_config()
    finally:
        dev.close()
    other = router.driver()  # confirmed from another session, as the playbook's next task does
    try:
        other.confirm_commit()
        assert not other.has_pending_commit()
        assert CHANGE in other.get_config(retrieve="startup")["startup"]
        other.load_replace_candidate(config=router.with_change())
        assert other.compare_config() == ""  # a re-run changes nothing
        other.discard_config()
        other.rollback()  # back to the factory config, saved
        assert router.running() == router.factory
    finally:
        other.close()


def test_unconfirmed_commit_reverts_by_itself(router: Router) -> None:
    dev = router.driver()
    try:
        dev.load_replace_candidate(config=router.with_change())
        dev.commit_config(revert_in=10)
        assert CHANGE in router.running()
        assert wait_for(lambda: router.running() == router.factory, timeout=60, interval=0.5)
        # The timer reports the commit pending until it has checked the restored config and recorded the
        # revert, a moment after the running config is back (seconds on a loaded machine).
        assert wait_for(lambda: not dev.has_pending_commit(), timeout=30, interval=0.5)
    finally:
        dev.close()


def _ssh_sessions(lab: Lab, device: str) -> list[int]:
    """The sshd processes serving the lab user inside the device's namespace."""
    pids = subprocess.run(["ip", "netns", "pids", lab.ns(device)], capture_output=True, text=True).stdout.split()
    found = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if cmd.startswith(f"sshd: {lab.credentials.username}"):
            found.append(int(pid))
    return found


def test_killed_ssh_session_right_after_commit_reverts(router: Router) -> None:
    dev = router.driver()
    try:
        dev.load_replace_candidate(config=router.with_change())
        dev.commit_config(revert_in=10)
        sessions = _ssh_sessions(router.lab, ROUTER)
        assert sessions
        for pid in sessions:
            subprocess.run(["kill", "-KILL", str(pid)], check=True)
        assert CHANGE in router.running()
        assert wait_for(lambda: router.running() == router.factory, timeout=60, interval=0.5)
        assert wait_for(lambda: not dev.is_alive()["is_alive"], timeout=5, interval=0.5)
    finally:
        dev.close()


def test_killed_controller_right_after_commit_reverts(router: Router) -> None:
    creds = router.lab.credentials
    script = textwrap.dedent(f"""
        import sys, time
        from napalm_frr import FrrDriver
        dev = FrrDriver({router.lab.mgmt(ROUTER)!r}, {creds.username!r}, sys.stdin.readline().strip(), timeout=60)
        dev.open()
        dev.load_replace_candidate(config=sys.stdin.read())
        dev.commit_config(revert_in=10)
        print("committed", flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(creds.password + "\n" + router.with_change())
        proc.stdin.close()
        assert proc.stdout.readline().strip() == "committed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert CHANGE in router.running()
        assert wait_for(lambda: router.running() == router.factory, timeout=60, interval=0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    dev = router.driver()
    try:
        router.state_dirs.add(dev.router_info["state_dir"])
        assert wait_for(lambda: not dev.has_pending_commit(), timeout=30, interval=0.5)  # see above
    finally:
        dev.close()


def test_invalid_candidates_raise_and_change_nothing(router: Router) -> None:
    dev = router.driver()
    try:
        with pytest.raises(ReplaceConfigException, match="Unknown command"):
            dev.load_replace_candidate(config=router.with_change("router ospf\n frobnicate 42\nexit\n"))
        with pytest.raises(MergeConfigException, match="Unknown command"):
            dev.load_merge_candidate(config="interface lo\n ip adress 198.18.250.1/32\nexit\n")
        assert dev.compare_config() == ""
        # valid syntax that ospfd refuses when it is applied: restored at once, nothing pending
        rejected = router.with_change("interface lo\n ip ospf area 0\nexit\nrouter ospf\n network 198.18.250.0/24 area 0\nexit\n")
        dev.load_replace_candidate(config=rejected)
        with pytest.raises(CommitError, match="restored:\nPlease remove all"):
            dev.commit_config(revert_in=60)
        assert not dev.has_pending_commit()
        assert router.running() == router.factory
    finally:
        dev.close()


def test_rollback_of_a_saved_and_of_a_pending_commit(router: Router) -> None:
    dev = router.driver()
    try:
        dev.load_merge_candidate(config=CHANGE)
        dev.commit_config()  # no timer: applied and saved at once
        assert CHANGE in router.running() and not dev.has_pending_commit()
        dev.rollback()
        assert router.running() == router.factory
        dev.rollback()  # again: still the config before the last commit
        assert router.running() == router.factory
        dev.load_replace_candidate(config=router.with_change())
        dev.commit_config(revert_in=120)
        assert dev.has_pending_commit()
        dev.rollback()  # cancels the pending commit and its timer
        assert not dev.has_pending_commit() and router.running() == router.factory
    finally:
        dev.close()


# ------------------------------------------------------------------ routing getters on the provisioned lab
def test_routing_getters_match_the_router(lab_provisioned: Lab) -> None:
    lab = lab_provisioned
    lab.wait_converged(timeout=60)
    creds = lab.credentials
    dev = FrrDriver(lab.mgmt("dc-core1"), creds.username, creds.password, timeout=60)
    dev.open()
    try:
        bgp = dev.get_bgp_neighbors()["global"]
        truth = lab.vtysh_json("dc-core1", "show bgp summary json")["ipv4Unicast"]
        assert bgp["router_id"] == truth["routerId"]
        assert {p: v["is_up"] for p, v in bgp["peers"].items()} == {
            p: v["state"] == "Established" for p, v in truth["peers"].items()}
        for peer in bgp["peers"].values():
            assert helpers.test_model(models.PeerDict, peer)
        ospf = dev.get_ospf_neighbors()["global"]
        core2 = str(lab.inventory.devices["dc-core2"].loopback.ip)
        assert any(n["neighbor_id"] == core2 and n["is_up"] for n in ospf["neighbors"])
        up_peer = next(p for p, v in bgp["peers"].items() if v["is_up"] and v["remote_as"] != v["local_as"])
        assert dev.ping(up_peer, count=3)["success"]["packet_loss"] == 0
    finally:
        dev.close()
    for d in {dev.router_info["state_dir"]}:
        lab.exec("dc-core1", f"rm -rf {d}; rmdir {d.rsplit('/', 1)[0]} 2>/dev/null", check=False)
