"""The three NOC dashboards: ministry overview, site detail, device interfaces.

Selectors use `=~"$var"` so the "All" option (`.*`) and multi-selection work; targets of the agreement
come from the exporter's netkit_mou_* gauges, never from numbers typed here.
"""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders import dashboard as gdash

from netkit.monitor.as_code.dashboards import (
    Q,
    new_dashboard,
    stat,
    table,
    timeseries,
    to_json,
    up_down_mapping,
    variable,
)
from netkit.monitor.as_code.rules_links import DEVICE_UID, OVERVIEW_UID, SITE_UID
from netkit.monitor.as_code.slo import BUDGET_LEFT, BURN, ERROR_RATIO

M = 'ministry=~"$ministry"'
S = 'site=~"$site"'
D = 'device=~"$device"'
RI = "$__rate_interval"
RED_AMBER_GREEN = ((None, "red"), (0.0, "orange"), (0.25, "green"))


def _ministry_var() -> gdash.QueryVariable:
    return variable("ministry", "Ministry", "label_values(netkit_site_info, ministry)", include_all=True)


def _site_var(multi: bool) -> gdash.QueryVariable:
    return variable("site", "Site", f"label_values(netkit_site_info{{{M}}}, site)", include_all=multi)


def _window_var() -> gdash.QueryVariable:
    return variable("window", "Burn-rate window", f"label_values({BURN}, window)", include_all=False)


def ministry_overview() -> dict[str, Any]:
    board = new_dashboard(OVERVIEW_UID, "netkit / Ministry overview",
                          "Every site of the selected ministries against its agreement (MoU).")
    board = board.with_variable(_ministry_var()).with_variable(_window_var())
    board = board.with_row(gdash.Row("Now"))
    board = board.with_panel(stat(
        "Sites answering", [Q(f"count(max by (site) (netkit_probe_success{{{M}}}) == 1) or vector(0)")], "none",
        "Sites where at least one connectivity target answered its last probe.", span=6))
    board = board.with_panel(stat(
        "Sites down", [Q(f"count(max by (site) (netkit_probe_success{{{M}}}) == 0) or vector(0)")], "none",
        "Sites where no connectivity target answered its last probe.", span=6,
        steps=((None, "green"), (1, "red"))))
    board = board.with_panel(stat(
        "Sites over budget", [Q(f"count(min by (site) ({BUDGET_LEFT}{{{M}}}) < 0) or vector(0)")], "none",
        "Sites that have spent more than their whole error budget of the agreement period.", span=6,
        steps=((None, "green"), (1, "red"))))
    board = board.with_panel(stat(
        "Sites in maintenance", [Q(f"sum(netkit_site_maintenance{{{M}}}) or vector(0)")], "none",
        "Sites inside a declared maintenance window: their probes do not count against the budget.", span=6,
        steps=((None, "green"), (1, "blue"))))
    board = board.with_panel(table(
        "Every site against its agreement",
        [Q(f"max by (ministry, site) (netkit_probe_success{{{M}}})", instant=True),
         Q(f'min by (ministry, site) ({BUDGET_LEFT}{{{M}, sli="availability"}})', instant=True),
         Q(f'min by (ministry, site) ({BUDGET_LEFT}{{{M}, sli="latency"}})', instant=True),
         Q(f'min by (ministry, site) ({BUDGET_LEFT}{{{M}, sli="loss"}})', instant=True),
         Q(f"max by (ministry, site) (netkit_site_maintenance{{{M}}})", instant=True),
         Q(f'count by (ministry, site) (ALERTS{{{M}, alertstate="firing"}})', instant=True),
         Q(f"max by (ministry, site, name, name_km) (netkit_site_info{{{M}}})", instant=True)],
        "Status (last probe), error budget left per SLI for the agreement period (1 = untouched, below 0 = "
        "agreement breached), maintenance, firing alerts, and the site's English and Khmer names.",
        rename={"Value #A": "up", "Value #B": "availability budget left", "Value #C": "latency budget left",
                "Value #D": "loss budget left", "Value #E": "maintenance", "Value #F": "alerts firing",
                "Value #G": "named", "name_km": "ឈ្មោះ (Khmer name)"}))
    board = board.with_row(gdash.Row("Trends"))
    board = board.with_panel(timeseries(
        "Error budget left", [Q(f"min by (site, sli) ({BUDGET_LEFT}{{{M}}})", "{{site}} {{sli}}")], "percentunit",
        "Share of each site's error budget left for the agreement period.", span=12, max_val=1))
    board = board.with_panel(timeseries(
        "Burn rate", [Q(f'max by (site, sli) ({BURN}{{{M}, window="$window"}})', "{{site}} {{sli}}")], "x",
        "How many times faster than sustainable each site spends its budget (1 = exactly the budget over the "
        "period). The page threshold is 14.4 on the 1 h window.", span=12, min_val=0))
    return to_json(board)


