"""The seam between the site transaction and the devices: operations on a set of devices, each returning
one result per device (a failure on one device is a failed result, never an exception).

Production: `AnsibleBackend` (playbooks through ansible-runner). Tests: small fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel

from netkit.provision.plan import DevicePlan

Step = Literal["render", "backup", "diff", "commit", "checks", "confirm", "rollback"]
StepStatus = Literal["running", "ok", "changed", "unchanged", "failed", "skipped"]


class CheckResult(BaseModel):
    device: str
    name: str
    kind: str  # interface | adjacency | reachability | intended | site
    passed: bool
    detail: str = ""


class DeviceOp(BaseModel):
    """One device's result of one operation."""

    device: str
    ok: bool
    error: str | None = None
    unreachable: bool = False
    rejected: bool = False
    diff: str = ""
    changed: bool = False
    committed: bool = False
    pending: bool = False
    pending_before: bool = False
    verified: bool | None = None
    checks: list[CheckResult] = []
    running: str | None = None  # backup: the running config (never shown unmasked)


@dataclass(frozen=True)
class Progress:
    device: str
    step: Step
    status: StepStatus
    detail: str = ""


ProgressCallback = Callable[[Progress], None]


class PushOutcome(BaseModel):
    """Every device backed up (`running` set) and its candidate diffed; then, per commit gate (a site), the
    devices that differ committed, only if every device of the gate was backed up and diffed."""

    backups: dict[str, DeviceOp] = {}
    pushed: dict[str, DeviceOp] = {}


class ConfirmOutcome(BaseModel):
    """Post-checks of every device; then each device is confirmed only when every device of its gate
    (its site, plus the data center in a batch) passed. No entry in `confirmed` = not confirmed."""

    checks: dict[str, DeviceOp] = {}
    confirmed: dict[str, DeviceOp] = {}


class Backend(Protocol):
    def backup(self, plans: list[DevicePlan]) -> dict[str, DeviceOp]: ...

    def push(self, plans: list[DevicePlan], *, commit: bool, revert_in: int,
             gates: dict[str, list[str]] | None = None) -> PushOutcome: ...

    def check_and_confirm(self, plans: list[DevicePlan], *, wait: int, gates: dict[str, list[str]]) -> ConfirmOutcome: ...

    def restore(self, plans: list[DevicePlan], configs: dict[str, str]) -> dict[str, DeviceOp]: ...

    def close(self) -> None: ...


def missing(device: str, what: str) -> DeviceOp:
    return DeviceOp(device=device, ok=False, error=f"no result for {what} (the device dropped out earlier)")
