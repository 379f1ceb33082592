"""Read an Ansible inventory with Ansible's own machinery (plugins, group_vars, host_vars, vault).

Only the inventory layers of Ansible's variable precedence apply here (no plays, no roles), in
Ansible's default order (VARIABLE_PRECEDENCE): inventory-file vars of `all` then of the host's other
groups (sorted by depth, priority, name), then vars-plugin vars (group_vars/ files) of `all` then of
the other groups, then the host's inventory-file vars and its host_vars/ files. Merging follows
Ansible's `hash_behaviour` (default: a later top-level key replaces an earlier one).

Each group's vars are read and converted once and shared by its hosts (10,000 hosts share ~900
groups), so a host costs one lookup of host_vars/ and a few dictionary merges.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netkit.errors import EnvironmentProblem, InventoryError
from netkit.inventory.models import Vaulted
from netkit.inventory.vars_files import dropped_group_keys, vars_file_problems

if TYPE_CHECKING:
    from netkit.inventory.ansible_glue import AnsibleWarning

# The variables netkit reads; everything else (ansible_connection, users' own vars) is left to Ansible.
NETKIT_KEYS = ("netkit_", "ansible_host")
YAML_SUFFIXES = (".yml", ".yaml", ".json")


@dataclass(frozen=True)
class RawHost:
    name: str
    vars: dict[str, Any]
    groups: list[str]
    source: Path  # the file that holds this host's netkit_device (else ansible_host, else hosts.yml)
    # "file:line" where each netkit variable of this host was defined (when Ansible tagged it)
    origins: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawInventory:
    path: Path
    hosts: dict[str, RawHost]
    group_sources: dict[str, Path] = field(default_factory=dict)
    # Problems Ansible only warned about (duplicate YAML keys, unexpected keys, unparsable files).
    problems: list[str] = field(default_factory=list)
    empty_groups: list[str] = field(default_factory=list)  # groups without any host (also through children)


def plain(value: Any) -> Any:
    """Ansible's tagged/vaulted values as plain Python (decrypting vault strings).

    The common types are tested first with plain isinstance checks (ABC checks cost 3x more)."""
    if isinstance(value, str):
        return str(value)  # drops Ansible's tags
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value)  # e.g. a vaulted value: decrypted here


def _is_vaulted(value: Any) -> bool:
    """A vault-encrypted value (`!vault`), or any value of a file encrypted as a whole (`ansible-vault encrypt`:
    Ansible tags its values with nothing but their origin, so the file itself is looked at)."""
    from ansible._internal._datatag._tags import SourceWasEncrypted, VaultedValue
    from ansible.parsing.vault import EncryptedString

    from netkit.inventory.ansible_glue import origin_of

    if isinstance(value, EncryptedString) or SourceWasEncrypted.is_tagged_on(value) or VaultedValue.is_tagged_on(value):
        return True
    path, _ = origin_of(value)
    return path is not None and _encrypted_file(path)


def _encrypted_file(path: str) -> bool:  # read for the few credential secrets only: no cache to go stale
    try:
        with open(path, "rb") as f:
            return f.read(14) == b"$ANSIBLE_VAULT"
    except OSError:
        return False


def _mark_vaulted(tagged: Any, converted: Any) -> None:
    """Mark the secrets of `netkit_network.credential_sets` that were vault-encrypted (a value, or its whole
    file), so that the model can refuse plain-text ones. Only there: the check costs a tag lookup per value."""
    sets = converted.get("credential_sets") if isinstance(converted, dict) else None
    tagged_sets = tagged.get("credential_sets") if isinstance(tagged, Mapping) else None
    if not isinstance(sets, dict) or not isinstance(tagged_sets, Mapping):
        return
    for name, cset in sets.items():
        tagged_set = tagged_sets.get(name)
        if not isinstance(cset, dict) or not isinstance(tagged_set, Mapping):
            continue
        for key, value in cset.items():
            if isinstance(value, str) and _is_vaulted(tagged_set.get(key)):
                cset[key] = Vaulted(value)


def _loader() -> Any:
    try:
        from ansible import constants as C
        from ansible.cli import CLI

        from netkit.inventory.ansible_glue import FastLoader
    except ImportError as e:  # pragma: no cover - guarded by the package's dependencies
        raise EnvironmentProblem("ansible-core is not installed: pip install netkit") from e
    from ansible.errors import AnsibleError
    from ansible.parsing.vault import VaultSecretsContext

    loader = FastLoader()
    secrets: list[Any] = []
    password_file = os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE") or C.DEFAULT_VAULT_PASSWORD_FILE
    if password_file:
        if not Path(password_file).is_file():
            raise InventoryError(
                f"ANSIBLE_VAULT_PASSWORD_FILE={password_file}: no such file (the vault password file must exist)"
            )
        try:
            secrets = CLI.setup_vault_secrets(
                loader, vault_ids=[], vault_password_files=[str(password_file)], initialize_context=False,
            )
        except AnsibleError as e:
            raise InventoryError(f"ANSIBLE_VAULT_PASSWORD_FILE={password_file}: {_short(e)}") from e
    loader.set_vault_secrets(secrets)
    # Vaulted values decrypt lazily through this process-wide context. It is set on every load (also
    # without secrets, so that a vaulted value gives Ansible's "no vault secrets" error, not a crash),
    # and updated rather than initialized twice (Ansible refuses a second initialize).
    context = VaultSecretsContext.current(optional=True)
    if context is None:
        VaultSecretsContext.initialize(VaultSecretsContext(secrets))
    else:
        context.secrets = secrets
    return loader


def inventory_file(path: Path) -> Path:
    """The file most likely meant when a message is about "the inventory file": the path itself, or in a
    directory its hosts.yml, else its only file, else the directory."""
    if not path.is_dir():
        return path
    for name in ("hosts.yml", "hosts.yaml", "hosts.json", "hosts"):
        if (path / name).is_file():
            return path / name
    files = [f for f in path.iterdir() if f.is_file() and not f.name.startswith(".")]
    return files[0] if len(files) == 1 else path


def _source_of(path: Path, kind: str, name: str) -> Path | None:
    base = path if path.is_dir() else path.parent
    for suffix in ("", ".yml", ".yaml", ".json"):
        candidate = base / kind / f"{name}{suffix}"
        if candidate.exists():
            return candidate
    return None


class _Layer:
    """One layer of variables (a group's or a host's, from the inventory file or a vars plugin),
    reduced to netkit's keys, converted to plain Python once, with where each key came from."""

    __slots__ = ("files", "origins", "vars")

    def __init__(self, tagged: Mapping[str, Any] | None = None) -> None:
        from netkit.inventory.ansible_glue import origin_of

        self.vars: dict[str, Any] = {}
        self.origins: dict[str, str] = {}
        self.files: dict[str, str] = {}
        for key, value in (tagged or {}).items():
            if not key.startswith(NETKIT_KEYS):
                continue
            self.vars[key] = plain(value)
            if key == "netkit_network":
                _mark_vaulted(value, self.vars[key])
            path, line = origin_of(value)
            if path is not None:
                self.origins[key] = f"{path}:{line}" if line else path
                self.files[key] = path

    @classmethod
    def merged(cls, layers: list[_Layer], deep: bool) -> _Layer:
        """Ansible's combine_vars over the layers in order: `deep` is hash_behaviour=merge, else a
        later top-level key replaces an earlier one (a dict union, without combine_vars' checks)."""
        from ansible.utils.vars import combine_vars

        result = cls()
        for layer in layers:
            if layer.vars:
                result.vars = combine_vars(result.vars, layer.vars) if deep else result.vars | layer.vars
                result.origins |= layer.origins
                result.files |= layer.files
        return result


