"""Cisco NX-OS (Nexus data-center switches; NAPALM core driver `nxos_ssh`, over netmiko)."""

from __future__ import annotations

from typing import Any

from netkit.platforms._hier import options_for
from netkit.platforms.spec import ROUTERS, SWITCHES, Kind, Naming, Napalm, PlatformSpec, Syntax, patterns


def _hier_config() -> tuple[str, dict[str, Any]]:
    return "nxos", options_for("nxos")


KINDS = (
    Kind("interface", patterns(r"^interface (?P<name>\S+)$", r"^interface (?P<range>\S+/\d+-\d+)$"),
         patterns(r"^update-source (?P<name>\S+)$", r"^(?:ntp|logging) source-interface (?P<name>\S+)$",
                  r"^snmp-server source-interface (?:traps|informs) (?P<name>\S+)$")),
    Kind("ACL", patterns(r"^ip access-list (?P<name>\S+)$"),
         patterns(r"^access-class (?P<name>\S+) in$", r"^ip access-group (?P<name>\S+) (?:in|out)$",
                  r"^snmp-server .* use-ipv4acl (?P<name>\S+)$")),
    Kind("prefix-list", patterns(r"^ip prefix-list (?P<name>\S+) "),
         patterns(r"^match ip address prefix-list (?P<name>\S+)$")),
    Kind("route-map", patterns(r"^route-map (?P<name>\S+) (?:permit|deny) \d+$"),
         patterns(r"^route-map (?P<name>\S+) (?:in|out)$")),
)

PLATFORM = PlatformSpec(
    name="nxos",
    description="Cisco NX-OS (Nexus)",
    roles=ROUTERS | SWITCHES,
    napalm=Napalm(driver="nxos_ssh", package="napalm", module="napalm.nxos_ssh", netmiko=True),
    syntax=Syntax(
        family="indent", comments="!", kinds=KINDS,
        features=(("interfaces", r"^interface |^vlan \d|^spanning-tree|^feature (?:interface-vlan|lacp)"),
                  ("snmp", r"^snmp-server "), ("ntp", r"^ntp "), ("logging", r"^logging "),
                  ("aaa", r"^aaa |^username |^line |^ssh |^ip access-list |^banner |^feature (?:ssh|telnet|nxapi)"
                          r"|^no feature "),
                  ("routing", r"^router |^ip route |^ip prefix-list |^route-map |^vrf context |^feature (?:ospf|bgp)"),
                  ("qos", r"^policy-map |^class-map ")),
        noise=r"^(version |boot nxos )",
        hier_config=_hier_config,
    ),
    naming=Naming(
        main_file="nxos.cfg", mgmt_interface="mgmt0", lan_interface="Ethernet1/2", loopback="loopback0",
        svi="Vlan{vlan}", switch_uplink="Ethernet1/48", switch_access_range="Ethernet1/1-44",
        interface_pattern=r"(Ethernet|mgmt|loopback|port-channel|Vlan)\d+(/\d+)*(\.\d+)?",
        router_uplink="Ethernet1/1",
    ),
    rules={
        "banner-present": {"require": r"^banner motd "},
        "no-telnet": {"forbid": r"^feature telnet$"},
        "vty-management-acl": {"within": r"^line vty$", "require": r"^access-class \S+ in$"},
        "no-http-server": {"forbid": r"^feature nxapi$"},
        "ntp-servers-equal-inventory": {"collect": r"^ntp server (\S+)", "equals": "ntp_servers"},
        "syslog-servers-equal-inventory": {"collect": r"^logging server (\S+)", "equals": "syslog_servers"},
        "snmp-v3-only": {"forbid": r"^snmp-server community "},
        "snmp-no-write": {"forbid": r"^snmp-server community \S+ group network-admin$"},
        "snmp-v3-authpriv": {"require": r"^snmp-server user \S+ \S+ auth sha \S+ priv aes-128 "},
    },
)
