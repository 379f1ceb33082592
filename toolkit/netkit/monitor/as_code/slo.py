"""Per-site SLO rules: SLIs from the probe counters, error budgets from the MoU gauges, burn-rate alerts.

Three SLIs per site target, each a ratio of bad to all events:
  availability  probe cycles failed / probe cycles run           budget 1 - netkit_mou_availability_ratio
  latency       replies slower than the MoU / replies received   budget 1 - netkit_mou_availability_ratio
  loss          (packets sent - received) / packets sent         budget netkit_mou_loss_ratio
Latency and loss are the network's: they count network probes (icmp, tcp) only. An http target's answer
time is the service's, judged against its own threshold (`netkit_mou_http_answer_seconds`) by its own
alert, NetkitHttpAnswerSlow.

Maintenance: the base recordings drop a site's events while `netkit_site_maintenance` is 1 (widened by
one base window), and every longer window is a sum over those base recordings, so maintenance time
neither spends the budget nor fires an alert. The rules compare against the exporter's netkit_mou_*
gauges; the inventory supplies only the site list and the length of each agreement period (a range
literal, which PromQL cannot take from a series).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from netkit.inventory.models import Inventory, Site
from netkit.localtime import offset_text, zone
from netkit.monitor.as_code.rules import AlertingRule, RecordingRule, Rule, RuleGroup
from netkit.monitor.as_code.rules_links import SITE_UID, Links
from netkit.monitor.as_code.rules_windows import BurnWindow, Severity, WindowSet, duration

LABELS = "site, ministry, province, target, kind"
BAD = "netkit_site:sli_bad_events:rate"
ALL = "netkit_site:sli_all_events:rate"
BAD_TILE = "netkit_site:sli_bad_events:tile"
ALL_TILE = "netkit_site:sli_all_events:tile"
BUDGET = "netkit_site:slo_error_budget:ratio"
BURN = "netkit_site:slo_burn_rate:ratio"
ERROR_RATIO = "netkit_site:sli_error:ratio"
BUDGET_LEFT = "netkit_site:slo_error_budget_remaining:ratio"
BURN_ALERT = "NetkitErrorBudgetBurn"
SITE_DOWN_ALERT = "NetkitSiteDown"
SLIS = ("availability", "latency", "loss")
NETWORK_KINDS = 'kind!="http"'  # the probes that measure the network (icmp, tcp)
HTTP_SLOW_ALERT = "NetkitHttpAnswerSlow"
BANDWIDTH_ALERT = "NetkitBandwidthBelowAgreement"


def sli_events(sel: str, window: str) -> dict[str, tuple[str, str]]:
    """Per SLI: PromQL for (bad events/s, all events/s) over `window`, aggregated per site target.
    Shared with the SLA report so the report and the alerts count the same events."""

    def rate(metric: str, only: str = "") -> str:
        return f"sum by ({LABELS}) (rate({metric}{{{sel}{only}}}[{window}]))"

    net = f", {NETWORK_KINDS}"
    sent, received = rate("netkit_probe_packets_sent_total", net), rate("netkit_probe_packets_received_total", net)
    return {
        "availability": (rate("netkit_probe_cycles_failed_total"), rate("netkit_probe_cycles_total")),
        "latency": (rate("netkit_probe_packets_slow_total", net), received),
        "loss": (f"clamp_min({sent} - {received}, 0)", sent),
    }


def outside_maintenance(expr: str, sel: str, window: str) -> str:
    """`expr` without the sites that were in a maintenance window at any time in the last `window`."""
    return (f"(\n  {expr}\n)\nunless on (site)\n"
            f"(max by (site) (max_over_time(netkit_site_maintenance{{{sel}}}[{window}])) > 0)")


def budget_expr(sli: str, sel: str) -> str:
    if sli == "loss":
        return f"max by ({LABELS}) (netkit_mou_loss_ratio{{{sel}}})"
    return f"max by ({LABELS}) (1 - netkit_mou_availability_ratio{{{sel}}})"


def _burn_condition(pair: BurnWindow, sel: str) -> str:
    threshold = (f"({pair.budget_share} * max by (site, target) (netkit_mou_period_seconds{{{sel}}})"
                 f" / {pair.reference_long_s})")
    long = f"{BURN}{{{sel}, window=\"{pair.long}\"}} > on (site, target) group_left () {threshold}"
    short = f"{BURN}{{{sel}, window=\"{pair.short}\"}} > on (site, target) group_left () {threshold}"
    return f"  (\n    {long}\n  and ignoring (window)\n    {short}\n  )"


def _for_people(inv: Inventory, site: Site, links: Links, alert: str) -> dict[str, str]:
    """The annotations every site alert carries besides its summary and description."""
    return {"dashboard": links.dashboard(SITE_UID, site=site.code), "runbook_url": links.runbook(alert),
            **khmer_names(inv, site)}


def khmer_names(inv: Inventory, site: Site) -> dict[str, str]:
    """Annotations for people: the site's and ministry's Khmer names (UTF-8, where the inventory has them)
    and the time of the evaluation in the network's local time."""
    names = {"site_name_km": site.name_km, "ministry_name_km": inv.ministries[site.ministry].name_km}
    return {**{k: v for k, v in names.items() if v}, "local_time": local_time_template(inv.network.timezone)}