@functools.cache
def _file_of(path: str) -> Path:
    return Path(path)


def _group_vars_files(path: Path) -> dict[str, Path]:
    """group_vars/<name>[.yml|.yaml|.json] (file or directory) by group name, from one directory listing."""
    base = (path if path.is_dir() else path.parent) / "group_vars"
    found: dict[str, Path] = {}
    if base.is_dir():
        for entry in sorted(base.iterdir(), reverse=True):  # "x" sorts before "x.yml": the plain name wins
            name = entry.name
            for suffix in (".yml", ".yaml", ".json"):
                name = name.removesuffix(suffix)
            found[name] = entry
    return found


def read_ansible_inventory(path: Path) -> RawInventory:
    if not path.exists():
        raise InventoryError(
            f"{path}: no such inventory (give -i with a directory holding hosts.yml, or set NETKIT_INVENTORY)"
        )
    loader = _loader()
    from ansible import constants as C
    from ansible.errors import AnsibleError
    from ansible.inventory.helpers import sort_groups
    from ansible.vars.manager import VariableManager
    from ansible.vars.plugins import get_vars_from_inventory_sources

    from netkit.inventory.ansible_glue import YamlFirstInventoryManager, captured_warnings, ensure_plugin_loader

    sources = [str(path)]
    default_source = inventory_file(path)
    hosts: dict[str, RawHost] = {}
    deep = C.DEFAULT_HASH_BEHAVIOUR == "merge"
    ensure_plugin_loader()
    VariableManager(loader=loader)  # primes the vars plugins (host_group_vars) as ansible-playbook does
    failure: AnsibleError | None = None
    with captured_warnings() as warnings:
        try:
            manager = YamlFirstInventoryManager(loader=loader, sources=sources)
            file_layer: dict[str, _Layer] = {}
            plugin_layer: dict[str, _Layer] = {}
            for name, group in manager.groups.items():
                file_layer[name] = _Layer(group.vars)
                plugin_layer[name] = _Layer(get_vars_from_inventory_sources(loader, sources, [group], "task"))
            # Hosts of one site share their groups: merge the groups' layers once per set of groups.
            by_groups: dict[tuple[str, ...], _Layer] = {}
            for name, host in manager.hosts.items():
                groups = sort_groups(host.get_groups())
                names = tuple(g.name for g in groups)
                if (shared := by_groups.get(names)) is None:
                    shared = by_groups[names] = _Layer.merged(
                        [file_layer[g] for g in names] + [plugin_layer[g] for g in names], deep)
                host_layers = [
                    shared, _Layer(host.vars), _Layer(get_vars_from_inventory_sources(loader, sources, [host], "task")),
                ]
                merged = _Layer.merged(host_layers, deep)
                origin = merged.files.get("netkit_device") or merged.files.get("ansible_host")
                hosts[name] = RawHost(
                    name=name, vars=merged.vars, groups=list(names),
                    source=_file_of(origin) if origin else _source_of(path, "host_vars", name) or default_source,
                    origins=merged.origins,
                )
        except AnsibleError as e:  # e.g. a vaulted value without the password, a group_vars file that is not YAML
            failure = e
    if failure is not None:
        problems = [*vars_file_problems(path, None), *warning_problems(path, warnings.items),
                    _error_problem(path, failure)]
        raise InventoryError(f"{path}: Ansible cannot read the inventory", problems) from failure
    empty = sorted(name for name, group in manager.groups.items() if name != "ungrouped" and not group.get_hosts())
    problems = [*dropped_group_keys(default_source, empty), *warning_problems(path, warnings.items),
                *vars_file_problems(path, hosts)]
    if not hosts:
        raise InventoryError(
            f"{path}: the inventory has no hosts", problems or [
                f"{path}: Ansible found no hosts (a directory needs a hosts.yml with all: children: ... hosts:)"
            ],
        )
    gv_files = _group_vars_files(path)
    group_sources = {name: gv_files[name] for name in manager.groups if name in gv_files}
    return RawInventory(path=path, hosts=hosts, group_sources=group_sources, problems=problems, empty_groups=empty)


