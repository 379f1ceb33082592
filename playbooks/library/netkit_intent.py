#!/usr/bin/python
# netkit: what a device should be (driver, address, intended config file, post-check expectations).
# ruff: noqa: E402  (Ansible modules keep DOCUMENTATION before their imports)
from __future__ import annotations

DOCUMENTATION = r"""
module: netkit_intent
short_description: The provisioning plan of one device, rendered from the inventory
description:
  - For playbooks run standalone (ansible-playbook, AWX); netkit itself passes each device's plan as the
    host variable C(netkit_plan). Renders the intended configuration with netkit from C(inventory) and
    writes it to C(out_dir) (mode 0600).
options:
  device: {required: true, type: str}
  inventory: {required: true, type: path}
  out_dir: {type: path, default: /tmp/netkit-intent}
"""

RETURN = r"""
supported: {description: the platform has a NAPALM driver and is configured by netkit, type: bool}
reason: {description: why a device is skipped, type: str}
driver: {type: str}
hostname: {type: str}
config_file: {type: str}
checks: {description: post-check expectations for netkit_napalm_checks, type: dict}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.netkit_napalm import ask_netkit


def main() -> None:
    module = AnsibleModule(argument_spec=dict(
        device=dict(type="str", required=True), inventory=dict(type="path", required=True),
        out_dir=dict(type="path", default="/tmp/netkit-intent"),
    ), supports_check_mode=True)
    p = module.params
    plan, error = ask_netkit(module, "plan", p["inventory"], p["device"], p["out_dir"])
    if plan is None:
        module.fail_json(msg=f"{p['device']}: cannot plan from {p['inventory']}: {error}")
    module.exit_json(changed=False, **plan)


if __name__ == "__main__":
    main()
