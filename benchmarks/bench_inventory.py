"""Loading and checking the national-scale inventory (34 ministries x 25 provinces, ~10,000 devices).

Anchor (issue 2): `netkit inventory check` on the generated inventory in under 10 s. Each figure is a
fresh process (`netkit inventory check -i DIR`, the way a user or CI runs it: interpreter start,
imports, Ansible's InventoryManager, validation, checks), best of a few runs; CPU time and peak RSS
come from the child's rusage. Beside it, Ansible's own InventoryManager with its default settings
parsing the same inventory (no vars, no validation), for scale. The load average is printed because
other work on a 2-core machine stretches wall times.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from netkit.inventory.generate import NationalShape, write_national_inventory

TARGET_S = 10.0
RUNS = 3
BIN = Path(sys.executable).parent

ANSIBLE_DEFAULTS = """
import sys
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader()
manager = InventoryManager(loader=DataLoader(), sources=[sys.argv[1]])
print(len(manager.hosts))
"""


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    output: str


def _child(command: list[str]) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far (KiB on Linux): run the largest first
    return Run(wall, cpu, after.ru_maxrss / 1024, done.stdout.strip())


def _best(command: list[str]) -> Run:
    results = [_child(command) for _ in range(RUNS)]
    return min(results, key=lambda r: r.wall_s)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="netkit-bench-inventory-") as tmp:
        out = Path(tmp) / "national"
        start = time.perf_counter()
        devices = write_national_inventory(out, NationalShape())
        generate_s = time.perf_counter() - start
        size_mib = (out / "hosts.yml").stat().st_size / 2**20
        print(f"   generated {devices} devices ({size_mib:.1f} MiB hosts.yml) in {generate_s:.1f} s")
        print(f"   load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")

        exported = Path(tmp) / "national-json"
        write_national_inventory(exported, NationalShape(), "json")

        netkit = _best([str(BIN / "netkit"), "inventory", "check", "-i", str(out), "--json"])
        startup = _best([str(BIN / "netkit"), "--version"])
        netkit_json = _best([str(BIN / "netkit"), "inventory", "check", "-i", str(exported), "--json"])
        ansible = _best([sys.executable, "-c", ANSIBLE_DEFAULTS, str(out)])
        for run in (netkit, netkit_json):
            assert json.loads(run.output)["devices"] == devices, run.output
        assert ansible.output == str(devices), ansible.output

    print(f"   netkit inventory check, hosts.yml ({json.loads(netkit.output)['sites']} sites; load + validate + checks, "
          f"fresh process, best of {RUNS} like every figure here): "
          f"{netkit.wall_s:.2f} s wall, {netkit.cpu_s:.2f} s CPU, peak RSS {netkit.peak_rss_mib:.0f} MiB")
    print(f"   of which starting netkit (`netkit --version`: interpreter, imports of every command): "
          f"{startup.wall_s:.2f} s wall, {startup.cpu_s:.2f} s CPU")
    print(f"   netkit inventory check, the same as hosts.json (an export's format):              "
          f"{netkit_json.wall_s:.2f} s wall, {netkit_json.cpu_s:.2f} s CPU")
    print(f"   Ansible InventoryManager alone on hosts.yml, default settings (parse only):      "
          f"{ansible.wall_s:.2f} s wall, {ansible.cpu_s:.2f} s CPU")
    verdict = "meets" if netkit.wall_s < TARGET_S else "MISSES"
    print(f"   vs target {TARGET_S:.0f} s: {netkit.wall_s / TARGET_S:.2f}x the budget ({verdict} it); "
          f"netkit / Ansible-alone = {netkit.wall_s / ansible.wall_s:.2f}x")


if __name__ == "__main__":
    main()
