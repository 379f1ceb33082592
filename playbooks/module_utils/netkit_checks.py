# netkit's post-check evaluation for the netkit_napalm_checks module: plain Python over NAPALM getters,
# so it is unit-tested without Ansible (tests/unit/test_provision_modules.py).
from __future__ import annotations

from typing import Any


def _ospf_entries(data: Any) -> list[dict[str, Any]]:
    """Accept the napalm_frr extra getter's shapes: {neighbor_id: {...}} or [{...}] (possibly nested per vrf)."""
    if isinstance(data, dict):
        if "neighbors" in data:  # one instance: {"router_id": ..., "neighbors": [...]}
            return _ospf_entries(data["neighbors"])
        out = []
        for key, value in data.items():  # per VRF / instance, or keyed by neighbour id
            if not isinstance(value, dict):
                continue
            if "neighbors" not in value and any(k in value for k in ("state", "address", "neighbor_id")):
                out.append(dict(value, _key=key))
            else:
                out.extend(_ospf_entries(value))
        return out
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)]
    return []


def _ospf_state(entries: list[dict[str, Any]], neighbor: str) -> str | None:
    for e in entries:
        keys = {str(e.get(k)) for k in ("address", "ip_address", "neighbor_address", "neighbor_id", "router_id", "_key")}
        if neighbor in keys:
            return str(e.get("state") or e.get("status") or "")
    return None


def evaluate(dev: Any, expect: dict[str, Any]) -> list[dict[str, Any]]:
    """The post-checks' results from the driver's getters (one attempt)."""
    checks = []
    if expect.get("interfaces_up"):
        ifs = dev.get_interfaces()
        for name in expect["interfaces_up"]:
            info = ifs.get(name)
            ok = bool(info and info.get("is_up"))
            detail = "up" if ok else ("missing" if info is None else
                                      f"down (enabled={info.get('is_enabled')})")
            checks.append(dict(name=f"interface {name}", kind="interface", passed=ok, detail=detail))
    if expect.get("bgp_established"):
        peers = (dev.get_bgp_neighbors().get("global") or {}).get("peers") or {}
        for peer in expect["bgp_established"]:
            info = peers.get(peer["peer"])
            ok = bool(info and info.get("is_up"))
            detail = "established" if ok else ("not configured" if info is None else "not established")
            checks.append(dict(name=f"bgp {peer['peer']} ({peer.get('name', '')})", kind="adjacency",
                               passed=ok, detail=detail))
    if expect.get("ospf_full"):
        entries = _ospf_entries(dev.get_ospf_neighbors())
        for nb in expect["ospf_full"]:
            state = _ospf_state(entries, nb["neighbor"])
            if state is None and nb.get("router_id"):
                state = _ospf_state(entries, nb["router_id"])
            ok = state is not None and "full" in state.lower()
            checks.append(dict(name=f"ospf {nb['neighbor']} ({nb.get('name', '')})", kind="adjacency", passed=ok,
                               detail=state or "no neighbor"))
    for target in expect.get("ping") or []:
        kwargs = dict(count=3, timeout=1)
        if target.get("source"):
            kwargs["source"] = target["source"]
        res = dev.ping(target["destination"], **kwargs)
        ok_part = res.get("success") or {}
        ok = bool(ok_part) and ok_part.get("packet_loss", 1) < ok_part.get("probes_sent", 0)
        detail = (f"{ok_part.get('probes_sent', 0) - ok_part.get('packet_loss', 0)}/{ok_part.get('probes_sent', 0)} "
                  f"replies, rtt {ok_part.get('rtt_avg', 0):.1f} ms") if ok_part else str(res.get("error", "no reply"))
        checks.append(dict(name=f"ping {target['name']} {target['destination']}", kind="reachability", passed=ok,
                           detail=detail))
    return checks
