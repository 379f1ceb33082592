"""Exporter figures: /metrics with 100,000 series; SNMP polling of 50 agents x 200 interfaces against Debian's
prometheus-snmp-exporter on the same agents; ICMP to 1,000 lab addresses x 5 packets.

The SNMP and ICMP parts build their own namespaces (prefix `nkbm-`): a NOC namespace with a bridge, 50
agent namespaces each holding 100 veth pairs (200 real IF-MIB rows, this kernel has no dummy interfaces)
and an snmpd, and one namespace with 1,000 addresses. Both pollers and the prober run *inside* the NOC
namespace, so the host's routing is never touched and no packet can leave the machine. Everything is
deleted afterwards, also when a step fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from netkit.monitor.exporter.snmp_client import oid
from netkit.monitor.exporter.snmp_poller import DYNAMIC_OIDS, IF, IF_X, STATIC_OIDS
from netkit.procs import process_cpu_seconds, read_pid

from benchmarks.labenv import machine_lock

PREFIX = "nkbm-"
NOC = PREFIX + "noc"
AGENTS = 50
PAIRS = 100  # veth pairs per agent: 200 interfaces
AGENT_NET = "198.18.230"
ICMP_NS = PREFIX + "icmp"
ICMP_NET = "198.18.240.0/22"
ICMP_ADDRESSES = 1000
COMMUNITY = "nkbench"
ROUNDS = 7  # cycles of each poller, taking turns

EXPORTER_COLUMNS = {  # the same columns netkit asks for, as the snmp_exporter module walks them
    "ifHCInOctets": (IF_X + "6", "counter"), "ifHCOutOctets": (IF_X + "10", "counter"),
    "ifHCInUcastPkts": (IF_X + "7", "counter"), "ifHCOutUcastPkts": (IF_X + "11", "counter"),
    "ifInErrors": (IF + "14", "counter"), "ifOutErrors": (IF + "20", "counter"),
    "ifInDiscards": (IF + "13", "counter"), "ifOutDiscards": (IF + "19", "counter"),
    "ifOperStatus": (IF + "8", "gauge"), "ifAdminStatus": (IF + "7", "gauge"), "ifHighSpeed": (IF_X + "15", "gauge"),
}


# ----------------------------------------------------------------------------- /metrics
def bench_metrics() -> None:
    from netkit.inventory import DEFAULT_INVENTORY, load_inventory
    from netkit.monitor.exporter.cache import InterfaceRow, MonitorCache, label_text
    from netkit.monitor.exporter.collectors import collectors_for
    from netkit.monitor.exporter.families import render_metrics
    from netkit.monitor.exporter.plan import INTERFACE_LABELS, DeviceSpec, MonitorPlan, build_plan
    from prometheus_client import generate_latest

    lab = build_plan(load_inventory(DEFAULT_INVENTORY))
    devices = tuple(DeviceSpec(f"r{i:03d}", f"site{i}", "moj", "Phnom Penh", "site-router", "127.0.0.1", 161, False)
                    for i in range(100))
    cache = MonitorCache(MonitorPlan(lab.shard, devices, lab.probes, lab.circuits, lab.sites))
    for spec in devices:
        st = cache.devices[spec.name]
        rows = []
        for i in range(91):  # 91 interfaces x 11 interface series x 100 devices = 100,100 series
            labels = (*spec.labels, f"GigabitEthernet0/{i}", f"uplink {i} of {spec.name}")
            rows.append(InterfaceRow(i + 1, labels[-2], labels[-1], 1e9, (123456789012, 98765432, 1234567, 7654321,
                                     0, 1, 2, 3, 1, 1), labels, label_text(INTERFACE_LABELS, labels)))
        st.interfaces, st.up = tuple(rows), True
    from prometheus_client import CollectorRegistry

    collectors, registry = collectors_for(cache), CollectorRegistry(auto_describe=False)
    for c in collectors:
        registry.register(c)
    times, cpus, plains = [], [], []
    for _ in range(5):  # netkit's renderer and prometheus_client's take turns
        started, cpu = time.perf_counter(), time.process_time()
        body = render_metrics(collectors)
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        started = time.perf_counter()
        generate_latest(registry)
        plains.append(time.perf_counter() - started)
    series = sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))
    best, plain = min(times), min(plains)
    print(f"   /metrics: {series} series, {len(body) / 1e6:.1f} MB in {best * 1000:.0f} ms "
          f"(median {statistics.median(times) * 1000:.0f} ms, cpu {min(cpus) * 1000:.0f} ms; "
          f"target < 250 ms: {'met' if best < 0.25 else 'MISSED'}); "
          f"prometheus_client.generate_latest on the same collectors {plain * 1000:.0f} ms "
          f"(best of 5 each, taking turns: netkit {plain / best:.1f}x faster)", flush=True)


# ----------------------------------------------------------------------------- namespaces
def drop_namespaces() -> None:
    """Kill every process in the benchmark's namespaces (the snmpd agents, the inner run), delete them."""
    from netkit.lab.network import delete_namespaces
    from netkit.lab.system import NETNS_DIR, empty_namespaces

    namespaces = sorted(p.name for p in NETNS_DIR.glob(PREFIX + "*"))
    empty_namespaces(namespaces)
    delete_namespaces(namespaces)


