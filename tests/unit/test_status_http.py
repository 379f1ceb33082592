"""The MoU latency and loss are the network's (icmp/tcp); an http target is judged on its own answer time.
The idle lab's verification platform answers in ~20 ms: above the data center's 10 ms network latency
target, far below its 1 s answer-time threshold, so the site is ok."""

from __future__ import annotations

import pytest
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.monitor.exporter.cache import MonitorCache, ProbeResult
from netkit.monitor.exporter.plan import build_plan
from netkit.monitor.exporter.status import Sample, loss_beyond, site_statuses
from test_monitor_collectors import registry_for

BASE = {"site": "nat-dc", "ministry": "mpt", "province": "Phnom Penh"}


def _samples(kind: str, target: str, rtt: float, loss: float, answer: float | None = 1.0) -> list[Sample]:
    labels = {**BASE, "target": target, "kind": kind}
    out: list[Sample] = [("netkit_probe_success", labels, 1.0), ("netkit_probe_rtt_avg_seconds", labels, rtt),
                         ("netkit_probe_loss_ratio", labels, loss), ("netkit_mou_latency_seconds", labels, 0.010),
                         ("netkit_mou_loss_ratio", labels, 0.001)]
    if kind == "http" and answer is not None:
        out.append(("netkit_mou_http_answer_seconds", labels, answer))
    return out


def test_an_http_answer_slower_than_the_network_target_is_ok() -> None:
    (site,) = site_statuses(_samples("http", "verify-platform", 0.024, 0.0)
                            + _samples("tcp", "verify-platform-tcp", 0.0004, 0.0))
    assert site.state == "ok", [t.problems for t in site.targets]
    http = next(t for t in site.targets if t.kind == "http")
    assert http.http_answer_seconds == 1.0 and http.problems == []


def test_an_http_answer_beyond_its_own_threshold_degrades_only_through_its_own_check() -> None:
    (site,) = site_statuses(_samples("http", "verify-platform", 1.5, 0.0))
    assert site.state == "degraded" and site.targets[0].problems == ["answer 1500 ms > 1000 ms"]
    (site,) = site_statuses(_samples("http", "verify-platform", 0.2, 0.0, answer=0.1))
    assert site.targets[0].problems == ["answer 200 ms > 100 ms"]


def test_network_probes_are_still_judged_on_the_mou() -> None:
    (site,) = site_statuses(_samples("icmp", "gateway", 0.012, 0.0))
    assert site.state == "degraded" and site.targets[0].problems == ["rtt 12.0 ms > 10 ms"]
    (site,) = site_statuses(_samples("tcp", "gw-tcp", 0.001, 0.05))
    assert site.state == "degraded" and site.targets[0].problems == ["loss 5.0% > 0.1%"]


def test_the_exporter_exposes_the_answer_threshold_for_http_targets_only() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    reg = registry_for(MonitorCache(build_plan(inv), clock=lambda: 0.0))
    http = {**BASE, "target": "verify-platform", "kind": "http"}
    tcp = {**BASE, "target": "verify-platform-tcp", "kind": "tcp"}
    assert reg.get_sample_value("netkit_mou_http_answer_seconds", http) == inv.sites["nat-dc"].mou.http_answer_ms / 1000
    assert reg.get_sample_value("netkit_mou_http_answer_seconds", tcp) is None


def test_one_lost_echo_of_five_is_not_evidence_against_a_two_percent_agreement() -> None:
    # The lab's Ratanakiri link loses ~1 % of echoes round trip: one cycle in twenty loses one of five.
    assert not loss_beyond(0.2, 0.02, 5)     # P(>= 1 of 5 | 2 %) = 9.6 %: could be an agreed link
    assert loss_beyond(0.4, 0.02, 5)         # P(>= 2 of 5 | 2 %) = 0.4 %: it is not
    assert loss_beyond(0.2, 0.0, 5) and loss_beyond(0.2, 0.02, None)
    assert not loss_beyond(0.01, 0.02, 100)
    labels = {**BASE, "target": "gateway", "kind": "icmp"}
    one_lost = [*_samples("icmp", "gateway", 0.08, 0.2), ("netkit_probe_packets_sent_total", labels, 50.0),
                ("netkit_probe_cycles_total", labels, 10.0), ("netkit_mou_loss_ratio", labels, 0.02),
                ("netkit_mou_latency_seconds", labels, 0.12)]
    (site,) = site_statuses(one_lost)
    assert site.state == "ok" and site.targets[0].cycle_packets == 5


def test_status_judges_loss_over_the_last_cycles_when_the_exporter_has_them() -> None:
    labels = {**BASE, "target": "gateway", "kind": "icmp"}
    base = [*_samples("icmp", "gateway", 0.001, 0.0), ("netkit_mou_loss_ratio", labels, 0.01)]
    # The last cycle lost nothing, but half of the last 20 echoes are gone: degraded.
    (site,) = site_statuses([*base, ("netkit_probe_recent_loss_ratio", labels, 0.5),
                             ("netkit_probe_recent_packets", labels, 20.0)])
    assert site.state == "degraded" and site.targets[0].cycle_packets == 20
    # Two of 20 against 1 %: happens 1.7 % of the time to an agreed link, not evidence.
    (site,) = site_statuses([*base, ("netkit_probe_recent_loss_ratio", labels, 0.1),
                             ("netkit_probe_recent_packets", labels, 20.0)])
    assert site.state == "ok"


def test_the_cache_keeps_the_last_four_cycles() -> None:
    inv = load_inventory(DEFAULT_INVENTORY)
    cache = MonitorCache(build_plan(inv), clock=lambda: 0.0)
    state = cache.probes["moj-hq/gateway"]
    for received in (5, 5, 3, 5, 4):  # the first cycle falls out of the window of four
        state.record(ProbeResult(sent=5, received=received, rtts=(0.001,) * received), 0.0)
    assert state.recent_sent == 20 and state.recent_loss == pytest.approx(3 / 20)
    reg = registry_for(cache)
    labels = {"site": "moj-hq", "ministry": "moj", "province": "Phnom Penh", "target": "gateway", "kind": "icmp"}
    assert reg.get_sample_value("netkit_probe_recent_packets", labels) == 20
