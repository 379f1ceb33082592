"""`{{ platform | netkit_napalm_driver }}`: a platform's NAPALM driver from its netkit.platforms spec (None
when netkit does not configure it), so the playbooks keep no platform table of their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def netkit_napalm_driver(platform: str) -> str | None:
    from netkit.platforms import get, names

    if platform not in names():
        return None
    napalm = get(platform).napalm
    return napalm.driver if napalm is not None else None


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"netkit_napalm_driver": netkit_napalm_driver}
