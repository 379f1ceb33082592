"""Has the provisioned lab converged? The adjacencies the inventory implies, asked of each router's FRR.

OSPF: a Full neighbour on every `ospf: true` link between lab routers. BGP: an Established session
with the peer address of every eBGP link (interfaces with `ebgp_peer_asn`) between lab routers.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

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


def vtysh_json(ns: str, command: str) -> dict[str, object]:
    proc = run(["vtysh", "-N", ns, "-c", command], check=False, timeout=20)
    if proc.returncode != 0:
        return {}
    try:
        data = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _ospf_states(ns: str) -> dict[str, str]:
    """Neighbour interface address -> state (e.g. 'Full/-'); FRR 8.4 keys neighbours by router-id."""
    data = vtysh_json(ns, "show ip ospf neighbor json")
    states: dict[str, str] = {}
    neighbors = data.get("neighbors", {})
    for entries in neighbors.values() if isinstance(neighbors, dict) else []:
        for entry in entries if isinstance(entries, list) else [entries]:
            address = entry.get("ifaceAddress") or entry.get("address")
            state = entry.get("nbrState") or entry.get("state") or ""
            if address:
                states[str(address)] = str(state)
    return states


def _bgp_states(ns: str) -> dict[str, str]:
    data = vtysh_json(ns, "show bgp summary json")
    states: dict[str, str] = {}
    for family in data.values():
        peers = family.get("peers", {}) if isinstance(family, dict) else {}
        for address, peer in peers.items():
            states[address] = str(peer.get("state", ""))
    return states


def check(inventory: Inventory, plan: LabPlan) -> list[Adjacency]:
    """Every expected adjacency with its current state."""
    adjacencies = expected(inventory, plan)
    devices = sorted({a.device for a in adjacencies})

    def ask(name: str) -> tuple[dict[str, str], dict[str, str]]:
        ns = plan.devices[name].ns
        return _ospf_states(ns), _bgp_states(ns)

    with ThreadPoolExecutor(max_workers=8) as pool:
        states = dict(zip(devices, pool.map(ask, devices), strict=True))
    for adj in adjacencies:
        ospf, bgp = states[adj.device]
        adj.state = (ospf if adj.protocol == "ospf" else bgp).get(adj.peer_address, "missing")
        adj.up = adj.state.startswith("Full") if adj.protocol == "ospf" else adj.state == "Established"
    return adjacencies


def wait_converged(inventory: Inventory, plan: LabPlan, timeout: float, interval: float = 0.5) -> list[Adjacency]:
    """Poll until every expected adjacency is up or `timeout` passes; the last answer either way."""
    deadline = time.monotonic() + timeout
    while True:
        adjacencies = check(inventory, plan)
        if all(a.up for a in adjacencies) or time.monotonic() >= deadline:
            return adjacencies
        time.sleep(interval)
