"""The watcher's metrics, built fresh on each scrape from its state (a scrape never waits for a device).

Every series carries `device, site, ministry`; compliance adds `feature`. No label or value holds a
configuration line, so no secret can reach Prometheus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from netkit.inventory.models import Inventory
from netkit.watch.state import WatchState

LABELS = ["device", "site", "ministry"]


class WatchCollector(Collector):
    def __init__(self, inv: Inventory, state: Callable[[], WatchState]) -> None:
        self.inv = inv
        self.state = state

    def collect(self) -> Iterator[Metric]:
        st = self.state()
        attempt = GaugeMetricFamily("netkit_config_backup_last_attempt_timestamp_seconds",
                                    "When the watcher last tried to back up the device.", labels=LABELS)
        success_ts = GaugeMetricFamily("netkit_config_backup_last_success_timestamp_seconds",
                                       "When the device was last backed up successfully.", labels=LABELS)
        success = GaugeMetricFamily("netkit_config_backup_success",
                                    "1 if the last backup of the device succeeded, 0 if it failed.", labels=LABELS)
        commits = CounterMetricFamily("netkit_config_changes",
                                      "Backups that found the configuration changed (one commit each).", labels=LABELS)
        events = CounterMetricFamily("netkit_config_change_events",
                                     "Configuration changes the device reported by syslog.", labels=LABELS)
        compliant = GaugeMetricFamily("netkit_config_compliant",
                                      "1 if the feature of the last backup matches the intended config, else 0.",
                                      labels=[*LABELS, "feature"])
        drift = GaugeMetricFamily("netkit_config_drift_lines",
                                  "Lines of the last backup missing from or extra to the intended config.",
                                  labels=LABELS)
        for name, dev in self.inv.devices.items():
            ds = st.devices.get(name)
            if ds is None or ds.success is None:
                continue
            labels = [name, dev.site, dev.ministry]
            attempt.add_metric(labels, ds.last_attempt)
            if ds.last_success:
                success_ts.add_metric(labels, ds.last_success)
            success.add_metric(labels, 1.0 if ds.success else 0.0)
            commits.add_metric(labels, ds.commits)
            events.add_metric(labels, ds.change_events)
            if ds.compared:
                for feature, ok in sorted(ds.compliance.items()):
                    compliant.add_metric([*labels, feature], 1.0 if ok else 0.0)
                drift.add_metric(labels, ds.drift_lines)
        syslog = CounterMetricFamily("netkit_syslog_messages", "Syslog datagrams received, by what became of them.",
                                     labels=["result"])
        for result, count in sorted(dict(st.syslog_messages).items()):  # a copy: the loop may add a key
            syslog.add_metric([result], count)
        yield from (attempt, success_ts, success, commits, events, compliant, drift, syslog)
