"""`netkit validate`: the lab and example inventories pass; template and inventory mistakes are caught
and named by device, file and line; JUnit XML; the command's exit codes."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from netkit.cli.app import app
from netkit.config import frr_syntax
from netkit.config.junit import junit_xml
from netkit.config.models import Finding
from netkit.config.validate import ValidationReport, inventory_findings, validate
from netkit.inventory import DEFAULT_INVENTORY, Inventory
from typer.testing import CliRunner

EXAMPLES = DEFAULT_INVENTORY.parent / "examples"
TEMPLATES = DEFAULT_INVENTORY.parents[1] / "templates"
needs_vtysh = pytest.mark.skipif(frr_syntax.vtysh_path() is None, reason="FRR (vtysh) is not installed")
runner = CliRunner()


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A copy of the templates to break."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def errors(report: ValidationReport) -> list[Finding]:
    return [f for f in report.all_findings if f.severity == "error"]


def line_of(report_text: str, needle: str) -> int:
    return next(n for n, line in enumerate(report_text.splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- passing inventories


@needs_vtysh
def test_lab_and_examples_pass(lab: Inventory, examples: Inventory) -> None:
    for inv, count in ((lab, 7), (examples, 13)):
        report = validate(inv, jobs=1)
        assert report.ok, [f.model_dump() for f in report.all_findings]
        assert len(report.devices) == count and report.notes == []


def test_parallel_workers_give_the_same_report(examples: Inventory) -> None:
    names = sorted(examples.devices) * 20  # enough devices for the worker pool
    one = validate(examples, names, jobs=1, frr_check=False)
    two = validate(examples, names, jobs=2, frr_check=False)
    assert one.model_dump() == two.model_dump()


# ---------------------------------------------------------------- caught, with device, file and line


def test_undefined_variable(lab: Inventory, templates: Path) -> None:
    edit(templates / "frr" / "partials" / "base.j2", "agentx\n", "agentx {{ snmp.agentx_socket }}\n")
    report = validate(lab, templates=templates, jobs=1, frr_check=False)
    found = errors(report)
    assert {f.device for f in found} == set(lab.devices) - {"verify-svc"}
    f = next(f for f in found if f.device == "dc-core1")
    line = line_of((templates / "frr" / "partials" / "base.j2").read_text(), "agentx_socket")
    assert (f.check, f.file, f.line) == ("render", "templates/frr/partials/base.j2", line)
    assert "agentx_socket" in f.message


@needs_vtysh
def test_frr_syntax_error(lab: Inventory, templates: Path) -> None:
    edit(templates / "frr" / "partials" / "ospf.j2", " ospf router-id {{ ospf.router_id }}\n",
         " ospf router-id {{ ospf.router_id }}\n ospf spf-delay-ietf fast\n")
    report = validate(lab, templates=templates, jobs=1)
    found = errors(report)
    assert {f.device for f in found} == {"dc-core1", "dc-core2"}  # the routers that run OSPF
    from netkit.config.render import Renderer

    for f in found:
        assert (f.check, f.file, f.text) == ("syntax", "frr.conf", "ospf spf-delay-ietf fast")
        assert "FRR rejects this line" in f.message
        rendered = Renderer(lab, templates).render(f.device).text
        assert f.line == line_of(rendered, "spf-delay-ietf")


@needs_vtysh
def test_frr_dryrun_maps_lines_back_to_each_file() -> None:
    good = "hostname a\ninterface eth0\n ip address 198.18.0.1/24\nexit\n"
    bad = "hostname b\ninterface eth0\n ip adress 198.18.0.2/24\n foo bar\nexit\n"
    outcome = frr_syntax.dryrun([("a", "frr.conf", good), ("b", "frr.conf", bad), ("c", "frr.conf", good + "bogus\n")])
    assert outcome.skipped == ""
    assert [(f.device, f.line, f.text) for f in outcome.findings] == [
        ("b", 3, "ip adress 198.18.0.2/24"), ("b", 4, "foo bar"), ("c", 5, "bogus")]


def test_frr_check_is_skipped_cleanly_without_vtysh(tmp_path: Path) -> None:
    outcome = frr_syntax.dryrun([("a", "frr.conf", "hostname a\n")], vtysh=str(tmp_path / "no-vtysh"))
    assert outcome.findings == [] and "skipped" in outcome.skipped


def test_ios_interface_that_does_not_exist(examples: Inventory, templates: Path) -> None:
    edit(templates / "ios" / "partials" / "ntp_syslog.j2", "ntp source {{ loopback.name }}",
         "ntp source Loopback1")
    report = validate(examples, templates=templates, jobs=1, frr_check=False)
    found = errors(report)
    assert {f.device for f in found} == {"core1", "moj-hq-r1", "moj-hq-sw1", "moj-hq-sw2"}  # the IOS devices
    f = next(f for f in found if f.device == "moj-hq-r1")
    assert (f.check, f.file, f.text) == ("structure", "ios.cfg", "ntp source Loopback1")
    assert f.message == "interface Loopback1 is used but not defined in this file"
    from netkit.config.render import Renderer

    assert f.line == line_of(Renderer(examples, templates).render("moj-hq-r1").text, "ntp source Loopback1")


def test_undefined_acl(examples: Inventory, templates: Path) -> None:
    edit(templates / "ios" / "partials" / "lines.j2", "line vty 5 15\n access-class {{ mgmt.acl }} in",
         "line vty 5 15\n access-class NETKIT-VTY in")
    report = validate(examples, ["moj-hq-r1"], templates=templates, jobs=1, frr_check=False)
    [f] = errors(report)
    assert (f.device, f.check, f.file, f.text) == ("moj-hq-r1", "structure", "ios.cfg", "access-class NETKIT-VTY in")
    assert f.message == "ACL NETKIT-VTY is used but not defined in this file" and f.line > 0


def test_undefined_route_map_and_prefix_list_on_other_platforms(examples: Inventory, templates: Path) -> None:
    edit(templates / "eos" / "partials" / "routing.j2", "ip prefix-list {{ pl.name }} seq",
         "ip prefix-list {{ pl.name }}-X seq")
    edit(templates / "junos" / "partials" / "firewall.j2", "filter {{ mgmt.acl }} {", "filter PROTECT-RE {")
    edit(templates / "huawei_vrp" / "partials" / "routing.j2", "route-policy {{ name }} permit node 10",
         "route-policy {{ name }}-V1 permit node 10")
    report = validate(examples, templates=templates, jobs=1, frr_check=False)
    messages = {(f.device, f.message) for f in errors(report)}
    assert ("mef-hq-r1", "prefix-list NETKIT-EBGP-OUT is used but not defined in this file") in messages
    assert ("core2", "firewall filter NETKIT-MGMT is used but not defined in this file") in messages
    assert ("moh-ratanakiri-r1", "route-policy NETKIT-EBGP-OUT is used but not defined in this file") in messages


def test_duplicate_address(examples: Inventory, templates: Path) -> None:
    # A template bug: the loopback gets the first data interface's address.
    edit(templates / "huawei_vrp" / "partials" / "interfaces.j2", " ip address {{ itf.ip }} {{ itf.netmask }}",
         " ip address {{ (interfaces[0].ip if itf.kind == 'loopback' else itf.ip) }} {{ itf.netmask }}")
    report = validate(examples, ["moh-ratanakiri-r1"], templates=templates, jobs=1, frr_check=False)
    [f] = errors(report)
    assert (f.device, f.check, f.file) == ("moh-ratanakiri-r1", "structure", "vrp.cfg")
    assert f.message.startswith("address 10.3.0.65 is configured twice (interface LoopBack0 at line")
    assert f.text == "ip address 10.3.0.65 255.255.255.192" and f.line > 0


def test_duplicate_address_across_devices(examples: Inventory, templates: Path) -> None:
    edit(templates / "eos" / "partials" / "interfaces.j2", "   ip address {{ itf.address }}",
         "   ip address {{ '10.2.0.1/32' if itf.kind == 'loopback' else itf.address }}")
    report = validate(examples, ["mef-hq-r1", "mef-hq-sw1"], templates=templates, jobs=1, frr_check=False)
    found = errors(report)
    assert {f.device for f in found} == {"mef-hq-r1", "mef-hq-sw1"}
    assert all("address 10.2.0.1 is configured on several devices" in f.message for f in found)


def test_golden_rule_violation(examples: Inventory, templates: Path) -> None:
    edit(templates / "ios" / "partials" / "lines.j2", "line vty 0 4\n access-class {{ mgmt.acl }} in\n",
         "line vty 0 4\n")
    edit(templates / "ios" / "partials" / "ntp_syslog.j2", "ntp server {{ s }}", "ntp server 10.9.9.9")
    report = validate(examples, ["core1"], templates=templates, jobs=1, frr_check=False)
    found = {f.check: f for f in errors(report)}
    assert set(found) == {"rule:vty-management-acl", "rule:ntp-servers-equal-inventory"}
    vty = found["rule:vty-management-acl"]
    assert (vty.file, vty.text) == ("ios.cfg", "line vty 0 4") and vty.line > 0
    ntp = found["rule:ntp-servers-equal-inventory"]
    assert "missing 10.250.0.193, 10.250.0.194; not in the inventory: 10.9.9.9" in ntp.message


def test_inventory_problems_become_findings() -> None:
    found = inventory_findings([
        "inventory/x/host_vars/r1.yml:3: host r1: netkit_device.platform 'cisco' is not a valid platform",
        "inventory/x/group_vars/site_a.yml: site a: has no devices",
        "something else entirely",
    ])
    assert [(f.device, f.file, f.check) for f in found] == [
        ("r1", "inventory/x/host_vars/r1.yml", "inventory"), ("a", "inventory/x/group_vars/site_a.yml", "inventory"),
        ("inventory", "", "inventory")]
    assert found[0].message == "netkit_device.platform 'cisco' is not a valid platform" and found[0].line == 3


# ---------------------------------------------------------------- JUnit and the command


def test_junit_names_every_failure(examples: Inventory, templates: Path) -> None:
    edit(templates / "ios" / "partials" / "ntp_syslog.j2", "ntp source {{ loopback.name }}", "ntp source Loopback1")
    report = validate(examples, templates=templates, jobs=1, frr_check=False)
    root = ET.fromstring(junit_xml(report))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "13" and suite.get("failures") == "4"
    case = next(c for c in suite.iter("testcase") if c.get("name") == "moj-hq-r1")
    assert case.get("classname") == "moj-hq"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "structure"
    assert "moj-hq-r1 ios.cfg:" in (failure.get("message") or "")
    assert junit_xml(report) == junit_xml(report)


def test_cli_exit_codes_and_junit(tmp_path: Path, templates: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETKIT_STATE_DIR", str(tmp_path / "state"))  # no lab here
    res = runner.invoke(app, ["validate", "--all", "-i", str(EXAMPLES), "--junit", str(tmp_path / "ok.xml")])
    assert res.exit_code == 0, res.stdout
    assert "ok" in res.stdout and ET.parse(tmp_path / "ok.xml").getroot().get("failures") == "0"
    res = runner.invoke(app, ["validate", "moj-hq", "--lab", "--json"])
    assert res.exit_code == 0 and "lab check skipped: no lab is up" in res.stdout

    edit(templates / "ios" / "partials" / "lines.j2", " transport input ssh\n", " transport input ssh telnet\n")
    monkeypatch.setenv("NETKIT_TEMPLATES", str(templates))
    res = runner.invoke(app, ["validate", "moj-hq-r1", "-i", str(EXAMPLES), "--junit", str(tmp_path / "bad.xml")])
    assert res.exit_code == 1
    assert "rule:no-telnet" in res.stdout and "FAILED" in res.stdout
    assert ET.parse(tmp_path / "bad.xml").getroot().get("failures") == "1"

    res = runner.invoke(app, ["validate", "nope", "-i", str(EXAMPLES)])
    assert res.exit_code == 2 and "no site or device named 'nope'" in res.stderr


def test_cli_broken_inventory_is_reported_with_its_files(tmp_path: Path) -> None:
    broken = tmp_path / "inventory"
    shutil.copytree(EXAMPLES, broken)
    edit(broken / "host_vars" / "core2.yml", "platform: junos", "platform: cisco-nxos")
    res = runner.invoke(app, ["validate", "-i", str(broken), "--junit", str(tmp_path / "j.xml"), "--json"])
    assert res.exit_code == 2
    assert "host_vars/core2.yml" in res.stdout and '"device": "core2"' in res.stdout and '"line": 3' in res.stdout
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.get("failures") == "1"
