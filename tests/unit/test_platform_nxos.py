"""The proof that a platform is one module: Cisco NX-OS (`netkit/platforms/nxos.py` + `templates/nxos/`)
is rendered, validated, compliance-checked and planned like the others; and a platform from another
package registers through the `netkit.platforms` entry-point group."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from netkit.config.compliance import compare
from netkit.config.parse import parse
from netkit.config.render import render_device
from netkit.config.rules import check_rules, load_rules
from netkit.config.structure import undefined_references
from netkit.config.validate import validate
from netkit.drivers import driver_args, driver_class, driver_for
from netkit.inventory import DEFAULT_INVENTORY, Inventory, load_inventory
from netkit.platforms import Platform, get, names, registry
from netkit.provision.plan import driver_name

EXAMPLES = DEFAULT_INVENTORY.parent / "examples"
NXOS = Platform("nxos")


@pytest.fixture(scope="module")
def examples() -> Inventory:
    return load_inventory(EXAMPLES)


def test_nxos_is_registered_with_napalms_core_nxos_ssh_driver() -> None:
    assert "nxos" in names()
    assert driver_for(NXOS) == "nxos_ssh"
    assert driver_class(NXOS).__name__ == "NXOSSSHDriver"
    assert driver_args(NXOS, 12) == {"conn_timeout": 12}  # netmiko underneath
    assert driver_name(NXOS) == ("nxos_ssh", "")


def test_nxos_renders_and_validates_clean(examples: Inventory) -> None:
    rendered = render_device(examples, "nat-dc-sw1")
    assert rendered.platform == "nxos" and list(rendered.files) == ["nxos.cfg"]
    text = rendered.files["nxos.cfg"]
    assert "interface Ethernet1/48\n  description uplink to the site router\n" in text
    assert "interface mgmt0\n  description out-of-band management\n  vrf member management\n" in text
    report = validate(examples, ["nat-dc-sw1"], frr_check=False, jobs=1)
    [device] = [d for d in report.devices if d.device == "nat-dc-sw1"]
    assert device.findings == [] and device.files == ["nxos.cfg"]


def test_nxos_golden_rules_and_structure_catch_mistakes(examples: Inventory) -> None:
    rules = load_rules(Path(__file__).resolve().parents[2] / "templates" / "rules")
    nxos_rules = {r.id for r in rules if NXOS in r.platforms}
    assert {"banner-present", "vty-management-acl", "snmp-v3-only", "ntp-servers-equal-inventory"} <= nxos_rules
    rendered = render_device(examples, "nat-dc-sw1")
    from netkit.config.render import Renderer

    ctx = Renderer(examples).render_with_context("nat-dc-sw1")[1]
    good = parse(rendered.text, "nxos")
    assert good.errors == [] and check_rules(rules, NXOS, good, ctx) == []
    bad_text = (rendered.text.replace("feature ssh\n", "feature telnet\n")
                .replace("  access-class NETKIT-MGMT in\n", "  access-class NETKIT-NOPE in\n")
                .replace("ntp server 10.250.0.194\n", ""))
    bad = parse(bad_text, "nxos")
    assert {v.rule for v in check_rules(rules, NXOS, bad, ctx)} == {"no-telnet", "ntp-servers-equal-inventory"}
    assert [p.message for p in undefined_references(bad)] == ["ACL NETKIT-NOPE is used but not defined in this file"]


def test_nxos_compliance_ignores_show_run_noise_and_remediates(examples: Inventory) -> None:
    rendered = render_device(examples, "nat-dc-sw1")
    running = ("!Command: show running-config\n!Running configuration last done at: Mon Dec  1 10:00:00 2026\n"
               "version 10.3(4a) Bios:version 05.47\n" + rendered.text)
    running = running.replace("@@secret:username@@", "admin").replace("@@secret:password@@", "$5$x")
    running = running.replace("@@secret:snmp_auth_key@@", "0xabc").replace("@@secret:snmp_priv_key@@", "0xdef")
    assert compare(rendered, running, "nat-dc", "t").compliant
    drifted = running.replace("logging server 10.250.0.195 6\n", "logging server 10.9.9.9 6\n")
    result = compare(rendered, drifted, "nat-dc", "t")
    assert not result.compliant
    assert {f.feature: (f.missing, f.extra) for f in result.features if not f.compliant} == {
        "logging": (["logging server 10.250.0.195 6"], ["logging server 10.9.9.9 6"])}
    assert result.remediation.splitlines() == ["no logging server 10.9.9.9 6", "logging server 10.250.0.195 6"]


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An installed distribution that adds platform `fakeos` through the entry-point group."""
    (tmp_path / "fakeos_platform.py").write_text(
        "from netkit.platforms import Naming, PlatformSpec\n"
        "PLATFORM = PlatformSpec(name='fakeos', description='a plugin', roles=frozenset({'access-switch'}),\n"
        "    naming=Naming(main_file='', mgmt_interface='m0', lan_interface='e1', interface_pattern='e\\\\d+'))\n")
    dist = tmp_path / "fakeos_platform-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeos-platform\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[netkit.platforms]\nfakeos = fakeos_platform:PLATFORM\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._registry.cache_clear()
    registry.get.cache_clear()
    yield
    sys.modules.pop("fakeos_platform", None)
    registry._registry.cache_clear()
    registry.get.cache_clear()


@pytest.mark.usefixtures("plugin")
def test_a_platform_from_another_package_registers_by_entry_point() -> None:
    assert "fakeos" in names() and get("fakeos").description == "a plugin"
    assert Platform("fakeos").spec.naming.mgmt_interface == "m0"


def test_an_unknown_platform_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown platform 'cisco' \(known: eos, frr, huawei_vrp, ios, junos, linux, nxos"):
        Platform("cisco")
