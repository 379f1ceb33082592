"""The engineers' dashboard of configuration drift: which devices differ from their intent, in which
features, by how many lines, and whether their backups still work (`netkit backup serve` metrics)."""

from __future__ import annotations

from typing import Any

from netkit.monitor.as_code.dashboards import Q, new_dashboard, stat, table, timeseries, to_json, variable
from netkit.watch.alerting import DRIFT_UID

M = 'ministry=~"$ministry"'
D = 'device=~"$device"'


def config_drift() -> dict[str, Any]:
    board = new_dashboard(DRIFT_UID, "netkit / Configuration drift",
                          "Devices whose last backup differs from the intended configuration, per feature; "
                          "backups that fail. `netkit compliance DEVICE` gives the remediation.")
    # The same lists as the NOC's boards (from the exporter), so a link from one board to this one keeps them.
    board = board.with_variable(variable("ministry", "Ministry", "label_values(netkit_site_info, ministry)",
                                         include_all=True))
    board = board.with_variable(variable("device", "Device", f"label_values(netkit_device_up{{{M}}}, device)",
                                         include_all=True))
    board = board.with_panel(stat(
        "Devices drifted", [Q(f"count(netkit_config_drift_lines{{{M}, {D}}} > 0) or vector(0)")], "none",
        "Devices whose last backup has lines missing from or extra to the intended configuration.", span=8,
        steps=((None, "green"), (1, "orange"))))
    board = board.with_panel(stat(
        "Backups failing", [Q(f"count(netkit_config_backup_success{{{M}, {D}}} == 0) or vector(0)")], "none",
        "Devices whose last backup failed (unreachable, refused): their compliance is that of the last good one.",
        span=8, steps=((None, "green"), (1, "red"))))
    board = board.with_panel(stat(
        "Changes seen (24 h)", [Q(f"sum(increase(netkit_config_changes_total{{{M}, {D}}}[1d])) or vector(0)")],
        "none", "Backups that found a changed configuration (one commit each) over the last day.", span=8))
    board = board.with_panel(table(
        "Drifted devices",
        [Q(f"max by (ministry, site, device) (netkit_config_drift_lines{{{M}, {D}}}) > 0", instant=True),
         Q(f"count by (ministry, site, device) (netkit_config_compliant{{{M}, {D}}} == 0)", instant=True),
         Q(f"max by (ministry, site, device) (time() - netkit_config_backup_last_success_timestamp_seconds"
           f"{{{M}, {D}}})", instant=True)],
        "One row per drifted device: lines of drift, features out of intent, age of its last good backup.",
        rename={"Value #A": "lines of drift", "Value #B": "features out of intent",
                "Value #C": "last good backup (s ago)"}))
    board = board.with_panel(table(
        "Features out of intent",
        [Q(f"netkit_config_compliant{{{M}, {D}}} == 0", instant=True)],
        "Each device and feature (interfaces, routing, snmp, ...) whose last backup differs from the intent."))
    board = board.with_panel(timeseries(
        "Lines of drift", [Q(f"netkit_config_drift_lines{{{M}, {D}}}", "{{device}}")], "none",
        "Lines missing or extra per device over time: a step up is a hand edit, back to 0 a restore.", min_val=0))
    return to_json(board)
