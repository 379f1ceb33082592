"""Compliance and remediation on recorded FRR running configs and on the other platforms' syntaxes,
the backup store layout, and the `netkit compliance` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.config.compliance import backup_file, compare, from_backups
from netkit.config.models import RenderedConfig
from netkit.config.render import render_device
from netkit.errors import InputError
from netkit.inventory import DEFAULT_INVENTORY, Inventory
from typer.testing import CliRunner

DATA = Path(__file__).parent / "data" / "config" / "frr"
EXAMPLES = DEFAULT_INVENTORY.parent / "examples"
runner = CliRunner()


def features(result: object) -> dict[str, tuple[list[str], list[str]]]:
    return {f.feature: (f.missing, f.extra) for f in result.features if not f.compliant}  # type: ignore[attr-defined]


# ---------------------------------------------------------------- recorded FRR 8.4 running configs


def test_recorded_drift_per_feature(lab: Inventory) -> None:
    result = compare(render_device(lab, "moj-hq-r1"), (DATA / "moj-hq-r1.drifted.cfg").read_text(), "moj-hq", "t")
    assert not result.compliant and result.error == ""
    found = features(result)
    assert set(found) == {"interfaces", "routing"}
    assert found["interfaces"] == (
        ["interface eth1 > description GOV-MOJ-HQ-001 to dc-core1 eth3", "interface lan0 > ip address 198.18.16.65/26"],
        ["interface eth1 > description WRONG", "interface lan0 > ip address 198.18.16.66/26"])
    missing, extra = found["routing"]
    assert "router bgp 65101 > neighbor 198.18.16.35 remote-as 64512" in missing
    assert "router bgp 65101 > address-family ipv4 unicast > network 198.18.16.0/24" in missing
    assert extra == ["ip route 10.0.0.0/8 blackhole", "router bgp 65101 > neighbor 198.18.16.99 remote-as 65999",
                     "router ospf", "router ospf > ospf router-id 1.1.1.1"]
    compliant = {f.feature for f in result.features if f.compliant}
    assert {"snmp", "logging", "system"} <= compliant


def test_recorded_drift_remediation_is_hierarchical(lab: Inventory) -> None:
    fix = compare(render_device(lab, "moj-hq-r1"), (DATA / "moj-hq-r1.drifted.cfg").read_text(), "moj-hq",
                  "t").remediation.splitlines()
    assert fix[:2] == ["no ip route 10.0.0.0/8 blackhole", "no router ospf"]
    # changed values inside their sections: a description replaces, an address is removed then added
    assert fix[fix.index("interface eth1") + 1:fix.index("interface eth1") + 3] == [
        "  description GOV-MOJ-HQ-001 to dc-core1 eth3", "  exit"]
    lan = fix.index("interface lan0")
    assert fix[lan + 1:lan + 3] == ["  no ip address 198.18.16.66/26", "  ip address 198.18.16.65/26"]
    bgp = fix.index("router bgp 65101")
    assert fix[bgp + 1] == "  no neighbor 198.18.16.99 remote-as 65999"
    af = fix.index("  address-family ipv4 unicast")
    assert af > bgp and fix[af + 1] == "    network 198.18.16.0/24" and "    exit-address-family" in fix[af:]
    assert "ip prefix-list NETKIT-EBGP-OUT seq 5 permit 198.18.16.0/24" in fix


def test_recorded_remediated_router_is_compliant(lab: Inventory) -> None:
    for device, site in (("moj-hq-r1", "moj-hq"), ("dc-core1", "nat-dc")):
        result = compare(render_device(lab, device), (DATA / f"{device}.remediated.cfg").read_text(), site, "t")
        assert result.compliant and result.remediation == "", features(result)


def test_frr_defaults_it_does_not_print(lab: Inventory) -> None:
    result = compare(render_device(lab, "dc-core1"), (DATA / "dc-core1.drifted.cfg").read_text(), "nat-dc", "t")
    assert features(result)["system"] == ([], ["no ip forwarding"])
    fix = result.remediation.splitlines()
    assert fix[0] == "ip forwarding"
    noc = fix.index("interface noc0")
    assert fix[noc + 1:noc + 4] == ["  no ip ospf area 1", "  ip ospf area 0", "  ip ospf passive"]
    assert "  timers throttle spf 0 50 200" in fix[fix.index("router ospf"):]
    # the running config's headers are noise, not drift
    assert not any("frr version" in line or "Building" in line for f in result.features for line in f.extra)


def test_a_factory_router_misses_everything_but_its_base(lab: Inventory) -> None:
    factory = "frr version 8.4.4\nfrr defaults traditional\nhostname moj-battambang-r1\nagentx\nno ipv6 forwarding\n" \
              "service integrated-vtysh-config\n!\ninterface eth0\n ip address 198.19.0.23/24\nexit\n!\nend\n"
    result = compare(render_device(lab, "moj-battambang-r1"), factory, "moj-battambang", "t")
    found = features(result)
    assert found["routing"][1] == [] and len(found["routing"][0]) > 10
    assert found["interfaces"][0][0] == "interface eth0 > description out-of-band management"
    assert "router bgp 65103" in result.remediation


# ---------------------------------------------------------------- other platforms


def drifted(rendered: RenderedConfig, *edits: tuple[str, str]) -> str:
    text = rendered.text.replace("@@secret:password@@", "$9$hashedvalue").replace("@@secret:username@@", "admin")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_secrets_match_any_value(examples: Inventory) -> None:
    for device in ("moj-hq-r1", "core2", "mef-hq-r1", "moh-ratanakiri-r1", "mrd-mondulkiri-r1"):
        rendered = render_device(examples, device)
        result = compare(rendered, drifted(rendered), "s", "t")
        assert result.compliant, (device, features(result))


def test_ios_remediation(examples: Inventory) -> None:
    rendered = render_device(examples, "core1")
    running = drifted(rendered, ("ntp server 10.250.0.194\n", "ntp server 10.9.9.9\n"),
                      ("Authorized access only.", "Welcome."))
    result = compare(rendered, running, "nat-dc", "t")
    assert set(features(result)) == {"ntp", "aaa"}
    fix = result.remediation.splitlines()
    assert fix[0] == "no ntp server 10.9.9.9" and "ntp server 10.250.0.194" in fix
    assert fix[fix.index("banner login ^C") + 1].startswith("Authorized access only.")


def test_junos_remediation_is_set_and_delete(examples: Inventory) -> None:
    rendered = render_device(examples, "core2")
    running = drifted(rendered, ("        server 10.250.0.194;\n", "        server 10.9.9.9;\n"))
    result = compare(rendered, running, "nat-dc", "t")
    assert features(result) == {"ntp": (["system > ntp > server 10.250.0.194"], ["system > ntp > server 10.9.9.9"])}
    assert result.remediation == "delete system ntp server 10.9.9.9\nset system ntp server 10.250.0.194\n"


def test_vrp_remediation_uses_undo(examples: Inventory) -> None:
    rendered = render_device(examples, "moh-ratanakiri-r1")
    running = drifted(rendered, (" peer 10.3.0.33 description core1 AS64512", " peer 10.3.0.33 description old"))
    fix = compare(rendered, running, "moh-ratanakiri", "t").remediation
    assert fix == ("bgp 65301\n  undo peer 10.3.0.33 description old\n  peer 10.3.0.33 description core1 AS64512\n")


def test_routeros_remediation_removes_and_adds(examples: Inventory) -> None:
    rendered = render_device(examples, "mrd-mondulkiri-r1")
    running = drifted(rendered, ("add address=10.250.0.194\n", "add address=10.9.9.9\n"),
                      ("set telnet disabled=yes", "set telnet disabled=no"))
    fix = compare(rendered, running, "mrd-mondulkiri", "t").remediation
    assert fix == ("/system ntp client servers\nremove [ find where address=10.9.9.9 ]\nadd address=10.250.0.194\n"
                   "/ip service\nset telnet disabled=yes\n")


# ---------------------------------------------------------------- backups and the command


def test_backup_store_layout(tmp_path: Path, lab: Inventory) -> None:
    rendered = render_device(lab, "moj-hq-r1")
    with pytest.raises(InputError, match="does not exist"):
        from_backups(rendered, "moj-hq", tmp_path / "none")
    result = from_backups(rendered, "moj-hq", tmp_path)
    assert not result.compliant and "expected moj-hq/moj-hq-r1.cfg" in result.error
    (tmp_path / "moj-hq-r1.cfg").write_text(rendered.text)
    assert backup_file(tmp_path, "moj-hq", "moj-hq-r1") == tmp_path / "moj-hq-r1.cfg"
    (tmp_path / "moj-hq").mkdir()
    (tmp_path / "moj-hq" / "moj-hq-r1.cfg").write_text((DATA / "moj-hq-r1.drifted.cfg").read_text())
    result = from_backups(rendered, "moj-hq", tmp_path)  # the provisioning store's <site>/<device>.cfg wins
    assert not result.compliant and result.source == f"backup:{tmp_path / 'moj-hq' / 'moj-hq-r1.cfg'}"


def test_cli_compliance(tmp_path: Path, lab: Inventory) -> None:
    store = tmp_path / "backups"
    for dev in ("dc-core1", "dc-core2"):
        (store / "nat-dc").mkdir(parents=True, exist_ok=True)
        (store / "nat-dc" / f"{dev}.cfg").write_text(render_device(lab, dev).text)
    res = runner.invoke(app, ["compliance", "nat-dc", "--backups", str(store)])
    assert res.exit_code == 0, res.stdout
    assert "2/2 device(s) compliant" in res.stdout
    (store / "moj-hq").mkdir()
    (store / "moj-hq" / "moj-hq-r1.cfg").write_text((DATA / "moj-hq-r1.drifted.cfg").read_text())
    res = runner.invoke(app, ["compliance", "moj-hq-r1", "--backups", str(store)])
    assert res.exit_code == 1
    assert "- extra" in res.stdout and "remediation:" in res.stdout and "no router ospf" in res.stdout
    res = runner.invoke(app, ["compliance", "--all", "--backups", str(store), "--json"])
    assert res.exit_code == 1
    data = {d["device"]: d for d in json.loads(res.stdout)}
    assert data["dc-core1"]["compliant"] is True and data["moj-hq-r1"]["compliant"] is False
    assert "no backup of moj-battambang-r1" in data["moj-battambang-r1"]["error"]
    assert runner.invoke(app, ["compliance"]).exit_code == 2
    assert runner.invoke(app, ["compliance", "nope", "--backups", str(store)]).exit_code == 2


def test_cli_live_never_contacts_non_lab_addresses() -> None:
    res = runner.invoke(app, ["compliance", "--all", "--live", "-i", str(EXAMPLES), "--json"])
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert len(data) == 13
    assert all("is not a lab or loopback address" in d["error"] for d in data)
