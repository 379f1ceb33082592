"""`netkit inventory check|show|graph|generate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.tree import Tree

from netkit.cli.common import InventoryOption, JsonOption, console, inventory_path, open_inventory, print_json
from netkit.errors import InputError
from netkit.inventory import Inventory
from netkit.inventory.generate import NationalShape, write_national_inventory

inventory_app = typer.Typer(help="Check, show and generate inventories (the source of truth).", no_args_is_help=True)


@inventory_app.command("check")
def check(inventory: InventoryOption = None, json: JsonOption = False) -> None:
    """Load and check the inventory; report every problem at once (exit 2 if any)."""
    inv = open_inventory(inventory)
    summary = {
        "inventory": str(inv.path), "ok": True, "ministries": len(inv.ministries), "sites": len(inv.sites),
        "devices": len(inv.devices), "links": len(inv.links),
    }
    if json:
        print_json(summary)
        return
    console.print(
        f"[green]ok[/] {inv.path}: {len(inv.ministries)} ministries, {len(inv.sites)} sites, "
        f"{len(inv.devices)} devices, {len(inv.links)} links", highlight=False,
    )


def _site_row(inv: Inventory, code: str) -> dict[str, Any]:
    site = inv.sites[code]
    return {
        "site": code, "name": site.name, "ministry": site.ministry, "province": site.province,
        "block": str(site.block), "asn": site.asn, "devices": site.devices,
        "mou": site.mou.model_dump(), "targets": [t.name for t in site.targets],
    }


@inventory_app.command("show")
def show(
    name: Annotated[str | None, typer.Argument(help="A site code or a device name; all sites if omitted.")] = None,
    inventory: InventoryOption = None,
    json: JsonOption = False,
) -> None:
    """Show the sites, or one site or device with everything netkit derives for it."""
    inv = open_inventory(inventory)
    if name is None:
        rows = [_site_row(inv, code) for code in inv.sites]
        if json:
            print_json(rows)
            return
        table = Table("site", "name", "ministry", "province", "block", "devices", "MoU avail/lat/loss/bw")
        for r in rows:
            m = r["mou"]
            table.add_row(r["site"], r["name"], r["ministry"], r["province"], r["block"], ", ".join(r["devices"]),
                          f"{m['availability_pct']}% / {m['latency_ms']} ms / {m['loss_pct']}% / {m['bandwidth_mbps']} Mbps")
        console.print(table)
        return
    if name in inv.sites:
        site = inv.sites[name]
        if json:
            print_json({"site": site, "devices": inv.site_devices(name), "links": inv.site_links(name)})
            return
        console.print(f"[bold]{site.code}[/] {site.name} ({inv.ministries[site.ministry].name}, {site.province})")
        console.print(f"block {site.block}  ASN {site.asn}  MoU {site.mou.model_dump()}", highlight=False)
        for dev in inv.site_devices(name):
            _print_device(inv, dev.name)
        return
    if name in inv.devices:
        if json:
            print_json(inv.devices[name])
            return
        _print_device(inv, name)
        return
    raise InputError(f"{inv.path}: no site or device named {name!r} (try `netkit inventory show` for the list)")


def _print_device(inv: Inventory, name: str) -> None:
    dev = inv.devices[name]
    table = Table("interface", "kind", "address", "peer", title=f"{dev.name} ({dev.role.value}, {dev.platform.value}, "
                  f"mgmt {dev.mgmt_address})")
    for itf in dev.interfaces:
        peer = f"{itf.peer_device or ''} {itf.peer_interface or ''}".strip()
        if itf.ebgp_peer_asn:
            peer += f" (eBGP AS{itf.ebgp_peer_asn})"
        table.add_row(itf.name, itf.kind, str(itf.address or ""), peer)
    console.print(table)


@inventory_app.command("graph")
def graph(inventory: InventoryOption = None, json: JsonOption = False) -> None:
    """Ministries, sites, devices and their links as a tree."""
    inv = open_inventory(inventory)
    data = {
        m: {
            code: {d: [f"{i.name} -> {i.peer_device} {i.peer_interface}" for i in inv.devices[d].interfaces
                       if i.kind == "p2p"] for d in site.devices}
            for code, site in inv.sites.items() if site.ministry == m
        }
        for m in inv.ministries
    }
    if json:
        print_json(data)
        return
    root = Tree(f"[bold]{inv.network.name}[/]")
    for m, sites in data.items():
        mnode = root.add(f"[cyan]{inv.ministries[m].name}[/] ({m})")
        for code, devices in sites.items():
            snode = mnode.add(f"[green]{code}[/] {inv.sites[code].name} {inv.sites[code].block}")
            for dev, links in devices.items():
                dnode = snode.add(f"{dev} [dim]{inv.devices[dev].role.value}/{inv.devices[dev].platform.value}[/]")
                for link in links:
                    dnode.add(link)
    console.print(root)


@inventory_app.command("generate")
def generate(
    out: Annotated[Path, typer.Argument(help="Directory to write the inventory into (created).")],
    ministries: Annotated[int, typer.Option(min=1, max=200)] = 34,
    provinces: Annotated[int, typer.Option(min=1, max=64)] = 25,
    devices_per_site: Annotated[int, typer.Option(min=1, max=60, help="A router plus access switches.")] = 14,
) -> None:
    """Write a national-scale inventory (34 ministries x 25 provinces ~ 10,000 devices) for benchmarks."""
    shape = NationalShape(ministries=ministries, provinces=provinces, devices_per_site=devices_per_site)
    count = write_national_inventory(out, shape)
    console.print(f"wrote {out}: {count} devices in {ministries * provinces} sites")


def register(app: typer.Typer) -> None:
    app.add_typer(inventory_app, name="inventory")


__all__ = ["inventory_path", "register"]
