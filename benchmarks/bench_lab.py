"""A 30-router lab (generated inventory) up and converged, then torn down; memory per router.

Targets (issue 4): up and converged under 30 s, down under 10 s, on this 2-core machine. Printed as
figures and as ratios to those targets. Needs root and the lab's Debian packages; it takes the lab
tests' machine-wide lock so it never collides with a test session, and uses its own namespace prefix
and state directory.

    .venv/bin/python -m benchmarks bench_lab          # or: python -m benchmarks.bench_lab --routers 30
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.labenv import isolated_lab

UP_TARGET_S = 30.0
DOWN_TARGET_S = 10.0
PREFIX = "nkl-"


def _memory_kib(namespaces: list[str]) -> tuple[int, int]:
    """(PSS, RSS) in KiB summed over every process in the namespaces."""
    from netkit.lab.system import pids_in_netns

    pss = rss = 0
    for pids in pids_in_netns(namespaces).values():
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
    return pss, rss


def run(routers: int) -> None:
    from netkit.inventory import load_inventory
    from netkit.lab import converge, lifecycle
    from netkit.lab.generate import write_lab_inventory
    from netkit.lab.plan import plan_lab
    from netkit.lab.system import missing_tools

    if os.geteuid() != 0 or missing_tools():
        print(f"   skipped: needs root and the lab packages ({', '.join(missing_tools()) or 'not root'})")
        return
    work = Path(tempfile.mkdtemp(prefix="netkit-bench-lab-"))
    try:
        with isolated_lab(PREFIX, work / "state"):
            inventory = load_inventory(write_lab_inventory(work / "inventory", routers).parent)
            plan = plan_lab(inventory)
            lifecycle.lab_down(inventory)  # the remains of an interrupted run, if any
            try:
                t0 = time.monotonic()
                lifecycle.lab_up(inventory, provisioned=True)
                t_up = time.monotonic() - t0
                adjacencies = converge.wait_converged(inventory, plan, timeout=120, interval=0.2)
                t_conv = time.monotonic() - t0
                pss, rss = _memory_kib(plan.namespaces)
            finally:
                t1 = time.monotonic()
                lifecycle.lab_down(inventory)
                t_down = time.monotonic() - t1
        up_count = sum(a.up for a in adjacencies)
        print(f"   routers: {routers} ({len(plan.links)} links; {len(adjacencies)} OSPF/BGP adjacencies expected)")
        print(f"   lab up (namespaces, links, daemons):  {t_up:6.1f} s")
        print(f"   up and converged ({up_count}/{len(adjacencies)} up):  {t_conv:6.1f} s   "
              f"ratio to the {UP_TARGET_S:.0f} s target: {t_conv / UP_TARGET_S:.2f}")
        print(f"   lab down:                            {t_down:6.1f} s   "
              f"ratio to the {DOWN_TARGET_S:.0f} s target: {t_down / DOWN_TARGET_S:.2f}")
        print(f"   memory per router (PSS of all its processes): {pss / routers / 1024:5.1f} MiB "
              f"(RSS {rss / routers / 1024:.1f} MiB); whole lab PSS {pss / 1024:.0f} MiB")
        if up_count != len(adjacencies):
            raise RuntimeError(f"only {up_count} of {len(adjacencies)} adjacencies came up within 120 s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routers", type=int, default=30)
    args, _ = parser.parse_known_args()
    run(args.routers)


if __name__ == "__main__":
    main()
