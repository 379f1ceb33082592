"""Structural rules over a parsed configuration: every interface, ACL, prefix-list, route-map, policy
referenced is defined in the same file, and no address is configured twice.

Each syntax declares, per kind of named object, the MULTILINE patterns that define a name and those
that use one (group `name`, or `names` for a bracketed list). Junos and RouterOS patterns match the
statement's path (`interfaces ge-0/0/0 unit 0 ...`, `/ip address add ...`); the others its text.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

from netkit.config.parse import ConfigTree, Line


@dataclass(frozen=True)
class Kind:
    name: str  # what it is, for messages: "interface", "ACL", ...
    define: tuple[re.Pattern[str], ...]
    use: tuple[re.Pattern[str], ...]


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


def _p(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.M) for p in patterns)


_CISCO_SOURCES = (r"^ntp (?:source|local-interface) (?P<name>\S+)$", r"^logging source-interface (?P<name>\S+)$",
                  r"^snmp-server trap-source (?P<name>\S+)$",
                  r"^ip (?:ssh|tftp|ftp|radius|tacacs) source-interface (?P<name>\S+)$")
_CISCO_KINDS = (
    Kind("interface", _p(r"^interface (?!range )(?P<name>\S+)$", r"^interface range (?P<range>.+)$"),
         _p(r"^neighbor \S+ update-source (?P<name>[A-Za-z]\S*)$", *_CISCO_SOURCES,
            r"^passive-interface (?!default)(?P<name>\S+)$")),
    Kind("ACL", _p(r"^ip access-list (?:standard |extended )?(?P<name>\S+)$", r"^access-list (?P<name>\d+) "),
         _p(r"^access-class (?P<name>\S+) in$", r"^ip access-group (?P<name>\S+) (?:vrf \S+ )?(?:in|out)$",
            r"^snmp-server group .* access (?P<name>\S+)$", r"^snmp-server community \S+ (?:RO|RW|ro|rw) (?P<name>\S+)$",
            r"^snmp-server ipv4 access-list (?P<name>\S+)$", r"^match ip address (?!prefix-list )(?P<name>\S+)$")),
    Kind("prefix-list", _p(r"^ip prefix-list (?P<name>\S+) "),
         _p(r"^match ip address prefix-list (?P<name>\S+)$", r"^neighbor \S+ prefix-list (?P<name>\S+) (?:in|out)$")),
    Kind("route-map", _p(r"^route-map (?P<name>\S+) "),
         _p(r"^neighbor \S+ route-map (?P<name>\S+) (?:in|out)$", r"^redistribute .*route-map (?P<name>\S+)$")),
    Kind("policy-map", _p(r"^policy-map (?P<name>\S+)$"), _p(r"^service-policy (?:input|output) (?P<name>\S+)$")),
)
_VRP_KINDS = (
    Kind("interface", _p(r"^interface (?P<name>\S+)$", r"^group-member (?P<range>.+)$"),
         _p(r"^peer \S+ connect-interface (?P<name>\S+)$", r" source-interface (?P<name>\S+)$",
            r"^silent-interface (?P<name>\S+)$")),
    Kind("ACL", _p(r"^acl number (?P<name>\d+)$", r"^acl name \S+ (?P<name>\d+)$"),
         _p(r"^acl (?P<name>\d+) (?:inbound|outbound)$", r"^snmp-agent .* acl (?P<name>\d+)$")),
    Kind("ip-prefix", _p(r"^ip ip-prefix (?P<name>\S+) "), _p(r"^if-match ip-prefix (?P<name>\S+)$")),
    Kind("route-policy", _p(r"^route-policy (?P<name>\S+) "), _p(r"^peer \S+ route-policy (?P<name>\S+) (?:import|export)$")),
)
_JUNOS_KINDS = (
    Kind("interface", _p(r"^interfaces (?P<name>\S+)$", r"^interfaces (?P<base>\S+) unit (?P<unit>\d+)$"),
         _p(r"^protocols ospf area \S+ interface (?P<name>\S+)$", r"^class-of-service interfaces (?P<name>\S+)$",
            r"^vlans \S+ l3-interface (?P<name>\S+)$")),
    Kind("firewall filter", _p(r"^firewall family inet filter (?P<name>\S+)$"),
         _p(r"family inet filter (?:input|output) (?P<name>\S+)$")),
    Kind("prefix-list", _p(r"^policy-options prefix-list (?P<name>\S+)$"), _p(r" from prefix-list (?P<name>\S+)$")),
    Kind("policy-statement", _p(r"^policy-options policy-statement (?P<name>\S+)$"),
         _p(r"^protocols bgp .* (?:import|export) (?P<names>.+)$")),
    Kind("SNMP client-list", _p(r"^snmp client-list (?P<name>\S+)$"), _p(r"client-list-name (?P<name>\S+)$")),
    Kind("VLAN", _p(r"^vlans (?P<name>\S+)$"), _p(r"vlan members (?P<names>.+)$")),
)
_ROS_KINDS = (
    Kind("interface", _p(r"^/interface (?:bridge|vlan|bonding) add .*\bname=(?P<name>\S+)",
                         r"^/interface ethernet set \[ find default-name=(?P<name>[^\s\]]+) \]"),
         _p(r"^/(?:ip address|interface vlan) add .*\binterface=(?P<name>\S+)", r"^/queue simple add .*\btarget=(?P<name>\S+)",
            r"^/routing ospf interface-template add .*\binterfaces=(?P<name>\S+)", r"\btrap-interfaces=(?P<name>\S+)")),
    Kind("routing filter chain", _p(r"^/routing filter rule add chain=(?P<name>\S+)"),
         _p(r"\binput\.filter=(?P<name>\S+)", r"\boutput\.filter-chain=(?P<name>\S+)")),
    Kind("address-list", _p(r"^/ip firewall address-list add list=(?P<name>\S+)"),
         _p(r"\bsrc-address-list=(?P<name>\S+)", r"\boutput\.network=(?P<name>\S+)")),
)
KINDS: dict[str, tuple[Kind, ...]] = {"ios": _CISCO_KINDS, "eos": _CISCO_KINDS, "frr": _CISCO_KINDS,
                                      "vrp": _VRP_KINDS, "junos": _JUNOS_KINDS, "routeros": _ROS_KINDS}
BY_PATH = frozenset({"junos", "routeros"})

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
    by_path = tree.syntax in BY_PATH
    for kind in KINDS.get(tree.syntax, ()):
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
    if tree.syntax == "junos":
        for line, m in tree.search(_ADDR_JUNOS, by_path=True):
            found.append(Address(m["ip"], int(m["len"]), f"{m['ifname']}.{m['unit']}", line))
    elif tree.syntax == "routeros":
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


def check_structure(tree: ConfigTree) -> list[Problem]:
    """Every structural problem of one parsed file."""
    return [*undefined_references(tree), *duplicate_addresses(addresses(tree))]
