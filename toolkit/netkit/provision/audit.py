"""The audit log: one JSON line per transaction (who, when, site, devices, masked diffs, result)."""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from netkit.provision.audit_chain import chain_line, read_last_line
from netkit.provision.masking import Masker, mask_data


class AuditDevice(BaseModel):
    name: str
    status: str
    diff: str  # masked
    backup_id: str | None = None
    error: str | None = None


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


class AuditLog:
    def __init__(self, path: Path, masker: Masker | None = None) -> None:
        self.path = path
        self.masker = masker or Masker()

    def append(self, entry: AuditEntry) -> None:
        """Append one line, masked again here so no caller can forget it, chained to the line before it."""
        # Masked field by field: masking the JSON text could eat a closing quote after `password X`.
        body = json.dumps(mask_data(entry.model_dump(mode="json"), self.masker), ensure_ascii=False)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, chain_line(body, read_last_line(fd)).encode())
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
