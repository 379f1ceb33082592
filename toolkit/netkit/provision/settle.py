"""What `netkit provision resume` does with a site a killed run left in the middle of its transaction:
bring it to one of two ends, never leave it half-configured.

1. Its transaction wrote an audit entry after the interruption point (it finished; only the rollout's
   record missed it): take that result, confirmed or rolled back. Nothing is redone.
2. Its pre-change backup reached the store (the run got past backup+commit): restore every device of the
   site to it, proven running == backup (a pending commit is cancelled first), audited as a rollback.
3. Nothing reached the store (killed during backup+commit): the devices may hold commits nobody will
   confirm. Their router-side revert timers restore them; wait (polling a discarded diff) until no
   device of the site has a pending commit, at most the rollout's confirm timeout and a margin.
In cases 2 and 3 the site goes back to "pending": the resumed rollout provisions it again in its wave.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from netkit.errors import NetkitError
from netkit.provision.lock import SiteLock
from netkit.provision.rollout_record import SiteState
from netkit.provision.steps import Steps


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def settle_site(steps: Steps, site: str, since: datetime, confirm_timeout: int,
                sleep: Callable[[float], None] = time.sleep,
                monotonic: Callable[[], float] = time.monotonic) -> tuple[SiteState, str]:
    finished = [e for e in steps.env.audit.entries(site) if e.action == "provision" and e.when >= since]
    if finished:
        last = finished[-1]
        state: SiteState = last.result if last.result in ("confirmed", "unchanged", "rolled-back") else "failed"  # type: ignore[assignment]
        return state, f"finished before the interruption: {last.result} ({last.message})"
    backup_id = next((c.id for c in steps.env.store.commits(limit=500)
                      if c.message.startswith(f"backup {site}:") and c.when >= _whole_seconds(since)), None)
    report = steps.new_report(site, "rollback")
    report.message = "interrupted in the middle of a rollout"
    if backup_id is not None:
        plan, creds = steps.prepare(site, None, False, report)
        configs = {}
        for d in plan.devices:
            text = steps.env.store.read(site, d.device, backup_id)
            if text is None:
                raise NetkitError(f"site {site}: backup {backup_id[:10]} holds no config for {d.device}")
            configs[d.device] = text
        report.backup_id = report.target_backup_id = backup_id
        with SiteLock(steps.env.locks_dir, site, "netkit provision resume", steps.env.clock):
            backend = steps.backend_factory(plan, creds, steps.masker, steps.progress)
            try:
                ops = backend.restore(plan.devices, configs)
            finally:
                backend.close()
        proven = steps.judge_restore(ops, plan.devices, report, {d.device for d in plan.devices})
        steps.conclude_rollback(report, proven)
        steps.finish(report, "rollback")
        if not proven:
            return "failed", f"interrupted; restoring backup {backup_id[:10]} failed: {report.message}"
        return "pending", f"interrupted; rolled back to its backup {backup_id[:10]} (proven), provisioned again"
    plan, creds = steps.prepare(site, None, True, report)
    deadline = monotonic() + confirm_timeout + 30
    with SiteLock(steps.env.locks_dir, site, "netkit provision resume", steps.env.clock):
        backend = steps.backend_factory(plan, creds, steps.masker, steps.progress)
        try:
            while True:
                ops = backend.push(plan.devices, commit=False, revert_in=0).pushed
                # The diff task refuses (fails) on a device whose commit still waits for confirmation.
                pending = sorted(n for n, op in ops.items() if not op.ok or op.pending_before)
                if not pending:
                    break
                if monotonic() > deadline:
                    return "failed", (f"interrupted; {', '.join(pending)} still hold a pending commit after "
                                      f"{confirm_timeout + 30} s: see `netkit diff site {site}`")
                sleep(5)
        finally:
            backend.close()
    return "pending", "interrupted before its backup was stored; no pending commit left (revert timers), provisioned again"
