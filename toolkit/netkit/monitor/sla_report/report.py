"""The monthly SLA report: each site's measured availability, latency and loss against its agreement.

Everything is read from Prometheus' HTTP API at the end of the period. Events are counted exactly as the
alerting rules count them (`slo.sli_events`, maintenance windows excluded), from the raw counters, so the
report works on any Prometheus that scraped the exporter, with or without netkit's recording rules.
Periods are calendar months in the network's local time (`netkit_network.timezone`): November 2026 in
Phnom Penh starts at 2026-10-31 17:00 UTC. The running month is reported up to now and marked partial.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel

from netkit.errors import InputError
from netkit.localtime import stamp, zone
from netkit.monitor.as_code.rules_windows import duration
from netkit.monitor.as_code.slo import NETWORK_KINDS, outside_maintenance, sli_events
from netkit.monitor.sla_report.report_prometheus import PrometheusClient, Sample, finite

STEP_S = 300  # the subquery step: 5-minute rates tile the period exactly
STEP = duration(STEP_S)
DAY_S = 86400


class Period(BaseModel):
    label: str
    start: datetime  # aware, in the local zone
    end: datetime
    partial: bool
    timezone: str = "UTC"

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def parse_period(text: str, now: datetime, timezone: str = "UTC") -> Period:
    """`2026-10` -> October 2026 in the local zone. A month not yet over ends now (partial); a future one is
    refused."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise InputError(f"--period {text!r}: give a month as YYYY-MM, e.g. 2026-10")
    tz = zone(timezone)
    year, month = int(text[:4]), int(text[5:])
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    if start >= now:
        raise InputError(f"--period {text}: that month has not started yet (now is {stamp(now, tz)})")
    partial = end > now
    # Whole 5-minute steps only, so the subqueries tile the period.
    end = min(end, datetime.fromtimestamp(int(now.timestamp()) // STEP_S * STEP_S, tz))
    return Period(label=text, start=start, end=end, partial=partial, timezone=timezone)


class DailyPoint(BaseModel):
    day: date
    availability: float | None = None
    loss: float | None = None
    rtt_mean_s: float | None = None


class SiteSla(BaseModel):
    site: str
    name: str
    ministry: str
    ministry_name: str
    province: str
    name_km: str = ""
    ministry_name_km: str = ""
    bandwidth_target_bps: float | None = None
    bandwidth_bps: float | None = None  # median of the month's scheduled throughput tests (None: no tests)
    availability: float | None = None
    availability_target: float | None = None
    within_latency: float | None = None  # share of replies within the agreed latency
    latency_mean_s: float | None = None
    latency_p95_s: float | None = None
    latency_target_s: float | None = None
    loss: float | None = None
    loss_target: float | None = None
    maintenance_s: float = 0.0
    probe_cycles: float | None = None
    packets_sent: float | None = None
    daily: list[DailyPoint] = []

    @property
    def availability_met(self) -> bool | None:
        return _cmp(self.availability, self.availability_target, higher_is_better=True)

    @property
    def latency_met(self) -> bool | None:
        # The agreement's latency holds when at least the agreed share of replies arrives within it.
        return _cmp(self.within_latency, self.availability_target, higher_is_better=True)

    @property
    def loss_met(self) -> bool | None:
        return _cmp(self.loss, self.loss_target, higher_is_better=False)

    @property
    def bandwidth_met(self) -> bool | None:
        return _cmp(self.bandwidth_bps, self.bandwidth_target_bps, higher_is_better=True)

    @property
    def met(self) -> bool | None:
        verdicts = [self.availability_met, self.latency_met, self.loss_met]
        if self.bandwidth_met is not None:  # only where throughput tests run
            verdicts.append(self.bandwidth_met)
        if any(v is False for v in verdicts):
            return False
        return None if any(v is None for v in verdicts) else True


def _cmp(measured: float | None, target: float | None, *, higher_is_better: bool) -> bool | None:
    if measured is None or target is None:
        return None
    # Round away float noise so that exactly meeting the target counts as meeting it.
    m, t = round(measured, 9), round(target, 9)
    return m >= t if higher_is_better else m <= t


class MinistrySla(BaseModel):
    code: str
    name: str
    sites: list[SiteSla]
    name_km: str = ""


class SlaReport(BaseModel):
    period: Period
    prometheus: str
    generated_at: datetime
    ministries: list[MinistrySla]


def _by_site(samples: list[Sample]) -> dict[str, float | None]:
    return {s.labels.get("site", ""): finite(s.value) for s in samples}


def _events_ratio_expr(sel: str, sli: str, window: str, good: bool = False) -> str:
    """Share of bad (or good) events of the SLI per site over `window`, maintenance excluded."""
    bad, total = (outside_maintenance(e, sel, STEP) for e in sli_events(sel, STEP)[sli])
    num = f"sum by (site) (sum_over_time(({bad})[{window}:{STEP}]))"
    den = f"sum by (site) (sum_over_time(({total})[{window}:{STEP}]))"
    return f"1 - {num} / {den}" if good else f"{num} / {den}"


def _events_total_expr(sel: str, sli: str, window: str) -> str:
    total = outside_maintenance(sli_events(sel, STEP)[sli][1], sel, STEP)
    return f"sum by (site) (sum_over_time(({total})[{window}:{STEP}])) * {STEP_S}"


def _rtt_mean_expr(sel: str, window: str) -> str:
    net = f"{sel}, {NETWORK_KINDS}"  # the MoU latency is the network's: icmp/tcp RTT, not http answer times
    return (f"sum by (site) (increase(netkit_probe_rtt_seconds_sum{{{net}}}[{window}])) / "
            f"sum by (site) (increase(netkit_probe_rtt_seconds_count{{{net}}}[{window}]))")


def build_sla_report(client: PrometheusClient, period: Period, ministry: str | None = None,
                     now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> SlaReport:
    sel = f'ministry="{ministry}"' if ministry else 'site!=""'
    w = duration(period.seconds)
    at = period.end

    def q(expr: str) -> dict[str, float | None]:
        return _by_site(client.query(expr, at))

    info = client.query(f"max by (site, ministry, province, name, ministry_name, name_km, ministry_name_km) "
                        f"(max_over_time(netkit_site_info{{{sel}}}[{w}]))", at)
    measures = {
        "availability": q(_events_ratio_expr(sel, "availability", w, good=True)),
        "within_latency": q(_events_ratio_expr(sel, "latency", w, good=True)),
        "loss": q(_events_ratio_expr(sel, "loss", w)),
        "availability_target": q(f"max by (site) (max_over_time(netkit_mou_availability_ratio{{{sel}}}[{w}]))"),
        "latency_target_s": q(f"max by (site) (max_over_time(netkit_mou_latency_seconds{{{sel}}}[{w}]))"),
        "loss_target": q(f"max by (site) (max_over_time(netkit_mou_loss_ratio{{{sel}}}[{w}]))"),
        "bandwidth_target_bps": q(f"max by (site) (max_over_time(netkit_mou_bandwidth_bits_per_second{{{sel}}}[{w}]))"),
        "bandwidth_bps": q(f"max by (site) (quantile_over_time(0.5, netkit_bandwidth_test_bits_per_second{{{sel}}}[{w}]))"),
        "latency_mean_s": q(_rtt_mean_expr(sel, w)),
        "latency_p95_s": q(f"histogram_quantile(0.95, sum by (site, le) "
                           f"(increase(netkit_probe_rtt_seconds_bucket{{{sel}, {NETWORK_KINDS}}}[{w}])))"),
        "maintenance_s": q(f"sum_over_time((max by (site) (netkit_site_maintenance{{{sel}}}))[{w}:{STEP}])"
                           f" * {STEP_S}"),
        "probe_cycles": q(_events_total_expr(sel, "availability", w)),
        "packets_sent": q(_events_total_expr(sel, "loss", w)),
    }
    daily = _daily(client, sel, period)
    names: dict[str, dict[str, str]] = {s.labels["site"]: s.labels for s in info if "site" in s.labels}
    sites_seen = set(names) | {site for values in measures.values() for site in values if site}
    ministries: dict[str, MinistrySla] = {}
    for site in sorted(sites_seen):
        labels = names.get(site, {})
        code = labels.get("ministry", ministry or "unknown")
        values = {k: v.get(site) for k, v in measures.items()}
        values["maintenance_s"] = values["maintenance_s"] or 0.0
        row = SiteSla(site=site, name=labels.get("name", site), ministry=code,
                      ministry_name=labels.get("ministry_name", code), province=labels.get("province", ""),
                      name_km=labels.get("name_km", ""), ministry_name_km=labels.get("ministry_name_km", ""),
                      daily=daily.get(site, []), **values)
        ministries.setdefault(code, MinistrySla(code=code, name=row.ministry_name, name_km=row.ministry_name_km,
                                                sites=[])).sites.append(row)
    return SlaReport(period=period, prometheus=client.base_url, generated_at=now(),
                     ministries=[ministries[k] for k in sorted(ministries)])


def _daily(client: PrometheusClient, sel: str, period: Period) -> dict[str, list[DailyPoint]]:
    """One point per day (each value covers the day before its timestamp)."""
    first = period.start + timedelta(days=1)
    if first > period.end:
        return {}
    day = duration(DAY_S)
    exprs = {
        "availability": _events_ratio_expr(sel, "availability", day, good=True),
        "loss": _events_ratio_expr(sel, "loss", day),
        "rtt_mean_s": _rtt_mean_expr(sel, day),
    }
    points: dict[str, dict[float, dict[str, float | None]]] = {}
    for field, expr in exprs.items():
        for series in client.query_range(expr, first, period.end, DAY_S):
            site = series.labels.get("site", "")
            for t, v in series.points:
                points.setdefault(site, {}).setdefault(t, {})[field] = finite(v)
    return {
        site: [DailyPoint(day=(datetime.fromtimestamp(t, zone(period.timezone)) - timedelta(days=1)).date(),
                          availability=vals.get("availability"), loss=vals.get("loss"),
                          rtt_mean_s=vals.get("rtt_mean_s"))
               for t, vals in sorted(by_time.items())]
        for site, by_time in points.items()
    }