def build(work: Path) -> None:
    from netkit.lab.system import ip_batch, run

    run(["ip", "netns", "add", NOC])
    ip_batch(["link set lo up", "link add br0 type bridge", f"addr add {AGENT_NET}.1/24 dev br0", "link set br0 up"],
             ns=NOC)
    pairs = [line for j in range(PAIRS) for line in (f"link add a{j} type veth peer name b{j}", f"link set a{j} up",
                                                     f"link set b{j} up")]
    for i in range(AGENTS):
        ns, addr = f"{PREFIX}a{i}", f"{AGENT_NET}.{10 + i}"
        run(["ip", "netns", "add", ns])
        run(["ip", "link", "add", "ul", "netns", ns, "type", "veth", "peer", "name", f"p{i}", "netns", NOC])
        ip_batch([f"link set p{i} master br0", f"link set p{i} up"], ns=NOC)
        ip_batch(["link set lo up", f"addr add {addr}/24 dev ul", "link set ul up", *pairs], ns=ns)
        d = work / f"a{i}"
        (d / "persist").mkdir(parents=True)
        (d / "agent.conf").write_text(
            f"rocommunity {COMMUNITY} {AGENT_NET}.0/24\n"
            "createUser netkit SHA nkbench-auth-key AES nkbench-priv-key\nrouser netkit priv\n")
        run(["ip", "netns", "exec", ns, "/usr/sbin/snmpd", "-C", "-c", str(d / "agent.conf"), "-Lf", "/dev/null",
             "-p", str(d / "snmpd.pid"), f"udp:{addr}:161"], env={"MIBS": "", "SNMP_PERSISTENT_DIR": str(d / "persist")})
    # 1,000 addresses in one namespace behind a veth from the NOC namespace (routed there, not on the host)
    run(["ip", "netns", "add", ICMP_NS])
    run(["ip", "link", "add", "nk0", "netns", ICMP_NS, "type", "veth", "peer", "name", "icmp0", "netns", NOC])
    ip_batch(["addr add 198.18.239.1/30 dev icmp0", "link set icmp0 up", f"route add {ICMP_NET} via 198.18.239.2"],
             ns=NOC)
    ip_batch(["link set lo up", "addr add 198.18.239.2/30 dev nk0", "link set nk0 up",
              *(f"addr add {a}/32 dev lo" for a in icmp_addresses())], ns=ICMP_NS)


def icmp_addresses() -> list[str]:
    return [f"198.18.{240 + i // 250}.{1 + i % 250}" for i in range(ICMP_ADDRESSES)]


# ----------------------------------------------------------------------------- inside the NOC namespace
def _cpu_of(pid: int) -> float:
    return process_cpu_seconds(pid) or 0.0


def _agents_cpu() -> float:
    """CPU seconds used so far by every benchmark snmpd (what a poller costs the devices)."""
    return sum(_cpu_of(pid) for pid in AGENT_PIDS)


AGENT_PIDS: list[int] = []  # read once from the agents' pidfiles


