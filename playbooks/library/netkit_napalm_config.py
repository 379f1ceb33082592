#!/usr/bin/python
# netkit: replace a device's configuration through NAPALM, with a revert timer, confirm and rollback.
# ruff: noqa: E402  (Ansible modules keep DOCUMENTATION before their imports)
from __future__ import annotations

DOCUMENTATION = r"""
module: netkit_napalm_config
short_description: Load a replace candidate, diff, commit with a revert timer, confirm, discard, roll back
description:
  - Runs on the control node (connection local) and reaches the device through its NAPALM driver
    (for FRR, the napalm_frr driver over SSH).
  - C(state=diff) loads the candidate, returns the exact diff and discards it (check mode does the same).
  - C(state=committed) commits the candidate when it differs, with C(revert_in) seconds after which the
    device restores its previous configuration by itself unless confirmed.
  - C(state=confirmed) confirms a pending commit. C(state=discarded) discards a candidate.
    C(state=rolled_back) asks the driver to roll back its last commit.
  - C(state=restored) makes the running configuration equal to C(config)/C(config_file) (a backup):
    cancels a pending commit, commits the difference without a timer, then proves it by diffing again.
options:
  device: {description: inventory name of the device, required: true, type: str}
  state: {choices: [diff, committed, confirmed, discarded, rolled_back, restored], default: diff, type: str}
  config: {description: the full candidate configuration, type: str}
  config_file: {description: a file holding the full candidate configuration, type: path}
  revert_in: {description: seconds before an unconfirmed commit reverts (0 = no timer), type: int, default: 300}
  compare: {description: "state=committed: diff before committing (false: the caller just diffed it)", type: bool, default: true}
  backup_to: {description: first write the running configuration to this file (mode 0600; not returned), type: path}
  refuse_pending: {description: fail when a commit already waits for confirmation, type: bool, default: false}
  driver: {description: NAPALM driver name, type: str}
  hostname: {description: management address, type: str}
  username: {type: str}
  password: {type: str, no_log: true}
  secrets_socket: {description: Unix socket netkit serves credentials on during one run, type: path}
  secrets_file: {description: "JSON file {devices: {name: {username, password, secrets, marks}}}; marks ({name: value}) fill the config's @@secret:name@@ marks", type: path}
  inventory: {description: netkit inventory to resolve credentials from (standalone use), type: path}
  timeout: {type: int, default: 30}
  optional_args: {type: dict}
"""

RETURN = r"""
config_diff: {description: what changed or would change (secrets masked), type: str}
committed: {description: a commit was made, type: bool}
pending: {description: a commit waits for confirmation after this task, type: bool}
pending_before: {description: a commit was waiting for confirmation before this task, type: bool}
verified: {description: state=restored, the device's running config now equals the given config, type: bool}
"""

import contextlib
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.netkit_napalm import (
    COMMON_ARGS,
    backup,
    close_quietly,
    fail,
    open_driver,
    read_config,
    refuse_if_pending,
)


def _load(dev: Any, module: Any, config: str | None) -> None:
    try:
        dev.load_replace_candidate(config=config)
    except Exception as e:
        with contextlib.suppress(Exception):
            dev.discard_config()
        fail(module, dev, "the device rejected the candidate", e, rejected=True)


def _diff(dev: Any, module: Any, config: str | None) -> str:
    _load(dev, module, config)
    try:
        return str(dev.compare_config() or "")
    except Exception as e:
        fail(module, dev, "compare_config failed", e)
        raise  # fail() exits the module process


def _restore(dev: Any, module: Any, config: str | None, result: dict[str, Any]) -> None:
    if dev.has_pending_commit():
        dev.rollback()
        result["cancelled_pending"] = True
    diff = _diff(dev, module, config)
    result["config_diff"] = diff
    if not diff.strip():  # already equal: that empty diff is the proof
        dev.discard_config()
        result.update(verified=True, diff_after="")
        return
    dev.commit_config()
    result["committed"] = True
    result["changed"] = True
    after = _diff(dev, module, config)
    dev.discard_config()
    result["verified"] = not after.strip()
    result["diff_after"] = after
    if not result["verified"]:
        module.fail_json(msg=f"{module.params['device']}: restore did not converge, remaining diff shown", **result)


def main() -> None:
    args = dict(COMMON_ARGS)
    args.update(
        state=dict(type="str", default="diff",
                   choices=["diff", "committed", "confirmed", "discarded", "rolled_back", "restored"]),
        config=dict(type="str", required=False, default=None),
        config_file=dict(type="path", required=False, default=None),
        revert_in=dict(type="int", required=False, default=300),
        compare=dict(type="bool", default=True),
        backup_to=dict(type="path", required=False, default=None),
        refuse_pending=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=args, supports_check_mode=True)
    state = "diff" if module.check_mode and module.params["state"] in ("committed", "restored") else module.params["state"]
    config = read_config(module)
    if state in ("diff", "committed", "restored") and config is None:
        module.fail_json(msg=f"{module.params['device']}: state={state} needs config or config_file")
    dev = open_driver(module)
    result: dict[str, Any] = dict(changed=False, committed=False, config_diff="", state=state)
    try:
        result["pending_before"] = bool(dev.has_pending_commit())
        refuse_if_pending(module, dev, result["pending_before"])
        if module.params["backup_to"]:
            result.update(backup(dev, module.params["backup_to"]))
        if state == "diff":
            result["config_diff"] = _diff(dev, module, config)
            dev.discard_config()
            result["changed"] = bool(result["config_diff"].strip())
        elif state == "committed":
            if result["pending_before"]:
                module.fail_json(msg=f"{module.params['device']}: a previous commit is waiting for confirmation "
                                     "(confirm or roll it back first)", **result)
            if module.params["compare"]:
                diff = _diff(dev, module, config)
            else:  # the caller diffed this candidate a moment ago: load it and commit
                _load(dev, module, config)
                diff = "(diffed before)"
            result["config_diff"] = diff if module.params["compare"] else ""
            if diff.strip():
                revert = module.params["revert_in"] or None
                dev.commit_config(revert_in=revert)
                result.update(changed=True, committed=True, revert_in=revert)
            else:
                dev.discard_config()
        elif state == "confirmed":
            if result["pending_before"]:
                dev.confirm_commit()
                result["changed"] = True
        elif state == "discarded":
            dev.discard_config()
        elif state == "rolled_back":
            dev.rollback()
            result["changed"] = True
        elif state == "restored":
            _restore(dev, module, config, result)
        # diff and discard leave the commit state as they found it: no second round trip to ask again
        result["pending"] = (result["pending_before"] if state in ("diff", "discarded")
                             else bool(dev.has_pending_commit()))
    except Exception as e:
        fail(module, dev, f"state={state} failed", e, **result)
    close_quietly(dev)
    if module._diff and result["config_diff"]:
        result["diff"] = {"prepared": result["config_diff"]}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
