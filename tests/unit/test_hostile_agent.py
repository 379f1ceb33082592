"""The exporter against SNMP agents of our own on 127.0.0.x that answer garbage, truncated, oversized,
endless and looping responses: only those devices are marked failing, a well-behaved device beside them
stays up, /metrics keeps answering, and the exporter's memory stays bounded."""

from __future__ import annotations

import asyncio
import resource
import socket
import time

import httpx
from hostile_agent import MODES, start
from netkit.inventory.credentials import Credentials
from netkit.monitor.exporter.collectors import collectors_for
from netkit.monitor.exporter.http import MetricsServer
from netkit.monitor.exporter.plan import DeviceSpec, MonitorPlan
from netkit.monitor.exporter.service import Monitor, ServiceSettings
from netkit.monitor.exporter.shard import Shard
from netkit.monitor.exporter.status import samples_from_text
from pydantic import SecretStr

CREDS = Credentials(username="u", password=SecretStr("p"), snmp_user="nms", snmp_community=SecretStr("hostile-c"))
MIN_S, MAX_S = 6.0, 120.0  # run at least this long, and until every hostile device has failed as it should
EXPECTED = {"dev-endless": "more than", "dev-loop": "not increasing", "dev-oversized": "answered",
            "dev-garbage": "", "dev-truncated": ""}


def _free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_only_the_hostile_devices_fail_and_the_exporter_keeps_serving() -> None:
    hosts = {mode: f"127.0.0.{20 + i}" for i, mode in enumerate(MODES)}
    ports = {mode: _free_udp_port(host) for mode, host in hosts.items()}
    devices = tuple(DeviceSpec(f"dev-{mode}", "s", "m", "P", "site-router", hosts[mode], ports[mode], True)
                    for mode in MODES)
    mon = Monitor(MonitorPlan(Shard(), devices, (), (), ()), lambda spec: CREDS,
                  ServiceSettings(snmp_interval=1.0, probe_interval=60, snmp_timeout=0.5, snmp_retries=0))
    server = MetricsServer(mon.cache, collectors_for(mon.cache), ("127.0.0.1", 0))
    server.start()
    url = f"http://127.0.0.1:{server.address[1]}/metrics"
    scrapes: list[tuple[int, float]] = []
    rss: list[float] = []

    async def run() -> dict[str, int]:
        agents = {mode: await start(hosts[mode], ports[mode], mode) for mode in MODES}
        stop = asyncio.Event()
        task = asyncio.create_task(mon.run(stop))
        def settled() -> bool:
            devices = mon.cache.devices
            return devices["dev-good"].polls >= 3 and all(
                devices[n].polls >= 1 and not devices[n].up and want in devices[n].last_error
                for n, want in EXPECTED.items())

        async with httpx.AsyncClient(trust_env=False) as client:
            began = time.monotonic()
            while time.monotonic() - began < MIN_S or (not settled() and time.monotonic() - began < MAX_S):
                await asyncio.sleep(0.5)
                started = time.perf_counter()
                r = await client.get(url, timeout=5)
                scrapes.append((r.status_code, time.perf_counter() - started))
                rss.append(_rss_mib())
        stop.set()
        await asyncio.wait_for(task, 30)
        for transport, _ in agents.values():
            transport.close()
        return {mode: agent.requests for mode, (_, agent) in agents.items()}

    before = _rss_mib()
    try:
        requests = asyncio.run(run())
        text = httpx.get(url, trust_env=False, timeout=5).text
    finally:
        server.stop()
    up = {lb["device"]: v for n, lb, v in samples_from_text(text) if n == "netkit_device_up"}
    assert up == {f"dev-{m}": (1.0 if m == "good" else 0.0) for m in MODES}, (up, {
        n: s.last_error for n, s in mon.cache.devices.items()})
    errors = {n: s.last_error for n, s in mon.cache.devices.items()}
    assert "more than" in errors["dev-endless"] and "not increasing" in errors["dev-loop"], errors
    assert "answered" in errors["dev-oversized"], errors
    assert all(requests[m] > 0 for m in MODES), requests  # every agent was really asked
    assert mon.cache.devices["dev-good"].polls >= 3, mon.cache.devices["dev-good"].polls
    assert len(mon.cache.devices["dev-good"].interfaces) == 1
    assert len(scrapes) >= MIN_S / 1.5 and all(code == 200 for code, _ in scrapes), scrapes
    assert max(took for _, took in scrapes) < 5.0, scrapes  # never waits for a device (generous: shared CI)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert max(rss) - before < 150, (before, rss, peak)  # an endless table is refused, never held
