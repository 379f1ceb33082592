"""Device configurations carry ASCII only. Khmer names (`name_km`) are for people: reports, dashboards,
alerts. A non-ASCII value of a key that reaches a device (a site's English name in the SNMP location, a
circuit id in an interface description ...) is refused before anything is rendered, naming the key."""

from __future__ import annotations

from pathlib import Path

from netkit.errors import InputError
from netkit.inventory.models import Device, Inventory


def _where(file: Path | None, fallback: Path) -> str:
    return str(file or fallback)


def device_text_values(inventory: Inventory, device: Device) -> list[tuple[str, str, str]]:
    """(file, key, value) of every inventory value that a device's configuration may carry."""
    inv, net = inventory, inventory.network
    site = inv.sites[device.site]
    ministry = inv.ministries.get(site.ministry)
    nfile, sfile, dfile = (_where(inv.network_file, inv.path), _where(site.vars_file, inv.path),
                           _where(device.vars_file, inv.path))
    out = [(nfile, "netkit_network.name", net.name), (nfile, "netkit_network.banner", net.banner),
           (nfile, "netkit_network.domain", net.domain),
           (sfile, f"netkit_site.name (site {site.code})", site.name),
           (sfile, f"netkit_site.province (site {site.code})", site.province),
           (sfile, f"netkit_site.address (site {site.code})", site.address),
           (dfile, "host name", device.name)]
    if ministry is not None:
        out.append((str(inv.path), f"netkit_ministry.name (ministry {ministry.code})", ministry.name))
    for itf in device.interfaces:
        out.append((dfile, f"interface name of {device.name}", itf.name))
    for link in inv.links.values():
        if device.name in link.devices and link.circuit_id:
            link_file = _where(inv.sites[link.site].vars_file, inv.path)
            out.append((link_file, f"netkit_site.links[].circuit_id (link {link.name})", link.circuit_id))
    return out


def non_ascii_problems(inventory: Inventory, device: Device) -> list[str]:
    problems = []
    for file, key, value in device_text_values(inventory, device):
        if not value.isascii():
            bad = next(c for c in value if not c.isascii())
            problems.append(f"{file}: {key} = {value!r} reaches the configuration of {device.name} but is not ASCII "
                            f"(first: {bad!r} U+{ord(bad):04X}); device configurations take ASCII only: keep the "
                            "English name in `name` and put the Khmer one in `name_km`")
    return problems


def refuse_non_ascii(inventory: Inventory, device: Device) -> None:
    problems = non_ascii_problems(inventory, device)
    if problems:
        raise InputError("; ".join(problems))