def local_time_template(timezone: str) -> str:
    """A Prometheus template printing the evaluation time in the zone, e.g. `2026-11-01 07:00:00
    Asia/Phnom_Penh (UTC+07:00)`. Templates know only UTC, so the zone's standard offset is added (exact
    for zones without daylight saving, such as Asia/Phnom_Penh)."""
    tz = zone(timezone)
    offset = tz.utcoffset(datetime(2000, 1, 1)) or timedelta(0)
    text = offset_text(datetime(2000, 1, 1, tzinfo=tz))
    return (f'{{{{ with query "time() + {int(offset.total_seconds())}" }}}}{{{{ . | first | value | humanizeTimestamp'
            f' | reReplaceAll ` [+]0000 UTC$` "" }}}}{{{{ end }}}} {timezone} ({text})')


def _burn_alert(inv: Inventory, site: Site, ministry_name: str, windows: WindowSet, severity: Severity, sel: str,
                links: Links) -> AlertingRule:
    pairs = [p for p in windows.pairs if p.severity == severity]
    conditions = "\n  or\n".join(_burn_condition(p, sel) for p in pairs)
    spans = " or ".join(f"{p.long}/{p.short}" for p in pairs)
    speed = "fast" if severity == "page" else "steadily"
    # The windows hold only events from outside maintenance, but while a window is open they slide over
    # frozen data whose mix shifts as it ages; planned work must not page, so the alert waits it out.
    return AlertingRule(
        alert=BURN_ALERT,
        expr=(f"max without (window) (\n{conditions}\n)\n"
              f"unless on (site)\n(max by (site) (netkit_site_maintenance{{{sel}}}) > 0)"),
        labels={"severity": severity, "site": site.code},
        annotations={
            "summary": f"{site.name}: {{{{ $labels.sli }}}} error budget of {{{{ $labels.target }}}} burning {speed}",
            "description": (
                f"{site.name} ({site.code}, {ministry_name}, {site.province}): probe target "
                f"{{{{ $labels.target }}}} ({{{{ $labels.kind }}}}) spends its {{{{ $labels.sli }}}} error budget "
                f"{{{{ $value | printf \"%.1f\" }}}} times faster than the agreement allows over the {spans} windows. "
                f"Maintenance windows are not counted."
            ),
            **_for_people(inv, site, links, BURN_ALERT),
        },
    )