def site_detail() -> dict[str, Any]:
    board = new_dashboard(SITE_UID, "netkit / Site detail",
                          "One site's availability, latency, loss and uplink utilisation against its agreement.")
    board = board.with_variable(_ministry_var()).with_variable(_site_var(False)).with_variable(_window_var())
    board = board.with_row(gdash.Row("Agreement period"))
    agreed_share = f"max(netkit_mou_availability_ratio{{{S}}})"
    for sli, title, agreed in (("availability", "Availability", agreed_share),
                               ("latency", "Replies within the latency target", agreed_share),
                               ("loss", "Delivered packets", f"1 - max(netkit_mou_loss_ratio{{{S}}})")):
        board = board.with_panel(stat(
            f"{title} (period)", [Q(f'1 - max({ERROR_RATIO}{{{S}, sli="{sli}"}})', "measured"),
                                  Q(agreed, "agreement")], "percentunit",
            f"Measured over the agreement period so far, maintenance windows excluded ({sli} SLI), beside the "
            "agreed share.", span=6, steps=((None, "red"), (0.99, "orange"), (0.995, "green"))))
    board = board.with_panel(stat(
        "Error budget left", [Q(f"min({BUDGET_LEFT}{{{S}}})")], "percentunit",
        "The smallest budget left of the site's SLIs (below 0: the agreement is breached).", span=6,
        steps=RED_AMBER_GREEN))
    board = board.with_row(gdash.Row("Measurements against the agreement"))
    board = board.with_panel(timeseries(
        "Availability", [Q(f"avg by (target) (avg_over_time(netkit_probe_success{{{S}}}[{RI}]))", "{{target}}"),
                         Q(f"max(netkit_mou_availability_ratio{{{S}}})", "agreement")],
        "percentunit", "Share of probe cycles that succeeded; dashed: the agreed availability.",
        max_val=1, dashed=("agreement",)))
    board = board.with_panel(timeseries(
        "Round-trip time", [Q(f"max by (target) (netkit_probe_rtt_avg_seconds{{{S}}})", "{{target}} average"),
                            Q("histogram_quantile(0.95, sum by (le, target) "
                              f"(rate(netkit_probe_rtt_seconds_bucket{{{S}}}[{RI}])))", "{{target}} p95"),
                            Q(f"max(netkit_mou_latency_seconds{{{S}}})", "agreement")],
        "s", "Average RTT of the last cycle and the 95th percentile of every reply; dashed: the agreed latency.",
        min_val=0, dashed=("agreement",)))
    board = board.with_panel(timeseries(
        "Packet loss", [Q(f"max by (target) (netkit_probe_loss_ratio{{{S}}})", "{{target}} last cycle"),
                        Q(f"1 - sum by (target) (rate(netkit_probe_packets_received_total{{{S}}}[{RI}])) / "
                          f"sum by (target) (rate(netkit_probe_packets_sent_total{{{S}}}[{RI}]))", "{{target}}"),
                        Q(f"max(netkit_mou_loss_ratio{{{S}}})", "agreement")],
        "percentunit", "Lost probe packets; dashed: the agreed loss.", min_val=0, dashed=("agreement",)))
    board = board.with_panel(timeseries(
        "Jitter", [Q(f"max by (target) (netkit_probe_jitter_seconds{{{S}}})", "{{target}}")], "s",
        "Mean absolute difference of consecutive round-trip times in the last cycle.", min_val=0))
    board = board.with_panel(timeseries(
        "Uplink utilisation",
        [Q(f"rate(netkit_interface_receive_bytes_total{{{S}}}[{RI}]) * 8 and on (device, interface) "
           "netkit_circuit_committed_bits_per_second", "{{device}} {{interface}} in"),
         Q(f"rate(netkit_interface_transmit_bytes_total{{{S}}}[{RI}]) * 8 and on (device, interface) "
           "netkit_circuit_committed_bits_per_second", "{{device}} {{interface}} out"),
         Q(f"max by (circuit_id) (netkit_circuit_committed_bits_per_second{{{S}}})", "committed {{circuit_id}}"),
         Q(f"max(netkit_mou_bandwidth_bits_per_second{{{S}}})", "agreement")],
        "bps", "Traffic on the site's circuits against their committed bandwidth and the agreed bandwidth.",
        min_val=0, dashed=("agreement",)))
    board = board.with_panel(timeseries(
        "Bandwidth tests", [Q(f"max(netkit_bandwidth_test_bits_per_second{{{S}}})", "delivered (iperf3)"),
                            Q(f"max(netkit_bandwidth_agreed_bits_per_second{{{S}}})", "agreement")],
        "bps", "Throughput of the scheduled off-peak iperf3 tests from the NOC to the site; dashed: the agreed "
        "bandwidth. Below it in several tests in a row: NetkitBandwidthBelowAgreement.",
        min_val=0, dashed=("agreement",)))
    board = board.with_panel(timeseries(
        "Burn rate", [Q(f'{BURN}{{{S}, window="$window"}}', "{{target}} {{sli}}")], "x",
        "Error budget burn rate over the selected window (page threshold 14.4 on 1 h, 6 on 6 h).", min_val=0))
    board = board.with_row(gdash.Row("Maintenance and alerts"))
    board = board.with_panel(timeseries(
        "Maintenance", [Q(f"max(netkit_site_maintenance{{{S}}})", "maintenance")], "none",
        "1 while a declared maintenance window is open.", min_val=0, max_val=1))
    board = board.with_panel(table(
        "Firing alerts", [Q(f'ALERTS{{{S}, alertstate="firing"}}', instant=True)],
        "Alerts Prometheus fires for this site now.", span=12, height=8))
    return to_json(board)


