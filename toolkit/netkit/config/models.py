"""Typed results of the config layer: rendered files, findings, reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from netkit.config.marks import SECRET_MARK as SECRET_MARK
from netkit.config.marks import SECRET_NAMES as SECRET_NAMES
from netkit.inventory.models import Platform

Severity = Literal["error", "warning"]



class RenderedConfig(BaseModel):
    """A device's intended configuration: one or more files (FRR: `frr.conf`)."""

    model_config = ConfigDict(frozen=True)

    device: str
    platform: Platform
    files: dict[str, str]

    @property
    def main_file(self) -> str:
        """The file that holds the device's configuration (the first one)."""
        return next(iter(self.files))

    @property
    def text(self) -> str:
        return self.files[self.main_file]


class Finding(BaseModel):
    """One problem, named by device, file and line (line 0: the file as a whole)."""

    model_config = ConfigDict(frozen=True)

    device: str
    check: str  # inventory | render | syntax | structure | rule:<id> | lab
    severity: Severity = "error"
    file: str = ""
    line: int = 0
    message: str
    text: str = ""  # the offending line, when there is one

    def location(self) -> str:
        where = self.file or "-"
        return f"{where}:{self.line}" if self.line else where
