"""Opening a device through its platform's NAPALM driver (the one way netkit opens a device).

`session` is light (the playbook modules import it every task), so this package loads `lookup` (the
inventory side: typed models, pydantic) only when one of its names is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netkit.drivers.lookup import (
        connected,
        device_errors,
        driver_args,
        driver_class,
        driver_for,
        napalm_spec,
        open_device,
    )

__all__ = ["connected", "device_errors", "driver_args", "driver_class", "driver_for", "napalm_spec", "open_device"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("netkit.drivers.lookup"), name)
    raise AttributeError(f"module 'netkit.drivers' has no attribute {name!r}")
