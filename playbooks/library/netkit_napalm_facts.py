#!/usr/bin/python
# netkit: NAPALM getters, and a backup of the running configuration into a file.
# ruff: noqa: E402  (Ansible modules keep DOCUMENTATION before their imports)
from __future__ import annotations

DOCUMENTATION = r"""
module: netkit_napalm_facts
short_description: Run NAPALM getters on a device; optionally write its running config to a backup file
options:
  device: {description: inventory name of the device, required: true, type: str}
  getters: {description: "getter names without get_ (facts, interfaces, bgp_neighbors, ospf_neighbors, config ...)",
            type: list, elements: str, default: [facts]}
  backup_to: {description: write the running configuration to this file (mode 0600); it is not returned, type: path}
  refuse_pending:
    description: fail when a commit waits for confirmation (its running config is not a state to back up)
    type: bool
    default: false
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
facts: {description: "getter name -> NAPALM's return value (secrets masked)", type: dict}
backup_file: {description: where the running configuration was written, type: str}
backup_sha256: {description: checksum of the backup file, type: str}
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.netkit_napalm import COMMON_ARGS, backup, close_quietly, fail, open_driver, refuse_if_pending


def main() -> None:
    args = dict(COMMON_ARGS)
    args.update(getters=dict(type="list", elements="str", default=["facts"]),
                backup_to=dict(type="path", required=False, default=None),
                refuse_pending=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=args, supports_check_mode=True)
    dev = open_driver(module)
    result: dict[str, Any] = dict(changed=False, facts={})
    try:
        if module.params["refuse_pending"]:
            refuse_if_pending(module, dev, bool(dev.has_pending_commit()))
        if module.params["backup_to"]:
            result.update(backup(dev, module.params["backup_to"]))
        for name in module.params["getters"]:
            getter: Any = getattr(dev, f"get_{name}", None)
            if getter is None:
                module.fail_json(msg=f"{module.params['device']}: driver has no getter get_{name}")
            result["facts"][name] = getter()
    except Exception as e:
        fail(module, dev, "getter failed", e)
    close_quietly(dev)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
