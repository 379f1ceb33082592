"""The config parser, structural rules and golden rules on small hand-written configs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from netkit.config.context import DeviceContext
from netkit.config.parse import ConfigTree, first_word, parse
from netkit.config.render import device_context
from netkit.config.rules import GoldenRule, check_rules, load_rules
from netkit.config.structure import Problem, addresses, duplicate_addresses, expand_range, undefined_references
from netkit.errors import InputError
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.inventory.models import Platform
from netkit.platforms import all_specs

RULES = DEFAULT_INVENTORY.parents[1] / "templates" / "rules"

IOS = """\
! a comment
hostname r1
interface GigabitEthernet0/0
 description uplink
 ip address 10.0.0.1 255.255.255.254
!
router bgp 65001
 neighbor 10.0.0.0 remote-as 64512
 !
 address-family ipv4
  neighbor 10.0.0.0 route-map OUT out
 exit-address-family
banner login ^C
Authorized only
 telnet is not a command here
^C
line vty 0 4
 access-class MGMT in
"""



def check_structure(tree: ConfigTree) -> list[Problem]:
    """Every structural problem of one parsed file, as `netkit validate` finds them."""
    return [*undefined_references(tree), *duplicate_addresses(addresses(tree))]

def test_indented_tree_with_line_numbers_and_banner() -> None:
    tree = parse(IOS, "ios")
    assert [r.text.split("\n")[0] for r in tree.roots] == [
        "hostname r1", "interface GigabitEthernet0/0", "router bgp 65001", "banner login ^C", "line vty 0 4"]
    bgp = tree.roots[2]
    af = bgp.children[1]
    assert (af.text, af.lineno, af.parent is bgp) == ("address-family ipv4", 10, True)
    assert [c.text for c in af.children] == ["neighbor 10.0.0.0 route-map OUT out"]  # exit-address-family dropped
    assert af.children[0].path == "router bgp 65001 address-family ipv4 neighbor 10.0.0.0 route-map OUT out"
    banner = tree.roots[3]
    assert banner.text == "banner login ^C\nAuthorized only\n telnet is not a command here\n^C" and not banner.children
    assert tree.roots[4].lineno == 17 and tree.errors == []


def test_tree_agrees_with_ciscoconfparse2() -> None:
    import ciscoconfparse2 as ccp  # a dev dependency: the test fails rather than skips without it
    text = IOS.split("banner")[0]
    ours = {(ln.lineno, ln.parent.lineno if ln.parent else None) for ln in parse(text, "ios").lines}
    theirs = {(o.linenum + 1, o.parent.linenum + 1 if o.parent is not o else None)
              for o in ccp.CiscoConfParse(text.splitlines(), syntax="ios").objs
              if not o.text.strip().startswith("!") and o.text.strip() not in ("exit-address-family",)}
    assert ours == theirs


def test_parse_errors_are_reported_with_lines() -> None:
    assert [(e.lineno, e.message) for e in parse(" orphan\nhostname x\n", "ios").errors] == [
        (1, "indented line with no parent statement above it")]
    junos = "system {\n    host-name x;\n    services {\n        ssh\n    }\n"
    errs = parse(junos, "junos").errors
    assert [(e.lineno, e.message) for e in errs] == [(4, "statement ends with neither ';' nor '{'"),
                                                     (1, "block 'system' is never closed")]
    ros = 'add name=x\n/ip address\nadd address=1.2.3.4/24 \\\n    interface=ether1\nset comment="oops\n'
    tree = parse(ros, "routeros")
    assert [(e.lineno, e.message) for e in tree.errors] == [(1, "command outside any /section"),
                                                            (5, "unbalanced double quote")]
    assert tree.lines[1].text == "add address=1.2.3.4/24 interface=ether1" and tree.lines[1].lineno == 3


def test_junos_paths() -> None:
    text = "/* header */\nsystem {\n    services {\n        ssh {\n            protocol-version v2;\n        }\n    }\n}\n"
    tree = parse(text, "junos")
    assert [ln.path for ln in tree.lines] == ["system", "system services", "system services ssh",
                                             "system services ssh protocol-version v2"]
    found = list(tree.search(re.compile(r"^system services ssh protocol-version (\S+)$"), by_path=True))
    assert [(ln.lineno, m.group(1)) for ln, m in found] == [(5, "v2")]


def test_first_word_only_for_literal_heads() -> None:
    assert first_word(re.compile(r"^interface (\S+)$")) == "interface"
    assert first_word(re.compile(r"^/ip address add")) == "/ip"
    assert first_word(re.compile(r"^(?:ntp|logging) ")) is None
    assert first_word(re.compile(r" source-interface (\S+)$")) is None


def test_expand_range() -> None:
    assert expand_range("GigabitEthernet1/0/1 - 3") == ["GigabitEthernet1/0/1", "GigabitEthernet1/0/2",
                                                        "GigabitEthernet1/0/3"]
    assert expand_range("Ethernet1-2") == ["Ethernet1", "Ethernet2"]
    assert expand_range("GigabitEthernet0/0/1 to GigabitEthernet0/0/2") == ["GigabitEthernet0/0/1",
                                                                             "GigabitEthernet0/0/2"]


def test_structure_on_ios() -> None:
    problems = check_structure(parse(IOS + "interface GigabitEthernet0/1\n ip address 10.0.0.1 255.255.255.0\n", "ios"))
    assert sorted((p.line.lineno if p.line else 0, p.message) for p in problems) == [
        (11, "route-map OUT is used but not defined in this file"),
        (18, "ACL MGMT is used but not defined in this file"),
        (20, "address 10.0.0.1 is configured twice (interface GigabitEthernet0/0 at line 5 and "
             "interface GigabitEthernet0/1)"),
    ]


def test_structure_on_routeros() -> None:
    text = ("/interface ethernet\nset [ find default-name=ether1 ] comment=up\n/ip address\n"
            "add address=10.0.0.1/31 interface=ether1\nadd address=10.0.0.9/24 interface=ether2\n"
            "/routing bgp connection\nadd name=x remote.as=1 output.filter-chain=OUT\n")
    tree = parse(text, "routeros")
    assert sorted((p.line.lineno if p.line else 0, p.message) for p in check_structure(tree)) == [
        (5, "interface ether2 is used but not defined in this file"),
        (7, "routing filter chain OUT is used but not defined in this file")]
    assert [(a.ip, a.prefixlen, a.interface) for a in addresses(tree)] == [("10.0.0.1", 31, "ether1"),
                                                                            ("10.0.0.9", 24, "ether2")]


# ---------------------------------------------------------------- golden rules


@pytest.fixture(scope="module")
def ctx() -> DeviceContext:
    return device_context(load_inventory(DEFAULT_INVENTORY.parent / "examples"), "moj-hq-r1")


def rule(**kw: object) -> GoldenRule:
    return GoldenRule.model_validate({"id": "t", "description": "test rule", **kw})


def test_rule_kinds(ctx: DeviceContext) -> None:
    tree = parse(IOS + "ntp server 10.250.0.193\nntp server 10.9.9.9\n", "ios")
    forbid = rule(checks={"ios": {"forbid": r"^neighbor \S+ remote-as 64512$"}})
    assert [(v.line, v.text) for v in check_rules([forbid], Platform("ios"), tree, ctx)] == [
        (8, "neighbor 10.0.0.0 remote-as 64512")]
    require = rule(checks={"ios": {"require": r"^ip ssh version 2$"}})
    assert [(v.line, v.message) for v in check_rules([require], Platform("ios"), tree, ctx)] == [
        (0, "test rule (no line matches '^ip ssh version 2$')")]
    within = rule(checks={"ios": {"within": "^line vty", "require": "^transport input ssh$"}})
    assert [v.line for v in check_rules([within], Platform("ios"), tree, ctx)] == [17]
    collect = rule(checks={"ios": {"collect": r"^ntp server (\S+)", "equals": "ntp_servers"}})
    [v] = check_rules([collect], Platform("ios"), tree, ctx)
    assert v.line == 19 and "missing 10.250.0.194; not in the inventory: 10.9.9.9" in v.message
    assert check_rules([forbid], Platform("eos"), tree, ctx) == []  # other platforms: not applicable


def test_rule_conditions(ctx: DeviceContext) -> None:
    tree = parse("snmp-server community public RO X\n", "ios")
    v3_only = rule(unless="snmp.allow_v2c", checks={"ios": {"forbid": "^snmp-server community "}})
    assert len(check_rules([v3_only], Platform("ios"), tree, ctx)) == 1
    assert check_rules([v3_only.model_copy(update={"unless": "is_router"})], Platform("ios"), tree, ctx) == []
    switches_only = rule(roles=["access-switch"], checks={"ios": {"forbid": "^snmp-server community "}})
    assert check_rules([switches_only], Platform("ios"), tree, ctx) == []


@pytest.mark.parametrize(("data", "message"), [
    ([{"id": "x", "description": "d", "checks": {"ios": {"forbid": "(unclosed"}}}], "not a valid regular expression"),
    ([{"id": "x", "description": "d", "checks": {"ios": {"forbid": "a", "require": "b"}}}], "exactly one of"),
    ([{"id": "x", "description": "d", "checks": {"cisco": {"forbid": "a"}}}], "checks.cisco"),
    ([{"id": "x", "description": "d", "checks": {"ios": {"collect": "^ntp server", "equals": "ntp_servers"}}}],
     "capturing group"),
    ([{"id": "x", "description": "d", "checks": {"ios": {"forbid": "a"}}},
      {"id": "x", "description": "d", "checks": {"eos": {"forbid": "a"}}}], "id 'x' is also used"),
])
def test_bad_rule_files_are_input_errors(tmp_path: Path, data: object, message: str) -> None:
    (tmp_path / "r.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=re.escape(message)):
        load_rules(tmp_path)


def test_shipped_rules_cover_every_platform() -> None:
    rules = load_rules(RULES)
    ids = {r.id for r in rules}
    assert {"no-telnet", "snmp-v3-only", "ntp-servers-equal-inventory", "banner-present",
            "vty-management-acl"} <= ids
    covered = {p for r in rules for p in r.platforms}
    assert covered == {Platform(s.name) for s in all_specs() if s.configured}
    assert {"frr", "ios", "eos", "junos", "huawei_vrp", "routeros"} <= covered
