"""Monitoring as code for the watcher: its alert rules, routed to the engineering receiver.

Drift is work for the engineers who own the configuration, not a page for the NOC: both alerts carry
`team: engineering`, which Alertmanager's first route sends to the `engineering` receiver.
"""

from __future__ import annotations

from netkit.monitor.as_code.rules import AlertingRule, RuleGroup
from netkit.monitor.as_code.rules_links import Links
from netkit.monitor.as_code.rules_windows import WindowSet

DRIFT_ALERT = "NetkitConfigDrift"
BACKUP_ALERT = "NetkitConfigBackupFailing"
TEAM = "engineering"
DRIFT_UID = "netkit-config-drift"
DRIFT_FOR_S = 10 * 60
BACKUP_FOR_S = 60 * 60


def config_group(windows: WindowSet, links: Links) -> RuleGroup:
    where = "{{ $labels.device }} ({{ $labels.site }}, {{ $labels.ministry }})"
    labels = {"severity": "ticket", "team": TEAM}
    board = links.dashboard(DRIFT_UID, device="{{ $labels.device }}")
    drift = AlertingRule(
        alert=DRIFT_ALERT,
        expr="max by (device, site, ministry) (netkit_config_drift_lines) > 0",
        for_=windows.hold(DRIFT_FOR_S), labels=labels,
        annotations={
            "summary": f"{where} differs from its intended configuration by {{{{ $value }}}} lines",
            "description": f"The last backup of {where} is not what the inventory and templates intend. "
                           "`netkit compliance {{ $labels.device }}` shows the lines and the remediation; "
                           "`netkit backup log {{ $labels.device }}` who changed it; `netkit provision site "
                           "{{ $labels.site }}` restores it.",
            "dashboard": board, "runbook_url": links.runbook(DRIFT_ALERT)},
    )
    failing = AlertingRule(
        alert=BACKUP_ALERT,
        expr="netkit_config_backup_success == 0",
        for_=windows.hold(BACKUP_FOR_S), labels=labels,
        annotations={
            "summary": f"{where} cannot be backed up",
            "description": f"The watcher's backups of {where} fail (its log and `netkit backup serve` say why). "
                           "Its compliance metrics are those of the last good backup.",
            "dashboard": board, "runbook_url": links.runbook(BACKUP_ALERT)},
    )
    return RuleGroup(name="netkit-config", rules=[drift, failing])
