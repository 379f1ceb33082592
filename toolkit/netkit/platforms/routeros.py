"""MikroTik RouterOS (community NAPALM driver `ros` from napalm-ros, over the API). Scripts are flat
`/section` blocks; netkit remediates them itself (no hier_config)."""

from __future__ import annotations

from netkit.platforms.spec import ROUTERS, Kind, Naming, Napalm, PlatformSpec, Syntax, patterns

KINDS = (
    Kind("interface", patterns(r"^/interface (?:bridge|vlan|bonding) add .*\bname=(?P<name>\S+)",
                               r"^/interface ethernet set \[ find default-name=(?P<name>[^\s\]]+) \]"),
         patterns(r"^/(?:ip address|interface vlan) add .*\binterface=(?P<name>\S+)",
                  r"^/queue simple add .*\btarget=(?P<name>\S+)",
                  r"^/routing ospf interface-template add .*\binterfaces=(?P<name>\S+)", r"\btrap-interfaces=(?P<name>\S+)")),
    Kind("routing filter chain", patterns(r"^/routing filter rule add chain=(?P<name>\S+)"),
         patterns(r"\binput\.filter=(?P<name>\S+)", r"\boutput\.filter-chain=(?P<name>\S+)")),
    Kind("address-list", patterns(r"^/ip firewall address-list add list=(?P<name>\S+)"),
         patterns(r"\bsrc-address-list=(?P<name>\S+)", r"\boutput\.network=(?P<name>\S+)")),
)

PLATFORM = PlatformSpec(
    name="routeros",
    description="MikroTik RouterOS",
    roles=ROUTERS,
    napalm=Napalm(driver="ros", package="napalm-ros", module="napalm_ros"),
    syntax=Syntax(
        family="routeros", comments="#", kinds=KINDS, by_path=True,
        features=(("interfaces", r"^/interface |^/ip address"), ("routing", r"^/routing |^/ip route"),
                  ("snmp", r"^/snmp"), ("ntp", r"^/system ntp"), ("logging", r"^/system logging"),
                  ("aaa", r"^/user|^/ip service|^/ip ssh|^/ip firewall|^/system note"), ("qos", r"^/queue ")),
        noise=r"^(# (\w{3}/\d\d/\d{4}|\d{4}-\d\d-\d\d) |# software id)",
    ),
    naming=Naming(
        main_file="routeros.rsc", mgmt_interface="ether1", lan_interface="ether2", loopback="loopback",
        interface_pattern=r"(ether|sfp|sfp-sfpplus|bridge|vlan)[0-9a-z-]*(\.\d+)?",
        router_uplink="ether3",
    ),
)
