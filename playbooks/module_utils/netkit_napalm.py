# netkit's shared code for its Ansible modules: resolve a device's connection, open a NAPALM driver,
# translate errors. Runs on the control node (connection: local), like napalm-ansible.
# Credentials come, in this order, from: the module's username/password (no_log), the secrets socket
# netkit serves during one transaction (nothing on disk, gone when netkit exits), a JSON secrets file
# ({"devices": {name: {username, password, secrets, marks}}}), or the netkit inventory's credential sets
# (lab file, environment, vault vars). Every secret is registered with Ansible's no_log machinery, so
# results, diffs and events are masked before they leave the module. `marks` ({name: value}) fills the
# `@@secret:<name>@@` marks of an intended config (netkit renders configs without secrets) right before
# it goes to the device: the filled text exists only in this module process.
from __future__ import annotations

import contextlib
import json
import os
import traceback
from typing import Any

# Light imports on purpose (a module process lives for one task): the one secret-mark pattern, and the
# platform specs (the one platform->driver table).
from netkit.config.marks import SECRET_MARK_RE as _MARK
from netkit.drivers.session import napalm_without_core_drivers, network_driver, open_session
from netkit.errors import DeviceError
from netkit.platforms import napalm_driver

COMMON_ARGS = dict(
    device=dict(type="str", required=True),
    driver=dict(type="str", required=False, default=None),
    hostname=dict(type="str", required=False, default=None),
    username=dict(type="str", required=False, default=None),
    password=dict(type="str", required=False, default=None, no_log=True),
    secrets_socket=dict(type="path", required=False, default=None),
    secrets_file=dict(type="path", required=False, default=None),
    inventory=dict(type="path", required=False, default=None),
    timeout=dict(type="int", required=False, default=30),
    optional_args=dict(type="dict", required=False, default=None),
)


