"""`lab status`: every device's namespace and daemons, management reachability, links and impairments."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from pydantic import BaseModel

from netkit.inventory.models import Impairment
from netkit.lab import daemons, network
from netkit.lab.impair import relay_alive
from netkit.lab.plan import LabPlan
from netkit.lab.state import StateStore
from netkit.lab.system import netns_exists


class DeviceStatus(BaseModel):
    name: str
    kind: str  # router | service
    namespace: str
    namespace_exists: bool
    mgmt_address: str
    mgmt_reachable: bool | None = None  # None: not checked (namespace missing)
    mgmt_rtt_ms: float | None = None
    daemons: dict[str, bool] = {}
    interface_map: dict[str, str] = {}  # inventory name -> Linux name where they differ


class LinkStatus(BaseModel):
    name: str
    a: str  # device:interface
    b: str
    a_state: str
    b_state: str
    impairment: Impairment | None = None
    method: str | None = None  # netem | relay
    relay_alive: bool | None = None


class LabStatus(BaseModel):
    up: bool
    prefix: str
    inventory: str | None = None
    phase: str | None = None
    provisioned: bool | None = None
    started_at: datetime | None = None
    host_mgmt: str | None = None
    noc: str | None = None
    devices: list[DeviceStatus] = []
    links: list[LinkStatus] = []
    skipped: list[str] = []
    problems: list[str] = []

    @property
    def healthy(self) -> bool:
        return self.up and not self.problems


def health_problems(plan: LabPlan, store: StateStore) -> list[str]:
    """What is wrong with a lab that is supposed to be up (empty when healthy)."""
    relays = {lk.name: relay_alive(lk, store) for lk in plan.links} if store.state is not None else {}
    return _problems({ns: netns_exists(ns) for ns in plan.namespaces}, _daemons_alive(plan), relays)


def _daemons_alive(plan: LabPlan) -> dict[str, dict[str, bool]]:
    return {name: daemons.daemons_alive(device, daemons.DeviceFiles.of(plan, name))
            for name, device in plan.devices.items()}


def _problems(namespaces: dict[str, bool], alive: dict[str, dict[str, bool]],
              relays: dict[str, bool | None]) -> list[str]:
    """The problems of a lab from what was looked up: namespaces present, daemons alive, relays alive."""
    problems = [f"namespace {ns} is missing" for ns, present in namespaces.items() if not present]
    for name, of_device in alive.items():
        dead = [d for d, ok in of_device.items() if not ok]
        if dead:
            problems.append(f"{name}: {', '.join(dead)} not running")
    problems += [f"{link}: impairment relay not running" for link, ok in relays.items() if ok is False]
    return problems


def _ping_all(addresses: list[str]) -> dict[str, float | None]:
    """RTT in ms (None: no answer) from the host to each address, all at once."""
    from icmplib import multiping

    try:
        hosts = multiping(addresses, count=2, interval=0.05, timeout=1, privileged=True)
    except Exception:  # icmplib raises on socket problems; unreachable then
        return dict.fromkeys(addresses)
    return {h.address: (round(h.avg_rtt, 3) if h.is_alive else None) for h in hosts}


def lab_status(plan: LabPlan, store: StateStore, ping: bool = True) -> LabStatus:
    state = store.load()
    status = LabStatus(up=state is not None and state.phase == "up", prefix=plan.prefix, skipped=plan.skipped)
    if state is None:
        return status
    status.inventory, status.phase, status.provisioned = state.inventory, state.phase, state.provisioned
    status.started_at = state.started_at
    status.host_mgmt = f"{plan.host_mgmt_interface} {plan.host_mgmt_address}"
    if plan.noc is not None:
        status.noc = f"{plan.noc.host_interface} {plan.noc.host_address} -> {plan.noc.device} " \
                     f"{plan.noc.device_interface} ({len(plan.noc.routes)} routes)"
    exists = {ns: netns_exists(ns) for ns in plan.namespaces}
    alive = _daemons_alive(plan)
    rtts = _ping_all([str(d.mgmt_address.ip) for d in plan.devices.values() if exists[d.ns]]) if ping else {}
    for name, device in plan.devices.items():
        rtt = rtts.get(str(device.mgmt_address.ip))
        status.devices.append(DeviceStatus(
            name=name, kind=device.kind, namespace=device.ns, namespace_exists=exists[device.ns],
            mgmt_address=str(device.mgmt_address.ip), interface_map=device.interface_map,
            mgmt_reachable=(rtt is not None) if ping and exists[device.ns] else None, mgmt_rtt_ms=rtt,
            daemons=alive[name] if exists[device.ns] else {},
        ))
    with ThreadPoolExecutor(max_workers=8) as pool:
        namespaces = [d.ns for d in plan.devices.values() if exists[d.ns]]
        states = dict(zip(namespaces, pool.map(network.operstates, namespaces), strict=True))
    relays = {lk.name: relay_alive(lk, store) for lk in plan.links}
    for lk in plan.links:
        record = state.impairments.get(lk.name)
        status.links.append(LinkStatus(
            name=lk.name, a=f"{lk.a.device}:{lk.a.interface}", b=f"{lk.b.device}:{lk.b.interface}",
            a_state=states.get(lk.a.ns, {}).get(lk.a.interface, "MISSING"),
            b_state=states.get(lk.b.ns, {}).get(lk.b.interface, "MISSING"),
            impairment=record.impairment if record else None, method=record.method if record else None,
            relay_alive=relays[lk.name],
        ))
    status.problems = _problems(exists, alive, relays) if status.up else [f"the lab is {state.phase}"]
    status.problems += [f"{d.name}: management address {d.mgmt_address} does not answer ping"
                        for d in status.devices if d.mgmt_reachable is False]
    return status
