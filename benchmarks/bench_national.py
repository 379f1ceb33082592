"""The national network on this machine: every device of the generated national inventory answered by a
real SNMP agent over UDP, polled by netkit's exporter shards, scraped by Debian's Prometheus through the
generated file_sd, with snmp_exporter side by side on a sample of the same agents.

Everything runs in a private network namespace of its own (`unshare --net --mount`): the lab range
198.18.0.0/16 is made local there (a `local` route on lo), one net-snmp snmpd listens on the wildcard
address and answers for every one of the 10,069 device addresses (replying from the address asked), and 2
veth pairs give each device 5 IF-MIB rows. Nothing can leave: the namespace has no interface but lo and
the veths. Device i of the inventory (sorted by name) is polled at 198.18.0.0 + 256 + i instead of its
inventory address (which netkit must never contact). Probes are left out (they would target inventory
addresses); SNMP v2c for both netkit and snmp_exporter.

    python -m benchmarks bench_national           (NETKIT_BENCH_SHARDS=8, NETKIT_BENCH_CYCLES=3 to change)
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.labenv import machine_lock

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = "nkbench"
PAIRS = 2  # veth pairs in the agents' namespace: 5 interfaces (lo + 4) per device
INTERVAL = 60.0
SHARDS = int(os.environ.get("NETKIT_BENCH_SHARDS", "8"))
CYCLES = int(os.environ.get("NETKIT_BENCH_CYCLES", "3"))
SAMPLE = 200  # devices polled by both netkit and snmp_exporter for the ratio
BASE_PORT = 19530
EXPORTER_PORT = 19529
PROM_PORT = 19590
FIRST = int(ipaddress.IPv4Address("198.18.1.0"))


def lab_address(i: int) -> str:
    return str(ipaddress.IPv4Address(FIRST + i))


def _cpu(pid: int) -> float:
    from netkit.procs import process_cpu_seconds

    return process_cpu_seconds(pid) or 0.0


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# ----------------------------------------------------------------------------- the plan of one shard
def _plans(inventory: Path, shards: int) -> tuple[int, list[Any]]:
    from netkit.inventory import load_inventory
    from netkit.monitor.exporter.plan import MonitorPlan, build_plan
    from netkit.monitor.exporter.shard import Shard

    inv = load_inventory(inventory)
    full = build_plan(inv, Shard(1, 1))
    index = {d.name: i for i, d in enumerate(sorted(full.devices, key=lambda d: d.name))}
    plans = []
    for s in range(1, shards + 1):
        plan = build_plan(inv, Shard(s, shards))
        devices = tuple(replace(d, address=lab_address(index[d.name]), port=161, v2c=True) for d in plan.devices)
        plans.append(MonitorPlan(plan.shard, devices, (), plan.circuits, plan.sites))
    return len(full.devices), plans


def _monitor(plan: Any, concurrency: int) -> Any:
    from netkit.inventory.credentials import Credentials
    from netkit.monitor.exporter.service import Monitor, ServiceSettings
    from pydantic import SecretStr

    creds = Credentials(username="x", password=SecretStr("x"), snmp_user="x", snmp_community=SecretStr(COMMUNITY))
    return Monitor(plan, lambda spec: creds, ServiceSettings(snmp_interval=INTERVAL, snmp_timeout=5.0, snmp_retries=1,
                                                               max_concurrent_polls=concurrency))


def shard_main(work: Path, index: int) -> None:
    """One exporter shard: /metrics on 127.0.0.1:BASE_PORT+index, a full poll cycle every INTERVAL seconds;
    each cycle's wall and CPU time appended to work/shard-<index>.jsonl."""
    from netkit.monitor.exporter.collectors import collectors_for
    from netkit.monitor.exporter.http import MetricsServer

    plan = pickle.loads((work / f"plan-{index}.pickle").read_bytes())  # written once by inner()
    mon = _monitor(plan, 64)
    server = MetricsServer(mon.cache, collectors_for(mon.cache), ("127.0.0.1", BASE_PORT + index))
    server.start()
    out = work / f"shard-{index}.jsonl"

    async def run() -> None:
        while True:
            started, cpu = time.perf_counter(), time.process_time()
            await mon.poll_all_once()
            wall = time.perf_counter() - started
            states = list(mon.cache.devices.values())
            with out.open("a") as f:
                f.write(json.dumps({"wall": wall, "cpu": time.process_time() - cpu, "devices": len(states),
                                    "up": sum(1 for s in states if s.up),
                                    "interfaces": sum(len(s.interfaces) for s in states)}) + "\n")
            await asyncio.sleep(max(0.0, INTERVAL - wall))
    asyncio.run(run())