def _from_secrets_socket(path: str, device: str) -> tuple[str | None, str | None, list[str], dict[str, str]] | None:
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(device.encode() + b"\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return _entry(json.loads(data.decode() or "null"))


def _entry(entry: dict[str, Any] | None) -> tuple[str | None, str | None, list[str], dict[str, str]] | None:
    if entry is None:
        return None
    return entry.get("username"), entry.get("password"), list(entry.get("secrets") or []), dict(entry.get("marks") or {})


def _from_secrets_file(path: str, device: str) -> tuple[str | None, str | None, list[str], dict[str, str]] | None:
    with open(path) as f:
        data = json.load(f)
    return _entry((data.get("devices") or {}).get(device))


def ask_netkit(module: Any, *args: str) -> tuple[dict[str, Any] | None, str | None]:
    """Standalone use (ansible-playbook / AWX): ask netkit, installed in the interpreter that runs the
    modules, in a child process (inside a module process `ansible` is AnsiballZ's trimmed copy, without
    the inventory machinery netkit loads inventories with)."""
    import sys

    rc, out, err = module.run_command([sys.executable, "-m", "netkit.provision.standalone", *args])
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {"error": (err or out).strip()[-2000:] or f"exit {rc}"}
    if rc != 0 or "error" in doc:
        return None, doc.get("error") or f"exit {rc}"
    return doc, None


def _from_inventory(module: Any, path: str, device: str) -> tuple[Any, ...]:
    doc, error = ask_netkit(module, "credentials", path, device)
    if doc is None:
        raise ValueError(error)
    return (doc["username"], doc["password"], doc["secrets"], dict(doc.get("marks") or {}), doc["hostname"],
            doc["platform"])


def resolve(module: Any) -> tuple[Any, ...]:
    """(driver, hostname, username, password, marks) for module.params, worked out once per module run;
    registers every secret as no_log."""
    if getattr(module, "_netkit_resolved", None) is None:
        module._netkit_resolved = _resolve(module)
    resolved: tuple[Any, ...] = module._netkit_resolved
    return resolved


def _resolve(module: Any) -> tuple[Any, ...]:
    p = module.params
    driver, hostname, username, password = p["driver"], p["hostname"], p["username"], p["password"]
    secrets: list[str] = []
    marks: dict[str, str] = {}
    if not (username and password) and p["secrets_socket"]:
        try:
            found = _from_secrets_socket(p["secrets_socket"], p["device"])
        except OSError as e:
            module.fail_json(msg=f"{p['device']}: netkit's secrets socket {p['secrets_socket']} does not answer: {e}")
        if found is not None:
            username, password, secrets, marks = found
    if not (username and password) and p["secrets_file"]:
        found = _from_secrets_file(p["secrets_file"], p["device"])
        if found is not None:
            username, password, secrets, marks = found
    if not (username and password) and p["inventory"]:
        try:
            username, password, secrets, marks, addr, platform = _from_inventory(module, p["inventory"], p["device"])
        except Exception as e:  # netkit's own messages name the file and key
            module.fail_json(msg=f"{p['device']}: cannot resolve credentials from {p['inventory']}: {e}")
        hostname = hostname or addr
        driver = driver or napalm_driver(platform)
    if not (username and password):
        module.fail_json(msg=f"{p['device']}: no credentials (give username/password, secrets_socket, secrets_file "
                             "or inventory)")
    if not hostname:
        module.fail_json(msg=f"{p['device']}: no hostname (set ansible_host)")
    if not driver:
        module.fail_json(msg=f"{p['device']}: no NAPALM driver for this platform")
    marks = {"username": username, "password": password, **marks}
    for secret in [password, *secrets, *(v for k, v in marks.items() if k != "username")]:
        if secret:
            module.no_log_values.add(secret)
    return driver, hostname, username, password, marks


def host_key_args(driver_name: str, module: Any) -> dict[str, Any]:
    """Make the driver verify the device's SSH host key before it authenticates: against the known_hosts file
    netkit gives for the run (NETKIT_KNOWN_HOSTS), else the inventory's trust store (standalone runs), else the
    user's known_hosts (never accept a new key)."""
    known_hosts = os.environ.get("NETKIT_KNOWN_HOSTS")
    if not known_hosts and module.params.get("inventory") and driver_name in ("frr", "ios", "huawei_vrp"):
        doc, _ = ask_netkit(module, "known-hosts", module.params["inventory"])  # standalone: the inventory's store
        known_hosts = (doc or {}).get("known_hosts")
    if driver_name == "frr":
        return {"known_hosts": known_hosts} if known_hosts else {"ssh_strict": True}
    if driver_name in ("ios", "huawei_vrp"):  # netmiko
        return ({"ssh_strict": True, "system_host_keys": False, "alt_host_keys": True, "alt_key_file": known_hosts}
                if known_hosts else {"ssh_strict": True, "system_host_keys": True})
    return {}


def open_driver(module: Any) -> Any:
    """The device's driver, opened the one way netkit opens a device (netkit.drivers.session)."""
    driver_name, hostname, username, password, _ = resolve(module)
    device = module.params["device"]
    try:
        napalm_without_core_drivers()
        cls = network_driver(driver_name)
    except Exception as e:
        module.fail_json(msg=f"{device}: NAPALM driver {driver_name!r} is not available: {e}")
    try:
        return open_session(cls, device=device, hostname=hostname, username=username, password=password,
                            timeout=module.params["timeout"],
                            optional_args={**host_key_args(driver_name, module), **(module.params["optional_args"] or {})},
                            driver_name=driver_name)
    except DeviceError as e:
        cause = e.__cause__ if e.__cause__ is not None else e
        module.fail_json(msg=str(e), netkit_unreachable=True, error_type=type(cause).__name__)


def close_quietly(dev: Any) -> None:
    with contextlib.suppress(Exception):
        dev.close()


def fail(module: Any, dev: Any, what: str, exc: BaseException, **extra: Any) -> None:
    if dev is not None:
        close_quietly(dev)
    module.fail_json(msg=f"{module.params['device']}: {what}: {type(exc).__name__}: {exc}",
                     error_type=type(exc).__name__, exception=traceback.format_exc(), **extra)


def refuse_if_pending(module: Any, dev: Any, pending: bool) -> None:
    """Fail when an earlier run left a commit waiting for confirmation (`refuse_pending: true`):
    its running config is neither a state to back up nor a base for a new commit."""
    if module.params["refuse_pending"] and pending:
        close_quietly(dev)
        module.fail_json(msg=f"{module.params['device']}: a commit is waiting for confirmation (an earlier run did "
                             "not finish): wait for its revert timer, or roll it back, before provisioning",
                         pending_commit=True)




def read_config(module: Any) -> str | None:
    """The intended config as it goes to the device: its secret marks filled from the device's credentials."""
    p = module.params
    if p.get("config") is not None:
        text = p["config"]
    else:
        path = p.get("config_file")
        if not path:
            return None
        if not os.path.isfile(path):
            module.fail_json(msg=f"{p['device']}: config_file {path} does not exist")
        with open(path) as f:
            text = f.read()
    return fill_marks(module, text)


def fill_marks(module: Any, text: str) -> str:
    needed = sorted(set(_MARK.findall(text)))
    if not needed:
        return text
    marks = resolve(module)[4]
    missing = [name for name in needed if not marks.get(name)]
    if missing:
        module.fail_json(msg=f"{module.params['device']}: the config needs {', '.join(missing)} but the device's "
                             "credentials have no value for it")
    return _MARK.sub(lambda m: str(marks[m.group(1)]), text)


def backup(dev: Any, path: str) -> dict[str, str]:
    """Write the device's running configuration to `path` (0600); return where and its checksum."""
    import hashlib

    running = dev.get_config(retrieve="running")["running"]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(running)
    return {"backup_file": path, "backup_sha256": hashlib.sha256(running.encode()).hexdigest()}
