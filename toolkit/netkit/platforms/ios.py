"""Cisco IOS / IOS-XE (NAPALM core driver `ios`, over netmiko)."""

from __future__ import annotations

from typing import Any

from netkit.platforms import _cisco
from netkit.platforms._hier import options_for
from netkit.platforms.spec import ROUTERS, SWITCHES, Naming, Napalm, PlatformSpec, Syntax


def _hier_config() -> tuple[str, dict[str, Any]]:
    return "iosxe", options_for("iosxe")


PLATFORM = PlatformSpec(
    name="ios",
    description="Cisco IOS / IOS-XE",
    roles=ROUTERS | SWITCHES,
    napalm=Napalm(driver="ios", package="napalm", module="napalm.ios", netmiko=True),
    syntax=Syntax(
        family="indent", comments="!", kinds=_cisco.KINDS, features=_cisco.FEATURES,
        noise=r"^(version |Building configuration|Current configuration|ntp clock-period )",
        hier_config=_hier_config,
    ),
    naming=Naming(
        main_file="ios.cfg", mgmt_interface="GigabitEthernet0", lan_interface="GigabitEthernet0/0/1",
        loopback="Loopback0", switch_uplink="GigabitEthernet1/0/48", switch_access_range="GigabitEthernet1/0/1 - 44",
        interface_pattern=r"(GigabitEthernet|TenGigabitEthernet|FastEthernet|TwentyFiveGigE|HundredGigE|Port-channel|Vlan)"
                          r"\d+(/\d+)*(\.\d+)?",
        router_uplink="GigabitEthernet0/0/0",
    ),
)
