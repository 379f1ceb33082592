"""What differs between platforms outside the templates: names, files, the syntax family."""

from __future__ import annotations

from dataclasses import dataclass

from netkit.inventory.models import Platform


@dataclass(frozen=True)
class PlatformTraits:
    main_file: str  # the rendered configuration file
    syntax: str  # frr | ios | eos | junos | vrp | routeros (the parser and structural rules to use)
    loopback: str
    loopback_unit: str = ""  # Junos puts the address on a unit (lo0.0)
    svi: str = "Vlan{vlan}"
    qos: bool = True
    switch_uplink: str = ""
    switch_access_range: str = ""


PLATFORMS: dict[Platform, PlatformTraits] = {
    Platform.FRR: PlatformTraits(main_file="frr.conf", syntax="frr", loopback="lo", qos=False),
    Platform.IOS: PlatformTraits(
        main_file="ios.cfg", syntax="ios", loopback="Loopback0",
        switch_uplink="GigabitEthernet1/0/48",
        switch_access_range="GigabitEthernet1/0/1 - 44",
    ),
    Platform.EOS: PlatformTraits(
        main_file="eos.cfg", syntax="eos", loopback="Loopback0",
        switch_uplink="Ethernet48", switch_access_range="Ethernet1-44",
    ),
    Platform.JUNOS: PlatformTraits(
        main_file="junos.conf", syntax="junos", loopback="lo0", loopback_unit="lo0.0", svi="irb.{vlan}",
        switch_uplink="ge-0/0/47",
        switch_access_range="ge-0/0/0 to ge-0/0/43",
    ),
    Platform.HUAWEI_VRP: PlatformTraits(
        main_file="vrp.cfg", syntax="vrp", loopback="LoopBack0", svi="Vlanif{vlan}",
        switch_uplink="GigabitEthernet0/0/48",
        switch_access_range="GigabitEthernet0/0/1 to GigabitEthernet0/0/44",
    ),
    Platform.ROUTEROS: PlatformTraits(main_file="routeros.rsc", syntax="routeros", loopback="loopback"),
}
