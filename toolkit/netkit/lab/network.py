"""The lab's wiring: namespaces, the management bridge, the links, and the host's NOC attachment.

Every link is two veth pairs meeting in the wire namespace: `devA:ifA <-> lNa`, `lNb <-> devB:ifB`,
with `lNa` and `lNb` joined by the bridge `lN`. Impairing a link only ever changes the wire namespace
(a qdisc there, or a relay process in place of the bridge), so device interfaces never flap and FRR's
configuration of them is never disturbed.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

from netkit.errors import NetkitError
from netkit.lab.plan import DevicePlan, LabPlan
from netkit.lab.state import StateStore
from netkit.lab.system import ip_batch, netns_exists, run

BRIDGE_OPTS = "type bridge stp_state 0 forward_delay 0 mcast_snooping 0"
NO_IPV6 = "net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"


def guard_route(plan: LabPlan) -> str:
    return f"unreachable {plan.guard}"


def noc_routes(plan: LabPlan) -> list[str]:
    if plan.noc is None:
        return []
    return [f"{net} via {plan.noc.gateway} dev {plan.noc.host_interface}" for net in plan.noc.routes]


def host_conflicts(plan: LabPlan) -> list[str]:
    """Addresses or routes on the host that a lab of this plan would collide with (another lab is up?)."""
    ours = set(plan.host_interfaces)
    wanted = {plan.host_mgmt_address.ip: "management", **({plan.noc.host_address.ip: "NOC"} if plan.noc else {})}
    problems = []
    for link in json.loads(run(["ip", "-j", "-4", "addr", "show"]).stdout or "[]"):
        for info in link.get("addr_info", []):
            ip = _ip(info.get("local", ""))
            kind = wanted.get(ip) if ip is not None else None
            if kind and link.get("ifname") not in ours:
                problems.append(f"the host already has the lab's {kind} address {info['local']} on "
                                f"{link.get('ifname')} (is another lab up? `netkit lab status`)")
    routes = {r.get("dst") for r in json.loads(run(["ip", "-j", "-4", "route", "show"]).stdout or "[]")}
    for net in plan.noc.routes if plan.noc else []:
        if str(net) in routes and not any(link_exists(i) for i in ours):
            problems.append(f"the host already routes {net} (is another lab up? `netkit lab status`)")
    return problems


def _ip(text: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None


def link_exists(name: str, ns: str | None = None) -> bool:
    return run(["ip", *(["-n", ns] if ns else []), "link", "show", "dev", name], check=False).returncode == 0


def create_namespaces(plan: LabPlan, store: StateStore) -> None:
    present = [ns for ns in plan.namespaces if netns_exists(ns)]
    if present:
        raise NetkitError(f"namespaces {', '.join(present)} already exist: run `netkit lab down` first")
    store.add("namespaces", *plan.namespaces)
    ip_batch(f"netns add {ns}" for ns in plan.namespaces)
    for ns in (plan.mgmt_ns, plan.wire_ns):  # pure layer-2 namespaces: no IPv6 chatter of their own
        run(["ip", "netns", "exec", ns, "sysctl", "-qw", *NO_IPV6.split()])


def create_links(plan: LabPlan, store: StateStore) -> None:
    """Every veth pair of the lab in one batch, then the management and wire bridges."""
    store.add("host_interfaces", *plan.host_interfaces)
    lines = [f"link add {plan.host_mgmt_interface} type veth peer name host netns {plan.mgmt_ns}"]
    for d in plan.devices.values():
        lines.append(f"link add {d.mgmt_interface} netns {d.ns} type veth peer name {d.mgmt_peer} netns {plan.mgmt_ns}")
    if plan.noc is not None:
        dev = plan.devices[plan.noc.device]
        lines.append(f"link add {plan.noc.host_interface} type veth peer name {plan.noc.device_interface} "
                     f"netns {dev.ns}")
    for lk in plan.links:
        for end in (lk.a, lk.b):
            lines.append(f"link add {end.interface} netns {end.ns} type veth peer name {end.wire} netns {plan.wire_ns}")
    ip_batch(lines)

    br = plan.mgmt_bridge
    mgmt = ["link set lo up", f"link add {br} {BRIDGE_OPTS}", f"link set host master {br} up"]
    mgmt += [f"link set {d.mgmt_peer} master {br} up" for d in plan.devices.values()]
    ip_batch([*mgmt, f"link set {br} up"], ns=plan.mgmt_ns)
    wire = ["link set lo up"]
    for lk in plan.links:  # the cables stay unplugged (wire ends down) until every device runs
        wire += [f"link add {lk.bridge} {BRIDGE_OPTS}", f"link set {lk.a.wire} master {lk.bridge}",
                 f"link set {lk.b.wire} master {lk.bridge}", f"link set {lk.bridge} up"]
    ip_batch(wire, ns=plan.wire_ns)


def plug_links(plan: LabPlan) -> None:
    """Carrier on every link at once: routers that started early see their neighbours appear together,
    so OSPF and BGP start at the same moment instead of waiting out retry timers against absent peers."""
    ip_batch([f"link set {end} up" for lk in plan.links for end in (lk.a.wire, lk.b.wire)], ns=plan.wire_ns)


def configure_host(plan: LabPlan, store: StateStore) -> None:
    """The host joins the management bridge and the NOC link; it never forwards what the lab sends it."""
    ifs = [(plan.host_mgmt_interface, plan.host_mgmt_address)]
    if plan.noc is not None:
        ifs.append((plan.noc.host_interface, plan.noc.host_address))
    for name, _ in ifs:
        _sysctl(f"net/ipv4/conf/{name}/forwarding", "0")
        _sysctl(f"net/ipv6/conf/{name}/disable_ipv6", "1")
    ip_batch([line for name, addr in ifs for line in (f"addr add {addr} dev {name}", f"link set {name} up")])
    routes = noc_routes(plan)
    store.add("host_routes", *routes)
    ip_batch(f"route replace {r}" for r in routes)


def add_guard_route(plan: LabPlan, store: StateStore) -> None:
    """Before any route to the lab exists: lab addresses never fall through to the host's default route."""
    store.add("host_routes", guard_route(plan))
    run(["ip", "route", "replace", *guard_route(plan).split()])


