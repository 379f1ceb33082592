"""The site transaction: plan -> lock -> backup -> push (commit with revert timer) -> post-checks ->
confirm everywhere, or roll every device of the site back to its backup and prove it -> audit, file_sd.

Every I/O is passed in (backend factory, stores, clock), so the logic is unit-tested with fakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from netkit.errors import InputError
from netkit.inventory.credentials import Credentials, credentials_for
from netkit.inventory.models import Inventory
from netkit.provision.audit import AuditDevice, AuditEntry, AuditLog
from netkit.provision.backend import Backend, CheckResult, DeviceOp, Progress, ProgressCallback
from netkit.provision.backups import BackupStore
from netkit.provision.file_sd import write_site_file
from netkit.provision.lock import SiteLock, current_user
from netkit.provision.masking import Masker
from netkit.provision.plan import DevicePlan, Renderer, SitePlan, default_renderer, plan_site
from netkit.provision.report import DeviceReport, SiteReport

BackendFactory = Callable[[SitePlan, dict[str, Credentials], Masker, ProgressCallback], Backend]
CredentialResolver = Callable[[Inventory, str], Credentials]


def _resolve(inventory: Inventory, device: str) -> Credentials:
    return credentials_for(inventory, inventory.devices[device])


@dataclass
class Environment:
    """Where a transaction keeps its state; production values come from netkit.provision.defaults."""

    store: BackupStore
    audit: AuditLog
    locks_dir: Path
    file_sd_dir: Path
    who: str = field(default_factory=current_user)
    host: str = "localhost"
    command: str = "netkit provision"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class ProvisionOptions:
    check_only: bool = False
    confirm_timeout: int = 300
    check_wait: int = 60
    only: list[str] | None = None


class SiteTransaction:
    def __init__(self, inventory: Inventory, site: str, env: Environment, backend_factory: BackendFactory,
                 progress: ProgressCallback | None = None, render: Renderer = default_renderer,
                 credentials: CredentialResolver = _resolve) -> None:
        self.inventory = inventory
        self.site = site
        self.env = env
        self.backend_factory = backend_factory
        self.progress = progress or (lambda p: None)
        self.render = render
        self.credentials = credentials
        self.masker = Masker()

    # ------------------------------------------------------------------ helpers
    @contextmanager
    def _phase(self, report: SiteReport, name: str) -> Iterator[None]:
        t0 = time.monotonic()
        try:
            yield
        finally:
            report.phase_seconds[name] = round(report.phase_seconds.get(name, 0.0) + time.monotonic() - t0, 3)

    def _emit(self, device: str, step: str, status: str, detail: str = "") -> None:
        self.progress(Progress(device, step, status, detail))  # type: ignore[arg-type]

    def _prepare(self, only: list[str] | None, render: bool, report: SiteReport) -> tuple[SitePlan, dict[str, Credentials]]:
        """Step 1: everything that can be wrong with the input fails here, before any device is touched."""
        with self._phase(report, "plan"):
            renderer = self.render if render else (lambda inv, dev: "")
            plan = plan_site(self.inventory, self.site, only, renderer)
            if not plan.devices:
                skipped = "; ".join(f"{d.device}: {d.reason}" for d in plan.skipped)
                raise InputError(f"site {self.site} has no device netkit can configure ({skipped})")
            creds = {d.device: self.credentials(self.inventory, d.device) for d in plan.devices}
            for c in creds.values():
                self.masker.add(c.secrets())
            for d in plan.skipped:
                report.devices.append(DeviceReport(name=d.device, platform=d.platform, status="skipped", reason=d.reason))
                self._emit(d.device, "render", "skipped", d.reason)
            for d in plan.devices:
                report.devices.append(DeviceReport(name=d.device, platform=d.platform))
                if render:
                    self._emit(d.device, "render", "ok")
        return plan, creds

    def _backup(self, backend: Backend, plan: SitePlan, report: SiteReport, reason: str) -> dict[str, str] | None:
        with self._phase(report, "backup"):
            for d in plan.devices:
                self._emit(d.device, "backup", "running")
            ops = backend.backup(plan.devices)
            failed = [op for op in ops.values() if not op.ok or op.running is None]
            for op in ops.values():
                if not op.ok or op.running is None:
                    self._fail(report, op.device, f"backup failed: {op.error}")
            if failed:
                report.message = (f"backup failed on {', '.join(op.device for op in failed)}: "
                                  "no device was changed")
                return None
            configs = {name: op.running for name, op in ops.items() if op.running is not None}
            report.backup_id = self.env.store.save(self.site, configs, self.env.who, reason)
            for name in configs:
                dr = report.device(name)
                dr.backup_id, dr.status = report.backup_id, "backed-up"
                self._emit(name, "backup", "ok", report.backup_id[:10])
            return configs

    def _fail(self, report: SiteReport, device: str, error: str) -> None:
        dr = report.device(device)
        dr.status, dr.error = "failed", self.masker.mask(error)

    def _restore_all(self, backend: Backend, plans: list[DevicePlan], configs: dict[str, str], report: SiteReport,
                     committed: set[str], ok_status: str = "rolled-back") -> bool:
        """Make every device equal to `configs` and prove it; True when every device is proven equal."""
        with self._phase(report, "rollback"):
            for d in plans:
                self._emit(d.device, "rollback", "running")
            ops = backend.restore(plans, configs)
            all_ok = True
            for d in plans:
                op = ops.get(d.device) or DeviceOp(device=d.device, ok=False, error="no result")
                dr = report.device(d.device)
                dr.restored_verified = bool(op.ok and op.verified)
                if dr.restored_verified:
                    dr.status = ok_status  # type: ignore[assignment]
                    self._emit(d.device, "rollback", "ok", "running == backup")
                    continue
                all_ok = False
                never = d.device not in committed
                note = " (never committed, so unchanged)" if never else " (its revert timer, if pending, restores it)"
                dr.status = "failed" if never else "rollback-failed"
                dr.error = self.masker.mask(f"{dr.error + '; ' if dr.error else ''}rollback: {op.error}{note}")
                self._emit(d.device, "rollback", "failed", dr.error)
            return all_ok

    def _finish(self, report: SiteReport, action: str) -> SiteReport:
        with self._phase(report, "audit"):
            report.finished = self.env.clock()
            for dr in report.devices:
                dr.diff = self.masker.mask(dr.diff)
            report.message = self.masker.mask(report.message)
            self.env.audit.masker.add(self.masker.secrets)
            self.env.audit.append(AuditEntry(
                when=report.started, finished=report.finished, who=report.who, host=self.env.host, action=action,
                site=self.site, result=report.result, exit_code=report.exit_code, backup_id=report.backup_id,
                message=report.message,
                devices=[AuditDevice(name=d.name, status=d.status, diff=d.diff, backup_id=d.backup_id, error=d.error)
                         for d in report.devices],
            ))
        return report

    # ------------------------------------------------------------------ provision
    def provision(self, opts: ProvisionOptions) -> SiteReport:
        action = "check" if opts.check_only else "provision"
        report = SiteReport(action=action, site=self.site, who=self.env.who, started=self.env.clock())
        plan, creds = self._prepare(opts.only, True, report)
        with self._phase(report, "lock"):
            lock = SiteLock(self.env.locks_dir, self.site, self.env.command, self.env.clock)
            lock.acquire()
        try:
            backend = self.backend_factory(plan, creds, self.masker, self.progress)
            try:
                self._provision_locked(backend, plan, opts, report)
            finally:
                backend.close()
        finally:
            lock.release()
        if report.result in ("confirmed", "unchanged"):
            report.file_sd = str(write_site_file(self.env.file_sd_dir, self.inventory, self.site,
                                                 [d.device for d in plan.devices]))
        return self._finish(report, action)

    def _provision_locked(self, backend: Backend, plan: SitePlan, opts: ProvisionOptions, report: SiteReport) -> None:
        backups = self._backup(backend, plan, report, "before " + ("check" if opts.check_only else "provisioning"))
        if backups is None:
            report.result = "failed"
            return
        # Step 4: candidate, diff, commit with the revert timer (or diff only with --check).
        with self._phase(report, "diff" if opts.check_only else "commit"):
            ops = backend.push(plan.devices, commit=not opts.check_only, revert_in=opts.confirm_timeout)
        committed = {n for n, op in ops.items() if op.committed}
        failed = []
        for d in plan.devices:
            op = ops[d.device]
            dr = report.device(d.device)
            dr.diff, dr.changed, dr.committed = op.diff, bool(op.diff.strip()), op.committed
            if not op.ok:
                failed.append(d.device)
                why = "the device rejected the candidate" if op.rejected else "push failed"
                self._fail(report, d.device, f"{why}: {op.error}")
            else:
                dr.status = "diffed" if opts.check_only else ("committed" if op.committed else "unchanged")
        if opts.check_only:
            report.result = "failed" if failed else "checked"
            report.message = (f"candidate failed on {', '.join(failed)}" if failed else
                              f"--check: {sum(d.changed for d in report.devices)} device(s) would change; nothing changed")
            return
        if failed:
            report.message = f"push failed on {', '.join(failed)}: rolling the whole site back"
            self._rollback(backend, plan, backups, report, committed)
            return
        if not committed:
            report.result = "unchanged"
            report.message = "every device already runs its intended config: nothing changed"
            for d in plan.devices:
                self._emit(d.device, "confirm", "unchanged", "no change")
            return
        # Step 5: post-checks per device and for the site.
        with self._phase(report, "checks"):
            wait = max(5, min(opts.check_wait, opts.confirm_timeout - 20))
            checks = backend.check(plan.devices, wait)
        bad = []
        for d in plan.devices:
            op = checks[d.device]
            dr = report.device(d.device)
            dr.checks = op.checks
            if op.ok and op.checks:
                dr.status = "checked"
            else:
                bad.append(d.device)
                failing = [c.name for c in op.checks if not c.passed]
                self._fail(report, d.device, f"post-checks failed: {', '.join(failing) or op.error}")
        report.site_checks = [CheckResult(device=self.site, name="every device passed its post-checks", kind="site",
                                          passed=not bad, detail=", ".join(bad) or "all passed")]
        if bad:
            report.message = f"post-checks failed on {', '.join(bad)}: rolling the whole site back"
            self._rollback(backend, plan, backups, report, committed)
            return
        # Step 6: confirm everywhere; a commit that is no longer pending reverted by itself (timer expired).
        with self._phase(report, "confirm"):
            to_confirm = [d for d in plan.devices if d.device in committed]
            confirmed = backend.confirm(to_confirm)
        lost = [d.device for d in to_confirm if not (confirmed[d.device].ok and confirmed[d.device].pending_before)]
        if lost:
            for name in lost:
                op = confirmed[name]
                self._fail(report, name, f"confirm failed: {op.error or 'no pending commit (the revert timer expired)'}")
            report.message = f"confirm failed on {', '.join(lost)}: rolling the whole site back"
            self._rollback(backend, plan, backups, report, committed)
            return
        for d in plan.devices:
            dr = report.device(d.device)
            dr.status = "confirmed" if d.device in committed else "unchanged"
            self._emit(d.device, "confirm", "ok" if d.device in committed else "unchanged")
        report.result = "confirmed"
        report.message = f"{len(committed)} device(s) changed and confirmed"

    def _rollback(self, backend: Backend, plan: SitePlan, backups: dict[str, str], report: SiteReport,
                  committed: set[str]) -> None:
        if self._restore_all(backend, plan.devices, backups, report, committed):
            report.result = "rolled-back"
            report.message += "; every device is back to its backup (proven: running == backup)"
        else:
            report.result = "failed"
            report.message += "; ROLLBACK INCOMPLETE: see the devices marked rollback-failed"

    # ------------------------------------------------------------------ diff / backup / rollback
    def diff(self) -> SiteReport:
        """Drift between intended and running, without changing anything (a candidate is loaded and discarded)."""
        report = SiteReport(action="diff", site=self.site, who=self.env.who, started=self.env.clock())
        plan, creds = self._prepare(None, True, report)
        with SiteLock(self.env.locks_dir, self.site, "netkit diff", self.env.clock):
            backend = self.backend_factory(plan, creds, self.masker, self.progress)
            try:
                with self._phase(report, "diff"):
                    ops = backend.push(plan.devices, commit=False, revert_in=0)
            finally:
                backend.close()
        for d in plan.devices:
            op, dr = ops[d.device], report.device(d.device)
            dr.diff, dr.changed = self.masker.mask(op.diff), bool(op.diff.strip())
            dr.status = "diffed" if op.ok else "failed"
            dr.error = None if op.ok else self.masker.mask(op.error or "")
        report.finished = self.env.clock()
        report.result = "checked" if all(d.status != "failed" for d in report.devices) else "failed"
        drift = [d.name for d in report.devices if d.changed]
        report.message = f"drift on {', '.join(drift)}" if drift else "no drift: running == intended everywhere"
        return report

    def backup(self) -> SiteReport:
        report = SiteReport(action="backup", site=self.site, who=self.env.who, started=self.env.clock())
        plan, creds = self._prepare(None, False, report)
        with SiteLock(self.env.locks_dir, self.site, "netkit backup", self.env.clock):
            backend = self.backend_factory(plan, creds, self.masker, self.progress)
            try:
                configs = self._backup(backend, plan, report, "netkit backup")
            finally:
                backend.close()
        report.result = "backed-up" if configs is not None else "failed"
        report.finished = self.env.clock()
        return report

    def rollback(self, to: str | None = None) -> SiteReport:
        """Restore the site to a backup (default: the newest one that differs from what runs now), with the
        transaction's guarantees: lock, backup first, every device proven equal, else all put back."""
        report = SiteReport(action="rollback", site=self.site, who=self.env.who, started=self.env.clock())
        plan, creds = self._prepare(None, False, report)
        target_id = self.env.store.resolve(to) if to else None
        with SiteLock(self.env.locks_dir, self.site, "netkit rollback", self.env.clock):
            backend = self.backend_factory(plan, creds, self.masker, self.progress)
            try:
                self._rollback_locked(backend, plan, report, target_id)
            finally:
                backend.close()
        return self._finish(report, "rollback")

    def _rollback_locked(self, backend: Backend, plan: SitePlan, report: SiteReport, target_id: str | None) -> None:
        current = self._backup(backend, plan, report, "before rollback")
        if current is None:
            report.result = "failed"
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
            report.device(d.device).diff = self.masker.mask(_line_diff(current[d.device], text))
            report.device(d.device).changed = current[d.device] != text
        everyone = {d.device for d in plan.devices}
        if self._restore_all(backend, plan.devices, targets, report, everyone, ok_status="restored"):
            report.result = "restored"
            report.message = f"site {self.site} restored to backup {target_id[:10]} (proven: running == backup)"
            return
        report.message = f"rollback to {target_id[:10]} failed; putting every device back to {report.backup_id}"
        self._rollback(backend, plan, current, report, everyone)
        report.result = "failed"

    def _previous_backup(self, plan: SitePlan, current: dict[str, str]) -> str | None:
        for entry in self.env.store.commits(limit=200):
            texts = {d.device: self.env.store.read(self.site, d.device, entry.id) for d in plan.devices}
            if all(t is not None for t in texts.values()) and any(texts[n] != current[n] for n in texts):
                return entry.id
        return None


def _line_diff(before: str, after: str) -> str:
    import difflib

    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), "running", "backup"))
