"""The few places where netkit adjusts how Ansible's own inventory machinery runs (imported lazily).

Loading stays Ansible's: InventoryManager, its inventory plugins (yaml, auto -> netbox ...), the vars
plugins (group_vars/host_vars), vault. Two costs are removed and Ansible's warnings are kept:

- `DataLoader.load_from_file(cache='none')` deep-copies data it has just parsed and will not keep;
  for a 2 MB hosts.yml that copy costs more than the parse. The copy protects a cache, so it is skipped
  only when nothing is cached.
- With the default plugin order (auto before yaml) a plain YAML inventory is parsed twice: `auto`
  parses it only to find no `plugin:` key. Trying `yaml` first parses it once; a plugin config file
  (`plugin: netbox.netbox.nb_inventory`) is refused by `yaml` and still reaches `auto`.
- Warnings (duplicate YAML keys, unexpected keys in a group, unparsable sources) are captured so
  that netkit reports them as inventory problems instead of printing them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader


class FastLoader(DataLoader):  # type: ignore[misc]
    """DataLoader that does not deep-copy freshly parsed, uncached data."""

    def load_from_file(
        self, file_name: str, cache: str = "all", unsafe: bool = False, json_only: bool = False,
        trusted_as_template: bool = False,
    ) -> Any:
        return super().load_from_file(
            file_name, cache=cache, unsafe=unsafe or cache == "none", json_only=json_only,
            trusted_as_template=trusted_as_template,
        )


class YamlFirstInventoryManager(InventoryManager):  # type: ignore[misc]
    """InventoryManager that offers a YAML source to the `yaml` plugin before `auto`."""

    def _fetch_inventory_plugins(self) -> list[Any]:
        plugins: list[Any] = list(super()._fetch_inventory_plugins())
        names = [getattr(p, "_load_name", "") for p in plugins]
        if "auto" in names and "yaml" in names and names.index("auto") < names.index("yaml"):
            plugins.insert(names.index("auto"), plugins.pop(names.index("yaml")))
        return plugins


@dataclass(frozen=True)
class AnsibleWarning:
    message: str  # the first line of Ansible's message
    origin: str | None  # "path:line:col" when Ansible knows it
    cause: str | None  # the innermost cause's message, for failures to parse a source


class WarningCollector:
    def __init__(self) -> None:
        self.items: list[AnsibleWarning] = []


def _first_line(text: str | None) -> str | None:
    if not text:
        return None
    return text.strip().splitlines()[0].strip() or None


def _origin(context: str | None) -> str | None:
    line = _first_line(context)
    if line and line.startswith("Origin: ") and not line.startswith("Origin: <"):
        return line[len("Origin: "):]
    return None


def _convert(summary: Any) -> AnsibleWarning:
    event = summary.event
    origin = _origin(event.formatted_source_context)
    cause = None
    chain = event.chain
    while chain is not None:
        inner = chain.event
        origin = origin or _origin(inner.formatted_source_context)
        cause = _first_line(inner.msg) or cause
        chain = inner.chain
    return AnsibleWarning(message=_first_line(event.msg) or "", origin=origin, cause=cause)


@contextlib.contextmanager
def captured_warnings() -> Iterator[WarningCollector]:
    """Collect Ansible's warnings instead of printing them (printed as usual if this Ansible lacks the hook)."""
    collector = WarningCollector()
    try:
        from ansible._internal._display_utils import DeferredWarningContext
    except ImportError:  # pragma: no cover - another ansible-core line: warnings go to stderr as usual
        yield collector
        return
    with DeferredWarningContext(variables={}) as ctx:
        try:
            yield collector
        finally:
            collector.items.extend(_convert(w) for w in ctx.get_warnings())


def origin_of(value: Any) -> tuple[str | None, int | None]:
    """The file and line a value was read from, when Ansible tagged it (YAML/JSON loaded by Ansible)."""
    try:
        from ansible._internal._datatag._tags import Origin
    except ImportError:  # pragma: no cover
        return None, None
    origin = Origin.get_tag(value)
    if origin is None or not origin.path:
        return None, None
    return str(origin.path), origin.line_num


def error_origin(error: BaseException) -> tuple[str | None, int | None]:
    """The file and line an Ansible error points at, from the first error in its chain that knows."""
    try:
        from ansible._internal._datatag._tags import Origin
    except ImportError:  # pragma: no cover
        return None, None
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        obj = getattr(current, "obj", None)
        origin = obj if isinstance(obj, Origin) else Origin.get_tag(obj) if obj is not None else None
        if origin is not None and origin.path:
            return str(origin.path), origin.line_num
        current = current.__cause__ or current.__context__
    return None, None


def ensure_plugin_loader() -> None:
    """Set up Ansible's collection loader once per process, as Ansible's CLIs do before anything else:
    without it, collection plugins (ansible.builtin.constructed, netbox.netbox.nb_inventory) fail to load."""
    from ansible.plugins.loader import init_plugin_loader
    from ansible.utils.collection_loader import AnsibleCollectionConfig

    if AnsibleCollectionConfig.collection_finder is None:
        init_plugin_loader()
