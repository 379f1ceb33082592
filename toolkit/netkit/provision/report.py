"""What a transaction reports: per device and for the site, with the exit code it maps to."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from netkit.provision.backend import CheckResult

DeviceStatus = Literal[
    "pending", "skipped", "backed-up", "diffed", "unchanged", "committed", "checked", "confirmed", "rolled-back",
    "rollback-failed", "failed", "restored",
]
Action = Literal["provision", "check", "rollback", "diff", "backup"]
SiteResult = Literal["confirmed", "unchanged", "checked", "rolled-back", "failed", "restored", "backed-up"]


class DeviceReport(BaseModel):
    name: str
    platform: str
    status: DeviceStatus = "pending"
    reason: str = ""  # why skipped
    backup_id: str | None = None
    diff: str = ""  # masked
    changed: bool = False
    committed: bool = False
    checks: list[CheckResult] = []
    error: str | None = None
    restored_verified: bool | None = None
    intended_sha256: str | None = None


class SiteReport(BaseModel):
    action: Action
    site: str
    who: str
    started: datetime
    finished: datetime | None = None
    result: SiteResult = "failed"
    message: str = ""
    backup_id: str | None = None
    target_backup_id: str | None = None  # rollback: what the site was restored to
    devices: list[DeviceReport] = []
    site_checks: list[CheckResult] = []
    phase_seconds: dict[str, float] = {}
    artifacts: list[str] = []
    rollout: str | None = None
    reason: str | None = None
    silence: str | None = None
    audit_error: str | None = None  # the audit entry could not be written (exit 3)

    @property
    def exit_code(self) -> int:
        if self.audit_error:
            return 3  # the machine could not keep the record (a full disk): the environment's problem
        return 0 if self.result in ("confirmed", "unchanged", "checked", "restored", "backed-up") else 1

    def device(self, name: str) -> DeviceReport:
        return next(d for d in self.devices if d.name == name)

    @property
    def changed(self) -> bool:
        return any(d.changed for d in self.devices)
