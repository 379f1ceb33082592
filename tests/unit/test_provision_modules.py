"""netkit's Ansible module code that is plain Python: post-check evaluation over NAPALM getter shapes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from netkit.platforms import Platform
from netkit.provision.plan import pushable

UTILS = Path(__file__).resolve().parents[2] / "playbooks" / "module_utils"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, UTILS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Dev:
    """Answers with the napalm_frr driver's documented shapes."""

    def __init__(self, ospf_state: str = "Full", bgp_up: bool = True, eth1_up: bool = True, loss: int = 0) -> None:
        self.ospf_state, self.bgp_up, self.eth1_up, self.loss = ospf_state, bgp_up, eth1_up, loss
        self.pings: list[tuple[str, dict[str, Any]]] = []

    def get_interfaces(self) -> dict[str, Any]:
        return {"lo": {"is_up": True, "is_enabled": True}, "eth1": {"is_up": self.eth1_up, "is_enabled": True}}

    def get_bgp_neighbors(self) -> dict[str, Any]:
        return {"global": {"router_id": "198.18.16.1", "peers": {"198.18.16.33": {"is_up": self.bgp_up}}}}

    def get_ospf_neighbors(self) -> dict[str, Any]:
        return {"global": {"router_id": "198.18.0.1", "neighbors": [
            {"neighbor_id": "198.18.0.2", "address": "198.18.0.33", "interface": "eth1", "state": self.ospf_state,
             "role": "DROther", "priority": 1, "is_up": self.ospf_state == "Full", "uptime": 3.0}]}}

    def ping(self, destination: str, **kwargs: Any) -> dict[str, Any]:
        self.pings.append((destination, kwargs))
        return {"success": {"probes_sent": 3, "packet_loss": self.loss, "rtt_min": 0.1, "rtt_max": 0.3,
                            "rtt_avg": 0.2, "rtt_stddev": 0.05, "results": []}}


EXPECT = {
    "interfaces_up": ["lo", "eth1", "lan9"],
    "bgp_established": [{"peer": "198.18.16.33", "name": "dc-core1"}],
    "ospf_full": [{"neighbor": "198.18.0.33", "router_id": "198.18.0.2", "name": "dc-core2"}],
    "ping": [{"name": "nat-dc/verify", "destination": "198.18.0.193", "source": "198.18.16.1"}],
}


def test_evaluate_passes_on_a_healthy_device_and_names_each_check() -> None:
    checks = load("netkit_checks")
    dev = Dev()
    result = {c["name"]: c for c in checks.evaluate(dev, {**EXPECT, "interfaces_up": ["lo", "eth1"]})}
    assert all(c["passed"] for c in result.values()), result
    assert set(result) == {"interface lo", "interface eth1", "bgp 198.18.16.33 (dc-core1)",
                           "ospf 198.18.0.33 (dc-core2)", "ping nat-dc/verify 198.18.0.193"}
    assert dev.pings == [("198.18.0.193", {"count": 3, "timeout": 1, "source": "198.18.16.1"})]
    assert result["ping nat-dc/verify 198.18.0.193"]["detail"].startswith("3/3 replies")


def test_evaluate_reports_each_failure() -> None:
    checks = load("netkit_checks")
    result = {c["name"]: c for c in checks.evaluate(Dev("Init", False, False, 3), EXPECT)}
    assert result["interface eth1"]["detail"].startswith("down") and not result["interface eth1"]["passed"]
    assert result["interface lan9"]["detail"] == "missing"
    assert result["bgp 198.18.16.33 (dc-core1)"]["detail"] == "not established"
    assert result["ospf 198.18.0.33 (dc-core2)"]["detail"] == "Init"
    assert not result["ping nat-dc/verify 198.18.0.193"]["passed"]


def test_ospf_entries_accept_the_driver_shapes() -> None:
    checks = load("netkit_checks")
    assert checks._ospf_entries({}) == []
    flat = checks._ospf_entries({"198.18.0.2": {"address": "198.18.0.33", "state": "Full"}})
    assert checks._ospf_state(flat, "198.18.0.2") == "Full" and checks._ospf_state(flat, "198.18.0.33") == "Full"


def test_frr_pushable_drops_the_lines_frr_never_shows() -> None:
    text = "hostname r1\nip forwarding\nno ipv6 forwarding\nipv6 forwarding\n!\n"
    assert pushable(text, Platform("frr")) == "hostname r1\nno ipv6 forwarding\n!\n"


class _Failed(Exception):
    pass


class _Module:
    """What netkit_napalm needs of AnsibleModule: params, no_log_values, fail_json."""

    def __init__(self, **params: Any) -> None:
        napalm = load("netkit_napalm")
        self.params = {name: spec.get("default") for name, spec in napalm.COMMON_ARGS.items()}
        self.params.update(device="r1", driver="ios", hostname="127.0.0.1", refuse_pending=False, **params)
        self.no_log_values: set[str] = set()

    def fail_json(self, msg: str, **_: Any) -> None:
        raise _Failed(msg)


def test_secret_marks_are_filled_only_in_the_module_and_masked(tmp_path: Path) -> None:
    """netkit renders configs with @@secret:NAME@@ marks; the module fills them just before the push."""
    import json

    napalm = load("netkit_napalm")
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"devices": {"r1": {
        "username": "admin", "password": "pw-123456", "secrets": ["pw-123456", "comm-98765"],
        "marks": {"username": "admin", "password": "pw-123456", "snmp_community": "comm-98765"}}}}))
    intended = tmp_path / "r1.cfg"
    intended.write_text("username @@secret:username@@ secret @@secret:password@@\n"
                        "snmp-server community @@secret:snmp_community@@ RO\n")
    module = _Module(secrets_file=str(secrets), config_file=str(intended), config=None)
    assert napalm.read_config(module) == "username admin secret pw-123456\nsnmp-server community comm-98765 RO\n"
    assert {"pw-123456", "comm-98765"} <= module.no_log_values and "admin" not in module.no_log_values
    assert "@@secret" in intended.read_text()  # the file on disk keeps its marks

    intended.write_text("snmp-server user netkit auth sha @@secret:snmp_auth_key@@\n")
    module = _Module(secrets_file=str(secrets), config_file=str(intended), config=None)
    try:
        napalm.read_config(module)
        raise AssertionError("a mark without a value was filled")
    except _Failed as e:
        assert str(e) == "r1: the config needs snmp_auth_key but the device's credentials have no value for it"

    direct = _Module(username="admin", password="pw-123456", config="enable secret @@secret:password@@\n")
    assert napalm.read_config(direct) == "enable secret pw-123456\n"
