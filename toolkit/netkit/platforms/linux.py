"""Linux service hosts: not configured by netkit, only built by the lab and probed."""

from __future__ import annotations

from netkit.platforms.spec import Naming, PlatformSpec

PLATFORM = PlatformSpec(
    name="linux",
    description="Linux service host (built by the lab, probed; never configured)",
    roles=frozenset({"service-host"}),
    lab=True,
    naming=Naming(main_file="", mgmt_interface="eth0", lan_interface="lan0",
                  interface_pattern=r"[a-z][a-z0-9_.-]{0,14}"),
)
