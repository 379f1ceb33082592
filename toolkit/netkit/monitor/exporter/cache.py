"""What the pollers and probers last saw: the cache that collectors read on each scrape.

Writers (the asyncio service) replace whole immutable snapshots (an interface table, a peer list) in one
assignment and bump plain integer counters; readers (the HTTP thread) only read. A scrape therefore never
waits for a device and never sees half a poll.
"""

from __future__ import annotations

import bisect
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from netkit.monitor.exporter.bandwidth import BandwidthState
from netkit.monitor.exporter.plan import PROBE_LABELS, DeviceSpec, MonitorPlan, ProbeSpec

RECENT_CYCLES = 4

# RTT histogram bounds (seconds): fine below 10 ms for LAN/metro sites, coarse up to satellite links.
RTT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5)
RTT_LES = (*(repr(b) for b in RTT_BUCKETS), "+Inf")  # the histogram's `le` labels (ProbeState.bucket_counts)
POLL_ERROR_REASONS = ("timeout", "auth", "other")

# Interface columns in the order InterfaceRow.values holds them.
COUNTER_COLUMNS = ("in_octets", "out_octets", "in_packets", "out_packets", "in_errors", "out_errors",
                   "in_discards", "out_discards")
STATUS_COLUMNS = ("oper_status", "admin_status")
DYNAMIC_COLUMNS = COUNTER_COLUMNS + STATUS_COLUMNS


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def label_text(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    """`{a="x",b="y"}` exactly as the text exposition format writes it."""
    return "{" + ",".join(f'{n}="{escape_label(v)}"' for n, v in zip(names, values, strict=True)) + "}"


@dataclass(frozen=True)
class InterfaceRow:
    """One interface's last poll: static labels plus the dynamic columns (None = the agent has no value)."""

    index: int
    name: str
    alias: str
    speed_bps: float | None
    values: tuple[int | None, ...]  # DYNAMIC_COLUMNS order
    labels: tuple[str, ...]  # INTERFACE_LABELS values
    label_text: str

    def value(self, column: str) -> int | None:
        return self.values[DYNAMIC_COLUMNS.index(column)]


@dataclass
class DeviceState:
    spec: DeviceSpec
    up: bool = False
    polls: int = 0
    poll_duration: float | None = None
    last_success: float | None = None
    last_error: str = ""
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(POLL_ERROR_REASONS, 0))
    uptime_seconds: float | None = None
    cpu_ratio: float | None = None
    memory_total_bytes: float | None = None
    memory_available_bytes: float | None = None
    interfaces: tuple[InterfaceRow, ...] = ()
    bgp_peers: tuple[tuple[str, bool], ...] = ()
    ospf_neighbors: tuple[tuple[str, bool], ...] = ()

    def record_error(self, reason: str, message: str) -> None:
        self.errors[reason if reason in self.errors else "other"] += 1
        self.last_error = message
        self.up = False


@dataclass(frozen=True)
class ProbeResult:
    """One probe cycle against one target."""

    sent: int
    received: int
    rtts: tuple[float, ...] = ()  # seconds, one per reply, in send order
    http_status: int | None = None
    cert_expiry: float | None = None  # unix time
    error: str = ""

    @property
    def success(self) -> bool:
        if self.http_status is not None:
            return 200 <= self.http_status < 400
        return self.received > 0

    @property
    def loss_ratio(self) -> float:
        return 1.0 - self.received / self.sent if self.sent else 1.0

    @property
    def jitter(self) -> float | None:
        """Mean absolute difference of consecutive RTTs."""
        if len(self.rtts) < 2:
            return None
        diffs = [abs(b - a) for a, b in zip(self.rtts, self.rtts[1:], strict=False)]
        return sum(diffs) / len(diffs)

    @property
    def rtt_avg(self) -> float | None:
        return sum(self.rtts) / len(self.rtts) if self.rtts else None


@dataclass
class ProbeState:
    spec: ProbeSpec
    success: bool | None = None
    cycles: int = 0
    cycles_failed: int = 0
    sent: int = 0
    received: int = 0
    slow: int = 0
    bucket_counts: list[int] = field(default_factory=lambda: [0] * (len(RTT_BUCKETS) + 1))
    rtt_sum: float = 0.0
    rtt_count: int = 0
    loss_ratio: float | None = None
    jitter: float | None = None
    rtt_avg: float | None = None
    http_status: int | None = None
    cert_expiry: float | None = None
    last_error: str = ""
    last_cycle: float | None = None
    # (sent, received) of the last RECENT_CYCLES cycles: one cycle's 5 echoes say little about a 1 % loss
    recent: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=RECENT_CYCLES))
    label_text: str = field(init=False, repr=False)  # of spec.labels, rendered once

    def __post_init__(self) -> None:
        self.label_text = label_text(PROBE_LABELS, self.spec.labels)

    def record(self, result: ProbeResult, now: float) -> None:
        for rtt in result.rtts:
            self.bucket_counts[bisect.bisect_left(RTT_BUCKETS, rtt)] += 1
            self.rtt_sum += rtt
            self.rtt_count += 1
            if rtt > self.spec.slow_seconds:
                self.slow += 1
        self.cycles += 1
        self.cycles_failed += 0 if result.success else 1
        self.sent += result.sent
        self.received += result.received
        self.loss_ratio = result.loss_ratio
        self.jitter = result.jitter
        self.rtt_avg = result.rtt_avg
        self.http_status = result.http_status
        if result.cert_expiry is not None:
            self.cert_expiry = result.cert_expiry
        self.last_error = result.error
        self.success = result.success
        self.last_cycle = now
        self.recent.append((result.sent, result.received))

    @property
    def recent_sent(self) -> int:
        return sum(s for s, _ in self.recent)

    @property
    def recent_loss(self) -> float | None:
        sent = self.recent_sent
        return None if sent == 0 else max(0.0, 1 - sum(r for _, r in self.recent) / sent)


class MonitorCache:
    """Every device's and target's state for one plan; `clock` is passed in so tests need no sleeping."""

    def __init__(self, plan: MonitorPlan, clock: Callable[[], float] = time.time) -> None:
        self.plan = plan
        self.clock = clock
        self.devices: dict[str, DeviceState] = {d.name: DeviceState(d) for d in plan.devices}
        self.probes: dict[str, ProbeState] = {p.key: ProbeState(p) for p in plan.probes}
        self.last_scrape_duration: float | None = None
        self.started = clock()
        self.bandwidth: dict[str, BandwidthState] = {t.site: BandwidthState(t) for t in plan.bandwidth}