def site_rules(inv: Inventory, site: Site, windows: WindowSet, links: Links) -> RuleGroup:
    """One rule group per site: its SLIs per target, budgets, burn rates, budget left, and alerts."""
    sel = f'site="{site.code}"'
    # The site label is already on every series; repeating it on the rules makes each rule unique across
    # the file's groups, which promtool's duplicate-rule lint looks for.
    own = {"site": site.code}
    base = windows.base
    rules: list[Rule] = []
    events = sli_events(sel, base)
    for kind, name in ((0, BAD), (1, ALL)):
        rules += [RecordingRule(record=name, expr=outside_maintenance(events[sli][kind], sel, base),
                                labels={"sli": sli, **own}) for sli in SLIS]
    rules += [RecordingRule(record=BUDGET, expr=budget_expr(sli, sel), labels={"sli": sli, **own}) for sli in SLIS]
    for w in windows.windows():
        win = duration(w)
        rules.append(RecordingRule(
            record=BURN, labels={"window": win, **own},
            expr=(f"(\n  sum_over_time({BAD}{{{sel}}}[{win}:{base}])\n/\n  sum_over_time({ALL}{{{sel}}}[{win}:{base}])\n)"
                  f"\n/ {BUDGET}{{{sel}}}"),
        ))
    tile, period = windows.tile, windows.period(site.mou.period_days)
    rules += [RecordingRule(record=t, expr=f"sum_over_time({r}{{{sel}}}[{tile}:{base}])", labels=own)
              for t, r in ((BAD_TILE, BAD), (ALL_TILE, ALL))]
    rules.append(RecordingRule(
        record=ERROR_RATIO, labels={"window": period, **own},
        expr=f"sum_over_time({BAD_TILE}{{{sel}}}[{period}:{tile}])\n/\nsum_over_time({ALL_TILE}{{{sel}}}[{period}:{tile}])",
    ))
    rules.append(RecordingRule(
        record=BUDGET_LEFT, labels=own,
        expr=f"1 - {ERROR_RATIO}{{{sel}, window=\"{period}\"}} / ignoring (window) {BUDGET}{{{sel}}}",
    ))
    ministry_name = inv.ministries[site.ministry].name
    rules += [_burn_alert(inv, site, ministry_name, windows, sev, sel, links) for sev in ("page", "ticket")]
    rules.append(AlertingRule(
        alert=SITE_DOWN_ALERT,
        expr=(f"max by (site, ministry, province) (netkit_probe_success{{{sel}}}) == 0\n"
              f"unless on (site)\n(max by (site) (netkit_site_maintenance{{{sel}}}) > 0)"),
        for_=windows.hold(120),
        labels={"severity": "page", **own},
        annotations={
            "summary": f"{site.name} is down: no probe target of {site.code} answers",
            "description": (f"{site.name} ({site.code}, {ministry_name}, {site.province}): every connectivity "
                            f"target failed its probes for {windows.hold(120)}. Interface alerts of the site are "
                            f"inhibited while this fires."),
            **_for_people(inv, site, links, SITE_DOWN_ALERT),
        },
    ))
    if any(t.kind == "http" for t in site.targets):
        rules.append(http_answer_alert(inv, site, ministry_name, windows, sel, links))
    tests = inv.network.bandwidth_tests
    if tests is not None and site.kind == "customer":
        rules.append(AlertingRule(
            alert=BANDWIDTH_ALERT,
            expr=(f"max by (site, ministry, province) (netkit_bandwidth_test_misses_in_a_row{{{sel}}})"
                  f" >= {tests.misses_in_a_row}"),
            labels={"severity": "ticket", **own},
            annotations={
                "summary": f"{site.name}: bandwidth below the agreement in {tests.misses_in_a_row} tests in a row",
                "description": (f"{site.name} ({site.code}, {ministry_name}, {site.province}): the last "
                                f"{{{{ $value }}}} scheduled throughput tests delivered less than the agreed "
                                f"{site.mou.bandwidth_mbps:g} Mbit/s."),
                **_for_people(inv, site, links, BANDWIDTH_ALERT),
            },
        ))
    return RuleGroup(name=f"netkit-slo-{site.code}", rules=rules)


def http_answer_alert(inv: Inventory, site: Site, ministry_name: str, windows: WindowSet, sel: str,
                      links: Links) -> AlertingRule:
    """An http target answering slower than its own threshold (not the network's latency target)."""
    w = windows.rate_window(300)
    return AlertingRule(
        alert=HTTP_SLOW_ALERT,
        expr=(f"avg_over_time(netkit_probe_rtt_avg_seconds{{{sel}, kind=\"http\"}}[{w}])\n"
              f"  > on (site, target) group_left ()\n"
              f"max by (site, target) (netkit_mou_http_answer_seconds{{{sel}}})\n"
              f"unless on (site)\n(max by (site) (netkit_site_maintenance{{{sel}}}) > 0)"),
        for_=windows.hold(600),
        labels={"severity": "ticket", "site": site.code},
        annotations={
            "summary": f"{site.name}: {{{{ $labels.target }}}} answers slowly",
            "description": (f"{site.name} ({site.code}, {ministry_name}, {site.province}): http target "
                            f"{{{{ $labels.target }}}} answered in {{{{ $value | humanizeDuration }}}} on average "
                            f"over {w}, slower than its answer-time threshold of {site.mou.http_answer_ms:g} ms "
                            f"(the service's time, not the network's latency)."),
            **_for_people(inv, site, links, HTTP_SLOW_ALERT),
        },
    )


def slo_groups_by_ministry(inv: Inventory, windows: WindowSet, links: Links) -> dict[str, list[RuleGroup]]:
    """Ministry code -> its sites' groups (sites with probe targets only), in site order."""
    out: dict[str, list[RuleGroup]] = {}
    for code in sorted(inv.sites):
        site = inv.sites[code]
        if site.targets:
            out.setdefault(site.ministry, []).append(site_rules(inv, site, windows, links))
    return dict(sorted(out.items()))
