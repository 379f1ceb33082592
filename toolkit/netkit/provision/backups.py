"""A git-versioned store of running configs: one file per device, one commit per backup, ids = commit ids.

    <state>/backups/<site>/<device>.cfg

Plain git underneath, so `git log -p` works there too. Files hold the exact running config (they are
what a rollback restores); everything netkit *shows* from them goes through the secret masker.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from netkit.errors import EnvironmentProblem, InputError, NetkitError
from netkit.paths import enough_space, free_space

_ID = re.compile(r"^[0-9a-f]{4,40}$")
_UNFINISHED = {
    "index.lock": "another git process is running there, or one crashed",
    "MERGE_HEAD": "a merge is in progress", "rebase-merge": "a rebase is in progress",
    "rebase-apply": "a rebase or am is in progress", "CHERRY_PICK_HEAD": "a cherry-pick is in progress",
    "REVERT_HEAD": "a revert is in progress", "BISECT_LOG": "a bisect is in progress",
}


def check_backup_id(backup_id: str) -> str:
    """The form of a backup id (a commit id, 4 to 40 hex digits); InputError otherwise."""
    if not _ID.match(backup_id):
        raise InputError(f"backup id {backup_id!r} is not a commit id: 4 to 40 hex digits (see `netkit backup log DEVICE`)")
    return backup_id


class BackupEntry(BaseModel):
    """One commit that touched a device's file."""

    id: str
    when: datetime
    author: str
    message: str
    diff: str = ""  # unified diff of the device's file in this commit (unmasked: mask before showing)