def _sysctl(key: str, value: str) -> None:
    Path("/proc/sys", key).write_text(value)


def configure_device(plan: LabPlan, device: DevicePlan) -> None:
    """Interfaces up, the management address, a service host's address and its one static route."""
    lines = ["link set lo up", f"addr add {device.mgmt_address} dev {device.mgmt_interface}",
             f"link set {device.mgmt_interface} up"]
    for lk in plan.links:
        for end in (lk.a, lk.b):
            if end.device == device.name:
                lines.append(f"link set {end.interface} up")
    if plan.noc is not None and plan.noc.device == device.name:
        lines.append(f"link set {plan.noc.device_interface} up")
    for lan in device.lan_interfaces:  # the kernel has no dummy interfaces: an empty bridge stays up
        lines += [f"link add {lan} {BRIDGE_OPTS}", f"link set {lan} up"]
    svc = device.service
    if svc is not None:
        if svc.interface != device.mgmt_interface:
            lines.append(f"addr add {svc.address} dev {svc.interface}")
        if svc.route_via is not None:
            lines.append(f"route add {plan.guard} via {svc.route_via}")
    ip_batch(lines, ns=device.ns)


def delete_namespaces(namespaces: list[str]) -> None:
    present = [ns for ns in namespaces if netns_exists(ns)]
    if present:
        run(["ip", "-force", "-batch", "-"], input="\n".join(f"netns del {ns}" for ns in present) + "\n", check=False)


def delete_host_side(interfaces: list[str], routes: list[str]) -> None:
    for name in interfaces:
        if link_exists(name):
            run(["ip", "link", "del", "dev", name], check=False)
    for route in routes:
        run(["ip", "route", "del", *route.split()], check=False)


def operstates(ns: str) -> dict[str, str]:
    """Interface name -> operational state (UP, DOWN, LOWERLAYERDOWN, UNKNOWN) inside a namespace."""
    proc = run(["ip", "-n", ns, "-j", "link", "show"], check=False)
    if proc.returncode != 0:
        return {}
    return {i["ifname"]: i.get("operstate", "UNKNOWN") for i in json.loads(proc.stdout or "[]")}