def device_interfaces() -> dict[str, Any]:
    board = new_dashboard(DEVICE_UID, "netkit / Device interfaces",
                          "One device's SNMP health and every interface's traffic, errors and state.")
    board = board.with_variable(_ministry_var()).with_variable(_site_var(True)).with_variable(
        variable("device", "Device", f"label_values(netkit_device_up{{{S}}}, device)", include_all=False))
    board = board.with_row(gdash.Row("Device"))
    board = board.with_panel(stat("SNMP", [Q(f"max(netkit_device_up{{{D}}})")], "none",
                                  "Whether the last SNMP poll succeeded.", mappings=up_down_mapping(),
                                  steps=((None, "red"), (1, "green"))))
    board = board.with_panel(stat("Uptime", [Q(f"max(netkit_device_uptime_seconds{{{D}}})")], "s",
                                  "Time since the device (its SNMP agent) started.",
                                  steps=((None, "orange"), (900, "green"))))
    board = board.with_panel(stat("Poll duration", [Q(f"max(netkit_snmp_poll_duration_seconds{{{D}}})")], "s",
                                  "Duration of the last SNMP poll.", steps=((None, "green"), (5, "orange"))))
    board = board.with_panel(stat("Poll errors (1 h)", [Q(f"sum(increase(netkit_snmp_poll_errors_total{{{D}}}[1h]))"
                                                          " or vector(0)")], "none",
                                  "Failed SNMP polls in the last hour, all reasons.",
                                  steps=((None, "green"), (1, "orange"))))
    board = board.with_row(gdash.Row("Interfaces"))
    board = board.with_panel(table(
        "Interface state", [Q(f"max by (interface, alias) (netkit_interface_admin_up{{{D}}})", instant=True),
                            Q(f"max by (interface, alias) (netkit_interface_oper_up{{{D}}})", instant=True),
                            Q(f"max by (interface, alias) (netkit_interface_speed_bits_per_second{{{D}}})",
                              instant=True)],
        "Administrative and operational state and speed of every interface.",
        rename={"Value #A": "admin up", "Value #B": "oper up", "Value #C": "speed (bit/s)"}))
    board = board.with_panel(timeseries(
        "Traffic", [Q(f"rate(netkit_interface_receive_bytes_total{{{D}}}[{RI}]) * 8", "{{interface}} in"),
                    Q(f"rate(netkit_interface_transmit_bytes_total{{{D}}}[{RI}]) * 8", "{{interface}} out")],
        "bps", "Bits per second per interface (64-bit counters)."))
    board = board.with_panel(timeseries(
        "Packets", [Q(f"rate(netkit_interface_receive_packets_total{{{D}}}[{RI}])", "{{interface}} in"),
                    Q(f"rate(netkit_interface_transmit_packets_total{{{D}}}[{RI}])", "{{interface}} out")],
        "pps", "Unicast packets per second per interface."))
    board = board.with_panel(timeseries(
        "Errors and discards",
        [Q(f"rate(netkit_interface_receive_errors_total{{{D}}}[{RI}])", "{{interface}} in errors"),
         Q(f"rate(netkit_interface_transmit_errors_total{{{D}}}[{RI}])", "{{interface}} out errors"),
         Q(f"rate(netkit_interface_receive_discards_total{{{D}}}[{RI}])", "{{interface}} in discards"),
         Q(f"rate(netkit_interface_transmit_discards_total{{{D}}}[{RI}])", "{{interface}} out discards")],
        "pps", "Errored and discarded packets per second.", min_val=0))
    board = board.with_panel(timeseries(
        "Routing peers", [Q(f"netkit_bgp_peer_up{{{D}}}", "BGP {{peer}}"),
                          Q(f"netkit_ospf_neighbor_up{{{D}}}", "OSPF {{neighbor}}")],
        "none", "1 while a BGP session or OSPF adjacency is up (where the agent answers those MIBs).",
        min_val=0, max_val=1))
    return to_json(board)


def all_dashboards(timezone: str = "browser") -> dict[str, dict[str, Any]]:
    """uid -> dashboard JSON data, showing times in `timezone` (the inventory's, e.g. Asia/Phnom_Penh)."""
    from netkit.watch.dashboard import config_drift

    boards = [ministry_overview(), site_detail(), device_interfaces(), config_drift()]
    for board in boards:
        board["timezone"] = timezone
    return {b["uid"]: b for b in boards}
