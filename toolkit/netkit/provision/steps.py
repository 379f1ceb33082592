"""The steps every transaction is made of (plan, backup, restore-and-prove, audit), shared by the
provisioning batch and the single-site commands. Every I/O is passed in, so logic is tested with fakes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from netkit.config.secrets import fill_secrets
from netkit.errors import EnvironmentProblem, InputError
from netkit.inventory.credentials import Credentials, credentials_for
from netkit.inventory.models import Inventory
from netkit.provision.audit import AuditDevice, AuditEntry, AuditLog
from netkit.provision.backend import Backend, DeviceOp, Progress, ProgressCallback
from netkit.provision.backups import BackupStore
from netkit.provision.lock import SiteLock, current_user
from netkit.provision.masking import Masker
from netkit.provision.plan import DevicePlan, Renderer, SitePlan, default_renderer, plan_site
from netkit.provision.report import Action, DeviceReport, SiteReport
from netkit.provision.silences import AlertmanagerFactory
from netkit.provision.upstream import intended_sha, refuse_without_upstream

BackendFactory = Callable[[SitePlan, dict[str, Credentials], Masker, ProgressCallback], Backend]
CredentialResolver = Callable[[Inventory, str], Credentials]


def resolve_credentials(inventory: Inventory, device: str) -> Credentials:
    return credentials_for(inventory, inventory.devices[device])


@dataclass
class Environment:
    """Where transactions keep their state; production values come from netkit.provision.defaults."""

    store: BackupStore
    audit: AuditLog
    locks_dir: Path
    who: str = field(default_factory=current_user)
    host: str = "localhost"
    command: str = "netkit provision"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    check_upstream: bool = False  # refuse a site whose data center does not run its intended config
    alertmanager: AlertmanagerFactory | None = None  # silences per transaction (None: none asked)


def check_ready(env: Environment) -> None:
    """Everything a transaction will write (backups, the audit log) can be written: checked before any lock
    is taken or any device touched, so a full disk or a store in a half-done git state changes nothing."""
    env.store.check_ready()
    env.audit.check_ready()


@dataclass(frozen=True)
class ProvisionOptions:
    check_only: bool = False
    confirm_timeout: int = 300
    check_wait: int = 60
    only: list[str] | None = None
    rollout: str | None = None  # the id of the rollout this run is a wave of
    reason: str | None = None  # why it runs outside a change window (--now --reason), for the audit


class Steps:
    def __init__(self, inventory: Inventory, env: Environment, backend_factory: BackendFactory,
                 progress: ProgressCallback | None = None, render: Renderer = default_renderer,
                 credentials: CredentialResolver = resolve_credentials) -> None:
        self.inventory = inventory
        self.env = env
        self.backend_factory = backend_factory
        self.progress = progress or (lambda p: None)
        self.render = render
        self.credentials = credentials
        self.masker = Masker()

    @contextmanager
    def phase(self, reports: list[SiteReport], name: str) -> Iterator[None]:
        t0 = time.monotonic()
        try:
            yield
        finally:
            for report in reports:
                report.phase_seconds[name] = round(report.phase_seconds.get(name, 0.0) + time.monotonic() - t0, 3)

    def emit(self, device: str, step: str, status: str, detail: str = "") -> None:
        self.progress(Progress(device, step, status, detail))  # type: ignore[arg-type]

    def new_report(self, site: str, action: Action) -> SiteReport:
        return SiteReport(action=action, site=site, who=self.env.who, started=self.env.clock())

    def prepare(self, site: str, only: list[str] | None, render: bool,
                report: SiteReport) -> tuple[SitePlan, dict[str, Credentials]]:
        """Everything that can be wrong with the input fails here, before any device is touched."""
        with self.phase([report], "plan"):
            renderer = self.render if render else (lambda inv, dev: "")
            plan = plan_site(self.inventory, site, only, renderer)
            if not plan.devices:
                skipped = "; ".join(f"{d.device}: {d.reason}" for d in plan.skipped)
                raise InputError(f"site {site} has no device netkit can configure ({skipped})")
            creds = {d.device: self.credentials(self.inventory, d.device) for d in plan.devices}
            for c in creds.values():
                self.masker.add(c.secrets())
            for d in plan.devices:  # the module fills the marks; a mark it could not fill fails here, exit 2
                fill_secrets(plan.configs.get(d.device, ""), creds[d.device], d.device)
            for d in plan.skipped:
                report.devices.append(DeviceReport(name=d.device, platform=d.platform, status="skipped", reason=d.reason))
                self.emit(d.device, "render", "skipped", d.reason)
            for d in plan.devices:
                sha = intended_sha(plan.configs[d.device]) if render else None
                report.devices.append(DeviceReport(name=d.device, platform=d.platform, intended_sha256=sha))
                if render:
                    self.emit(d.device, "render", "ok")
        return plan, creds

    def refuse_without_upstream(self, codes: list[str]) -> None:
        """Exit 2 before any lock or device when a site's data center does not run its intended config."""
        if self.env.check_upstream:
            refuse_without_upstream(self.inventory, codes, self.env.audit,
                                    lambda site: plan_site(self.inventory, site, None, self.render).configs,
                                    self.live_drift)

    def live_drift(self, site: str) -> list[str]:
        """Devices of `site` whose running config differs from intended (candidates loaded, then discarded)."""
        report = self.new_report(site, "diff")
        plan, creds = self.prepare(site, None, True, report)
        with SiteLock(self.env.locks_dir, site, "netkit provision (upstream check)", self.env.clock):
            backend = self.backend_factory(plan, creds, self.masker, lambda p: None)
            try:
                ops = backend.push(plan.devices, commit=False, revert_in=0).pushed
            finally:
                backend.close()
        return [n for n, op in sorted(ops.items()) if not op.ok or op.diff.strip()]

    def fail(self, report: SiteReport, device: str, error: str) -> None:
        dr = report.device(device)
        dr.status, dr.error = "failed", self.masker.mask(error)

    def save_backup(self, ops: dict[str, DeviceOp], plan: SitePlan, report: SiteReport,
                    reason: str) -> dict[str, str] | None:
        """Commit the site's running configs to the store; None (and the site failed) if any is missing."""
        failed = [d.device for d in plan.devices if not ops[d.device].ok or ops[d.device].running is None]
        for name in failed:
            self.fail(report, name, f"backup failed: {ops[name].error}")
            self.emit(name, "backup", "failed", ops[name].error or "")
        if failed:
            report.result = "failed"
            report.message = f"backup failed on {', '.join(failed)}: no device was changed"
            return None
        configs = {d.device: ops[d.device].running or "" for d in plan.devices}
        report.backup_id = self.env.store.save(report.site, configs, self.env.who, reason)
        for name in configs:
            dr = report.device(name)
            dr.backup_id, dr.status = report.backup_id, "backed-up"
            self.emit(name, "backup", "ok", report.backup_id[:10])
        return configs

    def backup_configs(self, backend: Backend, plan: SitePlan, report: SiteReport,
                       reason: str) -> dict[str, str] | None:
        with self.phase([report], "backup"):
            for d in plan.devices:
                self.emit(d.device, "backup", "running")
            return self.save_backup(backend.backup(plan.devices), plan, report, reason)

    def judge_restore(self, ops: dict[str, DeviceOp], plans: list[DevicePlan], report: SiteReport,
                      committed: set[str], ok_status: str = "rolled-back") -> bool:
        """Per device: proven equal to what it was restored to? True when every device is."""
        all_ok = True
        for d in plans:
            op = ops.get(d.device) or DeviceOp(device=d.device, ok=False, error="no result")
            dr = report.device(d.device)
            dr.restored_verified = bool(op.ok and op.verified)
            if dr.restored_verified:
                dr.status = ok_status  # type: ignore[assignment]
                self.emit(d.device, "rollback", "ok", "running == backup")
                continue
            all_ok = False
            never = d.device not in committed
            note = " (never committed, so unchanged)" if never else " (its revert timer, if pending, restores it)"
            dr.status = "failed" if never else "rollback-failed"
            dr.error = self.masker.mask(f"{dr.error + '; ' if dr.error else ''}rollback: {op.error}{note}")
            self.emit(d.device, "rollback", "failed", dr.error)
        return all_ok

    def conclude_rollback(self, report: SiteReport, proven: bool) -> None:
        if proven:
            report.result = "rolled-back"
            report.message += "; every device is back to its backup (proven: running == backup)"
        else:
            report.result = "failed"
            report.message += "; ROLLBACK INCOMPLETE: see the devices marked rollback-failed"

    def finish(self, report: SiteReport, action: str) -> SiteReport:
        with self.phase([report], "audit"):
            report.finished = self.env.clock()
            for dr in report.devices:
                dr.diff = self.masker.mask(dr.diff)
            report.message = self.masker.mask(report.message)
            self.env.audit.masker.add(self.masker.secrets)
            self._audit(report, action)
        return report

    def _audit(self, report: SiteReport, action: str) -> None:
        try:
            self.env.audit.append(AuditEntry(
                when=report.started, finished=report.finished, who=report.who, host=self.env.host, action=action,
                site=report.site, result=report.result, exit_code=report.exit_code, backup_id=report.backup_id,
                message=report.message, rollout=report.rollout, reason=report.reason, silence=report.silence,
                devices=[AuditDevice(name=d.name, status=d.status, diff=d.diff, backup_id=d.backup_id, error=d.error,
                                     intended_sha256=d.intended_sha256) for d in report.devices],
            ))
        except EnvironmentProblem as e:  # the devices are as the report says; only the record is missing
            report.audit_error = str(e)
            report.message = f"{report.message}; AUDIT ENTRY NOT WRITTEN: {e}".lstrip("; ")
