"""Collectors read the cache into the metric contract; each test has its own CollectorRegistry."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import accumulate

import pytest
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.monitor.exporter.cache import DYNAMIC_COLUMNS, RTT_LES, InterfaceRow, MonitorCache, ProbeResult, label_text
from netkit.monitor.exporter.collectors import collectors_for
from netkit.monitor.exporter.families import render_metrics
from netkit.monitor.exporter.plan import INTERFACE_LABELS, PROBE_LABELS, build_plan
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.parser import text_string_to_metric_families

CONTRACT = ["netkit_device_up", "netkit_snmp_poll_duration_seconds", "netkit_snmp_poll_errors_total", "netkit_snmp_last_success_timestamp_seconds", "netkit_device_uptime_seconds", "netkit_interface_receive_bytes_total", "netkit_interface_transmit_bytes_total", "netkit_interface_receive_packets_total", "netkit_interface_transmit_packets_total", "netkit_interface_receive_errors_total", "netkit_interface_transmit_errors_total", "netkit_interface_receive_discards_total", "netkit_interface_transmit_discards_total", "netkit_interface_oper_up", "netkit_interface_admin_up", "netkit_interface_speed_bits_per_second", "netkit_circuit_committed_bits_per_second", "netkit_probe_success", "netkit_probe_cycles_total", "netkit_probe_cycles_failed_total", "netkit_probe_packets_sent_total", "netkit_probe_packets_received_total", "netkit_probe_packets_slow_total", "netkit_probe_rtt_seconds_bucket", "netkit_probe_rtt_seconds_sum", "netkit_probe_rtt_seconds_count", "netkit_probe_loss_ratio", "netkit_probe_jitter_seconds", "netkit_probe_rtt_avg_seconds", "netkit_mou_availability_ratio", "netkit_mou_latency_seconds", "netkit_mou_loss_ratio", "netkit_mou_bandwidth_bits_per_second", "netkit_mou_period_seconds", "netkit_site_maintenance", "netkit_site_info", "netkit_exporter_scrape_duration_seconds", "netkit_exporter_targets"]

# Friday 03:00 in Phnom Penh (Thursday 20:00 UTC): inside moj-hq's weekly window (fri 02:00 local + 120 min).
FRIDAY_3AM = datetime(2026, 10, 1, 20, 0, tzinfo=UTC)


def registry_for(cache: MonitorCache) -> CollectorRegistry:
    """A registry of its own (never the global one) with every netkit collector."""
    registry = CollectorRegistry(auto_describe=False)
    for c in collectors_for(cache):
        registry.register(c)
    return registry


@pytest.fixture(scope="module")
def inventory():  # type: ignore[no-untyped-def]
    return load_inventory(DEFAULT_INVENTORY)


def _row(labels: tuple[str, ...], index: int, name: str, base: int) -> InterfaceRow:
    ilabels = (*labels, name, f"to {name}")
    values = (*tuple(base + i for i in range(8)), 1, 1)
    return InterfaceRow(index=index, name=name, alias=f"to {name}", speed_bps=1e9, values=values, labels=ilabels,
                        label_text=label_text(INTERFACE_LABELS, ilabels))


def _filled(inventory, clock: float = FRIDAY_3AM.timestamp()) -> MonitorCache:  # type: ignore[no-untyped-def]
    cache = MonitorCache(build_plan(inventory), clock=lambda: clock)
    hq = cache.devices["moj-hq-r1"]
    hq.up, hq.polls, hq.poll_duration, hq.last_success, hq.uptime_seconds = True, 1, 0.25, clock - 5, 1234.5
    hq.interfaces = (_row(hq.spec.labels, 2, "eth1", 1000), _row(hq.spec.labels, 3, "eth2", 2000))
    hq.bgp_peers = (("198.18.16.33", True), ("198.18.16.35", False))
    cache.devices["moj-ratanakiri-r1"].polls = 1
    cache.devices["moj-ratanakiri-r1"].record_error("timeout", "moj-ratanakiri-r1: No SNMP response received before timeout")
    cache.probes["moj-ratanakiri/gateway"].record(ProbeResult(sent=5, received=4, rtts=(0.040, 0.050, 0.045, 0.200)), clock)
    cache.probes["nat-dc/verify-platform"].record(ProbeResult(sent=1, received=1, rtts=(0.003,), http_status=200), clock)
    return cache


def test_every_contract_metric_is_exposed(inventory) -> None:  # type: ignore[no-untyped-def]
    text = generate_latest(registry_for(_filled(inventory))).decode()
    names = {s.name for fam in text_string_to_metric_families(text) for s in fam.samples}
    assert set(CONTRACT) <= names, sorted(set(CONTRACT) - names)


def test_device_and_interface_samples(inventory) -> None:  # type: ignore[no-untyped-def]
    reg = registry_for(_filled(inventory))
    dev = {"device": "moj-hq-r1", "site": "moj-hq", "ministry": "moj", "province": "Phnom Penh", "role": "site-router"}
    assert reg.get_sample_value("netkit_device_up", dev) == 1
    assert reg.get_sample_value("netkit_device_uptime_seconds", dev) == 1234.5
    eth1 = {**dev, "interface": "eth1", "alias": "to eth1"}
    assert reg.get_sample_value("netkit_interface_receive_bytes_total", eth1) == 1000
    assert reg.get_sample_value("netkit_interface_transmit_discards_total", eth1) == 1007
    assert reg.get_sample_value("netkit_interface_oper_up", eth1) == 1
    assert reg.get_sample_value("netkit_interface_speed_bits_per_second", eth1) == 1e9
    assert reg.get_sample_value("netkit_bgp_peer_up", {**dev, "peer": "198.18.16.35"}) == 0
    ratanakiri = {"device": "moj-ratanakiri-r1", "site": "moj-ratanakiri", "ministry": "moj", "province": "Ratanakiri",
             "role": "site-router"}
    assert reg.get_sample_value("netkit_device_up", ratanakiri) == 0
    assert reg.get_sample_value("netkit_snmp_poll_errors_total", {**ratanakiri, "reason": "timeout"}) == 1
    assert reg.get_sample_value("netkit_snmp_poll_errors_total", {**ratanakiri, "reason": "auth"}) == 0
    circuit = {"device": "moj-ratanakiri-r1", "interface": "eth1", "site": "moj-ratanakiri", "ministry": "moj",
               "province": "Ratanakiri", "circuit_id": "GOV-MOJ-RTK-001"}
    assert reg.get_sample_value("netkit_circuit_committed_bits_per_second", circuit) == 20e6


def test_probe_samples_against_the_agreement(inventory) -> None:  # type: ignore[no-untyped-def]
    reg = registry_for(_filled(inventory))
    t = {"site": "moj-ratanakiri", "ministry": "moj", "province": "Ratanakiri", "target": "gateway", "kind": "icmp"}
    assert reg.get_sample_value("netkit_probe_success", t) == 1
    assert reg.get_sample_value("netkit_probe_packets_sent_total", t) == 5
    assert reg.get_sample_value("netkit_probe_packets_received_total", t) == 4
    assert reg.get_sample_value("netkit_probe_packets_slow_total", t) == 1  # 200 ms > the 120 ms MoU
    assert reg.get_sample_value("netkit_probe_loss_ratio", t) == pytest.approx(0.2)
    assert reg.get_sample_value("netkit_probe_jitter_seconds", t) == pytest.approx((0.010 + 0.005 + 0.155) / 3)
    assert reg.get_sample_value("netkit_probe_rtt_avg_seconds", t) == pytest.approx(0.08375)
    assert reg.get_sample_value("netkit_probe_rtt_seconds_count", t) == 4
    assert reg.get_sample_value("netkit_probe_rtt_seconds_bucket", {**t, "le": "0.05"}) == 3
    assert reg.get_sample_value("netkit_probe_rtt_seconds_bucket", {**t, "le": "+Inf"}) == 4
    assert reg.get_sample_value("netkit_mou_latency_seconds", t) == pytest.approx(0.12)
    assert reg.get_sample_value("netkit_mou_loss_ratio", t) == pytest.approx(0.02)
    assert reg.get_sample_value("netkit_mou_availability_ratio", t) == pytest.approx(0.99)
    assert reg.get_sample_value("netkit_mou_bandwidth_bits_per_second", t) == 20e6
    assert reg.get_sample_value("netkit_mou_period_seconds", t) == 30 * 86400
    http = {"site": "nat-dc", "ministry": "mpt", "province": "Phnom Penh", "target": "verify-platform", "kind": "http"}
    assert reg.get_sample_value("netkit_probe_http_status_code", http) == 200
    # never probed yet: counters at zero, no success series
    battambang = {"site": "moj-battambang", "ministry": "moj", "province": "Battambang", "target": "gateway", "kind": "icmp"}
    assert reg.get_sample_value("netkit_probe_success", battambang) is None
    assert reg.get_sample_value("netkit_probe_cycles_total", battambang) == 0


def test_maintenance_and_site_info(inventory) -> None:  # type: ignore[no-untyped-def]
    reg = registry_for(_filled(inventory))
    assert reg.get_sample_value("netkit_site_maintenance", {"site": "moj-hq", "ministry": "moj",
                                                            "province": "Phnom Penh"}) == 1
    assert reg.get_sample_value("netkit_site_maintenance", {"site": "moj-ratanakiri", "ministry": "moj",
                                                            "province": "Ratanakiri"}) == 0
    later = registry_for(_filled(inventory, clock=FRIDAY_3AM.timestamp() + 3600))
    assert later.get_sample_value("netkit_site_maintenance", {"site": "moj-hq", "ministry": "moj",
                                                              "province": "Phnom Penh"}) == 0
    assert reg.get_sample_value("netkit_site_info", {
        "site": "moj-hq", "ministry": "moj", "province": "Phnom Penh", "name": "Ministry of Justice Headquarters",
        "ministry_name": "Ministry of Justice", "name_km": "ទីស្ដីការក្រសួងយុត្តិធម៌",
        "ministry_name_km": "ក្រសួងយុត្តិធម៌"}) == 1
    assert reg.get_sample_value("netkit_exporter_targets", {"kind": "snmp"}) == len(inventory.devices)
    never = {"device": "dc-core2", "site": "nat-dc", "ministry": "mpt", "province": "Phnom Penh", "role": "core-router"}
    assert reg.get_sample_value("netkit_device_up", never) is None  # not polled yet: no series, no false alarm
    assert reg.get_sample_value("netkit_snmp_poll_errors_total", {**never, "reason": "timeout"}) == 0
    assert reg.get_sample_value("netkit_exporter_targets", {"kind": "icmp"}) == 5


def test_fast_exposition_equals_prometheus_client(inventory) -> None:  # type: ignore[no-untyped-def]
    cache = _filled(inventory)
    slow = generate_latest(registry_for(cache)).decode()
    fast = render_metrics(collectors_for(cache)).decode()

    def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        return {(s.name, frozenset(s.labels.items())): s.value
                for fam in text_string_to_metric_families(text) for s in fam.samples}

    assert samples(fast) == samples(slow)
    assert "# TYPE netkit_interface_receive_bytes_total counter" in fast
    # the probe histogram as prometheus_client itself would write it
    reference = HistogramMetricFamily("netkit_probe_rtt_seconds", "RTT", labels=PROBE_LABELS)
    for st in cache.probes.values():
        reference.add_metric(list(st.spec.labels), [(le, float(n)) for le, n in
                                                    zip(RTT_LES, accumulate(st.bucket_counts), strict=True)], st.rtt_sum)
    registry = CollectorRegistry()
    registry.register(_Fixed(reference))
    assert samples(generate_latest(registry).decode()).items() <= samples(fast).items()
    assert "# TYPE netkit_probe_rtt_seconds histogram" in fast


class _Fixed:
    def __init__(self, metric: HistogramMetricFamily) -> None:
        self.metric = metric

    def collect(self):  # type: ignore[no-untyped-def]
        yield self.metric


def test_labels_are_escaped_and_secrets_absent(inventory) -> None:  # type: ignore[no-untyped-def]
    cache = _filled(inventory)
    hq = cache.devices["moj-hq-r1"]
    labels = (*hq.spec.labels, "eth9", 'say "hi"\\ now')
    hq.interfaces = (InterfaceRow(9, "eth9", labels[-1], None, (1,) * len(DYNAMIC_COLUMNS), labels,
                                  label_text(INTERFACE_LABELS, labels)),)
    text = render_metrics(collectors_for(cache)).decode()
    parsed = {s.labels.get("alias") for fam in text_string_to_metric_families(text) for s in fam.samples
              if s.name == "netkit_interface_receive_bytes_total"}
    assert parsed == {'say "hi"\\ now'}
    for word in ("community", "password", "auth_key", "priv_key"):
        assert word not in text
