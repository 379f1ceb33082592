"""The service's scheduling: a hanging device never delays the others; scrapes never wait for devices."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from netkit.inventory.credentials import Credentials
from netkit.monitor.exporter.collectors import collectors_for
from netkit.monitor.exporter.http import MetricsServer
from netkit.monitor.exporter.plan import DeviceSpec, MonitorPlan
from netkit.monitor.exporter.service import Monitor, ServiceSettings
from netkit.monitor.exporter.shard import Shard
from netkit.monitor.exporter.snmp_client import Oid, VarBind
from netkit.monitor.exporter.snmp_poller import DYNAMIC_OIDS, STATIC_OIDS, SYS_UPTIME
from pydantic import SecretStr


class QuickAgent:
    async def get(self, oids: Sequence[Oid]) -> list[VarBind]:
        return [(o, 100 if o == SYS_UPTIME else None) for o in oids]

    async def bulk(self, oids: Sequence[Oid], max_repetitions: int) -> list[VarBind]:
        out: list[VarBind] = []
        for o in oids:
            root = next((c for c in (*DYNAMIC_OIDS, *STATIC_OIDS) if o[:len(c)] == c), None)
            if root is not None and o == root:
                out.append(((*root, 1), "eth0" if root == STATIC_OIDS[0] else 1))
            else:
                out.append(((9, 9), None))
        return out


class HangingAgent(QuickAgent):
    async def get(self, oids: Sequence[Oid]) -> list[VarBind]:
        await asyncio.sleep(30)
        return []


def _monitor() -> Monitor:
    devices = tuple(DeviceSpec(f"r{i}", "s", "m", "P", "site-router", f"127.0.0.{i + 1}", 161, False)
                    for i in range(4))
    creds = Credentials(username="u", password=SecretStr("p"), snmp_user="netkit",
                        snmp_auth_key=SecretStr("a" * 12), snmp_priv_key=SecretStr("b" * 12))
    mon = Monitor(MonitorPlan(Shard(), devices, (), (), ()), lambda spec: creds,
                  ServiceSettings(snmp_interval=0.2, probe_interval=60))
    for name, poller in mon.pollers.items():
        agent = HangingAgent() if name == "r0" else QuickAgent()
        poller.transport = lambda agent=agent: agent  # type: ignore[misc]
    return mon


def test_a_hanging_device_never_delays_the_others() -> None:
    mon = _monitor()

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(mon.run(stop))
        await asyncio.sleep(1.5)
        stop.set()
        await task
    asyncio.run(run())
    states = mon.cache.devices
    assert states["r0"].polls == 1 and not states["r0"].up  # still waiting on its first answer
    for name in ("r1", "r2", "r3"):
        assert states[name].up and states[name].polls >= 5, (name, states[name].polls)
        assert [r.name for r in states[name].interfaces] == ["eth0"]


def test_scrapes_answer_while_a_poll_hangs() -> None:
    mon = _monitor()
    server = MetricsServer(mon.cache, collectors_for(mon.cache), ("127.0.0.1", 0))
    server.start()

    async def run() -> list[float]:
        stop = asyncio.Event()
        task = asyncio.create_task(mon.run(stop))
        took = []
        async with httpx.AsyncClient(trust_env=False) as client:
            for _ in range(5):
                await asyncio.sleep(0.1)
                started = time.perf_counter()
                r = await client.get(f"http://127.0.0.1:{server.address[1]}/metrics")
                took.append(time.perf_counter() - started)
                assert r.status_code == 200 and "netkit_device_up" in r.text
        stop.set()
        await task
        return took
    try:
        took = asyncio.run(run())
    finally:
        server.stop()
    assert max(took) < 0.5, took
    assert mon.cache.last_scrape_duration is not None


class FakeAgentsMonitor(Monitor):
    """Children (forked workers) poll fake agents too."""

    def _child_monitor(self, names: list[str]) -> Monitor:
        child = super()._child_monitor(names)
        for name, poller in child.pollers.items():
            agent = HangingAgent() if name == "r0" else QuickAgent()
            poller.transport = lambda agent=agent: agent  # type: ignore[misc]
        return child


def test_polling_workers_fill_the_parents_cache() -> None:
    devices = tuple(DeviceSpec(f"r{i}", "s", "m", "P", "site-router", f"127.0.0.{i + 1}", 161, False)
                    for i in range(1, 9))
    creds = Credentials(username="u", password=SecretStr("p"), snmp_user="netkit")
    mon = FakeAgentsMonitor(MonitorPlan(Shard(), devices, (), (), ()), lambda spec: creds,
                            ServiceSettings(snmp_interval=0.2, probe_interval=60, workers=2))
    mon.start_workers()
    assert mon.pool is not None and len(mon.pool.procs) == 2
    pids = [p.pid for p in mon.pool.procs]

    async def run() -> None:
        await mon.poll_all_once()  # one cycle on demand
        assert all(st.up and st.polls == 1 for st in mon.cache.devices.values())
        stop = asyncio.Event()
        task = asyncio.create_task(mon.run(stop, probes=False))  # then on their own clocks
        await asyncio.sleep(1.2)
        stop.set()
        await task
    asyncio.run(run())
    assert all(st.polls >= 3 and [r.name for r in st.interfaces] == ["eth0"] for st in mon.cache.devices.values())
    assert mon.pool is None  # closed with the run
    for pid in pids:  # the workers are gone
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
