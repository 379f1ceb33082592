#!/usr/bin/python
# netkit: post-checks after a commit, evaluated on the control node from NAPALM getters, retried until
# ruff: noqa: E402  (Ansible modules keep DOCUMENTATION before their imports)
# they pass or `wait` seconds have gone by (routing takes a few seconds to converge).
from __future__ import annotations

DOCUMENTATION = r"""
module: netkit_napalm_checks
short_description: Post-checks of a device (interfaces up, BGP established, OSPF full, pings, intended == running)
options:
  device: {description: inventory name of the device, required: true, type: str}
  expect:
    description: >
      What must hold: interfaces_up (list of names), bgp_established (list of {peer, name}),
      ospf_full (list of {neighbor, router_id, name}), ping (list of {name, destination, source}).
    type: dict
    default: {}
  config: {description: intended configuration; when given the device must have no diff against it, type: str}
  config_file: {type: path}
  wait: {description: seconds to keep retrying failing checks, type: int, default: 60}
  interval: {type: float, default: 1.0}
  driver: {type: str}
  hostname: {type: str}
  username: {type: str}
  password: {type: str, no_log: true}
  secrets_file: {type: path}
  inventory: {type: path}
  timeout: {type: int, default: 30}
  optional_args: {type: dict}
"""

RETURN = r"""
checks: {description: "list of {name, kind, passed, detail}", type: list}
attempts: {type: int}
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.netkit_napalm import COMMON_ARGS, close_quietly, fail, open_driver, read_config


def _ospf_entries(data):
    """Accept the napalm_frr extra getter's shapes: {neighbor_id: {...}} or [{...}] (possibly nested per vrf)."""
    if isinstance(data, dict):
        if "neighbors" in data:
            return _ospf_entries(data["neighbors"])
        if data and all(isinstance(v, dict) for v in data.values()):
            out = []
            for key, value in data.items():
                if any(k in value for k in ("state", "status", "address", "neighbor_id", "router_id")):
                    out.append(dict(value, _key=key))
                else:
                    out.extend(_ospf_entries(value))
            return out
        return []
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)]
    return []


def _ospf_state(entries, neighbor):
    for e in entries:
        keys = {str(e.get(k)) for k in ("address", "ip_address", "neighbor_address", "neighbor_id", "router_id", "_key")}
        if neighbor in keys:
            return str(e.get("state") or e.get("status") or "")
    return None


def _evaluate(dev, expect):
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


def main():
    args = dict(COMMON_ARGS)
    args.update(expect=dict(type="dict", default={}), config=dict(type="str", default=None),
                config_file=dict(type="path", default=None), wait=dict(type="int", default=60),
                interval=dict(type="float", default=1.0))
    module = AnsibleModule(argument_spec=args, supports_check_mode=True)
    intended = read_config(module)
    dev = open_driver(module)
    deadline = time.monotonic() + max(0, module.params["wait"])
    attempts = 0
    try:
        while True:
            attempts += 1
            checks = _evaluate(dev, module.params["expect"])
            if all(c["passed"] for c in checks) or time.monotonic() >= deadline:
                break
            time.sleep(module.params["interval"])
        if intended is not None:
            dev.load_replace_candidate(config=intended)
            diff = dev.compare_config() or ""
            dev.discard_config()
            checks.append(dict(name="intended == running", kind="intended", passed=not diff.strip(),
                               detail="no diff" if not diff.strip() else diff))
    except Exception as e:
        fail(module, dev, "post-check failed to run", e)
    close_quietly(dev)
    failed = [c["name"] for c in checks if not c["passed"]]
    result = dict(changed=False, checks=checks, attempts=attempts)
    if failed:
        module.fail_json(msg=f"{module.params['device']}: post-checks failed: {', '.join(failed)}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
