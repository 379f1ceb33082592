"""Juniper Junos (NAPALM core driver `junos`, over NETCONF). Configs are brace blocks; structure and
golden-rule patterns match a statement's path (`set` style)."""

from __future__ import annotations

from typing import Any

from netkit.platforms._hier import options_for
from netkit.platforms.spec import ROUTERS, SWITCHES, Kind, Naming, Napalm, PlatformSpec, Syntax, patterns


def _hier_config() -> tuple[str, dict[str, Any]]:
    return "junos", options_for("junos")


KINDS = (
    Kind("interface", patterns(r"^interfaces (?P<name>\S+)$", r"^interfaces (?P<base>\S+) unit (?P<unit>\d+)$"),
         patterns(r"^protocols ospf area \S+ interface (?P<name>\S+)$", r"^class-of-service interfaces (?P<name>\S+)$",
                  r"^vlans \S+ l3-interface (?P<name>\S+)$")),
    Kind("firewall filter", patterns(r"^firewall family inet filter (?P<name>\S+)$"),
         patterns(r"family inet filter (?:input|output) (?P<name>\S+)$")),
    Kind("prefix-list", patterns(r"^policy-options prefix-list (?P<name>\S+)$"),
         patterns(r" from prefix-list (?P<name>\S+)$")),
    Kind("policy-statement", patterns(r"^policy-options policy-statement (?P<name>\S+)$"),
         patterns(r"^protocols bgp .* (?:import|export) (?P<names>.+)$")),
    Kind("SNMP client-list", patterns(r"^snmp client-list (?P<name>\S+)$"), patterns(r"client-list-name (?P<name>\S+)$")),
    Kind("VLAN", patterns(r"^vlans (?P<name>\S+)$"), patterns(r"vlan members (?P<names>.+)$")),
)

PLATFORM = PlatformSpec(
    name="junos",
    description="Juniper Junos",
    roles=ROUTERS | SWITCHES,
    napalm=Napalm(driver="junos", package="napalm", module="napalm.junos"),
    syntax=Syntax(
        family="braces", comments="#", kinds=KINDS, by_path=True,
        features=(("ntp", r"^system ntp"), ("logging", r"^system syslog"),
                  ("aaa", r"^system (login|services)|^firewall "), ("interfaces", r"^interfaces |^vlans "),
                  ("snmp", r"^snmp "), ("qos", r"^class-of-service "),
                  ("routing", r"^(protocols|routing-options|policy-options) ")),
        noise=r"^(version |## Last commit)",
        hier_config=_hier_config,
    ),
    naming=Naming(
        main_file="junos.conf", mgmt_interface="fxp0", lan_interface="ge-0/0/1", loopback="lo0",
        loopback_unit="lo0.0", svi="irb.{vlan}", switch_uplink="ge-0/0/47", switch_access_range="ge-0/0/0 to ge-0/0/43",
        interface_pattern=r"(ge|xe|et|ae|fxp|em|irb)-?\d+(/\d+)*(\.\d+)?",
        router_uplink="ge-0/0/0",
    ),
)
