"""Provisioning one site, or several together: each site is its own transaction (lock, backup, decision,
rollback, audit), but each phase is one Ansible run across every device of the batch, which is what
makes 20 routers fast. A data-center site that fails takes the whole batch back with it: the customer
sites' routing leans on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from netkit.errors import NetkitError
from netkit.inventory.credentials import Credentials
from netkit.provision.backend import Backend, CheckResult, DeviceOp
from netkit.provision.lock import SiteLock
from netkit.provision.plan import DevicePlan, SitePlan
from netkit.provision.report import Action, SiteReport
from netkit.provision.silences import silenced
from netkit.provision.steps import ProvisionOptions, Steps, check_ready
from netkit.provision.windows import refuse_outside_windows


@dataclass
class _Site:
    plan: SitePlan
    report: SiteReport
    backups: dict[str, str] = field(default_factory=dict)
    committed: set[str] = field(default_factory=set)
    active: bool = True  # still heading for confirm
    restore: bool = False  # to be rolled back

    @property
    def code(self) -> str:
        return self.plan.site

    def abort(self, message: str) -> None:
        self.active, self.restore = False, True
        self.report.message = message


def _merged(sites: list[_Site], only_active: bool = True) -> list[DevicePlan]:
    return [d for s in sites if s.active or not only_active for d in s.plan.devices]


def provision_sites(steps: Steps, codes: list[str], opts: ProvisionOptions) -> list[SiteReport]:
    action: Action = "check" if opts.check_only else "provision"
    sites: list[_Site] = []
    creds: dict[str, Credentials] = {}
    for code in codes:  # step 1 for every site before any lock or device
        report = steps.new_report(code, action)
        report.rollout, report.reason = opts.rollout, opts.reason
        plan, site_creds = steps.prepare(code, opts.only if len(codes) == 1 else None, True, report)
        sites.append(_Site(plan, report))
        creds.update(site_creds)
    if not opts.check_only:  # still before any lock or device
        refuse_outside_windows(steps.inventory, codes, steps.env.clock(), opts.reason)
        steps.refuse_without_upstream(codes)
    check_ready(steps.env)  # backups and the audit entry can be written: else stop before any lock or device
    locks = []
    try:
        with steps.phase([s.report for s in sites], "lock"):
            for s in sorted(sites, key=lambda s: s.code):
                lock = SiteLock(steps.env.locks_dir, s.code, steps.env.command, steps.env.clock)
                lock.acquire()
                locks.append(lock)
        merged = SitePlan(site=",".join(codes), devices=_merged(sites, False), skipped=[],
                          configs={k: v for s in sites for k, v in s.plan.configs.items()})
        longest = timedelta(seconds=opts.confirm_timeout + opts.check_wait + 600)
        factory = None if opts.check_only else steps.env.alertmanager
        with silenced(steps.inventory, codes, factory, steps.env.who, steps.env.command, steps.env.clock(),
                      longest) as notes:
            backend = steps.backend_factory(merged, creds, steps.masker, steps.progress)
            try:
                _run(steps, backend, sites, opts)
            finally:
                backend.close()
        for s in sites:
            s.report.silence = notes.get(s.code)
    finally:
        for lock in locks:
            lock.release()
    for s in sites:
        steps.finish(s.report, action)
    return [s.report for s in sites]


def _run(steps: Steps, backend: Backend, sites: list[_Site], opts: ProvisionOptions) -> None:
    reports = [s.report for s in sites]
    devices = _merged(sites)
    for d in devices:
        steps.emit(d.device, "backup", "running")
    # Steps 3 and 4 in one Ansible run: every device backed up and diffed; then, site by site, the
    # devices that differ are committed, only if every device of their site was backed up and diffed.
    with steps.phase(reports, "backup+diff" if opts.check_only else "backup+commit"):
        own_site = {d.device: [x.device for x in s.plan.devices] for s in sites for d in s.plan.devices}
        pushed = backend.push(devices, commit=not opts.check_only, revert_in=opts.confirm_timeout, gates=own_site)
    reason = "before " + ("check" if opts.check_only else "provisioning")
    for s in sites:
        try:
            saved = steps.save_backup(pushed.backups, s.plan, s.report, reason)
        except NetkitError as e:  # the devices answered but the store did not: roll back from memory
            saved = _in_memory(pushed.backups, s.plan)
            s.report.message = f"the backup store failed ({e}): rolling the whole site back"
            s.restore = True
        if saved is None:  # a device could not be backed up: its site's gate kept every commit back
            s.active = False
            s.committed = {d.device for d in s.plan.devices if pushed.pushed[d.device].committed}
            s.backups = _in_memory(pushed.backups, s.plan)
            s.restore = bool(s.committed)  # never expected: the gate makes it empty
            continue
        s.backups = saved
    for s in (s for s in sites if s.active):
        _judge_push(steps, s, pushed.pushed, opts)
        if s.restore:
            s.active = False
    if opts.check_only:
        for s in sites:
            s.restore = False
        return
    _couple_to_datacenter(steps, sites)
    for s in sites:
        if s.active and not s.committed:
            s.active = False
            s.report.result = "unchanged"
            s.report.message = "every device already runs its intended config: nothing changed"
            for d in s.plan.devices:
                steps.emit(d.device, "confirm", "unchanged", "no change")
    # Steps 5 and 6 in one Ansible run: post-checks, then each device confirms only if its gate passed.
    going = [s for s in sites if s.active]
    if going:
        for d in _merged(going):
            steps.emit(d.device, "checks", "running")
        with steps.phase([s.report for s in going], "checks+confirm"):
            wait = max(5, min(opts.check_wait, opts.confirm_timeout - 20))
            outcome = backend.check_and_confirm(_merged(going), wait=wait, gates=_gates(steps, going))
        for s in going:
            _judge_checks(steps, s, outcome.checks)
        _couple_to_datacenter(steps, sites)
        for s in (s for s in going if s.active):
            _judge_confirm(steps, s, outcome.confirmed)
    restore = [s for s in sites if s.restore]
    if restore:
        with steps.phase([s.report for s in restore], "rollback"):
            plans = _merged(restore, only_active=False)
            for d in plans:
                steps.emit(d.device, "rollback", "running")
            ops = backend.restore(plans, {k: v for s in restore for k, v in s.backups.items()})
        for s in restore:
            steps.conclude_rollback(s.report, steps.judge_restore(ops, s.plan.devices, s.report, s.committed))


def _in_memory(backups: dict[str, DeviceOp], plan: SitePlan) -> dict[str, str]:
    return {d.device: text for d in plan.devices if (text := backups[d.device].running) is not None}


def _gates(steps: Steps, sites: list[_Site]) -> dict[str, list[str]]:
    """Which devices must pass before a device may confirm: its site's, and a batch's data-center ones."""
    dc = [d.device for s in sites if steps.inventory.sites[s.code].kind == "datacenter" for d in s.plan.devices]
    gates = {}
    for s in sites:
        own = [d.device for d in s.plan.devices]
        for name in own:
            gates[name] = own if steps.inventory.sites[s.code].kind == "datacenter" else sorted({*own, *dc})
    return gates


def _judge_push(steps: Steps, s: _Site, ops: dict[str, DeviceOp], opts: ProvisionOptions) -> None:
    failed = []
    for d in s.plan.devices:
        op, dr = ops[d.device], s.report.device(d.device)
        dr.diff, dr.changed, dr.committed = op.diff, bool(op.diff.strip()), op.committed
        if op.committed:
            s.committed.add(d.device)
        if not op.ok:
            failed.append(d.device)
            why = "the device rejected the candidate" if op.rejected else "push failed"
            steps.fail(s.report, d.device, f"{why}: {op.error}")
        else:
            dr.status = "diffed" if opts.check_only else ("committed" if op.committed else "unchanged")
    if opts.check_only:
        s.active = False
        s.report.result = "failed" if failed else "checked"
        changed = sum(d.changed for d in s.report.devices)
        s.report.message = (f"candidate failed on {', '.join(failed)}" if failed else
                            f"--check: {changed} device(s) would change; nothing changed")
    elif failed:
        s.abort(f"push failed on {', '.join(failed)}: rolling the whole site back")


def _judge_checks(steps: Steps, s: _Site, ops: dict[str, DeviceOp]) -> None:
    bad = []
    for d in s.plan.devices:
        op, dr = ops[d.device], s.report.device(d.device)
        dr.checks = op.checks
        if op.ok and op.checks:
            dr.status = "checked"
        else:
            bad.append(d.device)
            failing = [c.name for c in op.checks if not c.passed]
            steps.fail(s.report, d.device, f"post-checks failed: {', '.join(failing) or op.error}")
    s.report.site_checks = [CheckResult(device=s.code, name="every device passed its post-checks", kind="site",
                                        passed=not bad, detail=", ".join(bad) or "all passed")]
    if bad:
        s.abort(f"post-checks failed on {', '.join(bad)}: rolling the whole site back")


def _judge_confirm(steps: Steps, s: _Site, ops: dict[str, DeviceOp]) -> None:
    """A commit that is no longer pending at confirm time reverted by itself (its timer expired)."""
    lost = [n for n in sorted(s.committed) if n not in ops or not (ops[n].ok and ops[n].pending_before)]
    if lost:
        for name in lost:
            why = ops[name].error if name in ops else "not confirmed"
            steps.fail(s.report, name, f"confirm failed: {why or 'no pending commit (the revert timer expired)'}")
        s.abort(f"confirm failed on {', '.join(lost)}: rolling the whole site back")
        return
    for d in s.plan.devices:
        s.report.device(d.device).status = "confirmed" if d.device in s.committed else "unchanged"
        steps.emit(d.device, "confirm", "ok" if d.device in s.committed else "unchanged")
    s.active = False
    s.report.result = "confirmed"
    s.report.message = f"{len(s.committed)} device(s) changed and confirmed"


def _couple_to_datacenter(steps: Steps, sites: list[_Site]) -> None:
    """If a data-center site of the batch is being rolled back, the batch's other sites go back too."""
    failed_dc = [s.code for s in sites if s.restore and steps.inventory.sites[s.code].kind == "datacenter"]
    if not failed_dc:
        return
    for s in sites:
        if s.active and s.committed:
            s.abort(f"data-center site {', '.join(failed_dc)} failed in the same run: rolling this site back too")
