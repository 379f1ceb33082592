"""The watcher's event loop: the syslog listener feeds change notices, a scheduler picks what is due,
workers back devices up in threads (each an SSH session), the state is saved after every result.

A change notice starts a backup after `debounce` seconds of quiet on that device (an engineer types a
burst of commands; FRR logs each once per daemon), so one hand edit gives one commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from netkit.config.models import RenderedConfig
from netkit.inventory.models import Inventory
from netkit.provision.backups import BackupStore
from netkit.provision.masking import Masker
from netkit.watch.backup import BackupOutcome, BackupRequest, Fetch, run_backup
from netkit.watch.events import ConfigChange, Sessions, SshSession, classify
from netkit.watch.schedule import next_due
from netkit.watch.state import WatchState, save_state
from netkit.watch.syslog import SyslogMessage

log = logging.getLogger("netkit.watch")
MAX_PENDING_COMMANDS = 200


@dataclass
class WatchSettings:
    intervals: dict[str, float]  # device -> seconds
    debounce_s: float = 3.0
    retry_s: float = 60.0
    concurrency: int = 10
    tick_s: float = 0.5


@dataclass
class Watcher:
    inv: Inventory
    store: BackupStore
    state: WatchState
    state_path: Path
    settings: WatchSettings
    fetch: Fetch
    intended: dict[str, RenderedConfig]
    masker: Masker
    clock: Callable[[], float] = time.time
    sessions: Sessions = field(default_factory=Sessions)
    running: set[str] = field(default_factory=set)
    last_event: dict[str, float] = field(default_factory=dict)
    dirty: bool = False
    # The loop scans the devices only when something can be due: at `earliest`, after a change notice, or
    # when a backup ends (a worker is free). A scan of the national inventory costs ~0.1-0.4 s.
    earliest: float = 0.0
    wake: bool = True

    # ------------------------------------------------------------------ syslog
    def count(self, result: str) -> None:
        self.state.syslog_messages[result] = self.state.syslog_messages.get(result, 0) + 1

    def on_syslog(self, device: str, msg: SyslogMessage) -> None:
        event = classify(msg)
        if event is None:
            return
        if isinstance(event, SshSession):
            self.sessions.update(device, event, self.clock())
            return
        self.on_change(device, event)

    def on_change(self, device: str, event: ConfigChange) -> None:
        now = self.clock()
        ds = self.state.device(device)
        command = self.masker.mask(event.command)
        fresh = not ds.pending_commands or ds.pending_commands[-1] != command  # once per daemon in FRR
        if fresh:
            ds.change_events += 1
            if len(ds.pending_commands) < MAX_PENDING_COMMANDS:
                ds.pending_commands.append(command)
            log.info("%s: change reported: %s", device, command)
        if event.user:  # a vendor notice names the user; FRR's lines are matched with sessions at backup time
            ds.pending_users = list(dict.fromkeys([*ds.pending_users, event.user]))
        ds.pending_since = ds.pending_since or now
        self.last_event[device] = now
        self.dirty = self.wake = True

    # ------------------------------------------------------------------ scheduling
    def due(self, now: float, limit: int | None = None) -> list[BackupRequest]:
        """Devices to back up now: reported changes first (after their quiet period), then the schedule,
        longest overdue first; at most `limit` (the free workers)."""
        changed: list[BackupRequest] = []
        scheduled: list[tuple[float, str]] = []
        earliest = float("inf")
        for name, dev in self.inv.devices.items():
            if name in self.running or name not in self.settings.intervals:
                continue
            ds = self.state.device(name)
            if ds.pending_since:
                ready = self.last_event.get(name, ds.pending_since) + self.settings.debounce_s
                if ds.success is False:  # it failed since: try again when the retry is due, not at once
                    ready = max(ready, ds.next_due)
                if ready <= now:
                    users = ds.pending_users or self.sessions.users(name, ds.pending_since, now)
                    changed.append(BackupRequest(dev, "syslog", tuple(users), tuple(ds.pending_commands)))
                    continue
                earliest = min(earliest, ready)
            if ds.next_due <= now:
                scheduled.append((ds.next_due, name))
            else:
                earliest = min(earliest, ds.next_due)
        overflow = limit is not None and len(changed) + len(scheduled) > limit
        self.earliest = now if overflow else earliest
        if limit is not None:
            changed = changed[:limit]
        room = len(scheduled) if limit is None else max(limit - len(changed), 0)
        first = heapq.nsmallest(room, scheduled) if room < len(scheduled) else sorted(scheduled)
        devices, states = self.inv.devices, self.state.devices
        return changed + [BackupRequest(devices[n], "schedule" if states[n].success is not None else "start")
                          for _, n in first]

    def record(self, req: BackupRequest, out: BackupOutcome) -> None:
        ds = self.state.device(req.device.name)
        ds.last_attempt = out.finished
        ds.success = out.ok
        interval = self.settings.intervals.get(req.device.name, self.settings.retry_s)
        ds.next_due = next_due(out.finished, interval, out.ok, self.settings.retry_s)
        if not out.ok:
            ds.error = out.error
            log.warning("%s: backup failed: %s", req.device.name, out.error)
            self.dirty = True
            return  # the reported change stays pending; compliance stays what the last backup said
        ds.error = ""
        ds.last_success = out.finished
        ds.backups += 1
        if out.commit:
            ds.commits += 1
            ds.last_commit = out.commit
            log.info("%s: configuration changed, commit %s (by %s)", req.device.name, out.commit[:12],
                     ", ".join(req.users) or "unknown")
        if out.compliance is not None:
            ds.compliance, ds.drift_lines, ds.compared = out.features, out.drift_lines, True
        if req.reason == "syslog" and self.last_event.get(req.device.name, 0) <= out.started:
            ds.pending_since, ds.pending_users, ds.pending_commands = 0.0, [], []
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            save_state(self.state, self.state_path)
            self.dirty = False

    # ------------------------------------------------------------------ running
    async def _one(self, req: BackupRequest, sem: asyncio.Semaphore) -> None:
        async with sem:
            intended = self.intended.get(req.device.name)
            out = await asyncio.to_thread(run_backup, req, self.fetch, self.store, intended, self.masker, self.clock)
        self.record(req, out)
        self.running.discard(req.device.name)
        self.wake = True
        self.save()

    async def run(self, stop: asyncio.Event) -> None:
        sem = asyncio.Semaphore(self.settings.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        while not stop.is_set():
            free, now = self.settings.concurrency - len(self.running), self.clock()
            scan = free > 0 and (self.wake or now >= self.earliest)
            self.wake = self.wake and not scan
            for req in self.due(now, free) if scan else []:
                self.running.add(req.device.name)
                task = asyncio.create_task(self._one(req, sem))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            self.save()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.tick_s)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self.save()
