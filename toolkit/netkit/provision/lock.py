"""One transaction per site at a time: an flock'ed file per site that says who holds it and since when.

The kernel drops an flock when its holder dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel

from netkit.errors import NetkitError


class LockHolder(BaseModel):
    user: str
    host: str
    pid: int
    since: datetime
    command: str


class SiteLocked(NetkitError):
    """Another run holds the site's lock. Exit code 1: nothing was changed by this run."""

    def __init__(self, site: str, holder: LockHolder | None) -> None:
        if holder is None:
            who = "another netkit run (holder unknown)"
        else:
            who = (f"{holder.user}@{holder.host} (pid {holder.pid}, `{holder.command}`) since "
                   f"{holder.since.isoformat(timespec='seconds')}")
        super().__init__(f"site {site} is locked by {who}; wait for it to finish, nothing was changed")
        self.site = site
        self.holder = holder


def current_user() -> str:
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except Exception:  # no passwd entry in a container
        return str(os.getuid())


class SiteLock:
    """`with SiteLock(dir, site, command):` raises SiteLocked if another process holds it."""

    def __init__(self, locks_dir: Path, site: str, command: str = "netkit",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.path = locks_dir / f"{site}.lock"
        self.site = site
        self.command = command
        self.clock = clock
        self._fd: int | None = None

    def holder(self) -> LockHolder | None:
        try:
            return LockHolder.model_validate_json(self.path.read_text())
        except (OSError, ValueError):
            return None

    def acquire(self) -> LockHolder:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SiteLocked(self.site, self.holder()) from None
        me = LockHolder(user=current_user(), host=socket.gethostname(), pid=os.getpid(), since=self.clock(),
                        command=self.command)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.model_dump(mode="json")).encode(), 0)
        self._fd = fd
        return me

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SiteLock:
        self.acquire()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
