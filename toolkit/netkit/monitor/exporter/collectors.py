"""Prometheus collectors: metric families built fresh from the cache on every scrape.

Names and labels follow docs/metrics-contract.md (docs/metrics.md is the reference). Nothing here talks to
a device: a scrape reads what the pollers and probers last wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import accumulate

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from netkit.localtime import zone
from netkit.monitor.exporter.cache import DYNAMIC_COLUMNS, RTT_LES, MonitorCache, ProbeState
from netkit.monitor.exporter.families import FastFamily, FastHistogram
from netkit.monitor.exporter.maintenance import any_open
from netkit.monitor.exporter.plan import (
    CIRCUIT_LABELS,
    DEVICE_LABELS,
    INTERFACE_LABELS,
    PROBE_LABELS,
    SITE_LABELS,
)

# (metric name without _total, help, column) for the interface counters.
INTERFACE_COUNTERS = (
    ("netkit_interface_receive_bytes", "Octets received (IF-MIB ifHCInOctets).", "in_octets"),
    ("netkit_interface_transmit_bytes", "Octets sent (IF-MIB ifHCOutOctets).", "out_octets"),
    ("netkit_interface_receive_packets", "Unicast packets received (IF-MIB ifHCInUcastPkts).", "in_packets"),
    ("netkit_interface_transmit_packets", "Unicast packets sent (IF-MIB ifHCOutUcastPkts).", "out_packets"),
    ("netkit_interface_receive_errors", "Inbound packets with errors (IF-MIB ifInErrors).", "in_errors"),
    ("netkit_interface_transmit_errors", "Outbound packets not sent because of errors (IF-MIB ifOutErrors).",
     "out_errors"),
    ("netkit_interface_receive_discards", "Inbound packets discarded (IF-MIB ifInDiscards).", "in_discards"),
    ("netkit_interface_transmit_discards", "Outbound packets discarded (IF-MIB ifOutDiscards).", "out_discards"),
)

# (metric name, help, Agreement attribute) of the agreed thresholds, one series per probe target.
MOU_FAMILIES = (
    ("netkit_mou_availability_ratio", "Agreed availability (MoU), e.g. 0.995.", "availability_ratio"),
    ("netkit_mou_latency_seconds", "Agreed maximum round-trip time.", "latency_seconds"),
    ("netkit_mou_loss_ratio", "Agreed maximum packet loss.", "loss_ratio"),
    ("netkit_mou_bandwidth_bits_per_second", "Agreed bandwidth.", "bandwidth_bps"),
    ("netkit_mou_period_seconds", "Period the agreement is measured over.", "period_seconds"),
)


class InterfaceCollector:
    """Per-interface counters, status and speed for every polled device (the bulk of the series)."""

    def __init__(self, cache: MonitorCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        states = list(self.cache.devices.values())
        for name, doc, column in INTERFACE_COUNTERS:
            fam = FastFamily(name, doc, "counter", INTERFACE_LABELS)
            i = DYNAMIC_COLUMNS.index(column)
            for st in states:
                fam.add_rows([(r.labels, r.label_text, r.values[i]) for r in st.interfaces])
            yield fam
        for name, doc, column in (
            ("netkit_interface_oper_up", "1 if the interface is operationally up (ifOperStatus 1).", "oper_status"),
            ("netkit_interface_admin_up", "1 if the interface is administratively up (ifAdminStatus 1).",
             "admin_status"),
        ):
            fam = FastFamily(name, doc, "gauge", INTERFACE_LABELS)
            i = DYNAMIC_COLUMNS.index(column)
            for st in states:
                fam.add_rows([(r.labels, r.label_text, None if r.values[i] is None else int(r.values[i] == 1))
                              for r in st.interfaces])
            yield fam
        fam = FastFamily("netkit_interface_speed_bits_per_second", "Interface speed (ifHighSpeed * 1e6).", "gauge",
                         INTERFACE_LABELS)
        for st in states:
            fam.add_rows([(r.labels, r.label_text, r.speed_bps) for r in st.interfaces])
        yield fam


class DeviceCollector:
    """Per-device SNMP health, uptime, resources, routing peers, and committed circuit bandwidth."""

    def __init__(self, cache: MonitorCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        states = list(self.cache.devices.values())
        up = GaugeMetricFamily("netkit_device_up", "1 if the last SNMP poll of the device succeeded.",
                               labels=DEVICE_LABELS)
        duration = GaugeMetricFamily("netkit_snmp_poll_duration_seconds", "Duration of the last SNMP poll.",
                                     labels=DEVICE_LABELS)
        errors = CounterMetricFamily("netkit_snmp_poll_errors", "Failed SNMP polls by reason (timeout, auth, other).",
                                     labels=(*DEVICE_LABELS, "reason"))
        last = GaugeMetricFamily("netkit_snmp_last_success_timestamp_seconds",
                                 "Unix time of the last successful SNMP poll.", labels=DEVICE_LABELS)
        uptime = GaugeMetricFamily("netkit_device_uptime_seconds", "Agent uptime (sysUpTime / 100).",
                                   labels=DEVICE_LABELS)
        cpu = GaugeMetricFamily("netkit_device_cpu_utilization_ratio",
                                "CPU busy share (1 - UCD-SNMP-MIB ssCpuIdle / 100), where the agent has it.",
                                labels=DEVICE_LABELS)
        mem_total = GaugeMetricFamily("netkit_device_memory_total_bytes", "Real memory (UCD-SNMP-MIB memTotalReal).",
                                      labels=DEVICE_LABELS)
        mem_avail = GaugeMetricFamily("netkit_device_memory_available_bytes",
                                      "Available real memory (UCD-SNMP-MIB memAvailReal).", labels=DEVICE_LABELS)
        bgp = GaugeMetricFamily("netkit_bgp_peer_up", "1 if the BGP peer is established (BGP4-MIB bgpPeerState 6).",
                                labels=(*DEVICE_LABELS, "peer"))
        ospf = GaugeMetricFamily("netkit_ospf_neighbor_up", "1 if the OSPF neighbour is full (OSPF-MIB ospfNbrState 8).",
                                 labels=(*DEVICE_LABELS, "neighbor"))
        for st in states:
            labels = list(st.spec.labels)
            if st.polls:  # no series before the first poll: a restart must not look like an outage
                up.add_metric(labels, 1.0 if st.up else 0.0)
            for reason, count in st.errors.items():
                errors.add_metric([*labels, reason], float(count))
            for fam, value in ((duration, st.poll_duration), (last, st.last_success), (uptime, st.uptime_seconds),
                               (cpu, st.cpu_ratio), (mem_total, st.memory_total_bytes),
                               (mem_avail, st.memory_available_bytes)):
                if value is not None:
                    fam.add_metric(labels, value)
            for peer, ok in st.bgp_peers:
                bgp.add_metric([*labels, peer], 1.0 if ok else 0.0)
            for neighbor, ok in st.ospf_neighbors:
                ospf.add_metric([*labels, neighbor], 1.0 if ok else 0.0)
        yield from (up, duration, errors, last, uptime, cpu, mem_total, mem_avail, bgp, ospf)
        committed = GaugeMetricFamily("netkit_circuit_committed_bits_per_second",
                                      "Committed bandwidth of the circuit on this interface (inventory).",
                                      labels=CIRCUIT_LABELS)
        for c in self.cache.plan.circuits:
            committed.add_metric(list(c.labels), c.committed_bps)
        yield committed


class ProbeCollector:
    """Per-target probe results from the NOC's vantage point."""

    def __init__(self, cache: MonitorCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        rows = [(st.spec.labels, st.label_text, st) for st in self.cache.probes.values()]

        def family(name: str, doc: str, typ: str, value: Callable[[ProbeState], float | None]) -> FastFamily:
            fam = FastFamily(name, doc, typ, PROBE_LABELS)
            fam.add_rows([(labels, text, value(st)) for labels, text, st in rows])
            return fam

        yield family("netkit_probe_success", "1 if the target answered in the last cycle.", "gauge",
                     lambda st: None if st.success is None else int(st.success))
        yield family("netkit_probe_cycles", "Probe cycles run.", "counter", lambda st: st.cycles)
        yield family("netkit_probe_cycles_failed", "Probe cycles in which the target did not answer.", "counter",
                     lambda st: st.cycles_failed)
        yield family("netkit_probe_packets_sent", "ICMP echo requests sent (TCP/HTTP: one per cycle).", "counter",
                     lambda st: st.sent)
        yield family("netkit_probe_packets_received", "Replies received (TCP/HTTP: successful attempts).", "counter",
                     lambda st: st.received)
        yield family("netkit_probe_packets_slow", "Replies slower than the site's MoU latency (icmp/tcp) or its "
                     "http answer time (http).", "counter",
                     lambda st: st.slow)
        rtt = FastHistogram("netkit_probe_rtt_seconds", "Round-trip time of every reply.", PROBE_LABELS, RTT_LES)
        rtt.add_rows([(labels, text, list(accumulate(st.bucket_counts)), st.rtt_sum) for labels, text, st in rows])
        yield rtt
        yield family("netkit_probe_loss_ratio", "Share of probes lost in the last cycle.", "gauge",
                     lambda st: st.loss_ratio)
        yield family("netkit_probe_recent_loss_ratio", "Share of probes lost over the last 4 cycles.", "gauge",
                     lambda st: st.recent_loss)
        yield family("netkit_probe_recent_packets", "Probes sent over the last 4 cycles.", "gauge",
                     lambda st: st.recent_sent or None)
        yield family("netkit_probe_jitter_seconds", "Mean absolute difference of consecutive RTTs, last cycle.",
                     "gauge", lambda st: st.jitter)
        yield family("netkit_probe_rtt_avg_seconds", "Mean RTT of the last cycle.", "gauge", lambda st: st.rtt_avg)
        yield family("netkit_probe_http_status_code", "HTTP status of the last cycle (http targets).", "gauge",
                     lambda st: st.http_status)
        yield family("netkit_probe_tls_cert_expiry_timestamp_seconds",
                     "Unix time the target's TLS certificate expires (https targets).", "gauge",
                     lambda st: st.cert_expiry)


class AgreementCollector:
    """MoU thresholds per target, maintenance windows and site info: constant series from the inventory."""

    def __init__(self, cache: MonitorCache) -> None:
        self.cache = cache
        self.tz = zone(cache.plan.timezone)
        self.mou_rows = [[(st.spec.labels, st.label_text, float(getattr(st.spec.mou, attr)))
                          for st in cache.probes.values()] for _, _, attr in MOU_FAMILIES]  # fixed by the plan

    def collect(self) -> Iterator[Metric]:
        plan = self.cache.plan
        for (name, doc, _), rows in zip(MOU_FAMILIES, self.mou_rows, strict=True):
            fam = FastFamily(name, doc, "gauge", PROBE_LABELS)
            fam.add_rows(rows)
            yield fam
        answer = FastFamily("netkit_mou_http_answer_seconds", "Agreed maximum answer time of an http target.",
                            "gauge", PROBE_LABELS)
        answer.add_rows([(st.spec.labels, st.label_text, st.spec.mou.http_answer_seconds)
                         for st in self.cache.probes.values() if st.spec.kind == "http"])
        yield answer
        now = datetime.fromtimestamp(self.cache.clock(), UTC)
        maint = GaugeMetricFamily("netkit_site_maintenance", "1 while a declared maintenance window is open.",
                                  labels=SITE_LABELS)
        info = GaugeMetricFamily("netkit_site_info", "Site names, English and Khmer (always 1).",
                                 labels=(*SITE_LABELS, "name", "ministry_name", "name_km", "ministry_name_km"))
        for s in plan.sites:
            maint.add_metric(list(s.labels), 1.0 if any_open(list(s.maintenance), now, self.tz) else 0.0)
            info.add_metric([*s.labels, s.name, s.ministry_name, s.name_km, s.ministry_name_km], 1.0)
        yield maint
        yield info


class BandwidthCollector:
    """The scheduled throughput tests' results, beside netkit_mou_bandwidth_bits_per_second."""

    def __init__(self, cache: MonitorCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        states = list(self.cache.bandwidth.values())
        last = GaugeMetricFamily("netkit_bandwidth_test_bits_per_second",
                                 "Throughput the last bandwidth test delivered (iperf3, NOC to site).", labels=SITE_LABELS)
        agreed = GaugeMetricFamily("netkit_bandwidth_agreed_bits_per_second", "Agreed bandwidth of the tested site.",
                                   labels=SITE_LABELS)
        in_a_row = GaugeMetricFamily("netkit_bandwidth_test_misses_in_a_row",
                                     "Consecutive bandwidth tests below the agreement.", labels=SITE_LABELS)
        tests = CounterMetricFamily("netkit_bandwidth_tests", "Bandwidth tests completed.", labels=SITE_LABELS)
        misses = CounterMetricFamily("netkit_bandwidth_test_misses", "Bandwidth tests below the agreement.",
                                     labels=SITE_LABELS)
        failed = CounterMetricFamily("netkit_bandwidth_tests_failed", "Bandwidth tests that could not run.",
                                     labels=SITE_LABELS)
        for st in states:
            labels = list(st.target.labels)
            agreed.add_metric(labels, st.target.agreed_bps)
            if st.last_bps is not None:
                last.add_metric(labels, st.last_bps)
            in_a_row.add_metric(labels, float(st.misses_in_a_row))
            tests.add_metric(labels, float(st.tests))
            misses.add_metric(labels, float(st.misses))
            failed.add_metric(labels, float(st.failures))
        yield from (last, agreed, in_a_row, tests, misses, failed)


class ExporterCollector:
    """The exporter's own health."""

    def __init__(self, cache: MonitorCache) -> None:
        self.cache = cache

    def collect(self) -> Iterator[Metric]:
        scrape = GaugeMetricFamily("netkit_exporter_scrape_duration_seconds", "Duration of the previous scrape.")
        scrape.add_metric([], self.cache.last_scrape_duration or 0.0)  # 0 until the first scrape
        yield scrape
        targets = GaugeMetricFamily("netkit_exporter_targets", "Devices (kind=snmp) and probe targets watched.",
                                    labels=["kind"])
        plan = self.cache.plan
        targets.add_metric(["snmp"], float(len(plan.devices)))
        for kind in ("icmp", "tcp", "http"):
            targets.add_metric([kind], float(sum(1 for p in plan.probes if p.kind == kind)))
        yield targets


def collectors_for(cache: MonitorCache) -> list[Collector]:
    return [ExporterCollector(cache), DeviceCollector(cache), InterfaceCollector(cache), ProbeCollector(cache),
            AgreementCollector(cache), BandwidthCollector(cache)]

