"""The production backend: each operation is one ansible-runner run of netkit's playbooks.

Per transaction it writes the intended configs in a private work dir under the state dir (deleted by
close()) and serves credentials to the modules over a Unix socket (netkit.provision.secrets_broker).
Secrets are never passed as module arguments, extra vars or environment (those land in artifacts).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from netkit.inventory.credentials import Credentials
from netkit.inventory.models import Inventory
from netkit.provision.backend import (
    CheckResult,
    ConfirmOutcome,
    DeviceOp,
    Progress,
    ProgressCallback,
    PushOutcome,
    Step,
    missing,
)
from netkit.provision.masking import Masker
from netkit.provision.plan import DevicePlan, SitePlan, write_plan_files
from netkit.provision.runner import PlaybookOutcome, PlaybookRequest, TaskResult, run_playbook
from netkit.provision.secrets_broker import SecretsBroker

_TASK_STEP: dict[str, Step] = {
    "running config": "backup", "backup and diff": "diff", "commit": "commit", "post-checks": "checks",
    "confirm": "confirm", "restore and prove running == backup": "rollback",
}  # task names of playbooks/*.yml


class AnsibleBackend:
    def __init__(self, inventory: Inventory, plan: SitePlan, credentials: dict[str, Credentials], work_dir: Path,
                 masker: Masker, progress: ProgressCallback | None = None, forks: int = 20,
                 known_hosts: Path | None = None) -> None:
        self.inventory = inventory
        self.known_hosts = known_hosts  # the modules' drivers verify host keys against it (NETKIT_KNOWN_HOSTS)
        self.plan = plan
        self.work_dir = work_dir
        self.masker = masker
        self.progress = progress
        self.forks = forks
        work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.plan_dir = work_dir / "plan"
        write_plan_files(plan, self.plan_dir)
        self.secrets = SecretsBroker(credentials)
        self.outcomes: list[PlaybookOutcome] = []

    # ------------------------------------------------------------------ plumbing
    def _inventory(self, plans: list[DevicePlan], gates: dict[str, list[str]] | None = None,
                   gate_var: str = "netkit_gate") -> dict[str, Any]:
        hosts: dict[str, Any] = {}
        for p in plans:
            plan = p.model_copy(update={"config_file": str(self.plan_dir / f"{p.device}.cfg")})
            hosts[p.device] = {"ansible_host": p.hostname, "netkit_device": {"platform": p.platform},
                               "netkit_driver": p.driver, "netkit_plan": plan.model_dump(mode="json")}
            if gates is not None:
                hosts[p.device][gate_var] = gates.get(p.device, [p.device])
        return {"all": {"vars": {"ansible_connection": "local"}, "children": {"netkit_targets": {"hosts": hosts}}}}

    def _on_task(self, result: TaskResult) -> None:
        step = _TASK_STEP.get(result.task) or ("confirm" if result.action == "assert" else None)
        if step is None or self.progress is None:
            return
        if result.status in ("failed", "unreachable"):
            self.progress(Progress(result.host, step, "failed", self.masker.mask(result.message)))
        elif result.status == "skipped":
            self.progress(Progress(result.host, step, "skipped"))
        elif result.action != "assert":
            self.progress(Progress(result.host, step, "changed" if result.status == "changed" else "ok"))

    def _run(self, playbook: str, plans: list[DevicePlan], tags: list[str] | None = None,
             gates: dict[str, list[str]] | None = None, gate_var: str = "netkit_gate",
             **extravars: Any) -> PlaybookOutcome:
        request = PlaybookRequest(
            playbook=playbook, inventory=self._inventory(plans, gates, gate_var), tags=tags, forks=self.forks,
            extravars={"netkit_hosts": "netkit_targets", "netkit_secrets_socket": str(self.secrets.path),
                       "site": self.plan.site, **extravars},
            envvars={"NETKIT_KNOWN_HOSTS": str(self.known_hosts)} if self.known_hosts else {},
        )
        outcome = run_playbook(request, self.work_dir / "ansible", self.masker, self._on_task)
        self.outcomes.append(outcome)
        return outcome

    def _op(self, outcome: PlaybookOutcome, device: str, action: str, what: str, task: str | None = None) -> DeviceOp:
        res = outcome.last(device, action, task)
        if res is None:
            failed = [r for r in outcome.for_host(device) if r.status in ("failed", "unreachable")]
            if failed:
                return DeviceOp(device=device, ok=False, error=self.masker.mask(failed[-1].message),
                                unreachable=failed[-1].status == "unreachable")
            return missing(device, what)
        r = res.result
        ok = res.status not in ("failed", "unreachable")
        return DeviceOp(
            device=device, ok=ok, error=None if ok else self.masker.mask(res.message),
            unreachable=res.status == "unreachable" or bool(r.get("netkit_unreachable")),
            rejected=bool(r.get("rejected")), diff=self.masker.mask(str(r.get("config_diff") or "")),
            changed=bool(r.get("changed")), committed=bool(r.get("committed")), pending=bool(r.get("pending")),
            pending_before=bool(r.get("pending_before")),
            verified=r.get("verified") if isinstance(r.get("verified"), bool) else None,
            checks=[CheckResult(device=device, name=str(c.get("name")), kind=str(c.get("kind")),
                                passed=bool(c.get("passed")), detail=self.masker.mask(str(c.get("detail", ""))))
                    for c in r.get("checks") or [] if isinstance(c, dict)],
        )

    def _backups(self, outcome: PlaybookOutcome, plans: list[DevicePlan], dest: Path, action: str,
                 task: str) -> dict[str, DeviceOp]:
        """A device is backed up when its backup file exists (written before its candidate was loaded)."""
        ops = {}
        for p in plans:
            path = dest / f"{p.device}.cfg"
            if path.is_file():
                ops[p.device] = DeviceOp(device=p.device, ok=True, running=path.read_text())
                continue
            op = self._op(outcome, p.device, action, "backup", task)
            ops[p.device] = op.model_copy(update={"ok": False, "error": op.error or "the backup file was not written"})
        shutil.rmtree(dest, ignore_errors=True)
        return ops

    def _fresh(self, name: str) -> Path:
        path = self.work_dir / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(mode=0o700)
        return path

    # ------------------------------------------------------------------ operations
    def backup(self, plans: list[DevicePlan]) -> dict[str, DeviceOp]:
        dest = self._fresh("backup")
        outcome = self._run("backup.yml", plans, netkit_backup_dir=str(dest))
        return self._backups(outcome, plans, dest, "netkit_napalm_facts", "running config")

    def push(self, plans: list[DevicePlan], *, commit: bool, revert_in: int,
             gates: dict[str, list[str]] | None = None) -> PushOutcome:
        dest = self._fresh("backup")
        outcome = self._run("provision_site.yml", plans, tags=["backup", "diff", *(["push"] if commit else [])],
                            gates=gates, gate_var="netkit_commit_gate", netkit_confirm_timeout=revert_in,
                            netkit_backup_dir=str(dest))
        backups = self._backups(outcome, plans, dest, "netkit_napalm_config", "backup and diff")
        pushed = {}
        for p in plans:
            diffed = self._op(outcome, p.device, "netkit_napalm_config", "diff", "backup and diff")
            if not diffed.ok or not commit:
                pushed[p.device] = diffed
                continue
            res = outcome.last(p.device, "netkit_napalm_config", "commit")
            if res is not None and res.status == "skipped":  # no difference: nothing to commit
                pushed[p.device] = diffed
                continue
            committed = self._op(outcome, p.device, "netkit_napalm_config", "commit", "commit")
            pushed[p.device] = committed.model_copy(update={"diff": diffed.diff})
        return PushOutcome(backups=backups, pushed=pushed)

    def check_and_confirm(self, plans: list[DevicePlan], *, wait: int, gates: dict[str, list[str]]) -> ConfirmOutcome:
        outcome = self._run("provision_site.yml", plans, tags=["check", "confirm"], gates=gates,
                            netkit_check_wait=wait)
        checks = {p.device: self._op(outcome, p.device, "netkit_napalm_checks", "post-checks") for p in plans}
        confirmed = {p.device: op for p in plans
                     if (op := self._op(outcome, p.device, "netkit_napalm_config", "confirm")).ok}
        return ConfirmOutcome(checks=checks, confirmed=confirmed)

    def restore(self, plans: list[DevicePlan], configs: dict[str, str]) -> dict[str, DeviceOp]:
        src = self._fresh("restore")
        for p in plans:
            if p.device in configs:
                fd = os.open(src / f"{p.device}.cfg", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(configs[p.device])
        outcome = self._run("rollback.yml", plans, netkit_backup_dir=str(src))
        ops = {p.device: self._op(outcome, p.device, "netkit_napalm_config", "rollback") for p in plans}
        shutil.rmtree(src, ignore_errors=True)
        return ops

    def close(self) -> None:
        """Stop serving secrets and delete the intended configs; the (scrubbed) artifacts stay for debugging."""
        self.secrets.close()
        shutil.rmtree(self.plan_dir, ignore_errors=True)
