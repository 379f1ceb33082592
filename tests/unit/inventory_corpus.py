"""The machinery of the broken-inventory corpus: mutations of a copy of `inventory/lab`, written as compact
specs, and the roles (`{site}`, `{router_file}` ...) that locate files, hosts and keys in that lab.

Roles are found from the lab itself (the customer site with the most uplinks, its site router, the core
router the NOC attaches to ...), so the corpus follows the lab when its sites are renamed or rebuilt."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from netkit.inventory import load_inventory
from netkit.inventory.models import Inventory, Role

LAB = Path(__file__).resolve().parents[2] / "inventory" / "lab"
Mutation = Callable[[Path, dict[str, str]], None]


class Spec(dict[str, str]):
    """Placeholders of one lab: a missing one is a mistake of the corpus, not of the inventory."""

    def __missing__(self, key: str) -> str:
        raise KeyError(f"no role {key!r} in this lab")


def fill(value: Any, roles: dict[str, str]) -> Any:
    """`value` with `{role}` placeholders filled in every string (YAML values, keys, file names)."""
    if isinstance(value, str):
        return value.format_map(roles)
    if isinstance(value, list):
        return [fill(v, roles) for v in value]
    if isinstance(value, dict):
        return {fill(k, roles): fill(v, roles) for k, v in value.items()}
    return value


def _steps(path: str) -> list[str | int]:
    return [int(p) if p.lstrip("-").isdigit() else p for p in path.split(".")]


def _parent(data: Any, path: str) -> tuple[Any, str | int]:
    *parents, last = _steps(path)
    node = data
    for step in parents:
        node = node[step]
    return node, last


def _yaml_edit(file: str, change: Callable[[Any, dict[str, str]], None]) -> Mutation:
    def apply(root: Path, roles: dict[str, str]) -> None:
        path = root / fill(file, roles)
        data = yaml.safe_load(path.read_text())
        change(data, roles)
        path.write_text(yaml.safe_dump(data, sort_keys=False, width=200))

    return apply


def set_(file: str, key: str, value: Any) -> Mutation:
    """Give `key` (a dotted path; numbers index lists) the value `value` (YAML-dumped: strings stay strings)."""

    def change(data: Any, roles: dict[str, str]) -> None:
        node, last = _parent(data, fill(key, roles))
        node[last] = fill(value, roles)

    return _yaml_edit(file, change)


def drop(file: str, key: str) -> Mutation:
    def change(data: Any, roles: dict[str, str]) -> None:
        node, last = _parent(data, fill(key, roles))
        del node[last]

    return _yaml_edit(file, change)


def add(file: str, key: str, item: Any) -> Mutation:
    """Append `item` to the list at `key` (created if missing)."""

    def change(data: Any, roles: dict[str, str]) -> None:
        node, last = _parent(data, fill(key, roles))
        if isinstance(node, dict) and last not in node:
            node[last] = []
        node[last].append(fill(item, roles))

    return _yaml_edit(file, change)


def copy_item(file: str, key: str, index: int = 0) -> Mutation:
    """Append a copy of item `index` of the list at `key` (a line pasted twice)."""

    def change(data: Any, roles: dict[str, str]) -> None:
        node, last = _parent(data, fill(key, roles))
        node[last].append(node[last][index])

    return _yaml_edit(file, change)


def text(file: str, old: str, new: str) -> Mutation:
    """Replace the first `old` by `new` in the file's text (for what YAML parsing would hide)."""

    def apply(root: Path, roles: dict[str, str]) -> None:
        path = root / fill(file, roles)
        content, before = path.read_text(), fill(old, roles)
        assert before in content, f"{before!r} not in {path}"
        path.write_text(content.replace(before, fill(new, roles), 1))

    return apply


def write(file: str, content: str) -> Mutation:
    def apply(root: Path, roles: dict[str, str]) -> None:
        (root / fill(file, roles)).write_text(fill(content, roles))

    return apply


def rename(file: str, to: str) -> Mutation:
    def apply(root: Path, roles: dict[str, str]) -> None:
        (root / fill(file, roles)).rename(root / fill(to, roles))

    return apply