def _exporter_module() -> str:
    # the dynamic columns netkit polls every cycle, and ifHighSpeed (a static one) as the exporter's speed gauge
    assert {oid(o) for o, _ in EXPORTER_COLUMNS.values()} == {*DYNAMIC_OIDS, oid(IF_X + "15")}
    assert oid(IF_X + "15") in STATIC_OIDS
    lines = ["netkit_bench_if_mib:", "  version: 2", "  max_repetitions: 25", "  retries: 1", "  timeout: 10s",
             "  auth:", f"    community: {COMMUNITY}", "  walk:"]
    walk = sorted({o for o, _ in EXPORTER_COLUMNS.values()} | {IF_X + "1", IF_X + "18"})
    lines += [f"  - {w}" for w in walk] + ["  metrics:"]
    for name, (column, typ) in EXPORTER_COLUMNS.items():
        lines += [f"  - name: {name}", f"    oid: {column}", f"    type: {typ}", "    indexes:",
                  "    - labelname: ifIndex", "      type: gauge", "    lookups:"]
        for label, col in (("ifName", "1"), ("ifAlias", "18")):
            lines += ["    - labels: [ifIndex]", f"      labelname: {label}", f"      oid: {IF_X}{col}",
                      "      type: DisplayString"]
    return "\n".join(lines) + "\n"


