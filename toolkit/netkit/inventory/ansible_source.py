"""Read an Ansible inventory with Ansible's own machinery (plugins, group_vars, host_vars, vault).

Only the inventory layer of variable precedence applies here (no plays, no roles): group vars by
group depth and priority, then host vars, top-level keys replaced as with Ansible's default
`hash_behaviour=replace`. Each group's vars are computed once, which keeps 10,000 hosts fast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netkit.errors import EnvironmentProblem, InventoryError


@dataclass(frozen=True)
class RawHost:
    name: str
    vars: dict[str, Any]
    groups: list[str]
    source: Path  # the file that most likely holds this host's netkit vars (for messages)


@dataclass(frozen=True)
class RawInventory:
    path: Path
    hosts: dict[str, RawHost]
    group_sources: dict[str, Path] = field(default_factory=dict)


def plain(value: Any) -> Any:
    """Ansible's tagged/vaulted values as plain Python (decrypting vault strings)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _loader() -> Any:
    try:
        from ansible.parsing.dataloader import DataLoader
    except ImportError as e:  # pragma: no cover - guarded by the package's dependencies
        raise EnvironmentProblem("ansible-core is not installed: pip install netkit") from e
    loader = DataLoader()
    password_file = os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE")
    if password_file:
        from ansible.cli import CLI

        if not Path(password_file).is_file():
            raise InventoryError(f"ANSIBLE_VAULT_PASSWORD_FILE={password_file}: no such file")
        secrets = CLI.setup_vault_secrets(loader, vault_ids=[], vault_password_files=[password_file])
        loader.set_vault_secrets(secrets)
    return loader


def _source_of(path: Path, kind: str, name: str) -> Path | None:
    base = path if path.is_dir() else path.parent
    for suffix in ("", ".yml", ".yaml", ".json"):
        candidate = base / kind / f"{name}{suffix}"
        if candidate.exists():
            return candidate
    return None


def read_ansible_inventory(path: Path) -> RawInventory:
    if not path.exists():
        raise InventoryError(
            f"{path}: no such inventory (give -i with a directory holding hosts.yml, or set NETKIT_INVENTORY)"
        )
    loader = _loader()
    from ansible.errors import AnsibleError
    from ansible.inventory.helpers import sort_groups
    from ansible.inventory.manager import InventoryManager
    from ansible.utils.vars import combine_vars
    from ansible.vars.manager import VariableManager
    from ansible.vars.plugins import get_vars_from_inventory_sources

    sources = [str(path)]
    VariableManager(loader=loader)  # primes the vars plugins (host_group_vars) as ansible-playbook does
    try:
        manager = InventoryManager(loader=loader, sources=sources)
    except AnsibleError as e:
        raise InventoryError(f"{path}: Ansible cannot parse this inventory: {e}") from e
    if not manager.hosts:
        raise InventoryError(f"{path}: the inventory has no hosts (is hosts.yml there and valid YAML?)")

    group_vars: dict[str, dict[str, Any]] = {}
    try:
        for name, group in manager.groups.items():
            group_vars[name] = combine_vars(
                group.get_vars(), get_vars_from_inventory_sources(loader, sources, [group], "task")
            )
        hosts: dict[str, RawHost] = {}
        default_source = path / "hosts.yml" if path.is_dir() else path
        for name, host in manager.hosts.items():
            merged: dict[str, Any] = {}
            groups = sort_groups(host.get_groups())
            for group in groups:
                merged = combine_vars(merged, group_vars[group.name])
            merged = combine_vars(merged, host.get_vars())
            merged = combine_vars(merged, get_vars_from_inventory_sources(loader, sources, [host], "task"))
            hosts[name] = RawHost(
                name=name,
                vars=plain({k: v for k, v in merged.items() if k.startswith(("netkit_", "ansible_host"))}),
                groups=[g.name for g in groups],
                source=_source_of(path, "host_vars", name) or default_source,
            )
    except AnsibleError as e:
        raise InventoryError(f"{path}: Ansible cannot read the inventory's variables: {e}") from e
    group_sources = {
        name: src for name in manager.groups if (src := _source_of(path, "group_vars", name)) is not None
    }
    return RawInventory(path=path, hosts=hosts, group_sources=group_sources)
