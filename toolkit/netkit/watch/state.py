"""The watcher's memory: per device, when it was last backed up, how that went, what compliance said,
and changes reported but not yet backed up. Saved atomically after every change, so a restart resumes
the schedule and the counters instead of starting blind (Oxidized forgets its node state)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ValidationError

from netkit.errors import InputError

VERSION = 1


class DeviceState(BaseModel):
    last_attempt: float = 0.0
    last_success: float = 0.0
    success: bool | None = None  # None: never tried
    error: str = ""  # masked
    backups: int = 0  # successful backups
    commits: int = 0  # backups that changed the stored config
    change_events: int = 0  # change notices received by syslog
    pending_since: float = 0.0  # a change was reported at this time and not yet backed up (0: none)
    pending_users: list[str] = []
    pending_commands: list[str] = []  # masked
    next_due: float = 0.0
    compliance: dict[str, bool] = {}  # feature -> compliant, from the last successful backup
    drift_lines: int = 0
    compared: bool = False  # compliance above is real (a backup was compared with the intended config)
    last_commit: str = ""


class WatchState(BaseModel):
    version: int = VERSION
    devices: dict[str, DeviceState] = {}
    syslog_messages: dict[str, int] = {}  # result -> count

    def device(self, name: str) -> DeviceState:
        return self.devices.setdefault(name, DeviceState())


def load_state(path: Path) -> WatchState:
    if not path.exists():
        return WatchState()
    try:
        return WatchState.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as e:
        raise InputError(f"{path}: the watcher's state is not readable ({e}); move it away to start afresh") from e


def save_state(state: WatchState, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(state.model_dump_json(indent=1))
    os.replace(tmp, path)
