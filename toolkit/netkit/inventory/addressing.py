"""Addressing derived from a site's block, so authors declare intent and never type a /31 by hand.

A block is cut into eight equal parts:
  0 loopbacks (/32 per device, by index)   1 point-to-point links (/31 each, in declaration order)
  2-3 user VLAN                            4 voice VLAN
  5 management VLAN (in-band, switches)    6-7 services (servers, NOC-facing service addresses)
For a /24 that gives loopbacks .0/27, links .32/27, users .64/26, voice .128/27, mgmt .160/27,
services .192/26.
"""

from __future__ import annotations

import ipaddress

from netkit.inventory.models import IPv4If, IPv4Net, SiteAddressing, Subnet, VlanPlan

MIN_BLOCK_PREFIXLEN = 8
MAX_BLOCK_PREFIXLEN = 26


def site_addressing(block: IPv4Net, vlans: VlanPlan) -> SiteAddressing:
    if not MIN_BLOCK_PREFIXLEN <= block.prefixlen <= MAX_BLOCK_PREFIXLEN:
        raise ValueError(f"block {block} must be between /{MIN_BLOCK_PREFIXLEN} and /{MAX_BLOCK_PREFIXLEN}")
    parts = list(block.subnets(new_prefix=block.prefixlen + 3))
    user = ipaddress.IPv4Network((parts[2].network_address, block.prefixlen + 2))
    services = ipaddress.IPv4Network((parts[6].network_address, block.prefixlen + 2))

    def subnet(vlan: int, prefix: IPv4Net) -> Subnet:
        return Subnet(vlan=vlan, prefix=prefix, gateway=prefix.network_address + 1)

    return SiteAddressing(
        loopbacks=parts[0],
        p2p=parts[1],
        user=subnet(vlans.user, user),
        voice=subnet(vlans.voice, parts[4]),
        mgmt=subnet(vlans.mgmt, parts[5]),
        services=services,
    )


def loopback(addressing: SiteAddressing, index: int) -> IPv4If:
    """Device `index` gets the (index+1)th address of the loopback part."""
    if index + 1 >= addressing.loopbacks.num_addresses:
        raise ValueError(
            f"index {index} does not fit the site's loopback range {addressing.loopbacks} "
            f"(at most {addressing.loopbacks.num_addresses - 2} devices)"
        )
    return ipaddress.IPv4Interface((int(addressing.loopbacks.network_address) + index + 1, 32))


def p2p_prefix(addressing: SiteAddressing, position: int) -> IPv4Net:
    """The `position`th /31 of the site's link range."""
    count = addressing.p2p.num_addresses // 2
    if position >= count:
        raise ValueError(f"link {position + 1} does not fit the site's link range {addressing.p2p} ({count} links)")
    return ipaddress.IPv4Network((int(addressing.p2p.network_address) + 2 * position, 31))


def p2p_ends(prefix: IPv4Net) -> tuple[IPv4If, IPv4If]:
    """Addresses of the a and b ends: the two addresses of a /31, or the two hosts of a /30."""
    base = int(prefix.network_address)
    if prefix.prefixlen == 31:
        hosts = [base, base + 1]
    elif prefix.prefixlen == 32:
        hosts = [base]
    else:  # the first two host addresses (network and broadcast excluded)
        hosts = [base + 1, base + 2] if prefix.num_addresses > 3 else [base + 1]
    if len(hosts) < 2:
        raise ValueError(f"{prefix} has fewer than two usable addresses")
    return (
        ipaddress.IPv4Interface((hosts[0], prefix.prefixlen)),
        ipaddress.IPv4Interface((hosts[1], prefix.prefixlen)),
    )


def access_switch_address(addressing: SiteAddressing, position: int) -> IPv4If:
    """Access switch `position` (0-based) in the management VLAN, after the gateway."""
    address = int(addressing.mgmt.gateway) + 1 + position
    if address >= int(addressing.mgmt.prefix.broadcast_address):
        raise ValueError(f"access switch {position + 1} does not fit the management VLAN {addressing.mgmt.prefix}")
    return ipaddress.IPv4Interface((address, addressing.mgmt.prefix.prefixlen))
