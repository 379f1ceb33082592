"""`netkit inventory check|show|graph|generate`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from netkit.cli.common import InventoryOption, JsonOption, console, inventory_path, open_inventory, print_json
from netkit.errors import InputError, InventoryError, NetkitError
from netkit.inventory import Inventory, load_inventory
from netkit.inventory.generate import NationalShape, write_national_inventory
from netkit.inventory.models import Device, Site


class InventoryFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


inventory_app = typer.Typer(help="Check, show and generate inventories (the source of truth).", no_args_is_help=True)


@inventory_app.command("check")
def check(inventory: InventoryOption = None, json: JsonOption = False) -> None:
    """Load and check the inventory; report every problem at once (exit 2 if any)."""
    path = inventory_path(inventory)
    try:
        inv = load_inventory(path)
    except InventoryError as e:
        if not json:
            raise
        print_json({"inventory": str(path), "ok": False, "exit_code": e.exit_code, "problems": e.problems})
        raise typer.Exit(e.exit_code) from None
    summary = {
        "inventory": str(inv.path), "ok": True, "problems": [], "ministries": len(inv.ministries),
        "sites": len(inv.sites), "devices": len(inv.devices), "links": len(inv.links),
    }
    if json:
        print_json(summary)
        return
    console.print(
        f"[green]ok[/] {inv.path}: {len(inv.ministries)} ministries, {len(inv.sites)} sites, "
        f"{len(inv.devices)} devices, {len(inv.links)} links", highlight=False, soft_wrap=True,
    )


def _complete_name(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of `show NAME`: the inventory's site codes and device names."""
    try:
        inv = load_inventory(inventory_path(ctx.params.get("inventory")))
    except NetkitError:
        return []
    return [n for n in (*inv.sites, *inv.devices) if n.startswith(incomplete)]


def _site_row(inv: Inventory, code: str) -> dict[str, Any]:
    site = inv.sites[code]
    return {
        "site": code, "name": site.name, "name_km": site.name_km, "ministry": site.ministry,
        "ministry_name_km": inv.ministries[site.ministry].name_km, "province": site.province,
        "block": str(site.block), "asn": site.asn, "devices": site.devices,
        "mou": site.mou.model_dump(), "targets": [t.name for t in site.targets],
    }


def _mou(site: Site) -> str:
    m = site.mou
    return (f"availability {m.availability_pct:g}%, latency {m.latency_ms:g} ms, loss {m.loss_pct:g}%, "
            f"bandwidth {m.bandwidth_mbps:g} Mbps, over {m.period_days} days")


