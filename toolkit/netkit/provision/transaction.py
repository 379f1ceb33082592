"""The site transaction: plan -> lock -> backup -> push (commit with revert timer) -> post-checks ->
confirm everywhere, or roll every device of the site back to its backup and prove it -> audit.

`SiteTransaction` is the API for one site (provision, diff, backup, rollback); netkit.provision.rollout
runs several sites as one batch.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager

from netkit.errors import InputError
from netkit.inventory.credentials import Credentials
from netkit.inventory.models import Inventory
from netkit.provision.backend import Backend, ProgressCallback
from netkit.provision.lock import SiteLock
from netkit.provision.plan import Renderer, SitePlan, default_renderer
from netkit.provision.provisioning import provision_sites
from netkit.provision.report import SiteReport
from netkit.provision.steps import (
    BackendFactory,
    CredentialResolver,
    Environment,
    ProvisionOptions,
    Steps,
    check_ready,
    resolve_credentials,
)

__all__ = ["BackendFactory", "Environment", "ProvisionOptions", "SiteTransaction"]


class SiteTransaction:
    """One site: provision, diff, backup, rollback. It uses the shared steps (plan, lock, backup, audit:
    netkit.provision.steps) rather than being one of them."""

    def __init__(self, inventory: Inventory, site: str, env: Environment, backend_factory: BackendFactory,
                 progress: ProgressCallback | None = None, render: Renderer = default_renderer,
                 credentials: CredentialResolver = resolve_credentials) -> None:
        self.steps = Steps(inventory, env, backend_factory, progress, render, credentials)
        self.env = env
        self.site = site

    def provision(self, opts: ProvisionOptions) -> SiteReport:
        return provision_sites(self.steps, [self.site], opts)[0]

    def diff(self) -> SiteReport:
        """Drift between intended and running, without changing anything (a candidate is loaded and discarded)."""
        report = self.steps.new_report(self.site, "diff")
        plan, creds = self.steps.prepare(self.site, None, True, report)
        with self._backend(plan, creds, "netkit diff") as backend, self.steps.phase([report], "diff"):
            ops = backend.push(plan.devices, commit=False, revert_in=0).pushed
        for d in plan.devices:
            op, dr = ops[d.device], report.device(d.device)
            dr.diff, dr.changed = self.steps.masker.mask(op.diff), bool(op.diff.strip())
            dr.status = "diffed" if op.ok else "failed"
            dr.error = None if op.ok else self.steps.masker.mask(op.error or "")
        report.finished = self.env.clock()
        report.result = "checked" if all(d.status != "failed" for d in report.devices) else "failed"
        drift = [d.name for d in report.devices if d.changed]
        report.message = f"drift on {', '.join(drift)}" if drift else "no drift: running == intended everywhere"
        return report

    def backup(self) -> SiteReport:
        report = self.steps.new_report(self.site, "backup")
        plan, creds = self.steps.prepare(self.site, None, False, report)
        self.env.store.check_ready()
        with self._backend(plan, creds, "netkit backup") as backend:
            configs = self.steps.backup_configs(backend, plan, report, "netkit backup")
        report.result = "backed-up" if configs is not None else "failed"
        report.finished = self.env.clock()
        return report

    def rollback(self, to: str | None = None) -> SiteReport:
        """Restore the site to a backup (default: the newest one that differs from what runs now), with the
        transaction's guarantees: lock, backup first, every device proven equal, else all put back."""
        report = self.steps.new_report(self.site, "rollback")
        plan, creds = self.steps.prepare(self.site, None, False, report)
        target_id = self.env.store.resolve(to) if to else None
        check_ready(self.env)
        with self._backend(plan, creds, "netkit rollback") as backend:
            self._rollback_locked(backend, plan, report, target_id)
        return self.steps.finish(report, "rollback")

    @contextmanager
    def _backend(self, plan: SitePlan, creds: dict[str, Credentials], command: str) -> Iterator[Backend]:
        """The site locked for `command` and a backend for its devices; both released however it ends."""
        with SiteLock(self.env.locks_dir, self.site, command, self.env.clock):
            backend = self.steps.backend_factory(plan, creds, self.steps.masker, self.steps.progress)
            try:
                yield backend
            finally:
                backend.close()

    def _rollback_locked(self, backend: Backend, plan: SitePlan, report: SiteReport, target_id: str | None) -> None:
        current = self.steps.backup_configs(backend, plan, report, "before rollback")
        if current is None:
            return
        target_id = target_id or self._previous_backup(plan, current)
        if target_id is None:
            raise InputError(f"site {self.site}: no earlier backup differs from the running configs "
                             "(see `netkit backup log DEVICE`)")
        report.target_backup_id = target_id
        targets: dict[str, str] = {}
        for d in plan.devices:
            text = self.env.store.read(self.site, d.device, target_id)
            if text is None:
                raise InputError(f"backup {target_id[:10]} holds no config for {d.device} (site {self.site})")
            targets[d.device] = text
            report.device(d.device).diff = self.steps.masker.mask(_line_diff(current[d.device], text))
            report.device(d.device).changed = current[d.device] != text
        everyone = {d.device for d in plan.devices}
        with self.steps.phase([report], "rollback"):
            for d in plan.devices:
                self.steps.emit(d.device, "rollback", "running")
            ops = backend.restore(plan.devices, targets)
        if self.steps.judge_restore(ops, plan.devices, report, everyone, ok_status="restored"):
            report.result = "restored"
            report.message = f"site {self.site} restored to backup {target_id[:10]} (proven: running == backup)"
            return
        report.message = f"rollback to {target_id[:10]} failed; putting every device back to {report.backup_id}"
        with self.steps.phase([report], "rollback"):
            ops = backend.restore(plan.devices, current)
        self.steps.conclude_rollback(report, self.steps.judge_restore(ops, plan.devices, report, everyone))
        report.result = "failed"

    def _previous_backup(self, plan: SitePlan, current: dict[str, str]) -> str | None:
        for entry in self.env.store.commits(limit=200):
            texts = {d.device: self.env.store.read(self.site, d.device, entry.id) for d in plan.devices}
            if all(t is not None for t in texts.values()) and any(texts[n] != current[n] for n in texts):
                return entry.id
        return None


def _line_diff(before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), "running", "backup"))
