"""Rendering: the FRR configs the lab and provisioning load, every platform of the example inventory,
determinism, StrictUndefined with file and line, and the `netkit render` command."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.config.context import as_dict
from netkit.config.render import Renderer, RenderError, device_context, render_device, render_site
from netkit.errors import InputError
from netkit.inventory import DEFAULT_INVENTORY, Inventory, load_inventory
from netkit.inventory.models import Platform
from typer.testing import CliRunner

EXAMPLES = DEFAULT_INVENTORY.parent / "examples"
TEMPLATES = DEFAULT_INVENTORY.parents[1] / "templates"
runner = CliRunner()


def _section(text: str, header: str) -> list[str]:
    """The indented lines under `header` (up to the next top-level line)."""
    lines = text.splitlines()
    start = lines.index(header)
    body = []
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        body.append(line.strip())
    return body


# ---------------------------------------------------------------- FRR: what the lab and provisioning load


def test_lab_routers_render_one_frr_conf(lab: Inventory) -> None:
    routers = [d for d in lab.devices.values() if d.platform == Platform("frr")]
    assert len(routers) == 7
    for dev in routers:
        cfg = render_device(lab, dev)
        assert cfg.device == dev.name and cfg.platform == Platform("frr")
        assert list(cfg.files) == ["frr.conf"] and cfg.main_file == "frr.conf"
        text = cfg.files["frr.conf"]
        assert f"\nhostname {dev.name}\n" in text
        assert "agentx" in text.splitlines()
        # forwarding is FRR's default (never printed): the intent is the absence of `no ip forwarding`
        assert not {"ip forwarding", "no ip forwarding"} & set(text.splitlines())
        assert f"\nip router-id {dev.loopback.ip}\n" in text  # type: ignore[union-attr]
        # the management interface keeps its address
        assert _section(text, f"interface {dev.mgmt_interface}")[:2] == [
            "description out-of-band management", f"ip address {dev.mgmt_address}/24"]
        assert "0.0.0.0/0" not in text  # never a default route in the lab
        assert text.endswith("end\n")


def test_core_router_runs_ospf_with_lab_timers_and_ibgp(lab: Inventory) -> None:
    text = render_device(lab, "dc-core1").text
    assert _section(text, "interface eth1") == [
        "description DC-CORE-XCONNECT-1 to dc-core2 eth1", "ip address 198.18.0.32/31", "ip ospf area 0",
        "ip ospf dead-interval 3", "ip ospf hello-interval 1", "ip ospf network point-to-point"]
    assert "ip ospf area 0" in _section(text, "interface lo") and "ip ospf passive" in _section(text, "interface lo")
    # the NOC link and the service link are advertised into OSPF without adjacencies
    for passive in ("interface noc0", "interface eth2"):
        assert {"ip ospf area 0", "ip ospf passive"} <= set(_section(text, passive))
    # eBGP uplinks are not in OSPF
    assert not any(line.startswith("ip ospf") for line in _section(text, "interface eth3"))
    assert _section(text, "router ospf") == ["ospf router-id 198.18.0.1", "timers throttle spf 0 50 200",
                                             "timers throttle lsa all 0", "timers lsa min-arrival 0"]
    bgp = _section(text, "router bgp 64512")
    assert "neighbor 198.18.0.2 remote-as 64512" in bgp and "neighbor 198.18.0.2 update-source lo" in bgp
    assert "neighbor 198.18.0.2 next-hop-self" in bgp
    # the core advertises the DC block and the NOC prefix, accepts from each site only its block
    assert {"network 198.18.0.0/24", "network 198.19.254.0/30"} <= set(bgp)
    assert "neighbor 198.18.16.32 route-map NETKIT-FROM-MOJ-HQ in" in bgp
    assert "ip prefix-list NETKIT-FROM-MOJ-HQ seq 5 permit 198.18.16.0/24" in text
    assert "no bgp ebgp-requires-policy" not in text  # explicit policies instead


def test_site_router_peers_with_both_cores_and_advertises_its_block(lab: Inventory) -> None:
    text = render_device(lab, "moj-hq-r1").text
    bgp = _section(text, "router bgp 65101")
    peers = {m.group(1): int(m.group(2)) for m in (re.match(r"neighbor (\S+) remote-as (\d+)", b) for b in bgp) if m}
    assert peers == {"198.18.16.33": 64512, "198.18.16.35": 64512}
    assert "network 198.18.16.0/24" in bgp
    assert "ip route 198.18.16.0/24 blackhole" in text  # the advertised aggregate exists in the RIB
    assert "ip prefix-list NETKIT-EBGP-OUT seq 5 permit 198.18.16.0/24" in text
    assert "router ospf" not in text  # no OSPF link at this site
    assert _section(text, "interface lan0")[1] == "ip address 198.18.16.65/26"


def test_every_address_rendered_for_the_lab_is_a_lab_address(lab: Inventory) -> None:
    lab_range = ipaddress.IPv4Network("198.18.0.0/15")
    for dev in lab.devices.values():
        if dev.platform != Platform("frr"):
            continue
        for found in re.findall(r"\b(\d+\.\d+\.\d+\.\d+)(?:/\d+)?\b", render_device(lab, dev).text):
            assert ipaddress.IPv4Address(found) in lab_range, (dev.name, found)


def test_render_site_and_errors(lab: Inventory) -> None:
    assert [c.device for c in render_site(lab, "nat-dc")] == ["dc-core1", "dc-core2"]  # not the service host
    with pytest.raises(InputError, match="no site 'nope'"):
        render_site(lab, "nope")
    with pytest.raises(InputError, match="platform linux is not configured"):
        render_device(lab, "verify-svc")
    with pytest.raises(InputError, match=r"no device .nope.; valid devices: dc-core1, dc-core2"):
        render_device(lab, "nope")


def test_rendering_is_deterministic(lab: Inventory, examples: Inventory) -> None:
    for inv in (lab, examples):
        first = {d: Renderer(inv).render(d).files for d in inv.devices if inv.devices[d].platform != Platform("linux")}
        again = {d: Renderer(load_inventory(inv.path)).render(d).files for d in first}
        assert first == again


# ---------------------------------------------------------------- the other platforms


def test_every_example_device_renders_its_platform_file(examples: Inventory) -> None:
    expected = {Platform("ios"): "ios.cfg", Platform("eos"): "eos.cfg", Platform("junos"): "junos.conf",
                Platform("huawei_vrp"): "vrp.cfg", Platform("routeros"): "routeros.rsc", Platform("nxos"): "nxos.cfg"}
    seen = set()
    for dev in examples.devices.values():
        cfg = render_device(examples, dev)
        assert list(cfg.files) == [expected[dev.platform]]
        assert dev.name in cfg.text and "@@secret:password@@" in cfg.text  # secrets are marks, never values
        seen.add(dev.platform)
    assert seen == set(expected)


def test_ios_switch_and_router_features(examples: Inventory) -> None:
    sw = render_device(examples, "moj-hq-sw1").text
    assert "interface range GigabitEthernet1/0/1 - 44" in sw and "switchport voice vlan 20" in sw
    assert "interface Vlan99" in sw and "ip default-gateway 10.1.2.129" in sw
    r1 = render_device(examples, "moj-hq-r1").text
    assert _section(r1, "interface GigabitEthernet0/0/1.10")[1] == "encapsulation dot1Q 10"
    assert r1.count("policy-map NETKIT-CIR-200M") == 1 and "shape average 200000000" in r1  # committed 200 Mbps
    assert "service-policy output NETKIT-CIR-200M" in _section(r1, "interface GigabitEthernet0/0/0")
    assert "snmp-server community" not in r1
    assert _section(r1, "line vty 0 4") == ["access-class NETKIT-MGMT in", "exec-timeout 10 0", "transport input ssh"]


def test_v2c_only_where_the_inventory_allows_it(examples: Inventory) -> None:
    assert "snmp-agent community read cipher @@secret:snmp_community@@ acl 2001" in render_device(
        examples, "moh-ratanakiri-r1").text
    assert "snmp-agent community" not in render_device(examples, "moh-ratanakiri-sw1").text


def test_show_vars_is_the_template_data(lab: Inventory) -> None:
    data = as_dict(device_context(lab, "moj-hq-r1"))
    assert data["hostname"] == "moj-hq-r1" and data["timers"]["lab"] is True
    assert [n["address"] for n in data["bgp"]["neighbors"]] == ["198.18.16.33", "198.18.16.35"]
    assert data["ospf"] is None
    json.dumps(data)  # JSON-ready


# ---------------------------------------------------------------- StrictUndefined, file and line


def test_undefined_variable_names_device_template_and_line(tmp_path: Path, lab: Inventory) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    partial = templates / "frr" / "partials" / "ospf.j2"
    lines = partial.read_text().splitlines()
    lines.insert(3, " area {{ ospf.are }} range 198.18.0.0/24")
    partial.write_text("\n".join(lines) + "\n")
    with pytest.raises(RenderError) as e:
        Renderer(lab, templates).render("dc-core1")
    assert (e.value.device, e.value.file, e.value.line) == ("dc-core1", "templates/frr/partials/ospf.j2", 4)
    assert "are" in e.value.reason
    # a device without OSPF does not reach that line
    assert Renderer(lab, templates).render("moj-hq-r1").files


# ---------------------------------------------------------------- the command


def test_cli_render_device_site_all_and_show_vars(tmp_path: Path) -> None:
    res = runner.invoke(app, ["render", "device", "moj-battambang-r1"])
    assert res.exit_code == 0 and "hostname moj-battambang-r1" in res.stdout
    res = runner.invoke(app, ["render", "site", "nat-dc", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.conf")) == [
        "dc-core1/frr.conf", "dc-core2/frr.conf"]
    res = runner.invoke(app, ["render", "--all", "--json", "-i", str(EXAMPLES)])
    assert res.exit_code == 0
    assert len(json.loads(res.stdout)) == 13
    res = runner.invoke(app, ["render", "--show-vars", "dc-core2", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["bgp"]["asn"] == 64512
    res = runner.invoke(app, ["render", "device", "nope"])
    assert res.exit_code == 2 and "no device 'nope'; valid devices:" in res.stderr
    res = runner.invoke(app, ["render", "--all", "site", "x"])
    assert res.exit_code == 2
    res = runner.invoke(app, ["render", "-i", str(tmp_path / "nowhere")])  # nothing asked: the help, no inventory read
    assert res.exit_code == 2 and "Usage" in res.stdout and "no such inventory" not in res.output


def test_fill_secrets_at_push_time(examples: Inventory) -> None:
    from netkit.config.secrets import fill_secrets, marks
    from netkit.inventory.credentials import Credentials
    from pydantic import SecretStr

    text = render_device(examples, "moh-ratanakiri-r1").text
    assert marks(text) == {"username", "password", "snmp_auth_key", "snmp_priv_key", "snmp_community"}
    creds = Credentials(username="noc", password=SecretStr("pw1"), snmp_user="netkit",
                        snmp_auth_key=SecretStr("auth1"), snmp_priv_key=SecretStr("priv1"))
    with pytest.raises(InputError, match="needs snmp_community"):
        fill_secrets(text, creds, "moh-ratanakiri-r1")
    full = creds.model_copy(update={"snmp_community": SecretStr("ro1")})
    filled = fill_secrets(text, full, "moh-ratanakiri-r1")
    assert "@@secret" not in filled and "local-user noc password irreversible-cipher pw1" in filled
    assert "snmp-agent community read cipher ro1 acl 2001" in filled
    # FRR configs carry no secret at all
    assert marks(render_device(load_inventory(DEFAULT_INVENTORY), "dc-core1").text) == set()
