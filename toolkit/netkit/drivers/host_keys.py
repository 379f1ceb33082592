"""Which NAPALM drivers reach a device over SSH, and the optional_args that make each verify the device's
host key against a known_hosts file (refusing unknown or changed keys before authenticating)."""

from __future__ import annotations

from typing import Any

# napalm_frr (paramiko); ios and huawei_vrp (netmiko); junos (PyEZ/ncclient over SSH). eos (eAPI over
# HTTPS) and ros (the RouterOS API) do not use SSH.
SSH_DRIVERS = frozenset({"frr", "ios", "huawei_vrp", "junos"})


def host_key_args(driver: str, known_hosts: str) -> dict[str, Any]:
    if driver == "frr":
        return {"known_hosts": known_hosts}
    if driver in ("ios", "huawei_vrp"):  # netmiko: RejectPolicy with only this file's keys
        return {"ssh_strict": True, "system_host_keys": False, "alt_host_keys": True, "alt_key_file": known_hosts}
    return {}  # junos: checked by netkit's own key exchange before each transaction (trust.verify) only
