"""SLA report logic without a server: periods, verdicts, the queries it asks, CSV and HTML."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from netkit.errors import InputError
from netkit.monitor.sla_report.report import (
    DailyPoint,
    MinistrySla,
    Period,
    SiteSla,
    SlaReport,
    build_sla_report,
    parse_period,
)
from netkit.monitor.sla_report.report_prometheus import PrometheusClient, Sample, Series
from netkit.monitor.sla_report.report_render import bar_chart, to_csv, to_html

NOW = datetime(2026, 11, 21, 12, 7, 31, tzinfo=UTC)


def test_periods() -> None:
    october = parse_period("2026-10", NOW)
    assert (october.start, october.end, october.partial) == (
        datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), False)
    assert october.seconds == 31 * 86400
    december = parse_period("2025-12", NOW)
    assert december.end == datetime(2026, 1, 1, tzinfo=UTC)
    running = parse_period("2026-11", NOW)
    assert running.partial and running.end == datetime(2026, 11, 21, 12, 5, tzinfo=UTC)  # whole 5-minute steps
    with pytest.raises(InputError, match="has not started yet"):
        parse_period("2026-12", NOW)
    for bad in ("2026-1", "2026/10", "october", "2026-13"):
        with pytest.raises(InputError, match="YYYY-MM"):
            parse_period(bad, NOW)


def _site(**kw: object) -> SiteSla:
    base: dict[str, object] = dict(site="moj-ratanakiri", name="Ratanakiri Provincial Court", ministry="moj",
                                   ministry_name="Ministry of Justice", province="Ratanakiri", availability=0.995,
                                   availability_target=0.99, within_latency=0.999, latency_mean_s=0.045,
                                   latency_p95_s=0.06, latency_target_s=0.12, loss=0.004, loss_target=0.02)
    base.update(kw)
    return SiteSla.model_validate(base)


def test_verdicts() -> None:
    assert _site().met is True
    assert _site(availability=0.99).availability_met is True  # exactly the target meets it
    assert _site(availability=0.9899).met is False
    assert _site(within_latency=0.95).latency_met is False  # too many replies slower than agreed
    assert _site(loss=0.021).loss_met is False
    assert _site(loss=None).loss_met is None and _site(loss=None).met is None
    assert _site(loss=None, availability=0.5).met is False  # one breach is enough


def _report(*sites: SiteSla) -> SlaReport:
    return SlaReport(period=Period(label="2026-10", start=datetime(2026, 10, 1, tzinfo=UTC),
                                   end=datetime(2026, 11, 1, tzinfo=UTC), partial=False),
                     prometheus="http://127.0.0.1:9090", generated_at=NOW,
                     ministries=[MinistrySla(code="moj", name="Ministry of Justice", sites=list(sites))])


def test_csv_has_one_row_per_site_with_units_in_the_header() -> None:
    text = to_csv(_report(_site(), _site(site="moj-battambang", name="Battambang, \"North\"", loss=0.05)))
    lines = text.splitlines()
    assert lines[0].split(",")[:4] == ["period", "ministry", "ministry_name", "site"]
    assert lines[1] == ("2026-10,moj,Ministry of Justice,moj-ratanakiri,Ratanakiri Provincial Court,Ratanakiri,0.995,0.99,yes,"
                        "45,60,120,0.999,yes,0.004,0.02,yes,0,,,yes")
    assert '"Battambang, ""North"""' in lines[2] and lines[2].endswith(",no")


def test_html_is_self_contained_escaped_and_marks_breaches() -> None:
    daily = [DailyPoint(day=date(2026, 10, d), availability=1.0 if d != 3 else 0.9, loss=0.0, rtt_mean_s=0.04)
             for d in range(1, 32)]
    html = to_html(_report(_site(name="<script>alert(1)</script>", availability=0.9, daily=daily)))
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'class="breach">BREACHED' in html and html.count("<svg") == 3
    assert html.count('fill="#d33"') == 1  # day 3 is the one red bar: below the agreed availability
    assert "0 of 1 sites met" in html


def test_bar_chart_without_data() -> None:
    assert "no data" in bar_chart([None, None], None, higher_is_better=True, label="x")


class FakeClient(PrometheusClient):
    """Answers by matching the start of each query; records every query asked."""

    def __init__(self, answers: dict[str, list[Sample]]) -> None:
        super().__init__("http://prometheus.invalid")
        self.answers, self.asked = answers, []  # type: ignore[var-annotated]

    def query(self, expr: str, at: datetime | float | None = None) -> list[Sample]:
        self.asked.append(expr)
        return next((v for k, v in self.answers.items() if k in expr), [])

    def query_range(self, expr: str, start: datetime | float, end: datetime | float, step_s: float) -> list[Series]:
        self.asked.append(expr)
        return []


def test_report_queries_exclude_maintenance_and_group_by_ministry() -> None:
    client = FakeClient({
        "netkit_site_info": [Sample({"site": "moj-hq", "ministry": "moj", "province": "Phnom Penh", "name": "HQ",
                                     "ministry_name": "Ministry of Justice"}, 1)],
        "netkit_mou_loss_ratio": [Sample({"site": "moj-hq"}, 0.005), Sample({"site": "mowa-hq"}, 0.01)],
    })
    report = build_sla_report(client, parse_period("2026-10", NOW), "moj", now=lambda: NOW)
    ratios = [q for q in client.asked if "sum_over_time((" in q and "netkit_probe_" in q]
    assert ratios and all("unless on (site)" in q and "netkit_site_maintenance" in q for q in ratios)
    assert all('ministry="moj"' in q for q in client.asked)
    assert all("[31d" in q or "[1d" in q for q in client.asked if "[" in q)
    # a site with data but no netkit_site_info still appears, under its own code
    assert [(m.code, [s.site for s in m.sites]) for m in report.ministries] == [("moj", ["moj-hq", "mowa-hq"])]
    hq = report.ministries[0].sites[0]
    assert hq.loss_target == 0.005 and hq.availability is None and hq.met is None
