"""Platforms as plugins: one module per platform, each declaring a typed `PlatformSpec` as `PLATFORM`.

Built-in platforms are the modules of this package (found by scanning it); another package adds one
through the `netkit.platforms` entry-point group (`nxos = "mypkg.nxos:PLATFORM"`), as NAPALM drivers
and nornir plugins are found. `Platform` (a registered name) is the only key a platform has.

Light to import on purpose: the playbook modules read it in every task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netkit.platforms.registry import all_specs, get, names
from netkit.platforms.spec import Kind, Naming, Napalm, PlatformSpec, Syntax

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema


class Platform(str):
    """A registered platform name (`frr`, `ios`, `huawei_vrp` ...); constructing one checks it."""

    __slots__ = ()

    def __new__(cls, value: object) -> Platform:
        name = str.__str__(value) if isinstance(value, str) else str(value)
        get(name)  # raises UnknownPlatform (a ValueError) naming the valid ones
        return super().__new__(cls, name)

    @property
    def value(self) -> str:
        return str.__str__(self)

    @property
    def spec(self) -> PlatformSpec:
        return get(self)

    def __repr__(self) -> str:
        return repr(str.__str__(self))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


def napalm_driver(platform: str) -> str | None:
    """The NAPALM driver name of a platform (None: netkit does not configure it). For module_utils."""
    spec = get(platform)
    return spec.napalm.driver if spec.napalm is not None else None


__all__ = [
    "Kind",
    "Naming",
    "Napalm",
    "Platform",
    "PlatformSpec",
    "Syntax",
    "all_specs",
    "get",
    "names",
    "napalm_driver",
]