# ----------------------------------------------------------------------------- inside the namespace
def _setup_network(work: Path) -> subprocess.Popen[bytes]:
    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True)
    ip("link", "set", "lo", "up")
    ip("route", "add", "local", "198.18.0.0/16", "dev", "lo")  # every lab address is this namespace's own
    ip("route", "add", "198.18.0.0/16", "dev", "lo")  # and routed (netkit's safety check reads the main table)
    for j in range(PAIRS):
        ip("link", "add", f"a{j}", "type", "veth", "peer", "name", f"b{j}")
        ip("link", "set", f"a{j}", "up")
        ip("link", "set", f"b{j}", "up")
    (work / "persist").mkdir()
    # Any source (nothing else can reach this namespace); large socket buffers: with the default 208 kB,
    # hundreds of requests in flight at once overflow the one agent's socket and cost timeouts.
    (work / "snmpd.conf").write_text(f"rocommunity {COMMUNITY}\n[snmp] serverRecvBuf 4194304\n"
                                     "[snmp] serverSendBuf 4194304\n")
    proc = subprocess.Popen(["/usr/sbin/snmpd", "-f", "-C", "-c", str(work / "snmpd.conf"), "-Lf", "/dev/null",
                             "udp:161"], env={**os.environ, "MIBS": "", "SNMP_PERSISTENT_DIR": str(work / "persist")})
    time.sleep(1)
    return proc


