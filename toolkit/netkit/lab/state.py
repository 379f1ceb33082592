"""What the lab has built, recorded step by step as it is built, so `lab down` can undo a half-built lab.

Every record is written (atomically) *before* the thing it names is created: after a crash the state
may name something that never came to be, never the reverse. Teardown tolerates the missing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from netkit.errors import EnvironmentProblem, NetkitError
from netkit.inventory.models import Impairment


class ProcessRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # zebra, sshd, relay ...
    pid: int
    start_time: int | None = None  # from /proc/<pid>/stat: a reused PID is never mistaken for ours


class ImpairmentRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    link: str
    impairment: Impairment
    method: Literal["netem", "relay"]


class LabState(BaseModel):
    version: int = 1
    prefix: str
    inventory: str
    provisioned: bool = False
    phase: Literal["building", "up", "tearing-down"] = "building"
    started_at: datetime
    namespaces: list[str] = []
    host_interfaces: list[str] = []
    host_routes: list[str] = []  # `ip route del` arguments
    paths: list[str] = []  # files and directories to delete
    user: str | None = None
    processes: dict[str, list[ProcessRecord]] = {}  # by device (or "wire" for relays)
    impairments: dict[str, ImpairmentRecord] = {}


class StateStore:
    """The state file plus a lock; thread-safe, each change saved at once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "state.json"
        self._lock = threading.Lock()
        self.state: LabState | None = None

    def load(self) -> LabState | None:
        if not self.path.exists():
            self.state = None
            return None
        try:
            self.state = LabState.model_validate_json(self.path.read_text())
        except (OSError, ValidationError) as e:  # netkit's own state, broken: the machine's problem (exit 3)
            why = e.strerror if isinstance(e, OSError) else f"{e.error_count()} invalid field(s), e.g. {e.errors()[0]['msg']}"
            raise EnvironmentProblem(f"{self.path}: unreadable lab state ({why}); remove it after checking "
                                     "`ip netns`") from e
        return self.state

    def begin(self, prefix: str, inventory: Path, provisioned: bool) -> LabState:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.state = LabState(prefix=prefix, inventory=str(inventory), provisioned=provisioned,
                              started_at=datetime.now(UTC))
        self._save()
        return self.state

    @contextlib.contextmanager
    def change(self) -> Iterator[LabState]:
        """Mutate the state inside the block; it is saved when the block ends."""
        with self._lock:
            if self.state is None:
                raise NetkitError("no lab state to record into (lab up has not begun)")
            yield self.state
            self._save()

    def add(self, field: Literal["namespaces", "host_interfaces", "host_routes", "paths"], *items: str) -> None:
        with self.change() as st:
            values = getattr(st, field)
            values.extend(i for i in items if i not in values)

    def add_process(self, owner: str, record: ProcessRecord) -> None:
        with self.change() as st:
            st.processes.setdefault(owner, []).append(record)

    def clear(self) -> None:
        with self._lock:
            self.path.unlink(missing_ok=True)
            self.state = None

    def _save(self) -> None:
        assert self.state is not None
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(self.state.model_dump_json(indent=1))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)


_held: dict[Path, int] = {}


@contextlib.contextmanager
def lab_lock(directory: Path) -> Iterator[None]:
    """One lab command at a time per state directory (up, down and impair change the same things).
    Re-entrant within a process, so a signal handler's teardown cannot deadlock on a `lab up` it interrupts."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory.resolve()
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    with open(directory / "lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        _held[key] = 1
        try:
            yield
        finally:
            _held.pop(key, None)
            fcntl.flock(f, fcntl.LOCK_UN)