def dangling(file: str, target: str) -> Mutation:
    """The file replaced by a symlink to `target`, which does not exist (a vault file never checked out)."""

    def apply(root: Path, roles: dict[str, str]) -> None:
        path = root / fill(file, roles)
        path.unlink()
        os.symlink(fill(target, roles), path)

    return apply


def both(*mutations: Mutation) -> Mutation:
    def apply(root: Path, roles: dict[str, str]) -> None:
        for m in mutations:
            m(root, roles)

    return apply


@dataclass(frozen=True)
class Case:
    mutation: Mutation
    first: tuple[str, ...]  # fragments the FIRST problem must hold: the file, and the host, group or key
    elsewhere: tuple[str, ...] = field(default=())  # fragments of any later problem


def _rel(path: Path | None) -> str:
    assert path is not None
    return str(path.resolve().relative_to(LAB.resolve()))


def _group_file(inv: Inventory, var: str, code: str) -> str:
    for path in sorted((LAB / "group_vars").glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        if isinstance(data.get(var), dict) and data[var].get("code") == code:
            return _rel(path)
    raise AssertionError(f"no group_vars file holds {var} {code}")


def lab_roles(inv: Inventory | None = None) -> Spec:
    """The roles of the lab: the customer site with the most uplinks and its router, a second customer site
    (one with an impaired uplink if any), the data center, the core router the NOC attaches to, ..."""
    inv = inv or load_inventory(LAB)
    customers = sorted((s for s in inv.sites.values() if s.kind == "customer" and s.links),
                       key=lambda s: (-len(s.links), not s.maintenance, s.code))
    site = customers[0]
    others = sorted((s for s in customers[1:]), key=lambda s: (
        not any(inv.links[n].impairment for n in s.links), s.ministry != site.ministry, s.code))
    other = others[0]
    dc = next(s for s in inv.sites.values() if s.kind == "datacenter")
    assert inv.network.noc is not None
    core = inv.devices[inv.network.noc.device]
    roles = Spec(hosts="hosts.yml", net=_rel(inv.network_file), core_asn=str(inv.network.core_asn),
                 mgmt_prefix=str(inv.network.management_prefix), noc_prefix=str(inv.network.noc.prefix),
                 noc_if=inv.network.noc.interface, core=core.name, core_file=_rel(core.vars_file),
                 core_mgmt_if=core.mgmt_interface)
    for prefix, s in (("site", site), ("other", other), ("dc", dc)):
        router = next((inv.devices[d] for d in s.devices if inv.devices[d].role == Role.SITE_ROUTER), None)
        roles |= {prefix: s.code, f"{prefix}_file": _rel(s.vars_file), f"{prefix}_group": Path(_rel(s.vars_file)).stem,
                  f"{prefix}_block": str(s.block), f"{prefix}_asn": str(s.asn),
                  f"{prefix}_ministry": s.ministry, f"{prefix}_ministry_file": _group_file(inv, "netkit_ministry", s.ministry)}
        if router is not None:
            lan = next(i for i in router.interfaces if i.kind == "lan")
            roles |= {f"{prefix}_router": router.name, f"{prefix}_router_file": _rel(router.vars_file),
                      f"{prefix}_router_addr": str(router.mgmt_address), f"{prefix}_lan": lan.name,
                      f"{prefix}_mgmt_if": router.mgmt_interface, f"{prefix}_gateway": str(s.addressing.user.gateway)}
        for n, name in enumerate(s.links[:2]):
            link = inv.links[name]
            roles |= {f"{prefix}_link{n}_a": link.a.device, f"{prefix}_link{n}_a_if": link.a.interface,
                      f"{prefix}_link{n}_b": link.b.device, f"{prefix}_link{n}_b_if": link.b.interface,
                      f"{prefix}_link{n}_prefix": str(link.prefix),
                      f"{prefix}_link{n}_single": f"{link.prefix.network_address}/32"}
    svc = next(d for d in inv.devices.values() if d.role == Role.SERVICE_HOST)
    core2 = next(d for d in inv.devices.values() if d.role == Role.CORE_ROUTER and d.name != core.name)
    roles |= {"svc": svc.name, "svc_file": _rel(svc.vars_file), "core2": core2.name, "core2_file": _rel(core2.vars_file),
              "site_block_outside": str(ipaddress.IPv4Network((int(site.block.broadcast_address) + 1 + 2 ** 16, 31)))}
    return roles
