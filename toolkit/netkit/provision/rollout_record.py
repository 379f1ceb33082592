"""A rollout's record: its waves and where each site stands, rewritten (atomically) after every change so
that a killed run leaves a record `netkit provision resume ID` can continue from.

    <state>/rollouts/<id>.json
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from netkit.errors import InputError

SiteState = Literal["pending", "running", "confirmed", "unchanged", "rolled-back", "failed", "refused", "interrupted"]
DONE: frozenset[str] = frozenset({"confirmed", "unchanged"})
RolloutStatus = Literal["running", "stopped", "done", "interrupted"]


class Wave(BaseModel):
    name: str  # "data centers", "canary", "wave 1" ...
    sites: list[str]
    must_confirm: bool = False  # canary and data centers: the rollout stops unless every site is confirmed
    seconds: float | None = None


class SiteEntry(BaseModel):
    state: SiteState = "pending"
    message: str = ""
    backup_id: str | None = None
    started: datetime | None = None
    finished: datetime | None = None


class RolloutPolicy(BaseModel):
    wave_size: int = 20
    max_failed: int | None = None  # per wave: more than this many failed sites stop the rollout
    max_failed_percent: float | None = None  # per wave, Ansible's max_fail_percentage
    confirm_timeout: int = 300
    check_wait: int = 60
    reason: str | None = None  # --now --reason: change sites outside their windows too (in the audit)


class RolloutRecord(BaseModel):
    id: str
    created: datetime
    who: str
    command: str
    policy: RolloutPolicy
    waves: list[Wave]
    sites: dict[str, SiteEntry]
    status: RolloutStatus = "running"
    stop_reason: str = ""
    resumed: int = 0

    def count(self, *states: str) -> int:
        return sum(e.state in states for e in self.sites.values())

    def summary(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for code, e in self.sites.items():
            out.setdefault(e.state, []).append(code)
        return out


def new_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


class RolloutStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, rollout_id: str) -> Path:
        return self.root / f"{rollout_id}.json"

    def save(self, record: RolloutRecord) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{record.id}.json.tmp"
        tmp.write_text(record.model_dump_json(indent=1))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.path(record.id))

    def load(self, rollout_id: str) -> RolloutRecord:
        path = self.path(rollout_id)
        if not path.is_file():
            known = sorted(p.stem for p in self.root.glob("*.json")) if self.root.is_dir() else []
            raise InputError(f"no rollout {rollout_id!r} in {self.root}; known: {', '.join(known[-10:]) or 'none'}")
        return RolloutRecord.model_validate_json(path.read_text())
