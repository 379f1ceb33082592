"""Remediation proven on real FRR 8.4: a router loaded with its intended config is drifted by hand,
compliance names the drift, the remediation snippet is applied with `vtysh -f`, compliance passes.

Each test builds its own throwaway namespace (`nkcfg-<pid>-<n>`) with FRR (zebra, bgpd, ospfd, staticd
with the SNMP module, as in the lab) and removes it afterwards, whatever happens. It needs root and FRR,
not the shared lab.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from netkit.config.compliance import compare
from netkit.config.render import render_device
from netkit.inventory import DEFAULT_INVENTORY, load_inventory

pytestmark = pytest.mark.lab

FRR_ETC = Path("/etc/frr")
_counter = itertools.count()


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"{argv} exited {proc.returncode}: {proc.stdout}{proc.stderr}")
    return proc


class Router:
    """One FRR instance in its own namespace and pathspace."""

    def __init__(self, hostname: str, config: str) -> None:
        self.ns = f"nkcfg-{os.getpid()}-{next(_counter)}"
        self.hostname = hostname
        self.etc = FRR_ETC / self.ns
        try:
            self._start(config)
        except BaseException:
            self.remove()  # the caller never gets this object to clean up: leave no namespace or daemon behind
            raise

    def _start(self, config: str) -> None:
        hostname = self.hostname
        _run("ip", "netns", "add", self.ns)
        _run("ip", "-n", self.ns, "link", "set", "lo", "up")
        # the interfaces the config names (veth pairs: this kernel has no dummy interfaces)
        for a, b in (("eth0", "lan0"), ("eth1", "eth2"), ("eth3", "eth4"), ("eth5", "noc0")):
            _run("ip", "-n", self.ns, "link", "add", a, "type", "veth", "peer", "name", b)
            _run("ip", "-n", self.ns, "link", "set", a, "up")
            _run("ip", "-n", self.ns, "link", "set", b, "up")
        # forwarding is the system's setting on a router (FRR's `ip forwarding` is its default), as in the lab
        _run("ip", "netns", "exec", self.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        self.etc.mkdir(parents=True)
        daemons = (FRR_ETC / "daemons").read_text()
        for daemon in ("bgpd", "ospfd", "staticd"):
            daemons = daemons.replace(f"{daemon}=no", f"{daemon}=yes")
        for daemon in ("zebra", "bgpd", "ospfd"):
            daemons = daemons.replace(f'{daemon}_options="', f'{daemon}_options="-M snmp ')
        (self.etc / "daemons").write_text(daemons)
        (self.etc / "vtysh.conf").write_text(f"service integrated-vtysh-config\nhostname {hostname}\n")
        (self.etc / "frr.conf").write_text(config)
        shutil.chown(self.etc, "frr", "frr")
        for f in self.etc.iterdir():
            shutil.chown(f, "frr", "frr")
        _run("ip", "netns", "exec", self.ns, "unshare", "--uts", "sh", "-c",
             f"hostname {hostname} && /usr/lib/frr/frrinit.sh start {self.ns}")

    def vtysh(self, *commands: str) -> str:
        argv = ["vtysh", "-N", self.ns]
        for c in commands:
            argv += ["-c", c]
        return _run(*argv).stdout

    def running(self) -> str:
        return self.vtysh("show running-config")

    def apply(self, snippet: str, path: Path) -> None:
        path.write_text(snippet)
        _run("vtysh", "-N", self.ns, "-f", str(path))

    def remove(self) -> None:
        _run("ip", "netns", "exec", self.ns, "/usr/lib/frr/frrinit.sh", "stop", self.ns, check=False)
        _run("ip", "netns", "del", self.ns, check=False)
        shutil.rmtree(self.etc, ignore_errors=True)
        shutil.rmtree(Path("/var/run/frr") / self.ns, ignore_errors=True)


@pytest.fixture
def router_factory() -> Iterator[list[Router]]:
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    if not Path("/usr/lib/frr/frrinit.sh").exists() or shutil.which("vtysh") is None:
        pytest.skip("needs FRR (apt-get install frr frr-snmp)")
    made: list[Router] = []
    try:
        yield made
    finally:
        for router in made:
            router.remove()
        left = _run("ip", "netns", "list").stdout
        assert f"nkcfg-{os.getpid()}-" not in left


DRIFTS = {
    "moj-hq-r1": (
        "conf t", "interface eth1", "description WRONG", "exit", "interface lan0", "no ip address 198.18.16.65/26",
        "ip address 198.18.16.66/26", "exit", "router bgp 65101", "timers bgp 60 180",
        "neighbor 198.18.16.99 remote-as 65999", "no neighbor 198.18.16.35", "address-family ipv4 unicast",
        "no network 198.18.16.0/24", "exit-address-family", "exit", "ip route 10.0.0.0/8 blackhole",
        "router ospf", "ospf router-id 1.1.1.1", "exit", "route-map NETKIT-EBGP-OUT permit 10",
        "no match ip address prefix-list NETKIT-EBGP-OUT", "exit", "no ip prefix-list NETKIT-EBGP-OUT",
    ),
    "dc-core1": (
        "conf t", "no ip forwarding", "interface eth1", "ip ospf hello-interval 10", "ip ospf dead-interval 40",
        "no ip ospf network point-to-point", "exit", "interface noc0", "no ip ospf passive", "no ip ospf area 0",
        "ip ospf area 1", "exit", "router ospf", "no timers throttle spf", "exit", "router bgp 64512",
        "address-family ipv4 unicast", "no neighbor 198.18.0.2 next-hop-self",
        "neighbor 198.18.16.32 route-map NETKIT-EBGP-OUT in", "exit-address-family", "exit",
        "no ip prefix-list NETKIT-FROM-MOJ-RATANAKIRI",
    ),
}


@pytest.mark.parametrize("device", sorted(DRIFTS))
def test_remediation_makes_a_drifted_frr_router_compliant(
        device: str, router_factory: list[Router], tmp_path: Path) -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    rendered = render_device(inv, device)
    site = inv.devices[device].site
    router = Router(device, rendered.text)
    router_factory.append(router)
    deadline = time.monotonic() + 20
    while "router bgp" not in router.running() and time.monotonic() < deadline:
        time.sleep(0.2)

    fresh = compare(rendered, router.running(), site, router.ns)
    assert fresh.compliant, [f for f in fresh.features if not f.compliant]  # intended == running when loaded

    router.vtysh(*DRIFTS[device])
    drifted = compare(rendered, router.running(), site, router.ns)
    assert not drifted.compliant and drifted.remediation
    assert {f.feature for f in drifted.features if not f.compliant} >= {"routing"}

    router.apply(drifted.remediation, tmp_path / "remediation.conf")
    after = compare(rendered, router.running(), site, router.ns)
    assert after.compliant, ([f for f in after.features if not f.compliant], drifted.remediation)
    assert after.remediation == ""