def _prometheus(work: Path, inventory: Path) -> subprocess.Popen[bytes]:
    from netkit.inventory import load_inventory
    from netkit.monitor.as_code.filesd import plan_targets, write_targets

    targets = plan_targets(load_inventory(inventory), SHARDS, [f"127.0.0.1:{BASE_PORT + i}" for i in range(1, SHARDS + 1)])
    write_targets(targets, work / "prom" / "targets")
    (work / "prom" / "prometheus.yml").write_text(
        "global: {scrape_interval: 15s, scrape_timeout: 10s}\n"
        "scrape_configs:\n- job_name: netkit\n  file_sd_configs: [{files: ['targets/*.json'], refresh_interval: 5s}]\n")
    return subprocess.Popen(["prometheus", f"--config.file={work / 'prom' / 'prometheus.yml'}",
                             f"--storage.tsdb.path={work / 'prom' / 'data'}",
                             f"--web.listen-address=127.0.0.1:{PROM_PORT}"], cwd=work / "prom",
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _query(q: str) -> list[dict[str, Any]]:
    import httpx

    r = httpx.get(f"http://127.0.0.1:{PROM_PORT}/api/v1/query", params={"query": q}, timeout=10, trust_env=False)
    result: list[dict[str, Any]] = r.json()["data"]["result"]
    return result


def _scrape_times(rounds: int) -> list[float]:
    import httpx

    times = []
    for _ in range(rounds):
        for i in range(1, SHARDS + 1):
            started = time.perf_counter()
            try:
                httpx.get(f"http://127.0.0.1:{BASE_PORT + i}/metrics", timeout=10, trust_env=False)
            except httpx.ConnectError:
                continue  # the shard is still loading the inventory
            except httpx.TimeoutException:
                pass  # counted as what it took: at least the timeout
            times.append(time.perf_counter() - started)
        time.sleep(2)
    return times


async def _one_process(plan: Any) -> dict[str, float]:
    mon = _monitor(plan, 256)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        await mon.poll_all_once()
        wall, used = time.perf_counter() - started, time.process_time() - cpu
        up = sum(1 for s in mon.cache.devices.values() if s.up)
        started, cpu = time.perf_counter(), time.process_time()
        await mon.poll_all_once()  # steady state: static columns cached
        return {"cold_wall": wall, "cold_cpu": used, "wall": time.perf_counter() - started,
                "cpu": time.process_time() - cpu, "up": up, "devices": len(plan.devices)}
    finally:
        mon.close()


def _ratio_sample(plan: Any, work: Path) -> dict[str, float]:
    """SAMPLE devices: one netkit cycle vs one snmp_exporter scrape per device (20 at a time)."""
    import httpx
    from netkit.monitor.exporter.plan import MonitorPlan

    from benchmarks.bench_monitor import _exporter_module

    sample = MonitorPlan(plan.shard, plan.devices[:SAMPLE], (), (), ())
    (work / "snmp.yml").write_text(_exporter_module())
    exporter = subprocess.Popen(["prometheus-snmp-exporter", f"--config.file={work / 'snmp.yml'}",
                                 f"--web.listen-address=127.0.0.1:{EXPORTER_PORT}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)

        async def exporter_cycle() -> tuple[float, float, int]:
            sem = asyncio.Semaphore(20)
            async with httpx.AsyncClient(timeout=60, trust_env=False) as client:
                async def one(address: str) -> bool:
                    async with sem:
                        r = await client.get(f"http://127.0.0.1:{EXPORTER_PORT}/snmp", params={
                            "module": "netkit_bench_if_mib", "target": address})
                        return r.status_code == 200 and "ifHCInOctets{" in r.text
                cpu, started = _cpu(exporter.pid), time.perf_counter()
                ok = await asyncio.gather(*(one(d.address) for d in sample.devices))
                return time.perf_counter() - started, _cpu(exporter.pid) - cpu, sum(ok)
        asyncio.run(exporter_cycle())  # warm-up
        exp = [asyncio.run(exporter_cycle()) for _ in range(3)]
        nk = [asyncio.run(_one_process(sample)) for _ in range(2)]
    finally:
        exporter.terminate()
        exporter.wait(10)
    return {"exporter_wall": statistics.median(e[0] for e in exp), "exporter_cpu": statistics.median(e[1] for e in exp),
            "exporter_ok": min(e[2] for e in exp), "netkit_wall": statistics.median(n["wall"] for n in nk),
            "netkit_cpu": statistics.median(n["cpu"] for n in nk), "netkit_up": min(n["up"] for n in nk)}


def inner(work: Path) -> None:
    subprocess.run([sys.executable, "-m", "netkit", "inventory", "generate", str(work / "inventory")], check=True,
                   capture_output=True)
    devices, plans = _plans(work / "inventory", SHARDS)
    for i, plan in enumerate(plans, 1):
        (work / f"plan-{i}.pickle").write_bytes(pickle.dumps(plan))
    snmpd = _setup_network(work)
    procs: list[subprocess.Popen[bytes]] = []
    result: dict[str, Any] = {"devices": devices, "shards": SHARDS, "cycles": CYCLES}
    try:
        prom = _prometheus(work, work / "inventory")
        procs.append(prom)
        shards = [subprocess.Popen([sys.executable, "-m", "benchmarks.bench_national", "--shard", str(work), str(i)],
                                   cwd=ROOT, stdout=subprocess.DEVNULL) for i in range(1, SHARDS + 1)]
        procs += shards
        snmpd_cpu0, cpu0 = _cpu(snmpd.pid), [_cpu(p.pid) for p in shards]
        started = time.monotonic()
        deadline = started + INTERVAL * (CYCLES + 1) + 600  # a loaded machine: the first cycle may be slow
        scrape_times: list[float] = []
        while time.monotonic() < deadline:
            done = [len((work / f"shard-{i}.jsonl").read_text().splitlines()) if (work / f"shard-{i}.jsonl").exists()
                    else 0 for i in range(1, SHARDS + 1)]
            if min(done) >= CYCLES + 1:
                break
            scrape_times += _scrape_times(1)
            time.sleep(3)
        elapsed = time.monotonic() - started
        cycles = [[json.loads(x) for x in (work / f"shard-{i}.jsonl").read_text().splitlines()]
                  if (work / f"shard-{i}.jsonl").exists() else [] for i in range(1, SHARDS + 1)]
        result["shard_cycles"] = cycles
        result["shard_cpu_total"] = [_cpu(p.pid) - c for p, c in zip(shards, cpu0, strict=True)]
        result["shard_rss_mib"] = [_rss_mib(p.pid) for p in shards]
        result["snmpd_cpu_per_s"] = (_cpu(snmpd.pid) - snmpd_cpu0) / elapsed
        result["elapsed"] = elapsed
        result["scrape_times"] = scrape_times
        time.sleep(16)  # one more Prometheus scrape of every shard
        result["prom_scrape_durations"] = {r["metric"]["netkit_shard"]: float(r["value"][1]) for r in
                                           _query("max_over_time(scrape_duration_seconds{job='netkit'}[10m])")}
        result["prom_series"] = sum(float(r["value"][1]) for r in _query("scrape_samples_scraped{job='netkit'}"))
        result["prom_up"] = sum(float(r["value"][1]) for r in _query("sum(netkit_device_up)"))
        for p in shards:
            p.terminate()
        for p in shards:
            p.wait(10)
        result["ratio"] = _ratio_sample(plans[0], work)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        snmpd.terminate()
        snmpd.wait(10)
    print(json.dumps(result))


# ----------------------------------------------------------------------------- report
def report(res: dict[str, Any]) -> None:
    n, shards = res["devices"], res["shards"]
    steady = [c[1:] for c in res["shard_cycles"]]  # the first cycle also reads the static columns
    walls = [max(x["wall"] for x in c) for c in steady]
    cpu_cycle = sum(statistics.median(x["cpu"] for x in c) for c in steady)
    up = sum(c[-1]["up"] for c in steady)
    interfaces = sum(c[-1]["interfaces"] for c in steady)
    print(f"   {n} devices ({interfaces} interfaces) in {shards} shards, one snmpd answering every address; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    print(f"   devices up after each shard's last cycle: {up}/{n}; Prometheus sum(netkit_device_up) {res['prom_up']:.0f}",
          flush=True)
    print(f"   netkit CPU per 1,000 devices per cycle: {cpu_cycle / n * 1000:.2f} s "
          f"(all shards {cpu_cycle:.1f} s per {INTERVAL:.0f} s cycle = {cpu_cycle / INTERVAL:.2f} cores); "
          f"memory {sum(res['shard_rss_mib']) / n * 1000:.0f} MiB RSS per 1,000 devices "
          f"(shards {', '.join(f'{m:.0f}' for m in res['shard_rss_mib'])} MiB); snmpd {res['snmpd_cpu_per_s']:.2f} cores",
          flush=True)
    print(f"   cycle wall per shard (steady, worst): {', '.join(f'{w:.1f} s' for w in walls)} "
          f"(goal: all {n} inside {INTERVAL:.0f} s: {'met' if max(walls) < INTERVAL and up == n else 'MISSED'})",
          flush=True)
    st = res["scrape_times"]
    print(f"   /metrics while polling: median {statistics.median(st) * 1000:.0f} ms, worst {max(st) * 1000:.0f} ms "
          f"over {len(st)} scrapes (goal < 250 ms: {'met' if max(st) < 0.25 else 'MISSED'}); Prometheus "
          f"scrape_duration_seconds worst per shard: "
          f"{', '.join(f'{k} {v * 1000:.0f} ms' for k, v in sorted(res['prom_scrape_durations'].items()))}", flush=True)
    print(f"   series in all (Prometheus scrape_samples_scraped): {res['prom_series']:.0f}", flush=True)
    per_device = max(statistics.median(x["wall"] for x in c) / c[0]["devices"] for c in steady)
    cold = [c[0] for c in res["shard_cycles"]]
    cold_walls = ", ".join(f"{c['wall']:.0f} s" for c in cold)
    print(f"   first (cold) cycle per shard: {cold_walls} wall, "
          f"{sum(c['cpu'] for c in cold):.0f} s cpu in all (also reads the static columns and sets up each target)",
          flush=True)
    print(f"   most devices one process keeps inside 30 s: {int(30 / per_device)}, inside 60 s: {int(60 / per_device)} "
          f"(the slowest shard's steady wall per device, scaled linearly, with {shards} shards sharing the cores)",
          flush=True)
    r = res["ratio"]
    nk, ex = r["netkit_cpu"] / SAMPLE, r["exporter_cpu"] / SAMPLE
    print(f"   sample of {SAMPLE} devices: snmp_exporter 0.21 one scrape per device (20 at a time) {r['exporter_wall']:.2f} s, "
          f"{r['exporter_cpu']:.2f} s cpu ({r['exporter_ok']} ok); netkit one cycle {r['netkit_wall']:.2f} s, "
          f"{r['netkit_cpu']:.2f} s cpu ({r['netkit_up']} up); CPU per device netkit/snmp_exporter {nk / ex:.2f}x "
          f"(goal <= 0.5x: {'met' if nk / ex <= 0.5 else 'MISSED'})", flush=True)


def main() -> None:
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "unshare", "prometheus", "prometheus-snmp-exporter")) \
            or not Path("/usr/sbin/snmpd").exists():
        print("   national: skipped (needs root, iproute2, snmpd, prometheus and prometheus-snmp-exporter)", flush=True)
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with machine_lock():
        work = Path(tempfile.mkdtemp(prefix="netkit-bench-national-", dir="/var/tmp"))
        try:
            proc = subprocess.run(["unshare", "--net", "--mount", "--propagation", "private", sys.executable, "-m",
                                   "benchmarks.bench_national", "--inner", str(work)], capture_output=True, text=True,
                                  timeout=1800, cwd=ROOT)
            if proc.returncode:
                raise RuntimeError(f"inner benchmark failed: {proc.stderr.strip()[-3000:]}")
            report(json.loads(proc.stdout.strip().splitlines()[-1]))
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--inner":
        inner(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--shard":
        shard_main(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
