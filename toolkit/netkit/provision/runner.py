"""The one typed adapter around ansible-runner: a request in, our own outcome out.

Progress is streamed from ansible-runner's event handler (never parsed from stdout). Each run gets a
fresh private_data_dir under the state dir, so `env/` files of one run never leak into the next, and
the artifacts are scrubbed of every known secret before the adapter returns.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from netkit.errors import EnvironmentProblem, NetkitError
from netkit.provision.masking import Masker, mask_data

PLAYBOOKS_DIR = Path(__file__).resolve().parents[3] / "playbooks"

TaskStatus = Literal["ok", "changed", "failed", "unreachable", "skipped"]

_EVENT_STATUS: dict[str, TaskStatus] = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_unreachable": "unreachable",
    "runner_on_skipped": "skipped",
}


class TaskResult(BaseModel):
    """What one task returned for one host (the module's own return values, already masked by Ansible's
    no_log machinery and again by ours)."""

    host: str
    task: str
    action: str
    status: TaskStatus
    result: dict[str, Any]

    @property
    def message(self) -> str:
        msg = self.result.get("msg") or self.result.get("module_stderr") or self.result.get("exception") or ""
        return str(msg).strip()


class HostStats(BaseModel):
    ok: int = 0
    changed: int = 0
    failures: int = 0
    dark: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0


class PlaybookOutcome(BaseModel):
    status: str  # successful | failed | timeout | canceled
    rc: int
    stats: dict[str, HostStats]
    results: list[TaskResult]
    artifacts: Path
    seconds: float

    def for_host(self, host: str, action: str | None = None, task: str | None = None) -> list[TaskResult]:
        return [r for r in self.results
                if r.host == host and (action is None or r.action == action) and (task is None or r.task == task)]

    def last(self, host: str, action: str, task: str | None = None) -> TaskResult | None:
        found = self.for_host(host, action, task)
        return found[-1] if found else None


@dataclass(frozen=True)
class PlaybookRequest:
    playbook: str  # file name in the playbooks directory
    inventory: dict[str, Any]
    extravars: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None
    forks: int = 20


ProgressHandler = Callable[[TaskResult], None]


def _task_result(event: dict[str, Any], masker: Masker) -> TaskResult | None:
    status = _EVENT_STATUS.get(str(event.get("event", "")))
    data = event.get("event_data") or {}
    if status is None or not data.get("host"):
        return None
    res = data.get("res") or {}
    res = mask_data(res, masker)
    if not isinstance(res, dict):
        res = {"value": res}
    if status == "ok" and res.get("changed"):
        status = "changed"
    return TaskResult(host=str(data["host"]), task=str(data.get("task", "")), action=str(data.get("task_action", "")),
                      status=status, result=res)


def scrub_artifacts(root: Path, masker: Masker) -> list[Path]:
    """Mask every known secret in every file of a run's private_data_dir (the `command` file records the
    environment; events record module arguments and results). Returns the files that needed it."""
    touched: list[Path] = []
    if not masker.secrets:
        return touched
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        try:
            text = path.read_text(errors="surrogateescape")
        except OSError:
            continue
        if masker.leaks(text):
            path.write_text(masker.mask(text), errors="surrogateescape")
            touched.append(path)
    return touched


def run_playbook(
    request: PlaybookRequest,
    work_root: Path,
    masker: Masker,
    progress: ProgressHandler | None = None,
) -> PlaybookOutcome:
    """Run one playbook in a fresh private_data_dir under `work_root`; never raises for a failed host
    (that is a failed result), only when Ansible itself cannot run."""
    try:
        import ansible_runner
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise EnvironmentProblem("ansible-runner is not installed: pip install netkit") from e
    playbook = PLAYBOOKS_DIR / request.playbook
    if not playbook.is_file():
        raise EnvironmentProblem(f"{playbook}: playbook missing from the netkit installation")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    private = work_root / f"{stamp}-{request.playbook.removesuffix('.yml')}-{uuid.uuid4().hex[:8]}"
    private.mkdir(parents=True, mode=0o700)
    results: list[TaskResult] = []

    def on_event(event: dict[str, Any]) -> bool:
        result = _task_result(event, masker)
        if result is not None:
            results.append(result)
            if progress is not None:
                progress(result)
        return True

    # ansible-runner starts `ansible-playbook` from PATH: make it the one next to this Python.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])
    extravars = {"ansible_python_interpreter": sys.executable, **request.extravars}
    started = datetime.now(UTC)
    try:
        runner = ansible_runner.run(
            private_data_dir=str(private),
            project_dir=str(PLAYBOOKS_DIR),
            playbook=request.playbook,
            inventory=request.inventory,
            extravars=extravars,
            tags=",".join(request.tags) if request.tags else None,
            forks=request.forks,
            quiet=True,
            json_mode=False,
            event_handler=on_event,
            envvars={
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_PIPELINING": "1",
                "ANSIBLE_LOCAL_TEMP": str(private / "tmp"), "ANSIBLE_DEPRECATION_WARNINGS": "0",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0", "ANSIBLE_LOCALHOST_WARNING": "0",
                "ANSIBLE_HOST_KEY_CHECKING": "0", "PATH": path,
            },
        )
    except Exception as e:
        scrub_artifacts(private, masker)
        raise NetkitError(f"ansible-runner could not run {request.playbook} (artifacts in {private}): {e}") from e
    finally:
        seconds = (datetime.now(UTC) - started).total_seconds()
    scrub_artifacts(private, masker)
    stats: dict[str, HostStats] = {}
    raw = runner.stats or {}
    for key, attr in (("ok", "ok"), ("changed", "changed"), ("failures", "failures"), ("dark", "dark"),
                      ("skipped", "skipped"), ("rescued", "rescued"), ("ignored", "ignored")):
        for host, count in (raw.get(key) or {}).items():
            stats.setdefault(host, HostStats())
            setattr(stats[host], attr, int(count))
    return PlaybookOutcome(status=str(runner.status), rc=int(runner.rc if runner.rc is not None else -1), stats=stats,
                           results=results, artifacts=private, seconds=seconds)
