"""Has the provisioned lab converged? The adjacencies the inventory implies, asked of each router's FRR.

OSPF: a Full neighbour on every `ospf: true` link between lab routers. BGP: an Established session
with the peer address of every eBGP link (interfaces with `ebgp_peer_asn`) between lab routers.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel

from netkit.inventory.models import Inventory
from netkit.lab.plan import LabPlan
from netkit.lab.system import run


class Adjacency(BaseModel):
    device: str
    protocol: str  # ospf | bgp
    interface: str
    peer_device: str
    peer_address: str
    state: str = "missing"
    up: bool = False


def expected(inventory: Inventory, plan: LabPlan) -> list[Adjacency]:
    routers = {n for n, d in plan.devices.items() if d.kind == "router"}
    found = []
    for name in sorted(routers):
        for itf in inventory.devices[name].interfaces:
            if itf.kind != "p2p" or itf.peer_device not in routers or itf.peer_address is None:
                continue
            if itf.ospf:
                found.append(Adjacency(device=name, protocol="ospf", interface=itf.name, peer_device=itf.peer_device,
                                       peer_address=str(itf.peer_address)))
            if itf.ebgp_peer_asn is not None:
                found.append(Adjacency(device=name, protocol="bgp", interface=itf.name, peer_device=itf.peer_device,
                                       peer_address=str(itf.peer_address)))
    return found


def _json_documents(text: str) -> list[object]:
    """The JSON documents vtysh printed back to back (one per `-c` command)."""
    decoder, pos = json.JSONDecoder(), 0
    docs: list[object] = []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return docs
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return docs
        docs.append(doc)


def _states(ns: str) -> tuple[dict[str, str], dict[str, str]]:
    """(OSPF neighbour interface address -> state, BGP peer -> state), from one vtysh run."""
    proc = run(["vtysh", "-N", ns, "-c", "show ip ospf neighbor json", "-c", "show bgp summary json"],
               check=False, timeout=20)
    docs = [d if isinstance(d, dict) else {} for d in _json_documents(proc.stdout)] + [{}, {}]
    return _ospf_states(docs[0]), _bgp_states(docs[1])


def _ospf_states(data: dict[str, Any]) -> dict[str, str]:
    """FRR 8.4 keys OSPF neighbours by router-id; the interface address is in each entry."""
    states: dict[str, str] = {}
    neighbors = data.get("neighbors", {})
    for entries in neighbors.values() if isinstance(neighbors, dict) else []:
        for entry in entries if isinstance(entries, list) else [entries]:
            address = entry.get("ifaceAddress") or entry.get("address")
            state = entry.get("nbrState") or entry.get("state") or ""
            if address:
                states[str(address)] = str(state)
    return states


def _bgp_states(data: dict[str, Any]) -> dict[str, str]:
    states: dict[str, str] = {}
    for family in data.values():
        peers = family.get("peers", {}) if isinstance(family, dict) else {}
        for address, peer in peers.items():
            states[address] = str(peer.get("state", ""))
    return states


def check(inventory: Inventory, plan: LabPlan, only: set[str] | None = None) -> list[Adjacency]:
    """Every expected adjacency (of the devices in `only`, if given) with its current state."""
    adjacencies = [a for a in expected(inventory, plan) if only is None or a.device in only]
    devices = sorted({a.device for a in adjacencies})
    with ThreadPoolExecutor(max_workers=8) as pool:
        states = dict(zip(devices, pool.map(lambda n: _states(plan.devices[n].ns), devices), strict=True))
    for adj in adjacencies:
        ospf, bgp = states[adj.device]
        adj.state = (ospf if adj.protocol == "ospf" else bgp).get(adj.peer_address, "missing")
        adj.up = adj.state.startswith("Full") if adj.protocol == "ospf" else adj.state == "Established"
    # Sessions the configuration adds beyond the links (iBGP between loopbacks) count too, when the
    # peer is a lab router.
    owners = _router_addresses(inventory, plan)
    known = {(a.device, a.peer_address) for a in adjacencies if a.protocol == "bgp"}
    for device, (_, bgp) in states.items():
        for peer, state in sorted(bgp.items()):
            if (device, peer) not in known and peer in owners:
                adjacencies.append(Adjacency(device=device, protocol="bgp", interface="-", peer_device=owners[peer],
                                             peer_address=peer, state=state, up=state == "Established"))
    return adjacencies


def _router_addresses(inventory: Inventory, plan: LabPlan) -> dict[str, str]:
    return {str(i.address.ip): name for name, d in plan.devices.items() if d.kind == "router"
            for i in inventory.devices[name].interfaces if i.address is not None and i.kind in ("loopback", "p2p")}


def wait_converged(inventory: Inventory, plan: LabPlan, timeout: float, interval: float = 0.5) -> list[Adjacency]:
    """Poll until every expected adjacency is up or `timeout` passes; the last full answer either way.
    Routers already converged are not asked again until the final check (each vtysh costs CPU)."""
    deadline = time.monotonic() + timeout
    pending: set[str] | None = None
    while time.monotonic() < deadline:
        adjacencies = check(inventory, plan, pending)
        pending = {a.device for a in adjacencies if not a.up}
        if not pending:
            break
        time.sleep(interval)
    return check(inventory, plan)
