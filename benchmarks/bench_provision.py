"""Provisioning 20 lab routers from factory state to confirmed, then the no-change re-run.

A generated 20-router lab inventory (a data center with two cores and 18 one-router customer sites)
is built in factory state, then every site is provisioned as one batch (one Ansible pass for backups
and commits, one for post-checks and confirms; each site its own transaction). Targets (issue 5):
under 60 s to confirmed, under 20 s for the re-run that changes nothing, on this 2-core machine.
Per-phase times are printed. Needs root and the lab's Debian packages; it takes the lab tests'
machine-wide lock and uses its own namespace prefix and state directory.

    .venv/bin/python -m benchmarks bench_provision      # or: python -m benchmarks.bench_provision --routers 20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.labenv import isolated_lab

PROVISION_TARGET_S = 60.0
RERUN_TARGET_S = 20.0
PREFIX = "nkp-"


def _phases(report_phases: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.1f}s" for k, v in report_phases.items())


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
    from netkit.inventory import load_inventory
    from netkit.lab.generate import write_lab_inventory
    from netkit.lab.lifecycle import lab_down, lab_up
    from netkit.lab.system import missing_tools
    from netkit.provision.defaults import ansible_factory, production_env
    from netkit.provision.rollout import provision_many
    from netkit.provision.transaction import ProvisionOptions

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
            try:
                t0 = time.monotonic()
                lab_up(inv, provisioned=False)
                print(f"   lab of {routers} routers up (factory state) in {time.monotonic() - t0:.1f} s", flush=True)
                opts = ProvisionOptions(confirm_timeout=300, check_wait=60)
                for label in ("provision", "rerun"):
                    t0, wall0 = time.monotonic(), time.time()
                    reports = provision_many(inv, codes, production_env(), ansible_factory(inv), opts)
                    seconds = time.monotonic() - t0
                    results: dict[str, int] = {}
                    for r in reports:
                        results[r.result] = results.get(r.result, 0) + 1
                    devices = sum(1 for r in reports for d in r.devices if d.status != "skipped")
                    figures[label] = seconds
                    target = PROVISION_TARGET_S if label == "provision" else RERUN_TARGET_S
                    print(f"   {label}: {devices} routers in {len(reports)} sites, {seconds:.1f} s "
                          f"(target < {target:.0f} s, ratio {seconds / target:.2f}) results {results}", flush=True)
                    print(f"     phases: {_phases(reports[0].phase_seconds)}", flush=True)
                    print(f"     tasks: {_task_times(work / 'state' / 'runs', wall0)}", flush=True)
                    bad = [f"{r.site}: {r.message}" for r in reports if r.result not in ("confirmed", "unchanged")]
                    for line in bad[:5]:
                        print(f"     FAILED {line}", flush=True)
            finally:
                t0 = time.monotonic()
                lab_down(inv)
                print(f"   lab down in {time.monotonic() - t0:.1f} s", flush=True)
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
