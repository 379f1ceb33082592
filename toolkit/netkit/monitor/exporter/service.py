"""The exporter service: per-device pollers and per-cycle probers filling one cache, on their own clocks.

Every device has its own polling task (a dead device waits out its own timeouts, nobody else's); a
semaphore bounds how many polls run at once. ICMP targets share one cycle and one socket; TCP and HTTP
targets run beside it. Secrets are resolved when a poll needs them and never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from netkit.errors import NetkitError
from netkit.inventory.credentials import Credentials, credentials_for
from netkit.inventory.models import Inventory
from netkit.localtime import zone
from netkit.monitor.exporter.bandwidth import BandwidthTester
from netkit.monitor.exporter.cache import MonitorCache, ProbeResult
from netkit.monitor.exporter.plan import DeviceSpec, MonitorPlan, ProbeSpec
from netkit.monitor.exporter.probes import IcmpSettings, http_probe, icmp_probe, tcp_probe
from netkit.monitor.exporter.safety import may_send, route_check
from netkit.monitor.exporter.snmp_client import (
    AgentAddress,
    EnginePool,
    PysnmpTransport,
    SnmpError,
    SnmpTransport,
    auth_data,
    credentials_fingerprint,
)
from netkit.monitor.exporter.snmp_poller import DevicePoller, PollSettings
from netkit.monitor.exporter.workers import WorkerPool

log = logging.getLogger("netkit.monitor")

Resolver = Callable[[DeviceSpec], Credentials]


@dataclass(frozen=True)
class ServiceSettings:
    snmp_interval: float = 30.0
    probe_interval: float = 15.0
    snmp_timeout: float = 2.0
    snmp_retries: int = 1
    max_concurrent_polls: int = 16  # per process
    workers: int = 1  # polling processes (forked; see workers.py)
    tcp_timeout: float = 2.0
    http_timeout: float = 5.0
    poll: PollSettings = field(default_factory=PollSettings)
    icmp: IcmpSettings = field(default_factory=IcmpSettings)


def inventory_resolver(inventory: Inventory) -> Resolver:
    def resolve(spec: DeviceSpec) -> Credentials:
        return credentials_for(inventory, inventory.devices[spec.name])
    return resolve


def _no_route(host: str) -> ProbeResult:
    return ProbeResult(sent=0, received=0, error=f"no route to lab address {host} (is the lab up?); not sent")


class Monitor:
    """Owns the cache, the pollers and the probers of one plan."""

    def __init__(self, plan: MonitorPlan, resolve: Resolver, settings: ServiceSettings | None = None,
                 cache: MonitorCache | None = None) -> None:
        self.plan = plan
        self.resolve = resolve
        self.settings = settings or ServiceSettings()
        self.cache = cache or MonitorCache(plan)
        self.engines = EnginePool()
        self._transports: dict[str, tuple[str, PysnmpTransport]] = {}
        self.pollers = {d.name: DevicePoller(self.cache.devices[d.name], self._transport_factory(d),
                                             self.settings.poll) for d in plan.devices}
        self._semaphore: asyncio.Semaphore | None = None
        self.pool: WorkerPool | None = None
        self._attached = False
        self.on_polled: Callable[[str], None] | None = None  # a worker reports each poll to its parent
        tests = plan.bandwidth_tests
        self.bandwidth = (BandwidthTester(list(plan.bandwidth), tests, zone(plan.timezone), states=self.cache.bandwidth)
                          if tests is not None and plan.bandwidth else None)

    def start_workers(self) -> None:
        """Fork the polling workers (settings.workers > 1). Call before any thread or event loop starts."""
        if self.settings.workers > 1 and self.plan.devices and self.pool is None:
            self.pool = WorkerPool(self.cache, self._child_monitor, self.settings.workers)

    def _child_monitor(self, names: list[str]) -> Monitor:
        wanted = set(names)
        plan = replace(self.plan, devices=tuple(d for d in self.plan.devices if d.name in wanted), probes=())
        return Monitor(plan, self.resolve, replace(self.settings, workers=1))

    def _attach(self) -> None:
        if self.pool is not None and not self._attached:
            self.pool.attach()
            self._attached = True

    def close(self) -> None:
        if self.pool is not None:
            if self._attached:
                self.pool.detach()
                self._attached = False
            self.pool.close()
            self.pool = None
        self.engines.close()

    # ------------------------------------------------------------------ SNMP
    def _transport_factory(self, spec: DeviceSpec) -> Callable[[], SnmpTransport]:
        def make() -> SnmpTransport:
            try:
                creds = self.resolve(spec)
                auth = auth_data(creds, spec.v2c)
            except NetkitError as e:
                raise SnmpError(getattr(e, "reason", "auth"), f"{spec.name}: {e}") from e
            fingerprint = credentials_fingerprint(creds, spec.v2c)
            known = self._transports.get(spec.name)
            if known is not None and known[0] == fingerprint:
                return known[1]
            agent = AgentAddress(spec.address, spec.port, self.settings.snmp_timeout, self.settings.snmp_retries)
            transport = PysnmpTransport(self.engines.engine(fingerprint), auth, agent, spec.name)
            self._transports[spec.name] = (fingerprint, transport)
            return transport
        return make

    async def poll_device(self, name: str) -> None:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.settings.max_concurrent_polls)
        state = self.cache.devices[name]
        if not may_send(state.spec.address):
            state.polls += 1
            state.record_error("other", f"{name}: no route to lab address {state.spec.address} (is the lab up?)")
        else:
            async with self._semaphore:
                await self.pollers[name].poll()
        if self.on_polled is not None:
            self.on_polled(name)
        if not state.up:
            log.warning("snmp poll of %s failed: %s", name, state.last_error)

    async def poll_all_once(self) -> None:
        if self.pool is not None:
            self._attach()
            await self.pool.cycle()
            return
        await asyncio.gather(*(self.poll_device(n) for n in self.pollers))

    # ------------------------------------------------------------------ probes
    def _record(self, key: str, result: ProbeResult) -> None:
        self.cache.probes[key].record(result, self.cache.clock())

    def _sendable(self, kinds: tuple[str, ...]) -> list[ProbeSpec]:
        """This cycle's targets of these kinds that may be sent to; the others get a "no route" result."""
        specs = []
        may = route_check()  # one reading of the routing table per cycle
        for p in self.plan.probes:
            if p.kind not in kinds:
                continue
            if may(p.host):
                specs.append(p)
            else:
                self._record(p.key, _no_route(p.host))
        return specs

    async def probe_icmp_once(self) -> None:
        specs = self._sendable(("icmp",))
        results = await icmp_probe([p.host for p in specs], self.settings.icmp)
        for spec, result in zip(specs, results, strict=True):
            self._record(spec.key, result)

    async def probe_services_once(self) -> None:
        s = self.settings

        async def one(key: str, kind: str, host: str, port: int | None, url: str | None) -> None:
            if kind == "tcp":
                result = await tcp_probe(host, port or 0, s.tcp_timeout)
            else:
                result = await http_probe(url or "", s.http_timeout)
            self._record(key, result)
        await asyncio.gather(*(one(p.key, p.kind, p.host, p.port, p.url) for p in self._sendable(("tcp", "http"))))

    async def probe_all_once(self) -> None:
        await asyncio.gather(self.probe_icmp_once(), self.probe_services_once())

    async def run_once(self) -> None:
        """One poll of every device and one probe cycle of every target (for `monitor status`)."""
        try:
            await asyncio.gather(self.poll_all_once(), self.probe_all_once())
        finally:
            self.close()

    # ------------------------------------------------------------------ forever
    async def _every(self, interval: float, offset: float, job: Callable[[], object], stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        next_run = loop.time() + offset
        while not stop.is_set():
            delay = next_run - loop.time()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                    return
                except TimeoutError:
                    pass
            started = loop.time()
            try:
                await job()  # type: ignore[misc]
            except Exception:  # one failing cycle must not end the exporter
                log.exception("monitor job failed")
            next_run = max(next_run + interval, started)

    async def run(self, stop: asyncio.Event, probes: bool = True) -> None:
        s = self.settings
        names = list(self.pollers)
        tasks = []
        if self.pool is not None:
            self._attach()
            self.pool.forever()
        else:
            tasks = [
                # first polls spread over at most 5 s, then every device on its own clock
                asyncio.create_task(self._every(s.snmp_interval, min(s.snmp_interval, 5.0) * i / max(1, len(names)),
                                                lambda n=n: self.poll_device(n), stop))  # type: ignore[misc]
                for i, n in enumerate(names)
            ]
        if probes:
            tasks.append(asyncio.create_task(self._every(s.probe_interval, 0.0, self.probe_icmp_once, stop)))
            tasks.append(asyncio.create_task(self._every(s.probe_interval, 0.0, self.probe_services_once, stop)))
            if self.bandwidth is not None:
                tasks.append(asyncio.create_task(self.bandwidth.forever(stop)))
        try:
            await stop.wait()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.close()