def _short(error: Exception) -> str:
    """Ansible's error message without the source excerpt it appends (which may show secrets)."""
    text = str(error).strip()
    return text.split("\n\n")[0].replace("\n", " ")


def _error_problem(path: Path, error: Exception) -> str:
    """An Ansible error as one line naming the file (and line) it is about."""
    from netkit.inventory.ansible_glue import error_origin

    file, line = error_origin(error)
    if (file is not None and Path(file).suffix in YAML_SUFFIXES and Path(file).is_file()
            and (found := _yaml_problem(Path(file))) is not None):
        return found
    where = f"{file}:{line}" if file and line else file or str(path)
    if (merge := _NOT_A_MAPPING.search(str(error))) is not None:  # a vars file holding a list or a scalar
        return f"{merge.group(1)}: a vars file must be a mapping of variables (key: value), not a list or a single value"
    hint = ""
    if "vault" in type(error).__name__.lower() or "decrypt" in str(error).lower():
        hint = (" (set ANSIBLE_VAULT_PASSWORD_FILE to the file holding the vault password"
                f"{'' if os.environ.get('ANSIBLE_VAULT_PASSWORD_FILE') else ': it is not set'})")
    return f"{where}: {_short(error)}{hint}"


@functools.cache
def _tag_tolerant_loader() -> Any:
    """A safe YAML loader (C if available) that accepts Ansible's tags (!vault, !unsafe) without acting on them."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class TagTolerantLoader(base):  # type: ignore[misc]
        pass

    TagTolerantLoader.add_multi_constructor("!", lambda _loader, _suffix, _node: None)
    return TagTolerantLoader


def _yaml_problem(file: Path) -> str | None:
    """Where a YAML file stops being valid YAML, or None when it parses."""
    import yaml

    try:
        yaml.load(file.read_text(errors="replace"), Loader=_tag_tolerant_loader())
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        at = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        context = f" ({e.context})" if e.context else ""
        return f"{file}{at}: not valid YAML: {e.problem}{context}"
    except yaml.YAMLError as e:
        return f"{file}: not valid YAML: {e}"
    return None


_NOT_A_MAPPING = re.compile(r"Could not process '([^']+)': failed to combine variables")
_FAILED = re.compile(r"Failed to parse inventory with '([^']+)' plugin")
_UNABLE = re.compile(r"Unable to parse (.+) as an inventory source")


def warning_problems(path: Path, items: list[AnsibleWarning]) -> list[str]:
    """Ansible's warnings while loading, as netkit problems: each one means Ansible ignored or
    guessed at part of the inventory, which a source of truth must not do silently."""
    problems: list[str] = []
    failures: list[AnsibleWarning] = []
    for w in items:
        if _FAILED.match(w.message):
            failures.append(w)
            continue
        if unable := _UNABLE.match(w.message):
            source = Path(unable.group(1))
            if source.is_dir():
                failures = []
                continue
            found = _yaml_problem(source) if source.suffix in YAML_SUFFIXES else None
            if found is None:
                causes = "; ".join(f"{m.group(1)}: {f.cause}" for f in failures if (m := _FAILED.match(f.message)))
                found = f"{source}: Ansible cannot parse this inventory source ({causes or 'no plugin accepts it'})"
            problems.append(found)
            failures = []
            continue
        if w.message.startswith("No inventory was parsed"):
            continue
        where = w.origin or str(inventory_file(path))
        text = w.message
        if text.startswith("Found duplicate mapping key"):
            text += " Ansible keeps only the last one: remove or rename the other (a host listed twice in one group, or a key given twice)."
        problems.append(f"{where}: {text}")
    return problems
