"""What a platform module declares: one typed spec that every layer reads instead of its own table.

Kept free of heavy imports (only `re` and dataclasses): the playbook modules import it in every task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


def patterns(*texts: str) -> tuple[re.Pattern[str], ...]:
    """MULTILINE-compiled patterns (structure kinds match a statement's text, or its path)."""
    return tuple(re.compile(t, re.M) for t in texts)


@dataclass(frozen=True)
class Kind:
    """A kind of named object for the structural checks: what defines a name and what uses one
    (group `name`, or `names` for a bracketed list; `range`, or `base` + `unit` for interfaces)."""

    name: str  # what it is, for messages: "interface", "ACL", ...
    define: tuple[re.Pattern[str], ...]
    use: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Napalm:
    """How netkit reaches the device: the NAPALM driver, where it comes from, what it is given."""

    driver: str  # the name `napalm.get_network_driver` knows
    package: str  # the pip package that provides it (for the "not installed" message)
    module: str  # the Python module that provides it (checked before a device is pushed)
    netmiko: bool = False  # netmiko underneath: it understands `conn_timeout`
    optional_args: Mapping[str, Any] = field(default_factory=dict)  # always given to the driver


@dataclass(frozen=True)
class Syntax:
    """How a configuration of this platform is parsed, checked, compared and remediated."""

    family: Literal["indent", "braces", "routeros"]
    comments: str  # characters that start a comment line
    kinds: tuple[Kind, ...] = ()  # structure kinds (config.structure)
    by_path: bool = False  # structure and rule patterns match the statement's path, not its text
    top_level_indent: bool = False  # indented top-level lines are allowed (VRP's ` #` separators)
    features: tuple[tuple[str, str], ...] = ()  # compliance feature of a statement, first match on its path
    noise: str = ""  # statements `show running-config` adds (regex on a top-level statement)
    hidden: frozenset[str] = frozenset()  # lines the device accepts but never shows while in effect
    # hier_config's OS name and options (imported lazily: hier_config costs ~0.3 s); None: the
    # platform remediates itself (RouterOS's flat sections).
    hier_config: Callable[[], tuple[str, dict[str, Any]]] | None = None


@dataclass(frozen=True)
class Naming:
    """Interface names and files the templates and the inventory use."""

    main_file: str  # the rendered configuration file (templates/<platform>/<main_file>.j2)
    mgmt_interface: str  # default management interface
    lan_interface: str  # default first LAN interface
    interface_pattern: str  # names the platform accepts (a link to anything else cannot exist)
    loopback: str = ""
    loopback_unit: str = ""  # Junos puts the address on a unit (lo0.0)
    svi: str = "Vlan{vlan}"
    qos: bool = True
    switch_uplink: str = ""
    switch_access_range: str = ""
    router_uplink: str = ""  # first WAN interface of a router (generated inventories)


ROUTERS = frozenset({"core-router", "site-router"})
SWITCHES = frozenset({"access-switch"})


@dataclass(frozen=True)
class PlatformSpec:
    """Everything netkit knows of one platform. `name` is the only key: the inventory's
    `netkit_device.platform`, the templates folder, the golden rules' check key."""

    name: str
    description: str
    naming: Naming
    roles: frozenset[str]  # the inventory roles it may take
    napalm: Napalm | None = None  # None: netkit does not configure it (service hosts)
    syntax: Syntax | None = None  # None: nothing is rendered for it
    lab: bool = False  # the lab runs it as a real device
    # Golden-rule checks the platform brings for rule ids netkit ships (`templates/rules/*.yml`), in a
    # rule file's check syntax ({"require": "^banner motd "}): a plugin platform needs no rule file edited.
    rules: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        """netkit renders, validates and pushes its configuration."""
        return self.syntax is not None