class _Exporter:
    """Debian's prometheus-snmp-exporter with a module written for this comparison, scraped for all 50
    agents at once, as Prometheus would at the start of a scrape interval."""

    def __init__(self, work: Path) -> None:
        conf = work / "snmp.yml"
        conf.write_text(_exporter_module())
        self.proc = subprocess.Popen(["prometheus-snmp-exporter", f"--config.file={conf}",
                                      "--web.listen-address=127.0.0.1:19116"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    async def ready(self, client: Any) -> None:
        import httpx

        for _ in range(100):
            try:
                await client.get("http://127.0.0.1:19116/")
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.1)

    async def cycle(self, client: Any) -> dict[str, float]:
        cpu, agents = _cpu_of(self.proc.pid), _agents_cpu()
        started = time.perf_counter()
        replies = await asyncio.gather(*(client.get("http://127.0.0.1:19116/snmp", params={
            "module": "netkit_bench_if_mib", "target": f"{AGENT_NET}.{10 + i}"}) for i in range(AGENTS)))
        wall = time.perf_counter() - started
        return {"wall": wall, "cpu": _cpu_of(self.proc.pid) - cpu, "agents_cpu": _agents_cpu() - agents,
                "interfaces": sum(r.text.count("\nifHCInOctets{") for r in replies),
                "ok": float(all(r.status_code == 200 for r in replies))}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _monitor(v3: bool, workers: int) -> Any:
    from netkit.inventory.credentials import Credentials
    from netkit.monitor.exporter.plan import DeviceSpec, MonitorPlan
    from netkit.monitor.exporter.service import Monitor, ServiceSettings
    from netkit.monitor.exporter.shard import Shard
    from pydantic import SecretStr

    devices = tuple(DeviceSpec(f"agent{i}", "bench", "moj", "Phnom Penh", "site-router", f"{AGENT_NET}.{10 + i}", 161,
                               not v3) for i in range(AGENTS))
    creds = Credentials(username="x", password=SecretStr("x"), snmp_user="netkit",
                        snmp_auth_key=SecretStr("nkbench-auth-key"), snmp_priv_key=SecretStr("nkbench-priv-key"),
                        snmp_community=SecretStr(COMMUNITY))
    # Everything at its default but the timeout (the exporter's module has 10 s) and the concurrency (all
    # 50 agents at once, as the exporter is scraped).
    mon = Monitor(MonitorPlan(Shard(), devices, (), (), ()), lambda spec: creds,
                  ServiceSettings(snmp_timeout=10.0, snmp_retries=1, max_concurrent_polls=AGENTS, workers=workers))
    mon.start_workers()  # forked before the event loop exists
    return mon


async def _netkit_cycle(mon: Any) -> dict[str, float]:
    def cpu_now() -> float:  # this process and its polling workers
        return time.process_time() + sum(_cpu_of(p.pid) for p in (mon.pool.procs if mon.pool else []))

    cpu, agents, started = cpu_now(), _agents_cpu(), time.perf_counter()
    await mon.poll_all_once()
    wall = time.perf_counter() - started
    states = mon.cache.devices.values()
    return {"wall": wall, "cpu": cpu_now() - cpu, "agents_cpu": _agents_cpu() - agents,
            "interfaces": sum(len(s.interfaces) for s in states), "ok": float(all(s.up for s in states))}


def _snmp_rounds(work: Path, rounds: int) -> dict[str, list[dict[str, float]]]:
    """The exporter and netkit (one process, the default, and two polling workers) take turns, cycle
    after cycle, so a change in the machine's load falls on all of them alike."""
    import httpx

    monitors = {"netkit_v2c": _monitor(False, 1), "netkit_v2c_2w": _monitor(False, 2)}
    exporter = _Exporter(work)
    out: dict[str, list[dict[str, float]]] = {"exporter": [], "netkit_v2c_cold": [], **{k: [] for k in monitors}}

    async def run() -> None:
        try:
            await turns()
        finally:
            for mon in monitors.values():  # inside the loop its engines' sockets belong to
                mon.close()

    async def turns() -> None:
        async with httpx.AsyncClient(timeout=120, trust_env=False) as client:
            await exporter.ready(client)
            await exporter.cycle(client)  # warm-up: the exporter's first scrape of each agent
            for name, mon in monitors.items():  # the first cycle also fetches the static columns
                cold = await _netkit_cycle(mon)
                if name == "netkit_v2c":
                    out["netkit_v2c_cold"].append(cold)
            for n in range(rounds):
                order: list[str] = ["exporter", *monitors]
                for name in order[n % len(order):] + order[:n % len(order)]:
                    await asyncio.sleep(0.5)  # let the agents' answers of the last cycle drain
                    out[name].append(await (exporter.cycle(client) if name == "exporter"
                                            else _netkit_cycle(monitors[name])))
    try:
        asyncio.run(run())
    finally:
        exporter.close()
    return out


def _v3_cycles() -> list[dict[str, float]]:
    mon = _monitor(True, 1)

    async def run() -> list[dict[str, float]]:
        try:  # cold (engine discovery, static columns), then steady
            return [await _netkit_cycle(mon) for _ in range(3)]
        finally:
            mon.close()
    return asyncio.run(run())


async def _icmp(rounds: int) -> list[dict[str, float]]:
    from netkit.monitor.exporter.probes import IcmpSettings, icmp_probe

    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        results = await icmp_probe(icmp_addresses(), IcmpSettings(count=5, interval=0.1, timeout=1.0))
        out.append({"wall": time.perf_counter() - started, "sent": sum(r.sent for r in results),
                    "received": sum(r.received for r in results)})
    return out


def inner(work: Path) -> None:
    """Runs inside the NOC namespace; prints one JSON document."""
    AGENT_PIDS.extend(pid for f in sorted(work.glob("a*/snmpd.pid")) if (pid := read_pid(f)) is not None)
    idle = _agents_cpu()
    time.sleep(5)
    idle_rate = (_agents_cpu() - idle) / 5  # 50 snmpd refresh 200 interfaces each even when nobody asks
    result: dict[str, Any] = {
        **_snmp_rounds(work, ROUNDS),
        "netkit_v3": _v3_cycles(),
        "icmp": asyncio.run(_icmp(3)),
        "agents_idle_cpu_per_s": idle_rate,
    }
    print(json.dumps(result))


# ----------------------------------------------------------------------------- report
def _summary(rows: list[dict[str, float]], idle_rate: float) -> str:
    above_idle = statistics.median(r["agents_cpu"] - idle_rate * r["wall"] for r in rows)
    return f"wall {min(r['wall'] for r in rows):.2f} s (median {statistics.median(r['wall'] for r in rows):.2f}), " \
           f"cpu {statistics.median(r['cpu'] for r in rows):.2f} s, " \
           f"the 50 snmpd {above_idle:.2f} s above their idle load"


def bench_network() -> None:
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "prometheus-snmp-exporter")) \
            or not Path("/usr/sbin/snmpd").exists():
        print("   SNMP/ICMP: skipped (needs root, iproute2, snmpd and prometheus-snmp-exporter)", flush=True)
        return
    with machine_lock():  # not beside a lab test session
        drop_namespaces()  # leftovers of an interrupted run
        work = Path(tempfile.mkdtemp(prefix="netkit-bench-monitor-"))
        try:
            started = time.perf_counter()
            build(work)
            print(f"   built {AGENTS} snmpd agents x {2 * PAIRS} interfaces and {ICMP_ADDRESSES} ICMP addresses "
                  f"in {time.perf_counter() - started:.1f} s", flush=True)
            time.sleep(2)
            proc = subprocess.run(["ip", "netns", "exec", NOC, sys.executable, "-m", "benchmarks.bench_monitor",
                                   "--inner", str(work)], capture_output=True, text=True, timeout=900,
                                  cwd=Path(__file__).resolve().parent.parent)
            if proc.returncode:
                raise RuntimeError(f"inner benchmark failed: {proc.stderr.strip()[-2000:]}")
            res = json.loads(proc.stdout.strip().splitlines()[-1])
        finally:
            drop_namespaces()
            shutil.rmtree(work, ignore_errors=True)
    exp, nk1, nk, v3 = res["exporter"], res["netkit_v2c"], res["netkit_v2c_2w"], res["netkit_v3"]
    cold = res["netkit_v2c_cold"][0]
    idle = res["agents_idle_cpu_per_s"]
    print(f"   the 50 idle snmpd agents alone use {idle:.2f} CPU cores (interface refresh); "
          f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"{ROUNDS} cycles of each, taking turns", flush=True)
    e_wall = statistics.median(r["wall"] for r in exp)
    n_wall = statistics.median(r["wall"] for r in nk1)
    e_cpu = statistics.median(r["cpu"] for r in exp)
    n_cpu = statistics.median(r["cpu"] for r in nk1)
    print(f"   snmp_exporter 0.21, 50 concurrent scrapes (module: 13 columns, max_repetitions 25): {_summary(exp, idle)}, "
          f"{int(exp[0]['interfaces'])} interfaces, all ok: {all(r['ok'] for r in exp)}", flush=True)
    print(f"   netkit full cycle, v2c, one process (the default; 10 dynamic columns, static cached): {_summary(nk1, idle)}, "
          f"{int(nk1[0]['interfaces'])} interfaces, all ok: {all(r['ok'] for r in nk1)}; "
          f"cold first cycle (with ifName/ifAlias/ifHighSpeed) {cold['wall']:.2f} s wall, {cold['cpu']:.2f} s cpu",
          flush=True)
    print(f"   netkit full cycle, v2c, 2 polling workers: {_summary(nk, idle)}, all ok: {all(r['ok'] for r in nk)}",
          flush=True)
    print(f"   netkit full cycle, SNMPv3 authPriv SHA/AES, one process: cold {v3[0]['wall']:.2f} s, "
          f"steady {v3[-1]['wall']:.2f} s wall, {v3[-1]['cpu']:.2f} s cpu, all ok: {bool(v3[-1]['ok'])}", flush=True)
    ratios = sorted(n["wall"] / e["wall"] for n, e in zip(nk1, exp, strict=True))
    print(f"   ratio netkit/exporter wall {n_wall / e_wall:.2f}x, medians (target <= 1.0x: "
          f"{'met' if n_wall <= e_wall else 'MISSED'}; turn by turn {ratios[0]:.2f}x to {ratios[-1]:.2f}x); "
          f"cpu {n_cpu / max(1e-9, e_cpu):.2f}x", flush=True)
    icmp = res["icmp"]
    best = min(r["wall"] for r in icmp)
    print(f"   ICMP: {ICMP_ADDRESSES} addresses x 5 packets per cycle: {best:.2f} s "
          f"(median {statistics.median(r['wall'] for r in icmp):.2f} s; target < 2 s: {'met' if best < 2 else 'MISSED'}), "
          f"received {int(icmp[-1]['received'])}/{int(icmp[-1]['sent'])}", flush=True)


def main() -> None:
    bench_metrics()
    bench_network()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--inner":
        inner(Path(sys.argv[2]))
    else:
        main()