class BackupStore:
    def __init__(self, root: Path, free_bytes: Callable[[Path], int] = free_space) -> None:
        self.root = root
        self.free_bytes = free_bytes

    # ------------------------------------------------------------------ plumbing
    def _git(self, *args: str, check: bool = True, input_text: str | None = None) -> str:
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.root), "LC_ALL": "C"}
        try:
            proc = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, env=env,
                                  input=input_text, check=False)
        except FileNotFoundError as e:
            raise EnvironmentProblem("git is not installed (apt-get install git): the backup store needs it") from e
        if check and proc.returncode != 0:  # the store is netkit's own state: a failure there is the machine's
            raise EnvironmentProblem(f"backup store {self.root}: git {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def check_ready(self) -> None:
        """EnvironmentProblem naming what keeps the store from taking a backup (before any device is touched):
        not a directory, not a git repository, a git operation left half done, or a full disk."""
        if self.root.exists() and not self.root.is_dir():
            raise EnvironmentProblem(f"backup store {self.root} is a file, not a directory: move it away")
        enough_space(self.root, "backup store", self.free_bytes)
        if not (self.root / ".git").exists():
            return  # created on the first backup
        if not (self.root / ".git").is_dir() or self._git("rev-parse", "--git-dir", check=False).strip() == "":
            raise EnvironmentProblem(f"backup store {self.root}: {self.root / '.git'} is not a valid git repository "
                                     "(restore it from a copy, or move it away to start a new store)")
        git_dir = self.root / ".git"
        for marker, what in _UNFINISHED.items():
            if (git_dir / marker).exists():
                raise EnvironmentProblem(f"backup store {self.root}: {what} ({git_dir / marker} exists): finish or "
                                         "abort it there with git before netkit writes to the store")
        if not self._git("symbolic-ref", "-q", "HEAD", check=False).strip():
            raise EnvironmentProblem(f"backup store {self.root}: HEAD is detached (git checkout main there first)")
        if self._git("ls-files", "--unmerged").strip():
            raise EnvironmentProblem(f"backup store {self.root}: files with merge conflicts (resolve them with git)")

    def init(self) -> None:
        if (self.root / ".git").is_dir():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        self._git("init", "-q", "-b", "main")
        self._git("config", "user.name", "netkit")
        self._git("config", "user.email", "netkit@localhost")
        self._git("config", "commit.gpgsign", "false")

    @staticmethod
    def rel(site: str, device: str) -> str:
        return f"{site}/{device}.cfg"

    def head(self) -> str | None:
        if self.root.exists() and not self.root.is_dir():
            raise EnvironmentProblem(f"backup store {self.root} is a file, not a directory: move it away")
        if not (self.root / ".git").exists():
            return None
        if not (self.root / ".git").is_dir() or not self._git("rev-parse", "--git-dir", check=False).strip():
            raise EnvironmentProblem(f"backup store {self.root}: {self.root / '.git'} is not a valid git repository "
                                     "(restore it from a copy, or move it away to start a new store)")
        out = self._git("rev-parse", "--verify", "-q", "HEAD", check=False).strip()
        return out or None

    # ------------------------------------------------------------------ write
    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Transactions on different sites run at once; their commits to the one repository take turns."""
        self.root.parent.mkdir(parents=True, exist_ok=True)
        with open(self.root.parent / f".{self.root.name}.lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def save(self, site: str, configs: dict[str, str], who: str, reason: str) -> str:
        """Write each device's running config and commit; returns the commit id holding them all.

        A backup identical to the stored one still gets its own (empty) commit, so every backup run has
        an id that says when it was taken and by whom."""
        with self._exclusive():
            return self._save(site, configs, who, reason)

    def _save(self, site: str, configs: dict[str, str], who: str, reason: str) -> str:
        self.check_ready()
        self.init()
        paths = []
        try:
            for device, text in sorted(configs.items()):
                path = self.root / self.rel(site, device)
                paths.append(self.rel(site, device))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text if text.endswith("\n") else text + "\n")
                os.chmod(path, 0o600)
            self._git("add", "--", *paths)
            devices = ", ".join(sorted(configs))
            message = f"backup {site}: {devices}\n\nreason: {reason}\nby: {who}\n"
            self._git("commit", "-q", "--allow-empty", "-m", message, f"--author={who} <{who}@netkit>")
            return self._git("rev-parse", "HEAD").strip()
        except (OSError, EnvironmentProblem) as e:
            self._undo(paths)  # the store stays as it was: the last commit, no half-written file
            if isinstance(e, EnvironmentProblem):
                raise
            raise EnvironmentProblem(f"backup store {self.root}: cannot write {e.filename or 'a backup'}: "
                                     f"{e.strerror or e} (nothing was committed)") from e

    def _undo(self, paths: list[str]) -> None:
        self._git("reset", "-q", "--", *paths, check=False)
        for rel in paths:
            if self._git("ls-files", "--", rel, check=False).strip():
                self._git("checkout", "-q", "--", rel, check=False)
            else:
                (self.root / rel).unlink(missing_ok=True)

    def save_changed(self, site: str, device: str, text: str, author: str, message: str) -> str | None:
        """Write one device's config and commit it only if it differs from the stored one (the watcher's
        backups: an unchanged configuration makes no commit). Returns the new commit id, or None."""
        text = text if text.endswith("\n") else text + "\n"
        with self._exclusive():
            self.init()
            path = self.root / self.rel(site, device)
            if path.is_file() and path.read_text() == text:
                return None  # the usual case of a scheduled backup: no git process at all
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            os.chmod(path, 0o600)
            try:
                self._git("add", "--", self.rel(site, device))
                if not self._git("status", "--porcelain", "--", self.rel(site, device)).strip():
                    return None
                self._git("commit", "-q", "-m", message, f"--author={author} <{author}@netkit>", "--",
                          self.rel(site, device))
            except NetkitError:
                path.unlink(missing_ok=True)  # so the next backup writes and commits it again
                raise
            return self._git("rev-parse", "HEAD").strip()

    # ------------------------------------------------------------------ read
    def resolve(self, backup_id: str) -> str:
        check_backup_id(backup_id)
        if self.head() is None:
            raise InputError(f"backup store {self.root} is empty: run `netkit backup SITE` first")
        out = self._git("rev-parse", "--verify", "-q", f"{backup_id}^{{commit}}", check=False).strip()
        if not out:
            raise InputError(f"no backup with id {backup_id!r} in {self.root} (see `netkit backup log DEVICE`)")
        return out

    def read(self, site: str, device: str, backup_id: str | None = None) -> str | None:
        """The device's config as of `backup_id` (default: the latest), or None if never backed up."""
        if self.head() is None:
            return None
        rev = self.resolve(backup_id) if backup_id else "HEAD"
        proc = self._git("show", f"{rev}:{self.rel(site, device)}", check=False)
        if not proc and not self._exists(rev, site, device):
            return None
        return proc

    def _exists(self, rev: str, site: str, device: str) -> bool:
        out = self._git("ls-tree", "--name-only", rev, "--", self.rel(site, device), check=False)
        return bool(out.strip())

    def log(self, site: str, device: str, limit: int = 20, with_diff: bool = True) -> list[BackupEntry]:
        """Backups that changed the device's file, newest first, each with its diff."""
        if self.head() is None:
            return []
        sep = "\x1e"
        fmt = f"{sep}%H%x1f%aI%x1f%an%x1f%s"
        args = ["log", f"-n{limit}", f"--format={fmt}"]
        if with_diff:
            args += ["-p", "--no-color", "--no-ext-diff"]
        out = self._git(*args, "--", self.rel(site, device))
        entries = []
        for chunk in out.split(sep)[1:]:
            head, _, diff = chunk.partition("\n")
            cid, when, author, subject = head.split("\x1f", 3)
            entries.append(BackupEntry(id=cid, when=datetime.fromisoformat(when), author=author, message=subject,
                                       diff=diff.strip("\n")))
        return entries

    def commits(self, limit: int = 50) -> list[BackupEntry]:
        """Every backup (commit) of the store, newest first, without diffs."""
        if self.head() is None:
            return []
        out = self._git("log", f"-n{limit}", "--format=%H%x1f%aI%x1f%an%x1f%s")
        entries = []
        for line in out.splitlines():
            cid, when, author, subject = line.split("\x1f", 3)
            entries.append(BackupEntry(id=cid, when=datetime.fromisoformat(when), author=author, message=subject))
        return entries
