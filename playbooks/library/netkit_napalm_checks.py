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
  secrets_socket: {description: Unix socket netkit serves credentials on during one run, type: path}
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
from ansible.module_utils.netkit_checks import evaluate
from ansible.module_utils.netkit_napalm import COMMON_ARGS, close_quietly, fail, open_driver, read_config


def main() -> None:
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
            checks = evaluate(dev, module.params["expect"])
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
