"""Device and interface alerts: one generic group, labelled from the exporter's own series.

These need no per-site numbers except the committed bandwidth, which the exporter exports per circuit end
(`netkit_circuit_committed_bits_per_second`) and the rule joins on (device, interface).
"""

from __future__ import annotations

from dataclasses import dataclass

from netkit.monitor.as_code.rules import AlertingRule, RuleGroup
from netkit.monitor.as_code.rules_links import DEVICE_UID, SITE_UID, Links
from netkit.monitor.as_code.rules_windows import WindowSet

EXPORTER_JOB = "netkit"
ROUTER_ROLES = "core-router|site-router"


@dataclass(frozen=True)
class DevicePolicy:
    """Thresholds of the device alerts (production durations; the window set scales them)."""

    uplink_share: float = 0.8  # of the committed bandwidth, per direction
    error_ratio: float = 0.01  # errored / all packets of an interface
    unreachable_for_s: int = 180
    interface_down_for_s: int = 120
    utilisation_for_s: int = 900
    errors_for_s: int = 600
    restarted_below_s: int = 900  # uptime under this means the device restarted recently
    cert_ticket_days: int = 14
    cert_page_days: int = 3
    rate_window_s: int = 300


def _device_links(links: Links, summary: str, description: str, alert: str, *, site: bool = False) -> dict[str, str]:
    board = (links.dashboard(SITE_UID, site="{{ $labels.site }}") if site
             else links.dashboard(DEVICE_UID, device="{{ $labels.device }}"))
    return {"summary": summary, "description": description, "dashboard": board, "runbook_url": links.runbook(alert)}


def device_group(windows: WindowSet, links: Links, policy: DevicePolicy = DevicePolicy()) -> RuleGroup:
    rate_w = windows.rate_window(policy.rate_window_s)
    where = "{{ $labels.device }} ({{ $labels.site }}, {{ $labels.ministry }})"
    itf = "{{ $labels.interface }} ({{ $labels.alias }}) of {{ $labels.device }} ({{ $labels.site }}, {{ $labels.ministry }})"

    def rate(metric: str) -> str:
        return f"rate({metric}[{rate_w}])"

    unreachable = [
        AlertingRule(
            alert="NetkitDeviceUnreachable", expr=f'netkit_device_up{{role{op}"{ROUTER_ROLES}"}} == 0',
            for_=windows.hold(policy.unreachable_for_s), labels={"severity": sev},
            annotations=_device_links(
                links, f"{where} does not answer SNMP",
                f"The exporter's SNMP polls of {where} have failed for {windows.hold(policy.unreachable_for_s)}. "
                "Its interface alerts are inhibited while this fires.", "NetkitDeviceUnreachable"),
        )
        for op, sev in (("=~", "page"), ("!~", "ticket"))
    ]
    interface_down = AlertingRule(
        alert="NetkitInterfaceDown",
        expr="netkit_interface_oper_up == 0\nand on (device, interface)\nnetkit_interface_admin_up == 1",
        for_=windows.hold(policy.interface_down_for_s), labels={"severity": "ticket"},
        annotations=_device_links(
            links, f"{itf} is down but administratively up",
            f"{itf} has been operationally down for {windows.hold(policy.interface_down_for_s)} "
            "while configured up.", "NetkitInterfaceDown"),
    )
    bits = (f'label_replace({rate("netkit_interface_receive_bytes_total")} * 8, "direction", "in", "", "")\n  or\n  '
            f'label_replace({rate("netkit_interface_transmit_bytes_total")} * 8, "direction", "out", "", "")')
    utilisation = AlertingRule(
        alert="NetkitUplinkSaturated",
        expr=(f"(\n  {bits}\n)\n/ on (device, interface) group_left (circuit_id)\n"
              f"max by (device, interface, circuit_id) (netkit_circuit_committed_bits_per_second)\n"
              f"> {policy.uplink_share}"),
        for_=windows.hold(policy.utilisation_for_s), labels={"severity": "ticket"},
        annotations=_device_links(
            links, f"{itf} uses {{{{ $value | humanizePercentage }}}} of circuit {{{{ $labels.circuit_id }}}}",
            f"Traffic {{{{ $labels.direction }}}} on {itf} has stayed above "
            f"{policy.uplink_share:.0%} of the committed bandwidth of circuit {{{{ $labels.circuit_id }}}} for "
            f"{windows.hold(policy.utilisation_for_s)}.", "NetkitUplinkSaturated", site=True),
    )
    errors = AlertingRule(
        alert="NetkitInterfaceErrors",
        expr=(f"({rate('netkit_interface_receive_errors_total')} + {rate('netkit_interface_transmit_errors_total')})\n/\n"
              f"({rate('netkit_interface_receive_packets_total')} + {rate('netkit_interface_transmit_packets_total')}"
              f" + {rate('netkit_interface_receive_errors_total')} + {rate('netkit_interface_transmit_errors_total')})\n"
              f"> {policy.error_ratio}"),
        for_=windows.hold(policy.errors_for_s), labels={"severity": "ticket"},
        annotations=_device_links(
            links, f"{itf} errors on {{{{ $value | humanizePercentage }}}} of its packets",
            f"More than {policy.error_ratio:.1%} of the packets on {itf} have been errored for "
            f"{windows.hold(policy.errors_for_s)}: check the cable, optics or the carrier's circuit.",
            "NetkitInterfaceErrors"),
    )
    restarted = AlertingRule(
        alert="NetkitDeviceRestarted",
        expr=f"netkit_device_uptime_seconds < {max(windows.evaluation_interval_s * 5, policy.restarted_below_s // windows.divisor)}",
        labels={"severity": "ticket"},
        annotations=_device_links(
            links, "{{ $labels.device }} restarted {{ $value | humanizeDuration }} ago",
            f"{where} has been up for only {{{{ $value | humanizeDuration }}}}: it rebooted or its SNMP agent "
            "restarted. Check why (power, crash, an unplanned change).", "NetkitDeviceRestarted"),
    )
    certs = [
        AlertingRule(
            alert="NetkitCertificateExpiring",
            expr=f"netkit_probe_tls_cert_expiry_timestamp_seconds - time() < {days} * 86400",
            labels={"severity": sev},
            annotations=_device_links(
                links, "Certificate of {{ $labels.target }} ({{ $labels.site }}) expires in "
                "{{ $value | humanizeDuration }}",
                f"The TLS certificate served by target {{{{ $labels.target }}}} of {{{{ $labels.site }}}} "
                f"({{{{ $labels.ministry }}}}) expires in under {days} days. Renew it before clients refuse it.",
                "NetkitCertificateExpiring", site=True),
        )
        for days, sev in ((policy.cert_ticket_days, "ticket"), (policy.cert_page_days, "page"))
    ]
    exporter_down = AlertingRule(
        alert="NetkitExporterDown", expr=f'up{{job="{EXPORTER_JOB}"}} == 0',
        for_=windows.hold(120), labels={"severity": "page"},
        annotations={
            "summary": "netkit exporter {{ $labels.instance }} cannot be scraped",
            "description": "Prometheus has failed to scrape {{ $labels.instance }} for "
                           f"{windows.hold(120)}: the sites it covers are not watched.",
            "dashboard": links.dashboard(DEVICE_UID),
            "runbook_url": links.runbook("NetkitExporterDown"),
        },
    )
    return RuleGroup(name="netkit-devices", rules=[
        *unreachable, interface_down, utilisation, errors, restarted, *certs, exporter_down])
