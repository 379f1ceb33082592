"""Rollouts in waves: data centers, then canary sites, then waves of N (Ansible's `serial`), each
wave one batch of site transactions (`provision_many`); the rollout stops when the data centers or a
canary are not confirmed, or when a wave has more failed sites than allowed (Ansible's
`max_fail_percentage`, or a count). The sites after a stop stay untouched ("pending" in the record).

The record (netkit.provision.rollout_record) is saved before and after every wave; `resume` settles the
sites a killed run left "running" (netkit.provision.settle) and goes on with the sites not yet done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from netkit.errors import InputError
from netkit.inventory.models import Inventory
from netkit.provision.report import SiteReport
from netkit.provision.rollout_record import (
    DONE,
    RolloutPolicy,
    RolloutRecord,
    RolloutStore,
    SiteEntry,
    SiteState,
    Wave,
    new_id,
)
from netkit.provision.steps import ProvisionOptions, Steps

WaveRunner = Callable[[list[str], ProvisionOptions], list[SiteReport]]
Gate = Callable[[list[str], ProvisionOptions], dict[str, str]]  # sites refused before the wave: site -> why
Settler = Callable[[str, datetime, int], tuple[SiteState, str]]  # site, started, confirm timeout


@dataclass(frozen=True)
class WaveEvent:
    """Sent when a wave starts and when it ends: what the live view shows."""

    record: RolloutRecord
    index: int
    wave: Wave
    phase: str  # start | end
    eta_seconds: float | None


def select_sites(inventory: Inventory, sites: list[str], all_sites: bool, ministry: list[str] | None = None,
                 province: list[str] | None = None) -> list[str]:
    """The sites of a rollout, in inventory order: named ones, or every site (optionally by ministry/province)."""
    if sites and (all_sites or ministry or province):
        raise InputError("give SITE(s), or --all / --ministry / --province, not both")
    if sites:
        unknown = [s for s in sites if s not in inventory.sites]
        if unknown:
            raise InputError(f"{inventory.path}: no site {', '.join(map(repr, unknown))}; "
                             f"valid sites: {', '.join(sorted(inventory.sites))}")
        return list(dict.fromkeys(sites))
    if not (all_sites or ministry or province):
        raise InputError(f"give SITE(s), --all, --ministry or --province; valid sites: {', '.join(sorted(inventory.sites))}")
    chosen = [c for c, s in inventory.sites.items()
              if (not ministry or s.ministry in ministry) and (not province or s.province in province)]
    if not chosen:
        known = sorted({s.ministry for s in inventory.sites.values()}), sorted({s.province for s in inventory.sites.values()})
        raise InputError(f"no site matches --ministry {ministry or '*'} --province {province or '*'}; "
                         f"ministries: {', '.join(known[0])}; provinces: {', '.join(known[1])}")
    return chosen


def plan_waves(inventory: Inventory, codes: list[str], canary: list[str], wave_size: int) -> list[Wave]:
    """Data centers first (customer sites uplink to them), then the canary sites, then waves of `wave_size`."""
    if wave_size < 1:
        raise InputError(f"--wave-size must be at least 1, not {wave_size}")
    stray = [c for c in canary if c not in codes]
    if stray:
        raise InputError(f"--canary {', '.join(stray)}: not among the sites of this rollout ({', '.join(codes)})")
    dcs = [c for c in codes if inventory.sites[c].kind == "datacenter" and c not in canary]
    rest = [c for c in codes if c not in dcs and c not in canary]
    waves = [Wave(name="data centers", sites=dcs, must_confirm=True)] if dcs else []
    if canary:
        waves.append(Wave(name="canary", sites=list(dict.fromkeys(canary)), must_confirm=True))
    waves += [Wave(name=f"wave {n + 1}", sites=rest[i:i + wave_size])
              for n, i in enumerate(range(0, len(rest), wave_size))]
    return waves


def new_record(inventory: Inventory, codes: list[str], canary: list[str], policy: RolloutPolicy, who: str,
               command: str, now: datetime) -> RolloutRecord:
    waves = plan_waves(inventory, codes, canary, policy.wave_size)
    return RolloutRecord(id=new_id(now), created=now, who=who, command=command, policy=policy, waves=waves,
                         sites={c: SiteEntry() for w in waves for c in w.sites})


def too_many_failed(policy: RolloutPolicy, failed: int, size: int) -> str | None:
    if policy.max_failed is not None and failed > policy.max_failed:
        return f"{failed} site(s) failed in one wave, more than --max-failed {policy.max_failed}"
    if policy.max_failed_percent is not None and size and 100.0 * failed / size > policy.max_failed_percent:
        return (f"{failed} of {size} site(s) failed in one wave ({100.0 * failed / size:.0f}%), more than "
                f"--max-failed {policy.max_failed_percent:g}%")
    return None


_RESULT_STATE: dict[str, SiteState] = {"confirmed": "confirmed", "unchanged": "unchanged", "rolled-back": "rolled-back"}


class Rollout:
    def __init__(self, store: RolloutStore, run_wave: WaveRunner, settle: Settler,
                 on_event: Callable[[WaveEvent], None] | None = None, gate: Gate | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store, self.run_wave, self.settle = store, run_wave, settle
        self.on_event = on_event or (lambda e: None)
        self.clock, self.monotonic = clock, monotonic
        self.gate = gate or (lambda codes, opts: {})

    def run(self, record: RolloutRecord) -> RolloutRecord:
        self.store.save(record)
        return self._go(record)

    def resume(self, rollout_id: str) -> RolloutRecord:
        record = self.store.load(rollout_id)
        if record.status == "done":
            raise InputError(f"rollout {rollout_id} is already done: {record.count(*DONE)} site(s) confirmed")
        record.resumed += 1
        for code, entry in record.sites.items():
            if entry.state in ("running", "interrupted"):  # what a killed or interrupted run left behind
                state, message = self.settle(code, entry.started or record.created, record.policy.confirm_timeout)
                entry.state, entry.message, entry.finished = state, message, self.clock()
                self.store.save(record)
        return self._go(record)

    def _go(self, record: RolloutRecord) -> RolloutRecord:
        record.status, record.stop_reason = "running", ""
        self.store.save(record)
        opts = ProvisionOptions(confirm_timeout=record.policy.confirm_timeout, check_wait=record.policy.check_wait,
                                rollout=record.id, reason=record.policy.reason)
        wave_times: list[float] = []
        try:
            for index, wave in enumerate(record.waves):
                todo = [c for c in wave.sites if record.sites[c].state == "pending"]
                if todo:
                    self._wave(record, index, wave, todo, opts, wave_times)
                failed = [c for c in wave.sites if record.sites[c].state not in DONE]
                why = (f"{wave.name} not confirmed on {', '.join(failed)}" if wave.must_confirm and failed
                       else too_many_failed(record.policy, len(failed), len(wave.sites)))
                if why:
                    record.status, record.stop_reason = "stopped", why + ": the rollout stops here"
                    break
            else:
                record.status = "done"
        except BaseException:
            record.status, record.stop_reason = "interrupted", f"interrupted: `netkit provision resume {record.id}`"
            raise
        finally:
            self.store.save(record)
        return record

    def _wave(self, record: RolloutRecord, index: int, wave: Wave, todo: list[str], opts: ProvisionOptions,
              wave_times: list[float]) -> None:
        now = self.clock()
        for code, why in self.gate(todo, opts).items():  # outside its change window: refused, untouched
            record.sites[code] = SiteEntry(state="refused", message=why, started=now, finished=now)
        todo = [c for c in todo if record.sites[c].state == "pending"]
        if not todo:
            self.store.save(record)
            return
        for code in todo:
            record.sites[code] = SiteEntry(state="running", started=now)
        self.store.save(record)
        # The sites of a wave run in parallel: the ETA is the mean wave time so far times the waves left.
        eta = sum(wave_times) / len(wave_times) * (_waves_left(record) + 1) if wave_times else None
        self.on_event(WaveEvent(record, index, wave, "start", eta))
        t0 = self.monotonic()
        try:
            reports = self.run_wave(todo, opts)
        except InputError as e:  # the whole wave refused before any change (a window, a dependency)
            for code in todo:
                record.sites[code] = SiteEntry(state="refused", message=str(e), started=now, finished=self.clock())
            reports = []
        for r in reports:
            record.sites[r.site] = SiteEntry(state=_RESULT_STATE.get(r.result, "failed"), message=r.message,
                                             backup_id=r.backup_id, started=now, finished=self.clock())
        seconds = self.monotonic() - t0
        wave.seconds = round((wave.seconds or 0.0) + seconds, 3)
        wave_times.append(seconds)
        self.on_event(WaveEvent(record, index, wave, "end", sum(wave_times) / len(wave_times) * _waves_left(record)))
        self.store.save(record)


def _waves_left(record: RolloutRecord) -> int:
    return sum(any(record.sites[c].state == "pending" for c in w.sites) for w in record.waves)


def rollouts_store(steps: Steps) -> RolloutStore:
    """<state>/rollouts, beside the locks of the same environment."""
    return RolloutStore(steps.env.locks_dir.parent / "rollouts")


def rollout_for(steps: Steps, on_event: Callable[[WaveEvent], None] | None = None,
                run_wave: WaveRunner | None = None) -> Rollout:
    """The production rollout: each wave a `provision_sites` batch, interrupted sites settled."""
    from netkit.provision.provisioning import provision_sites
    from netkit.provision.settle import settle_site
    from netkit.provision.windows import outside_windows

    def gate(codes: list[str], opts: ProvisionOptions) -> dict[str, str]:
        return {} if opts.reason else outside_windows(steps.inventory, codes, steps.env.clock())

    return Rollout(rollouts_store(steps), run_wave or (lambda codes, opts: provision_sites(steps, codes, opts)),
                   lambda site, since, timeout: settle_site(steps, site, since, timeout), on_event, gate,
                   steps.env.clock)
