"""FRRouting: the lab's routers (NAPALM driver `frr` from netkit's own napalm_frr package)."""

from __future__ import annotations

from typing import Any

from netkit.platforms import _cisco
from netkit.platforms._hier import idempotent, options_for
from netkit.platforms.spec import ROUTERS, Naming, Napalm, PlatformSpec, Syntax


def _hier_config() -> tuple[str, dict[str, Any]]:
    opts = options_for("ios")
    opts["per_line_sub"] = []
    opts["idempotent_commands"] = idempotent(
        ("hostname",), ("ip router-id",),
        ("interface", "description"), ("interface", "ip ospf hello-interval"),
        ("interface", "ip ospf dead-interval"), ("interface", "ip ospf network"), ("interface", "ip ospf cost"),
        ("router bgp", "bgp router-id"), ("router bgp", "timers bgp"),
        ("router ospf", "ospf router-id"), ("router ospf", "timers throttle spf"),
        ("router ospf", "timers throttle lsa all"), ("router ospf", "timers lsa min-arrival"),
    )
    # vtysh reads a snippet like a config file: leave every section explicitly.
    opts["sectional_exiting"] = [
        {"lineage": [{"startswith": "router bgp"}, {"startswith": "address-family"}],
         "exit_text": "exit-address-family"},
        *({"lineage": [{"startswith": s}], "exit_text": "exit"}
          for s in ("interface", "router", "route-map", "line", "vrf")),
    ]
    return "ios", opts


PLATFORM = PlatformSpec(
    name="frr",
    description="FRRouting (vtysh) on Linux",
    roles=ROUTERS,
    lab=True,
    napalm=Napalm(driver="frr", package="netkit (napalm_frr)", module="napalm_frr"),
    syntax=Syntax(
        family="indent", comments="!", kinds=_cisco.KINDS, features=_cisco.FEATURES,
        noise=r"^(frr version |Building configuration|Current configuration|ip forwarding$)",
        # FRR accepts these but never shows them in `show running-config` while in effect (defaults).
        hidden=frozenset({"ip forwarding", "ipv6 forwarding"}),
        hier_config=_hier_config,
    ),
    naming=Naming(
        main_file="frr.conf", mgmt_interface="eth0", lan_interface="lan0", loopback="lo", qos=False,
        interface_pattern=r"[a-z][a-z0-9_.-]{0,14}",  # a Linux interface name (15 characters at most)
        router_uplink="eth1",
    ),
)
