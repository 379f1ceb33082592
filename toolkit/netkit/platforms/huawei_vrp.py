"""Huawei VRP (community NAPALM driver `huawei_vrp` from napalm-huawei-vrp, over netmiko)."""

from __future__ import annotations

from typing import Any

from netkit.platforms._hier import idempotent, options_for
from netkit.platforms.spec import ROUTERS, SWITCHES, Kind, Naming, Napalm, PlatformSpec, Syntax, patterns


def _hier_config() -> tuple[str, dict[str, Any]]:
    opts = options_for("ios")
    opts.update(negation="undo", per_line_sub=[], sectional_exiting=[], idempotent_commands=idempotent(
        ("sysname",), ("interface", "description"), ("interface", "ip address"),
        ("bgp", "router-id"), ("ospf",), ("interface", "qos lr outbound"),
    ))
    return "vrp", opts


KINDS = (
    Kind("interface", patterns(r"^interface (?P<name>\S+)$", r"^group-member (?P<range>.+)$"),
         patterns(r"^peer \S+ connect-interface (?P<name>\S+)$", r" source-interface (?P<name>\S+)$",
                  r"^silent-interface (?P<name>\S+)$")),
    Kind("ACL", patterns(r"^acl number (?P<name>\d+)$", r"^acl name \S+ (?P<name>\d+)$"),
         patterns(r"^acl (?P<name>\d+) (?:inbound|outbound)$", r"^snmp-agent .* acl (?P<name>\d+)$")),
    Kind("ip-prefix", patterns(r"^ip ip-prefix (?P<name>\S+) "), patterns(r"^if-match ip-prefix (?P<name>\S+)$")),
    Kind("route-policy", patterns(r"^route-policy (?P<name>\S+) "),
         patterns(r"^peer \S+ route-policy (?P<name>\S+) (?:import|export)$")),
)

PLATFORM = PlatformSpec(
    name="huawei_vrp",
    description="Huawei VRP",
    roles=ROUTERS | SWITCHES,
    napalm=Napalm(driver="huawei_vrp", package="napalm-huawei-vrp", module="napalm_huawei_vrp", netmiko=True),
    syntax=Syntax(
        family="indent", comments="#!", kinds=KINDS, top_level_indent=True,
        features=(("interfaces", r"^interface |^vlan |^port-group |^stp "), ("snmp", r"^snmp-agent"),
                  ("ntp", r"^ntp-service "), ("logging", r"^info-center "),
                  ("aaa", r"^aaa|^user-interface |^stelnet |^ssh |^acl |^header |^undo telnet"),
                  ("routing", r"^bgp |^ospf |^ip route-static |^ip ip-prefix |^route-policy ")),
        noise=r"^(!Software Version|!Last configuration)",
        hier_config=_hier_config,
    ),
    naming=Naming(
        main_file="vrp.cfg", mgmt_interface="MEth0/0/0", lan_interface="GigabitEthernet0/0/1", loopback="LoopBack0",
        svi="Vlanif{vlan}", switch_uplink="GigabitEthernet0/0/48",
        switch_access_range="GigabitEthernet0/0/1 to GigabitEthernet0/0/44",
        interface_pattern=r"(GigabitEthernet|XGigabitEthernet|Eth-Trunk|MEth|Vlanif)\d+(/\d+)*(\.\d+)?",
        router_uplink="GigabitEthernet0/0/0",
    ),
)
