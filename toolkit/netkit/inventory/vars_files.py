"""What Ansible's vars plugin skips without a word: a `group_vars/` or `host_vars/` entry it cannot read
(a dangling symlink, no read permission), and a `host_vars/` file of a host the inventory does not have
(a host indented one level too shallow in hosts.yml is dropped by Ansible's YAML plugin silently).
Either way, variables the author wrote are missing; these name the file instead of the consequence."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

VARS_SUFFIXES = ("", ".yml", ".yaml", ".json")


def _entries(directory: Path) -> Iterator[tuple[Path, str | None]]:
    """Each entry of a vars directory (one level down for a host's or group's own directory), with the
    reason it cannot be read, or None."""
    try:
        names = sorted(os.listdir(directory))
    except OSError as e:
        yield directory, e.strerror or str(e)
        return
    for name in names:
        if name.startswith("."):
            continue
        entry = directory / name
        if not entry.exists():
            reason = f"a symlink to {os.readlink(entry)}, which does not exist" if entry.is_symlink() else "vanished"
            yield entry, reason
        elif entry.is_dir():
            if directory.name in ("group_vars", "host_vars"):
                yield entry, None
                yield from ((p, why) for p, why in _entries(entry) if why is not None)
        elif not os.access(entry, os.R_OK):
            yield entry, "permission denied"
        else:
            yield entry, None


def entity_name(entry: Path) -> str:
    name = entry.name
    for suffix in VARS_SUFFIXES[1:]:
        name = name.removesuffix(suffix)
    return name


def vars_file_problems(path: Path, hosts: Iterable[str] | None) -> list[str]:
    """Unreadable vars files; and with `hosts` (every host Ansible found), host_vars of hosts not among them."""
    base = path if path.is_dir() else path.parent
    problems: list[str] = []
    known = set(hosts) if hosts is not None else None
    for kind in ("group_vars", "host_vars"):
        directory = base / kind
        if not directory.is_dir():
            continue
        for entry, reason in _entries(directory):
            if reason is not None:
                problems.append(f"{entry}: cannot be read ({reason}): Ansible skips it without a word, so every "
                                "variable in it would be missing (fix the file or its permissions)")
            elif (known is not None and kind == "host_vars" and entry.parent == directory and entry.name not in known
                  and (entry.is_dir() or entry.suffix in VARS_SUFFIXES[1:]) and entity_name(entry) not in known):
                problems.append(f"{entry}: host {entity_name(entry)} has variables here but is in no group of the "
                                "inventory (in hosts.yml, is it indented one level too shallow, outside its "
                                "group's hosts:?)")
    return problems


def dropped_group_keys(source: Path, groups: Iterable[str]) -> list[str]:
    """Keys of these groups (in a YAML inventory file) that are neither hosts, children nor vars and hold
    nothing: Ansible's YAML plugin drops them without a warning. Almost always a host indented one level
    too shallow. Only read when a group came out empty, so a large inventory is not parsed twice."""
    import yaml

    wanted = set(groups)
    if not wanted or source.suffix not in (".yml", ".yaml") or not source.is_file():
        return []
    try:
        root = yaml.compose(source.read_text(errors="replace"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []  # reported elsewhere as not valid YAML
    problems: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, yaml.MappingNode):
            continue
        for key, value in node.value:
            stack.append(value)
            if key.value not in wanted or not isinstance(value, yaml.MappingNode):
                continue
            for inner, inner_value in value.value:
                if inner.value not in ("hosts", "children", "vars") and inner_value.tag.endswith(":null"):
                    problems.append(
                        f"{source}:{inner.start_mark.line + 1}: group {key.value}: {inner.value} is not under hosts: "
                        f"(indented one level too shallow?), so Ansible drops it without a word; indent it under "
                        f"{key.value}: hosts:")
    return problems
