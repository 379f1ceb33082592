"""Never let a probe for a lab address leave the machine.

Lab inventories use 198.18.0.0/15 (the benchmarking range). When no lab is up, the only route to those
addresses is the default route, i.e. out of the machine. The exporter therefore sends to a lab address
only when the host (or the namespace it runs in) has a more specific route for it.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from collections.abc import Callable
from pathlib import Path

LAB_RANGE = ipaddress.IPv4Network("198.18.0.0/15")
ROUTES = Path("/proc/net/route")


def _routes(table: Path) -> list[ipaddress.IPv4Network]:
    nets = []
    try:
        lines = table.read_text().splitlines()[1:]
    except OSError:
        return []
    for line in lines:
        fields = line.split()
        if len(fields) < 8:
            continue
        dest = socket.inet_ntoa(struct.pack("<I", int(fields[1], 16)))
        mask = socket.inet_ntoa(struct.pack("<I", int(fields[7], 16)))
        nets.append(ipaddress.IPv4Network(f"{dest}/{mask}", strict=False))
    return nets


def route_check(table: Path = ROUTES) -> Callable[[str], bool]:
    """`may_send` for many addresses against one reading of the routing table (read when first needed)."""
    nets: list[ipaddress.IPv4Network] | None = None

    def check(address: str) -> bool:
        nonlocal nets
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return True  # a name: real targets only; lab targets are addresses
        if not isinstance(ip, ipaddress.IPv4Address) or ip not in LAB_RANGE:
            return True
        if ip.is_loopback:
            return True
        if nets is None:
            nets = _routes(table)
        return any(ip in net and net.prefixlen > 0 for net in nets)
    return check


def may_send(address: str, table: Path = ROUTES) -> bool:
    """False for a lab address the machine has no specific route for (it would follow the default route)."""
    return route_check(table)(address)
