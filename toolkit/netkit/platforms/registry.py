"""Finding platforms: the modules of this package, then the `netkit.platforms` entry points."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

from netkit.errors import InputError
from netkit.platforms.spec import PlatformSpec

ENTRY_POINT_GROUP = "netkit.platforms"
_NOT_PLATFORMS = frozenset({"registry", "spec"})
_HERE = Path(__file__).parent


class UnknownPlatform(InputError, ValueError):
    """A name no platform module registers: bad input (exit 2), and a ValueError so pydantic reports it
    as a field error of the inventory."""


def _load_builtin(name: str) -> PlatformSpec:
    module = importlib.import_module(f"netkit.platforms.{name}")
    spec = getattr(module, "PLATFORM", None)
    if not isinstance(spec, PlatformSpec) or spec.name != name:
        raise TypeError(f"netkit/platforms/{name}.py must define PLATFORM = PlatformSpec(name={name!r}, ...)")
    return spec


def _builtin_names() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules([str(_HERE)])
                  if not info.name.startswith("_") and info.name not in _NOT_PLATFORMS)


def _builtin() -> list[PlatformSpec]:
    return [_load_builtin(name) for name in _builtin_names()]


def _plugins() -> list[PlatformSpec]:
    from importlib.metadata import entry_points

    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        spec = ep.load()
        if not isinstance(spec, PlatformSpec) or spec.name != ep.name:
            raise TypeError(f"entry point {ep.name} = {ep.value} ({ENTRY_POINT_GROUP}) is not a PlatformSpec named {ep.name!r}")
        found.append(spec)
    return found


@cache
def _registry() -> dict[str, PlatformSpec]:
    registry: dict[str, PlatformSpec] = {}
    for spec in (*_builtin(), *_plugins()):
        registry.setdefault(spec.name, spec)  # a built-in wins over a plugin of the same name
    return registry


@cache
def get(name: str) -> PlatformSpec:
    """The spec of a platform, or UnknownPlatform listing the registered names.

    A built-in is imported alone (one small module: what a playbook module's process pays); the
    entry points are read only for another name, or when every platform is listed."""
    key = str.__str__(name)
    if key.isidentifier() and not key.startswith("_") and key not in _NOT_PLATFORMS and (_HERE / f"{key}.py").is_file():
        return _load_builtin(key)
    try:
        return _registry()[key]
    except KeyError:
        raise UnknownPlatform(f"unknown platform {key!r} (known: {', '.join(names())})") from None


def names() -> list[str]:
    return sorted(_registry())


def all_specs() -> list[PlatformSpec]:
    return [_registry()[n] for n in names()]
