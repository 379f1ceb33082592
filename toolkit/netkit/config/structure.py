"""Structural rules over a parsed configuration: every interface, ACL, prefix-list, route-map, policy
referenced is defined in the same file, and no address is configured twice.

Each platform's spec (`netkit.platforms`) declares, per kind of named object, the MULTILINE patterns
that define a name and those that use one (group `name`, or `names` for a bracketed list). Junos and RouterOS patterns match the
statement's path (`interfaces ge-0/0/0 unit 0 ...`, `/ip address add ...`); the others its text.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

from netkit.config.parse import ConfigTree, Line
from netkit.platforms import get


@dataclass(frozen=True)
class Problem:
    line: Line | None
    message: str


@dataclass(frozen=True)
class Address:
    ip: str
    prefixlen: int
    interface: str
    line: Line


_ADDR_MASK = re.compile(r"^ip address (?P<ip>\d+\.\d+\.\d+\.\d+) (?P<mask>\d+\.\d+\.\d+\.\d+)(?: sub)?$", re.M)
_ADDR_LEN = re.compile(r"^ip address (?P<ip>\d+\.\d+\.\d+\.\d+)/(?P<len>\d+)$", re.M)
_ADDR_JUNOS = re.compile(r"^interfaces (?P<ifname>\S+) unit (?P<unit>\d+) family inet address "
                         r"(?P<ip>\d+\.\d+\.\d+\.\d+)/(?P<len>\d+)$", re.M)
_ADDR_ROS = re.compile(r"^/ip address add address=(?P<ip>\d+\.\d+\.\d+\.\d+)/(?P<len>\d+) .*\binterface=(?P<ifname>\S+)",
                       re.M)
_RANGE_CISCO = re.compile(r"^(?P<prefix>\D+?)(?P<slot>(?:\d+/)*)(?P<first>\d+) *- *(?P<last>\d+)$")
_RANGE_TO = re.compile(r"^(?P<a>\S+) to (?P<b>\S+)$")
_TRAILING_NUMBER = re.compile(r"^(?P<head>.*?)(?P<n>\d+)$")


def expand_range(spec: str) -> list[str]:
    """Interface names of a range: `Gi1/0/1 - 44`, `Ethernet1-44`, `GE0/0/1 to GE0/0/44`."""
    names: list[str] = []
    for part in spec.split(","):
        part = part.strip()
        m = _RANGE_CISCO.match(part)
        if m:
            base = m.group("prefix") + m.group("slot")
            names += [f"{base}{n}" for n in range(int(m.group("first")), int(m.group("last")) + 1)]
            continue
        t = _RANGE_TO.match(part)
        a = _TRAILING_NUMBER.match(t.group("a")) if t else None
        b = _TRAILING_NUMBER.match(t.group("b")) if t else None
        if a and b and a.group("head") == b.group("head"):
            names += [f"{a.group('head')}{n}" for n in range(int(a.group("n")), int(b.group("n")) + 1)]
        else:
            names.append(part)
    return names


def _names(m: re.Match[str]) -> list[str]:
    groups = m.groupdict()
    if groups.get("range"):
        return expand_range(groups["range"])
    if groups.get("base") is not None:
        return [f"{groups['base']}.{groups['unit']}"]
    if groups.get("names"):
        return [n for n in groups["names"].replace("[", " ").replace("]", " ").split() if n]
    return [groups["name"].strip('"')]


def undefined_references(tree: ConfigTree) -> Iterator[Problem]:
    """Every use of an interface, ACL, prefix-list, route-map ... that the file does not define."""
    rules = get(tree.syntax).syntax
    by_path = rules is not None and rules.by_path
    for kind in rules.kinds if rules is not None else ():
        defined: set[str] = set()
        for pattern in kind.define:
            for _line, m in tree.search(pattern, by_path):
                defined.update(_names(m))
        for pattern in kind.use:
            for line, m in tree.search(pattern, by_path):
                for name in _names(m):
                    if name not in defined:
                        yield Problem(line, f"{kind.name} {name} is used but not defined in this file")


def addresses(tree: ConfigTree) -> list[Address]:
    """The IPv4 addresses configured on interfaces, with the line that configures each."""
    found: list[Address] = []
    rules = get(tree.syntax).syntax
    family = rules.family if rules is not None else ""
    if family == "braces":
        for line, m in tree.search(_ADDR_JUNOS, by_path=True):
            found.append(Address(m["ip"], int(m["len"]), f"{m['ifname']}.{m['unit']}", line))
    elif family == "routeros":
        for line, m in tree.search(_ADDR_ROS, by_path=True):
            found.append(Address(m["ip"], int(m["len"]), m["ifname"], line))
    else:
        for line, m in tree.search(_ADDR_MASK):
            plen = ipaddress.IPv4Network(f"0.0.0.0/{m['mask']}").prefixlen
            found.append(Address(m["ip"], plen, line.parent.text if line.parent else "", line))
        for line, m in tree.search(_ADDR_LEN):
            found.append(Address(m["ip"], int(m["len"]), line.parent.text if line.parent else "", line))
    return found


def duplicate_addresses(found: list[Address]) -> Iterator[Problem]:
    seen: dict[str, Address] = {}
    for addr in sorted(found, key=lambda a: a.line.lineno):
        first = seen.setdefault(addr.ip, addr)
        if first is not addr:
            yield Problem(addr.line, f"address {addr.ip} is configured twice ({first.interface} at line "
                                     f"{first.line.lineno} and {addr.interface})")

