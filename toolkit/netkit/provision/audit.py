"""The audit log: one JSON line per transaction (who, when, site, devices, masked diffs, result)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from netkit.errors import EnvironmentProblem
from netkit.paths import enough_space, free_space
from netkit.provision.audit_chain import chain_line, read_last_line
from netkit.provision.masking import Masker, mask_data


class AuditDevice(BaseModel):
    name: str
    status: str
    diff: str  # masked
    backup_id: str | None = None
    error: str | None = None
    intended_sha256: str | None = None  # of the intended config this run pushed (see provision.upstream)


class AuditEntry(BaseModel):
    when: datetime
    finished: datetime
    who: str
    host: str
    action: str  # provision | check | rollback
    site: str
    devices: list[AuditDevice]
    result: str
    exit_code: int
    backup_id: str | None = None
    message: str = ""
    rollout: str | None = None  # the rollout id when the site went in a rollout
    reason: str | None = None  # why it ran outside the site's change window (--now --reason)
    silence: str | None = None  # the Alertmanager silence held during the transaction, or why none was


class AuditLog:
    def __init__(self, path: Path, masker: Masker | None = None, free_bytes: Callable[[Path], int] = free_space,
                 write: Callable[[int, bytes], int] = os.write) -> None:
        self.path = path
        self.masker = masker or Masker()
        self.free_bytes = free_bytes
        self._write = write

    def check_ready(self) -> None:
        """EnvironmentProblem if an entry could not be appended (checked before any device is touched)."""
        if self.path.exists() and not self.path.is_file():
            raise EnvironmentProblem(f"audit log {self.path} is not a file: move it away")
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise EnvironmentProblem(f"audit log {self.path} is not writable by this user")
        enough_space(self.path, "audit log", self.free_bytes)

    def append(self, entry: AuditEntry) -> None:
        """Append one line, masked again here so no caller can forget it, chained to the line before it; all of
        it or nothing."""
        # Masked field by field: masking the JSON text could eat a closing quote after `password X`.
        body = json.dumps(mask_data(entry.model_dump(mode="json"), self.masker), ensure_ascii=False)
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as e:
            raise EnvironmentProblem(f"audit log {self.path}: cannot open it ({e.strerror or e})") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = chain_line(body, read_last_line(fd)).encode()
            size = os.fstat(fd).st_size
            try:
                written = 0
                while written < len(data):
                    written += self._write(fd, data[written:])
            except OSError as e:
                os.ftruncate(fd, size)  # no half line: the log stays one JSON object per line, chained
                raise EnvironmentProblem(f"audit log {self.path}: cannot append the entry ({e.strerror or e})") from e
        finally:
            os.close(fd)

    def entries(self, site: str | None = None) -> list[AuditEntry]:
        if not self.path.is_file():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            if line.strip():
                entry = AuditEntry.model_validate_json(line)
                if site is None or entry.site == site:
                    out.append(entry)
        return out
