"""Scheduled throughput tests: does each site's uplink deliver its agreed bandwidth?

From the NOC, `iperf3 -c ENDPOINT` to the site's test endpoint (in the lab: an iperf3 server in the site
router's namespace). A test runs only inside the daily off-peak window (local time), lasts `seconds`,
never sends faster than `max_rate_factor` x the agreement, and tests run one at a time, so two never share
an uplink. A test delivering less than the agreement is a miss; `misses_in_a_row` misses raise the alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time as clock
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from netkit.inventory.models import BandwidthTests, Inventory, Site
from netkit.monitor.exporter.safety import may_send

log = logging.getLogger("netkit.monitor")


@dataclass(frozen=True)
class BandwidthTarget:
    site: str
    ministry: str
    province: str
    host: str
    agreed_bps: float

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.site, self.ministry, self.province)


@dataclass
class BandwidthState:
    target: BandwidthTarget
    last_bps: float | None = None
    tests: int = 0
    misses: int = 0
    failures: int = 0
    misses_in_a_row: int = 0
    last_test: float | None = None  # unix time


def endpoint(site: Site) -> str:
    if site.bandwidth_endpoint == "router":
        return str(site.addressing.user.gateway)
    return site.bandwidth_endpoint


def bandwidth_targets(inventory: Inventory, sites: list[str]) -> list[BandwidthTarget]:
    """Customer sites only: the data center's capacity is not an uplink a ministry agreed on."""
    return [BandwidthTarget(site=s.code, ministry=s.ministry, province=s.province, host=endpoint(s),
                            agreed_bps=s.mou.bandwidth_mbps * 1e6)
            for s in (inventory.sites[c] for c in sites) if s.kind == "customer"]


def in_off_peak(now: datetime, settings: BandwidthTests, tz: tzinfo) -> bool:
    local = now.astimezone(tz)
    for days_back in (0, 1):
        start = datetime.combine(local.date() - timedelta(days=days_back), settings.off_peak_at, tzinfo=tz)
        if start <= local < start + timedelta(minutes=settings.off_peak_minutes):
            return True
    return False


def iperf3_args(target: BandwidthTarget, settings: BandwidthTests) -> list[str]:
    rate = int(target.agreed_bps * settings.max_rate_factor)
    return ["iperf3", "-c", target.host, "-p", str(settings.port), "-t", str(settings.seconds), "-b", str(rate),
            "-J", "--connect-timeout", "3000"]


def received_bps(output: str) -> float:
    """Bits per second the receiver got (iperf3 -J: end.sum_received.bits_per_second)."""
    data = json.loads(output)
    if "error" in data:
        raise ValueError(str(data["error"]))
    return float(data["end"]["sum_received"]["bits_per_second"])


Runner = Callable[[list[str], float], Awaitable[tuple[int, str]]]


async def run_command(args: list[str], timeout: float) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.DEVNULL)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -1, ""
    return proc.returncode or 0, out.decode(errors="replace")


class BandwidthTester:
    """One test at a time, each due target in turn, only in the off-peak window."""

    def __init__(self, targets: list[BandwidthTarget], settings: BandwidthTests, tz: tzinfo,
                 now: Callable[[], float] = clock.time, run: Runner = run_command,
                 states: dict[str, BandwidthState] | None = None, may: Callable[[str], bool] = may_send) -> None:
        self.settings = settings
        self.may = may
        self.tz = tz
        self.now = now
        self.run = run
        # the exporter's cache holds the states, so a scrape reads the last results
        self.states = states if states is not None else {t.site: BandwidthState(t) for t in targets}

    def due(self) -> list[BandwidthState]:
        now = self.now()
        if not in_off_peak(datetime.fromtimestamp(now, UTC), self.settings, self.tz):
            return []
        every = self.settings.every_minutes * 60
        return [s for s in self.states.values() if s.last_test is None or now - s.last_test >= every]

    async def test(self, state: BandwidthState) -> None:
        state.last_test = self.now()
        if not self.may(state.target.host):  # a lab address without a route to the lab would leave the machine
            state.failures += 1
            log.warning("bandwidth test of %s skipped: no route to the lab for %s", state.target.site, state.target.host)
            return
        code, out = await self.run(iperf3_args(state.target, self.settings), self.settings.seconds + 10.0)
        try:
            if code != 0:
                raise ValueError(f"iperf3 exit {code}")
            bps = received_bps(out)
        except (ValueError, KeyError, TypeError) as e:
            state.failures += 1
            log.warning("bandwidth test of %s (%s) failed: %s", state.target.site, state.target.host, e)
            return
        state.tests += 1
        state.last_bps = bps
        if bps < state.target.agreed_bps:
            state.misses += 1
            state.misses_in_a_row += 1
        else:
            state.misses_in_a_row = 0

    async def run_due(self) -> None:
        for state in self.due():  # sequential: never two tests at once, so never two on one uplink
            await self.test(state)

    async def forever(self, stop: asyncio.Event, check_every: float = 10.0) -> None:
        while not stop.is_set():
            await self.run_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), check_every)
