"""Arista EOS (NAPALM core driver `eos`, over eAPI)."""

from __future__ import annotations

from typing import Any

from netkit.platforms import _cisco
from netkit.platforms._hier import options_for
from netkit.platforms.spec import ROUTERS, SWITCHES, Naming, Napalm, PlatformSpec, Syntax


def _hier_config() -> tuple[str, dict[str, Any]]:
    return "eos", options_for("eos")


PLATFORM = PlatformSpec(
    name="eos",
    description="Arista EOS",
    roles=ROUTERS | SWITCHES,
    napalm=Napalm(driver="eos", package="napalm", module="napalm.eos"),
    syntax=Syntax(
        family="indent", comments="!", kinds=_cisco.KINDS, features=_cisco.FEATURES,
        noise=r"^(! device:|! boot system)", hier_config=_hier_config,
    ),
    naming=Naming(
        main_file="eos.cfg", mgmt_interface="Management1", lan_interface="Ethernet2", loopback="Loopback0",
        switch_uplink="Ethernet48", switch_access_range="Ethernet1-44",
        interface_pattern=r"(Ethernet|Management|Port-Channel|Vlan)\d+(/\d+)*(\.\d+)?",
        router_uplink="Ethernet1",
    ),
)
