"""A 100-router rollout: a generated lab (a data center with two cores and 98 one-router sites) from
factory state to confirmed through `netkit provision site --all --canary s001 --wave-size 20` (the
rollout API the CLI calls). Prints the wall time, CPU time (netkit and its Ansible processes) and each
wave's time, with the machine's load. Target (issue 16): under 120 s. Needs root and the lab packages.

    .venv/bin/python -m benchmarks bench_rollout      # or: python -m benchmarks.bench_rollout --routers 100
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from benchmarks.bench_provision import timed, uptime
from benchmarks.labenv import factory_lab, isolated_lab

TARGET_S = 120.0
PREFIX = "nkr-"


def run(routers: int = 100, wave_size: int = 20) -> dict[str, float]:
    from netkit.inventory import load_inventory
    from netkit.lab.generate import write_lab_inventory
    from netkit.lab.system import missing_tools
    from netkit.provision.defaults import ansible_factory, production_env
    from netkit.provision.rollout_record import RolloutPolicy
    from netkit.provision.steps import Steps
    from netkit.provision.waves import WaveEvent, new_record, rollout_for

    if os.geteuid() != 0 or missing_tools():
        print(f"   skipped: needs root and {', '.join(missing_tools()) or 'the lab packages'}", flush=True)
        return {}
    work = Path(tempfile.mkdtemp(prefix="netkit-bench-rollout-"))
    try:
        hosts = write_lab_inventory(work / "inventory", routers, service_host=True)
        with isolated_lab(PREFIX, work / "state"):
            inv = load_inventory(hosts.parent)
            with factory_lab(inv, routers):
                print(f"   load before: {uptime()}", flush=True)
                env = production_env(command="bench_rollout")
                steps = Steps(inv, env, ansible_factory(inv))

                def show(e: WaveEvent) -> None:
                    if e.phase == "end":
                        done = sum(s.state in ("confirmed", "unchanged") for s in e.record.sites.values())
                        print(f"   {e.wave.name}: {len(e.wave.sites)} sites in {e.wave.seconds:.1f} s; {done}/"
                              f"{len(e.record.sites)} confirmed; ETA {e.eta_seconds or 0:.0f} s", flush=True)

                record = new_record(inv, list(inv.sites), ["s001"], RolloutPolicy(wave_size=wave_size),
                                    env.who, "bench_rollout", env.clock())
                record, wall, used = timed(lambda: rollout_for(steps, show).run(record))
                states: dict[str, int] = {}
                for s in record.sites.values():
                    states[s.state] = states.get(s.state, 0) + 1
                print(f"   rollout {record.status}: {routers} routers in {len(record.sites)} sites, {wall:.1f} s wall "
                      f"(target < {TARGET_S:.0f} s, ratio {wall / TARGET_S:.2f}), {used:.1f} s CPU; {states}", flush=True)
                print(f"   load after: {uptime()}", flush=True)
                return {"wall": wall, "cpu": used}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--routers", type=int, default=100)
    parser.add_argument("--wave-size", type=int, default=20)
    args, _ = parser.parse_known_args()
    run(args.routers, args.wave_size)


if __name__ == "__main__":
    main()
