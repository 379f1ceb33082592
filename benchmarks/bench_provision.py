"""Provisioning 20 lab routers from factory state to confirmed, side by side with the plain push a team
without netkit would write (benchmarks/plain_push.py), then the no-change re-run, a one-router site
change and its no-change re-run.

Order, on the same routers in one run: the plain push (factory -> intended), a reset to the factory
configs (not timed), netkit's batch (factory -> confirmed), netkit's re-run, then one site's change and
re-run. Targets (issue 16): 20 routers < 25 s, re-run of a site < 3 s, one-router site change < 8 s, CPU
per changed router < 1.5 s, netkit at most 2x the plain push's wall time. The machine's load (uptime) is
printed with the figures. Needs root and the lab's Debian packages.

    .venv/bin/python -m benchmarks bench_provision      # or: python -m benchmarks.bench_provision --routers 20
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.labenv import factory_lab, isolated_lab
from benchmarks.plain_push import push, write

BATCH_TARGET_S, SITE_TARGET_S, RERUN_TARGET_S, CPU_PER_ROUTER_S, PEER_RATIO = 25.0, 8.0, 3.0, 1.5, 2.0
PREFIX = "nkp-"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    c0, t0 = cpu(), time.monotonic()
    out = fn()
    return out, time.monotonic() - t0, cpu() - c0


def _task_times(runs: Path, since: float) -> str:
    """Per Ansible task: how many hosts, mean and max duration (from ansible-runner's job events)."""
    durations: dict[str, list[float]] = {}
    for path in runs.glob("*/ansible/*/artifacts/*/job_events/*.json"):
        if path.stat().st_mtime < since:
            continue
        event = json.loads(path.read_text())
        data = event.get("event_data") or {}
        if event.get("event") in ("runner_on_ok", "runner_on_failed") and data.get("duration") is not None:
            durations.setdefault(str(data.get("task")), []).append(float(data["duration"]))
    rows = [(task, ds) for task, ds in durations.items() if max(ds) >= 0.5]
    return "  ".join(f"{task[:24]} n={len(ds)} mean {sum(ds) / len(ds):.1f}s max {max(ds):.1f}s" for task, ds in rows)


def run(routers: int = 20) -> dict[str, float]:
    from netkit.config.secrets import fill_secrets
    from netkit.inventory import load_inventory
    from netkit.inventory.credentials import credentials_for
    from netkit.lab.generate import write_lab_inventory
    from netkit.lab.plan import plan_lab
    from netkit.lab.system import missing_tools
    from netkit.provision.defaults import ansible_factory, production_env
    from netkit.provision.plan import default_renderer
    from netkit.provision.rollout import provision_many
    from netkit.provision.transaction import ProvisionOptions, SiteTransaction

    if os.geteuid() != 0 or missing_tools():
        print(f"   skipped: needs root and {', '.join(missing_tools()) or 'the lab packages'}", flush=True)
        return {}
    work = Path(tempfile.mkdtemp(prefix="netkit-bench-provision-"))
    figures: dict[str, float] = {}
    try:
        hosts = write_lab_inventory(work / "inventory", routers, service_host=True)
        with isolated_lab(PREFIX, work / "state"):
            inv = load_inventory(hosts.parent)
            codes = sorted(inv.sites, key=lambda c: (inv.sites[c].kind != "datacenter", c))
            with factory_lab(inv, routers):
                plan = plan_lab(inv)
                frr = [d for d in inv.devices.values() if d.platform.value == "frr"]
                ns = {d.name: plan.devices[d.name].ns for d in frr}
                factory = {d.name: Path(f"/etc/frr/{ns[d.name]}/frr.conf").read_text() for d in frr}
                intended = {d.name: fill_secrets(default_renderer(inv, d), credentials_for(inv, d), d.name) for d in frr}
                print(f"   load before: {uptime()}", flush=True)
                _, peer_wall, peer_cpu = timed(lambda: push(write(work / "peer", intended, ns)))
                figures["peer_wall"], figures["peer_cpu"] = peer_wall, peer_cpu
                print(f"   plain push (ansible-playbook template+copy+frr-reload, no safety): {len(frr)} routers "
                      f"{peer_wall:.1f} s wall, {peer_cpu:.1f} s CPU", flush=True)
                push(write(work / "reset", factory, ns))  # back to factory, not timed
                opts = ProvisionOptions(confirm_timeout=300, check_wait=60)
                for label in ("provision", "rerun"):
                    wall0 = time.time()
                    reports, seconds, used = timed(lambda: provision_many(inv, codes, production_env(),
                                                                          ansible_factory(inv), opts))
                    results: dict[str, int] = {}
                    for r in reports:
                        results[r.result] = results.get(r.result, 0) + 1
                    devices = sum(1 for r in reports for d in r.devices if d.status != "skipped")
                    figures[label], figures[f"{label}_cpu"] = seconds, used
                    line = (f"   netkit {label}: {devices} routers in {len(reports)} sites, {seconds:.1f} s wall, "
                            f"{used:.1f} s CPU ({used / max(devices, 1):.2f} s per router, target < {CPU_PER_ROUTER_S})")
                    if label == "provision":
                        line += (f"; target < {BATCH_TARGET_S:.0f} s; ratio to the plain push {seconds / peer_wall:.2f} "
                                 f"(target <= {PEER_RATIO:.0f})")
                    print(line + f" results {results}", flush=True)
                    print(f"     phases: {'  '.join(f'{k} {v:.1f}s' for k, v in reports[0].phase_seconds.items())}",
                          flush=True)
                    print(f"     tasks: {_task_times(work / 'state' / 'runs', wall0)}", flush=True)
                    for r in [r for r in reports if r.result not in ("confirmed", "unchanged")][:5]:
                        print(f"     FAILED {r.site}: {r.message}", flush=True)
                site = codes[1]

                def changed(inv_: Any, dev: Any) -> str:
                    text = default_renderer(inv_, dev)
                    return text.replace("\nend\n", "\ninterface nk-bench0\n description bench\nend\n") if dev.site == site else text

                for label, render in (("one-router site change", changed), ("one-router site re-run", changed)):
                    tx = SiteTransaction(inv, site, production_env(), ansible_factory(inv), render=render)
                    report, seconds, used = timed(lambda tx=tx: tx.provision(opts))
                    target = SITE_TARGET_S if "change" in label else RERUN_TARGET_S
                    figures[label] = seconds
                    print(f"   netkit {label} ({site}): {report.result}, {seconds:.1f} s wall (target < {target:.0f} s), "
                          f"{used:.1f} s CPU", flush=True)
                print(f"   load after: {uptime()}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--routers", type=int, default=20)
    args, _ = parser.parse_known_args()
    run(args.routers)


if __name__ == "__main__":
    main()
