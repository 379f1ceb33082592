"""Every site against its targets, from a running exporter's /metrics or from one poll-and-probe cycle.

Both sources become the same samples (metric name, labels, value), so the table means the same thing
whichever way it was made.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from netkit.errors import NetkitError
from netkit.inventory.models import Thresholds

Sample = tuple[str, dict[str, str], float]
SIGNIFICANCE = 0.01  # a cycle's loss beyond the agreement must be this unlikely at the agreed rate
DEFAULT_HTTP_ANSWER_S = Thresholds().http_answer_ms / 1000  # an exporter older than the answer-time gauge


@dataclass(frozen=True)
class TargetStatus:
    target: str
    kind: str
    success: bool | None
    loss_ratio: float | None
    rtt_avg_seconds: float | None
    jitter_seconds: float | None
    http_status: int | None
    mou_latency_seconds: float | None
    mou_loss_ratio: float | None
    state: str  # ok | degraded | down | unknown
    http_answer_seconds: float | None = None  # the http target's own threshold (not the MoU latency)
    cycle_packets: int | None = None  # probes per cycle: how much one cycle's loss can say

    @property
    def is_http(self) -> bool:
        return self.kind == "http"

    @property
    def problems(self) -> list[str]:
        return _problems(self.kind, self.success, self.loss_ratio, self.rtt_avg_seconds, self.mou_loss_ratio,
                         self.mou_latency_seconds, self.http_answer_seconds, self.cycle_packets)


@dataclass(frozen=True)
class DeviceStatus:
    device: str
    up: bool
    uptime_seconds: float | None
    poll_seconds: float | None


@dataclass
class SiteStatus:
    site: str
    name: str = ""
    name_km: str = ""
    ministry: str = ""
    province: str = ""
    maintenance: bool = False
    targets: list[TargetStatus] = field(default_factory=list)
    devices: list[DeviceStatus] = field(default_factory=list)

    @property
    def state(self) -> str:
        states = {t.state for t in self.targets} | {"down" if not d.up else "ok" for d in self.devices}
        for s in ("down", "degraded", "unknown"):
            if s in states:
                return "maintenance" if self.maintenance and s != "unknown" else s
        return "ok"


def samples_from_collectors(collectors: Iterable[Collector]) -> list[Sample]:
    return [(s.name, dict(s.labels), s.value) for c in collectors for m in c.collect() for s in m.samples]


def samples_from_text(text: str) -> list[Sample]:
    return [(s.name, dict(s.labels), s.value) for fam in text_string_to_metric_families(text) for s in fam.samples]


def fetch_samples(url: str, timeout: float = 10.0) -> list[Sample]:
    target = url.rstrip("/") + ("" if url.rstrip("/").endswith("/metrics") else "/metrics")
    try:
        response = httpx.get(target, timeout=timeout, trust_env=False)
        response.raise_for_status()
    except httpx.HTTPError as e:
        raise NetkitError(f"cannot read {target}: {e} (is `netkit monitor serve` running there?)") from e
    return samples_from_text(response.text)


def ready(samples: list[Sample], devices: int, targets: int) -> bool:
    """Every device polled once and every target probed once."""
    polled = sum(1 for name, _, _ in samples if name == "netkit_device_up")
    probed = sum(1 for name, _, v in samples if name == "netkit_probe_cycles_total" and v > 0)
    return polled >= devices and probed >= targets


def loss_beyond(loss: float, mou_loss: float, packets: int | None) -> bool:
    """Is one cycle's loss evidence of more than the agreed loss? With 5 echoes a cycle a single lost echo
    is 20 %, yet happens to a link that meets a 2 % agreement one cycle in ten. So the cycle's loss counts
    only when it would happen less than 1 % of the time at the agreed rate (binomial tail)."""
    if loss <= mou_loss:
        return False
    if not packets or packets < 1:
        return True
    lost = round(loss * packets)
    tail = sum(math.comb(packets, k) * mou_loss ** k * (1 - mou_loss) ** (packets - k)
               for k in range(lost, packets + 1))
    return tail < SIGNIFICANCE


def _problems(kind: str, success: bool | None, loss: float | None, rtt: float | None, mou_loss: float | None,
              mou_latency: float | None, http_answer: float | None, packets: int | None = None) -> list[str]:
    """The MoU latency and loss are judged on network probes (icmp/tcp RTT) only; an http target is
    judged on its own answer time."""
    out = []
    if success is False:
        out.append("no answer")
    if kind == "http":
        if rtt is not None and http_answer is not None and rtt > http_answer:
            out.append(f"answer {rtt * 1000:.0f} ms > {http_answer * 1000:.0f} ms")
        return out
    if loss is not None and mou_loss is not None and loss_beyond(loss, mou_loss, packets):
        out.append(f"loss {loss:.1%} > {mou_loss:.1%}")
    if rtt is not None and mou_latency is not None and rtt > mou_latency:
        out.append(f"rtt {rtt * 1000:.1f} ms > {mou_latency * 1000:.0f} ms")
    return out


def _target_state(kind: str, success: bool | None, loss: float | None, rtt: float | None, mou_loss: float | None,
                  mou_latency: float | None, http_answer: float | None, packets: int | None = None) -> str:
    if success is None:
        return "unknown"
    if not success:
        return "down"
    return "degraded" if _problems(kind, success, loss, rtt, mou_loss, mou_latency, http_answer, packets) else "ok"


def site_statuses(samples: list[Sample], only: str | None = None) -> list[SiteStatus]:
    sites: dict[str, SiteStatus] = {}
    per_target: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    per_device: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)

    def site(code: str) -> SiteStatus:
        return sites.setdefault(code, SiteStatus(site=code))

    for name, labels, value in samples:
        code = labels.get("site")
        if code is None or (only is not None and code != only):
            continue
        if name == "netkit_site_info":
            s = site(code)
            s.name, s.ministry, s.province = labels.get("name", ""), labels.get("ministry", ""), labels.get(
                "province", "")
            s.name_km = labels.get("name_km", "")
        elif name == "netkit_site_maintenance":
            site(code).maintenance = value == 1
        elif "target" in labels and name.startswith(("netkit_probe_", "netkit_mou_")) and "le" not in labels:
            per_target[(code, labels["target"], labels.get("kind", ""))][name] = value
        elif "device" in labels and name in ("netkit_device_up", "netkit_device_uptime_seconds",
                                             "netkit_snmp_poll_duration_seconds"):
            per_device[(code, labels["device"])][name] = value
    for (code, target, kind), v in sorted(per_target.items()):
        success = None if "netkit_probe_success" not in v else v["netkit_probe_success"] == 1
        loss, rtt = v.get("netkit_probe_loss_ratio"), v.get("netkit_probe_rtt_avg_seconds")
        mou_loss, mou_lat = v.get("netkit_mou_loss_ratio"), v.get("netkit_mou_latency_seconds")
        status = v.get("netkit_probe_http_status_code")
        answer = v.get("netkit_mou_http_answer_seconds", DEFAULT_HTTP_ANSWER_S if kind == "http" else None)
        sent, cycles = v.get("netkit_probe_packets_sent_total"), v.get("netkit_probe_cycles_total")
        packets = round(sent / cycles) if sent and cycles else None
        if v.get("netkit_probe_recent_packets"):  # the last few cycles: more evidence than one cycle's echoes
            loss, packets = v.get("netkit_probe_recent_loss_ratio", loss), round(v["netkit_probe_recent_packets"])
        site(code).targets.append(TargetStatus(
            target=target, kind=kind, success=success, loss_ratio=loss, rtt_avg_seconds=rtt,
            jitter_seconds=v.get("netkit_probe_jitter_seconds"), http_status=int(status) if status else None,
            mou_latency_seconds=mou_lat, mou_loss_ratio=mou_loss, http_answer_seconds=answer, cycle_packets=packets,
            state=_target_state(kind, success, loss, rtt, mou_loss, mou_lat, answer, packets)))
    for (code, device), v in sorted(per_device.items()):
        site(code).devices.append(DeviceStatus(device=device, up=v.get("netkit_device_up") == 1,
                                               uptime_seconds=v.get("netkit_device_uptime_seconds"),
                                               poll_seconds=v.get("netkit_snmp_poll_duration_seconds")))
    return [sites[k] for k in sorted(sites)]
