"""The configuration watcher's cost per 1,000 devices (`netkit backup serve`), with the generated national
inventory (34 ministries x 25 provinces, ~10,000 devices) as the plan.

No packet goes to a national address: the planning, git and compare side runs on recorded configurations (each
sampled device's intended config with its secrets filled, 10 % of them with a hand edit), through the
watcher's own code (run_backup: compare + commit only changes; the scheduler; syslog parsing; a scrape).
The SSH side is measured against the lab's real FRR routers (root and the lab packages; skipped otherwise):
one NAPALM session per backup, as the watcher opens them, sequentially and 7 at once.

Run: `.venv/bin/python -m benchmarks bench_watch` (or `make bench`). NETKIT_BENCH_WATCH_DEVICES changes 1000.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from netkit.config.models import RenderedConfig
from netkit.inventory import Inventory, load_inventory
from netkit.inventory.generate import NationalShape, write_national_inventory
from netkit.inventory.models import Device
from netkit.provision.backups import BackupStore
from netkit.provision.masking import Masker
from netkit.watch.backup import BackupRequest, run_backup
from netkit.watch.events import classify
from netkit.watch.metrics import WatchCollector
from netkit.watch.service import Watcher, WatchSettings
from netkit.watch.state import WatchState
from netkit.watch.syslog import format_5424, parse

DEVICES = int(os.environ.get("NETKIT_BENCH_WATCH_DEVICES", "1000"))
CHANGED_SHARE = 0.10
PREFIX = os.environ.get("NETKIT_BENCH_WATCH_PREFIX", "nkw-")  # the lab of the SSH figures
_MARK = re.compile(r"@@secret:[a-z_]+@@")


class Cpu:
    """CPU seconds of this process (all threads) and of its children (git) over a block."""

    def __enter__(self) -> Cpu:
        self.wall, self.own = time.perf_counter(), time.process_time()
        self.kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc: object) -> None:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.wall = time.perf_counter() - self.wall
        self.own = time.process_time() - self.own
        self.git = (kids.ru_utime + kids.ru_stime) - (self.kids.ru_utime + self.kids.ru_stime)


def _recorded(rendered: RenderedConfig, edited: bool) -> str:
    text = _MARK.sub("Rec0rdedSecret", rendered.text)
    return text.replace("description ", "description hand edit ", 1) if edited else text


def _per_k(value: float, n: int) -> float:
    return value * 1000 / max(n, 1)


def plan_git_compare(inv: Inventory, work: Path) -> None:
    from netkit.config.render import Renderer

    sample = [d for i, d in enumerate(sorted(inv.devices.values(), key=lambda d: d.name)) if d.credentials
              and i % max(len(inv.devices) // DEVICES, 1) == 0][:DEVICES]
    n = len(sample)
    with Cpu() as c:
        renderer = Renderer(inv)
        intended = {d.name: renderer.render(d) for d in sample}
    print(f"   intended configs of {n} devices rendered (the watcher's start): {c.wall:.1f} s wall, {c.own:.1f} s CPU",
          flush=True)
    store = BackupStore(work / "backups")
    configs = {d.name: _recorded(intended[d.name], False) for d in sample}
    masker = Masker(["Rec0rdedSecret"])

    def round_(label: str, requests: list[BackupRequest]) -> None:
        with Cpu() as c:
            outcomes = [run_backup(r, lambda dev: configs[dev.name], store, intended[r.device.name], masker)
                        for r in requests]
        commits = sum(1 for o in outcomes if o.commit)
        drifted = sum(1 for o in outcomes if o.drift_lines)
        print(f"   {label}: {len(requests)} backups, {commits} commits, {drifted} drifted: {c.wall:.1f} s wall; per "
              f"1,000 devices {_per_k(c.wall, len(requests)):.1f} s wall, {_per_k(c.own, len(requests)):.1f} s CPU "
              f"(compare+netkit), {_per_k(c.git, len(requests)):.1f} s CPU in git", flush=True)

    round_("first backups (every device new)", [BackupRequest(d, "start") for d in sample])
    round_("scheduled, nothing changed", [BackupRequest(d, "schedule") for d in sample])
    changed = sample[:: int(1 / CHANGED_SHARE)]
    for d in changed:
        configs[d.name] = _recorded(intended[d.name], True)
    round_(f"scheduled, {len(changed)} hand edits", [BackupRequest(d, "schedule") for d in sample])
    size = sum(p.stat().st_size for p in (work / "backups" / ".git").rglob("*") if p.is_file())
    print(f"   backup repository after 3 rounds: {size / 1e6:.1f} MB (.git, loose objects)", flush=True)
    watcher = Watcher(inv=inv, store=store, state=WatchState(), state_path=work / "state.json",
                      settings=WatchSettings(intervals={d: 86400.0 for d in inv.devices}), fetch=lambda d: "",
                      intended={}, masker=masker)
    for d in sample:
        watcher.state.device(d.name).compliance = {f: True for f in ("aaa", "interfaces", "routing", "snmp")}
        watcher.state.device(d.name).success, watcher.state.device(d.name).compared = True, True
    with Cpu() as c:
        due = watcher.due(time.time(), 10)
    print(f"   scheduler tick over all {len(inv.devices)} devices, all overdue (the start): {c.wall * 1000:.0f} ms "
          f"({len(due)} picked for 10 free workers)", flush=True)
    for ds in watcher.state.devices.values():
        ds.next_due = time.time() + 3600
    with Cpu() as c:
        due = watcher.due(time.time(), 10)
    print(f"   scheduler scan over all {len(inv.devices)} devices, none due: {c.wall * 1000:.0f} ms (a scan runs only "
          "when the earliest device is due, a change is reported or a backup ends)", flush=True)
    with Cpu() as c:
        body = list(WatchCollector(inv, lambda: watcher.state).collect())
    series = sum(len(m.samples) for m in body)
    print(f"   metrics of {n} devices built for a scrape: {c.wall * 1000:.0f} ms, {series} series", flush=True)


def syslog_rate(inv: Inventory) -> None:
    line = "2026/12/02 15:25:42 ZEBRA: [M7Q4P-46WDR] vty[55]@(config-if)# description hand edit"
    data = [format_5424(f"r{i}", "frr", line, "2026-12-02T15:25:42.000Z") for i in range(50_000)]
    with Cpu() as c:
        events = sum(1 for d in data if classify(parse(d, "198.19.0.22")) is not None)
    print(f"   syslog: {len(data) / c.own:,.0f} messages/s parsed and classified per core ({events} changes)",
          flush=True)


def ssh_sessions() -> None:
    from netkit.lab.system import missing_tools

    if os.geteuid() != 0 or missing_tools():
        print("   SSH: skipped (needs root and the lab packages)", flush=True)
        return
    from netkit.inventory import DEFAULT_INVENTORY
    from netkit.lab.lifecycle import lab_down, lab_up
    from netkit.watch.backup import napalm_fetch

    from benchmarks.labenv import isolated_lab

    state = Path(tempfile.mkdtemp(prefix="netkit-bench-watch-lab-"))
    try:
        with isolated_lab(PREFIX, state):
            lab = load_inventory(DEFAULT_INVENTORY)
            try:
                lab_up(lab, provisioned=False)
                routers: list[Device] = [d for d in lab.devices.values() if d.lab_capable and d.is_router]
                fetch = napalm_fetch(lab)
                fetch(routers[0])  # imports and first connection out of the figures
                rounds = 3
                with Cpu() as c:
                    for _ in range(rounds):
                        for dev in routers:
                            fetch(dev)
                n = rounds * len(routers)
                print(f"   SSH (NAPALM frr, lab routers), one at a time: {n} sessions, {c.wall / n:.2f} s wall and "
                      f"{c.own / n * 1000:.0f} ms CPU each; per 1,000 devices {_per_k(c.own, n):.0f} s CPU, "
                      f"{_per_k(c.wall, n) / 60:.1f} min wall", flush=True)
                with Cpu() as c, ThreadPoolExecutor(len(routers)) as pool:
                    for _ in range(rounds):
                        list(pool.map(fetch, routers))
                print(f"   SSH, {len(routers)} at once: {n} sessions in {c.wall:.1f} s; per 1,000 devices "
                      f"{_per_k(c.wall, n) / 60:.1f} min wall at {len(routers)} sessions at once, "
                      f"{_per_k(c.own, n):.0f} s CPU", flush=True)
            finally:
                lab_down(lab)
    finally:
        shutil.rmtree(state, ignore_errors=True)


def main() -> None:
    print(f"   load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores", flush=True)
    work = Path(tempfile.mkdtemp(prefix="netkit-bench-watch-"))
    try:
        count = write_national_inventory(work / "national", NationalShape())
        t0 = time.perf_counter()
        inv = load_inventory(work / "national")
        print(f"   national inventory: {count} devices loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        from netkit.watch.schedule import inventory_intervals

        t0 = time.perf_counter()
        inventory_intervals(inv)
        print(f"   backup intervals of every device (through Ansible): {time.perf_counter() - t0:.1f} s", flush=True)
        plan_git_compare(inv, work)
        syslog_rate(inv)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ssh_sessions()


if __name__ == "__main__":
    main()
