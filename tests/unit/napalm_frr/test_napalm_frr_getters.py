"""NAPALM's own getter tests (napalm.base.test.getters.BaseTestGetters), unchanged, against recorded
FRR 8.4 output; plus the getters NAPALM's suite cannot cover for FRR (OSPF, ping to a lab address)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_origin, get_type_hints

import napalm
import pytest
from napalm.base import NetworkDriver, models
from napalm.base.test import helpers
from napalm.base.test.getters import BaseTestGetters, wrap_test_cases
from napalm_frr import FrrDriver
from napalm_frr.models import OspfInstanceDict, OspfNeighborDict
from napalm_frr.parsers import parse_interfaces, parse_ping, parse_snmpd_conf
from napalm_frr_replay import PatchedFrrDriver

DOCUMENTED_EXTRAS = {"get_ospf_neighbors"}


def has_shape(model: Any, data: dict[str, Any]) -> bool:
    """NAPALM's helpers.test_model for TypedDicts with postponed (string) annotations."""
    hints = get_type_hints(model)
    return set(hints) == set(data) and all(isinstance(data[k], get_origin(t) or t) for k, t in hints.items())


def test_napalm_finds_the_driver() -> None:
    assert napalm.get_network_driver("frr") is FrrDriver


@pytest.mark.usefixtures("set_device_parameters")
class TestGetter(BaseTestGetters):  # type: ignore[misc]
    device: Any
    driver: type[FrrDriver]

    def test_method_signatures(self) -> None:
        """NAPALM's check (every public method has NetworkDriver's arguments and defaults), run on the
        driver minus its one documented extra getter, which is not in NetworkDriver."""

        class WithoutExtras(FrrDriver):
            get_ospf_neighbors = None

        saved = self.driver
        self.driver = WithoutExtras
        try:
            BaseTestGetters.test_method_signatures(self)
        finally:
            self.driver = saved
        extras = {m for m, v in inspect.getmembers(FrrDriver)
                  if not m.startswith("_") and inspect.isfunction(v) and not hasattr(NetworkDriver, m)}
        assert extras == DOCUMENTED_EXTRAS

    @wrap_test_cases
    def test_ping(self, test_case: str) -> Any:
        """NAPALM's test pings 8.8.8.8; ours pings the neighbour router in the lab."""
        result = self.device.ping("198.18.254.1")
        assert isinstance(result.get("success"), dict)
        assert helpers.test_model(models.PingDict, result["success"])
        for entry in result["success"]["results"]:
            assert helpers.test_model(models.PingResultDictEntry, entry)
        return result

    @wrap_test_cases
    def test_ping_lost(self, test_case: str) -> Any:
        result = self.device.ping("198.18.254.3", count=3, timeout=1)
        assert result["success"]["packet_loss"] == result["success"]["probes_sent"] == 3
        return result

    @wrap_test_cases
    def test_ping_error(self, test_case: str) -> Any:
        result = self.device.ping("198.18.254.1", count=1, source_interface="nosuchif0")
        assert set(result) == {"error"}
        return result

    @wrap_test_cases
    def test_get_ospf_neighbors(self, test_case: str) -> Any:
        result = self.device.get_ospf_neighbors()
        for instance in result.values():
            assert has_shape(OspfInstanceDict, instance)
            for neighbor in instance["neighbors"]:
                assert has_shape(OspfNeighborDict, neighbor)
        return result

    @wrap_test_cases
    def test_cli(self, test_case: str) -> Any:
        result = self.device.cli(["show ip route", "show nonsense"])
        assert all(isinstance(v, str) for v in result.values())
        return result


# ---------------------------------------------------------------- what the recorded router shows
Replay = Callable[..., PatchedFrrDriver]


def test_interfaces_state_from_the_router(replay: Replay) -> None:
    ifs = replay("test_get_interfaces", "normal").get_interfaces()
    assert (ifs["eth1"]["is_up"], ifs["eth2"]["is_up"], ifs["eth2"]["is_enabled"]) == (True, False, True)
    assert ifs["eth2"]["last_flapped"] > 1.7e9 and ifs["eth1"]["last_flapped"] == -1.0
    assert ifs["eth1"]["mac_address"] == "7E:81:D3:6F:87:C2" and ifs["lo"]["mtu"] == 65536