@inventory_app.command("show")
def show(
    name: Annotated[str | None, typer.Argument(
        help="A site code or a device name; all sites if omitted.", autocompletion=_complete_name)] = None,
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
        cells = [
            (code, site.ministry, site.province, str(site.block), str(len(site.devices)),
             f"{site.mou.availability_pct:g}% {site.mou.latency_ms:g}ms {site.mou.loss_pct:g}% "
             f"{site.mou.bandwidth_mbps:g}M", site.name, site.name_km)
            for code, site in inv.sites.items()
        ]
        table = Table(title=f"{inv.network.name}: {len(inv.sites)} sites, {len(inv.devices)} devices",
                      box=None, padding=(0, 2, 0, 0), title_justify="left", header_style="bold")
        headers = ("site", "ministry", "province", "block", "devices", "MoU (avail lat loss bw)")
        for i, header in enumerate(headers):  # these stay whole; the name gives way on a narrow terminal
            table.add_column(header, no_wrap=True, min_width=max(len(header), *(len(c[i]) for c in cells)))
        table.add_column("name", overflow="ellipsis", no_wrap=True)
        table.add_column("ឈ្មោះ (Khmer)", no_wrap=True, min_width=max(cell_len(c[-1]) for c in cells))
        for row in cells:
            table.add_row(*row)
        console.print(table, crop=False)  # the fixed columns stay whole even past a narrow width
        return
    if name in inv.sites:
        if json:
            print_json({"site": inv.sites[name], "devices": inv.site_devices(name), "links": inv.site_links(name)})
            return
        _print_site(inv, inv.sites[name])
        return
    if name in inv.devices:
        if json:
            print_json(inv.devices[name])
            return
        _print_device(inv.devices[name])
        return
    raise InputError(f"{inv.path}: no site or device named {name!r} (try `netkit inventory show` for the list)")


def _print_site(inv: Inventory, site: Site) -> None:
    ministry = inv.ministries[site.ministry]
    console.print(f"[bold]{site.code}[/] " + escape(f"{site.name} ({ministry.name}, {site.province})"))
    if site.name_km or ministry.name_km:
        console.print(escape(f"Khmer    {site.name_km} ({ministry.name_km})"), highlight=False)
    if site.address:
        console.print(escape(f"address  {site.address}"), highlight=False)
    a = site.addressing
    console.print(f"block    {site.block}  ASN {site.asn}  loopbacks {a.loopbacks}  links {a.p2p}  "
                  f"users {a.user.prefix} (VLAN {a.user.vlan})  services {a.services}", highlight=False)
    console.print(f"MoU      {_mou(site)}", highlight=False)
    for target in site.targets:
        console.print(f"target   {target.name}: {target.kind} {target.url or target.address}"
                      f"{':' + str(target.port) if target.port else ''}", highlight=False)
    for window in site.maintenance:
        when = (f"{window.start} .. {window.end}" if window.start else
                f"every {window.weekday} at {window.at:%H:%M} for {window.duration_min} min")
        console.print(escape(f"window   {when} {window.reason}".rstrip()), highlight=False)
    for link in inv.site_links(site.code):
        extra = []
        if link.circuit_id:
            extra.append(link.circuit_id)
        if link.committed_mbps:
            extra.append(f"{link.committed_mbps:g} Mbps committed")
        if link.impairment:
            i = link.impairment
            extra.append(f"impaired: {i.delay_ms:g} ms delay, {i.jitter_ms:g} ms jitter, {i.loss_pct:g}% loss")
        console.print(f"link     {link.name} {link.prefix} {'OSPF' if link.ospf else 'eBGP'} "
                      f"{', '.join(extra)}".rstrip(), highlight=False)
    for dev in inv.site_devices(site.code):
        _print_device(dev)


def _print_device(dev: Device) -> None:
    table = Table("interface", "kind", "address", "peer", title=f"{dev.name} ({dev.role.value}, {dev.platform.value}, "
                  f"mgmt {dev.mgmt_address}, AS{dev.asn}, credentials {dev.credentials or '-'})")
    for itf in dev.interfaces:
        peer = f"{itf.peer_device or ''} {itf.peer_interface or ''}".strip()
        if itf.ebgp_peer_asn:
            peer += f" (eBGP AS{itf.ebgp_peer_asn})"
        elif itf.ospf and itf.kind == "p2p":
            peer += " (OSPF)"
        table.add_row(itf.name, itf.kind, str(itf.address or ""), peer)
    console.print(table)


@inventory_app.command("graph")
def graph(inventory: InventoryOption = None, json: JsonOption = False) -> None:
    """Ministries, sites, devices and their links as a tree."""
    inv = open_inventory(inventory)
    by_ministry: dict[str, list[str]] = {m: [] for m in inv.ministries}
    for code, site in inv.sites.items():
        by_ministry[site.ministry].append(code)
    data = {
        m: {
            code: {d: [f"{i.name} {i.address} -> {i.peer_device} {i.peer_interface}"
                       for i in inv.devices[d].interfaces if i.kind == "p2p"]
                   for d in inv.sites[code].devices}
            for code in codes
        }
        for m, codes in by_ministry.items()
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
    fmt: Annotated[InventoryFormat, typer.Option(
        "--format", help="hosts.yml as people write it, or hosts.json as inventory exports are.")] = InventoryFormat.YAML,
) -> None:
    """Write a national-scale inventory (34 ministries x 25 provinces ~ 10,000 devices) for benchmarks.

    It uses 10.x/172.16.x addresses that nothing ever sends a packet to."""
    shape = NationalShape(ministries=ministries, provinces=provinces, devices_per_site=devices_per_site)
    json = fmt == InventoryFormat.JSON
    count = write_national_inventory(out, shape, "json" if json else "yaml")
    written = out / ("hosts.json" if json else "hosts.yml")
    console.print(f"wrote {written}: {count} devices in {ministries * provinces + 1} sites", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(inventory_app, name="inventory")


__all__ = ["inventory_path", "register"]