def test_bgp_established_and_admin_down_peer(replay: Replay) -> None:
    bgp = replay("test_get_bgp_neighbors", "normal").get_bgp_neighbors()
    assert bgp["global"]["router_id"] == "198.18.254.101"
    up, down = bgp["global"]["peers"]["198.18.254.1"], bgp["global"]["peers"]["198.18.254.3"]
    assert (up["is_up"], up["is_enabled"], up["remote_id"], up["remote_as"]) == (True, True, "198.18.254.102", 65102)
    assert up["address_family"]["ipv4"]["received_prefixes"] == 2
    assert (down["is_up"], down["is_enabled"], down["description"]) == (False, False, "unreachable peer")


def test_no_routing_daemons_configured(replay: Replay) -> None:
    assert replay("test_get_bgp_neighbors", "no_bgp").get_bgp_neighbors() == {}
    assert replay("test_get_ospf_neighbors", "no_ospf").get_ospf_neighbors() == {}


def test_ospf_adjacency(replay: Replay) -> None:
    (nb,) = replay("test_get_ospf_neighbors", "normal").get_ospf_neighbors()["global"]["neighbors"]
    assert (nb["neighbor_id"], nb["address"], nb["interface"], nb["state"], nb["is_up"]) == (
        "198.18.254.102", "198.18.254.1", "eth1", "Full", True)


def test_counters_come_from_the_kernel(replay: Replay) -> None:
    dev = replay("test_get_interfaces_counters", "normal")
    counters = dev.get_interfaces_counters()
    assert dev.fake.calls == [["ip", "-s", "-j", "link"]]
    assert counters["eth1"]["rx_octets"] > 0 and counters["eth1"]["tx_broadcast_packets"] == -1
    assert counters["eth2"]["tx_discards"] == 19


def test_facts(replay: Replay) -> None:
    facts = replay("test_get_facts", "normal").get_facts()
    assert (facts["vendor"], facts["os_version"], facts["hostname"]) == ("FRRouting", "8.4.4", "nkdrv-r1")
    assert facts["interface_list"] == ["eth0", "eth1", "eth2", "lo"]


def test_running_config_without_banner(replay: Replay) -> None:
    config = replay("test_get_config", "normal").get_config()
    assert config["running"].startswith("!\nfrr version 8.4.4\n")
    assert "Building configuration" not in config["running"] and config["candidate"] == ""
    assert "hostname nkdrv-r1" in config["startup"]


def test_snmp_from_snmpd_conf(replay: Replay) -> None:
    snmp = replay("test_get_snmp_information", "normal").get_snmp_information()
    assert snmp["community"]["nk-example-ro"] == {"acl": "198.19.0.0/24", "mode": "ro"}
    assert snmp["community"]["nk-example-rw"]["mode"] == "rw"
    assert snmp["location"].startswith("Phnom Penh")


def test_unknown_command_text_is_returned(replay: Replay) -> None:
    out = replay("test_cli", "normal").cli(["show nonsense"])
    assert out["show nonsense"].startswith("% Unknown command")


# ---------------------------------------------------------------- parsers on their own
def test_snmpd_conf_forms() -> None:
    info = parse_snmpd_conf("rocommunity6 six-ro fd00::/8\ncom2sec -Cn ctx sec 198.19.0.0/24 c2s\n"
                            "com2sec plain default c2s-plain  # comment\nsysContact  noc desk \n")
    assert info["community"] == {"six-ro": {"acl": "fd00::/8", "mode": "ro"},
                                 "c2s": {"acl": "198.19.0.0/24", "mode": "ro"},
                                 "c2s-plain": {"acl": "default", "mode": "ro"}}
    assert info["contact"] == "noc desk"


def test_ping_ipv6_reply_address() -> None:
    out = ("PING fd00::1(fd00::1) 56 data bytes\n64 bytes from fd00::1: icmp_seq=1 ttl=64 time=0.040 ms\n\n"
           "--- fd00::1 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n"
           "rtt min/avg/max/mdev = 0.040/0.040/0.040/0.000 ms\n")
    assert parse_ping(out, "")["success"]["results"] == [{"ip_address": "fd00::1", "rtt": 0.04}]


def test_interface_flap_time_uses_the_router_timezone() -> None:
    data = {"eth9": {"operationalStatus": "down", "administrativeStatus": "up", "lastLinkDown": "2026/01/01 04:30:00.00"}}
    assert parse_interfaces(data, "+0430")["eth9"]["last_flapped"] == 1767225600.0  # 2026-01-01T00:00:00Z
