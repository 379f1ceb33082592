"""The SLA report against a real Prometheus (Debian's), fed a synthetic October 2026 through
`promtool tsdb create-blocks-from openmetrics`. Loopback only; skipped when Prometheus is not installed."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from netkit.cli.app import app
from netkit.monitor.sla_report.report import build_sla_report, parse_period
from netkit.monitor.sla_report.report_prometheus import PrometheusClient
from netkit.monitor.sla_report.report_render import to_csv, to_html
from ports import free_port
from typer.testing import CliRunner

pytestmark = pytest.mark.skipif(not (shutil.which("prometheus") and shutil.which("promtool")),
                                reason="Debian's prometheus package (prometheus, promtool) is not installed")

START = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())
END = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
STEP = 150  # two samples per 5-minute rate window
DAY = 86400
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@dataclass
class Site:
    site: str
    ministry: str
    province: str
    name: str
    ministry_name: str
    availability: float
    latency_s: float
    loss: float
    counters: dict[str, float] = field(default_factory=dict)
    expected: dict[str, float] = field(default_factory=dict)


def _condition(site: str, ts: int) -> tuple[bool, bool, int, float]:
    """(in maintenance, cycle failed, replies out of 5, rtt) at one probe cycle."""
    day, sec = (ts - START) // DAY + 1, (ts - START) % DAY
    if site == "moj-battambang":
        if day == 20 and 2 * 3600 <= sec < 6 * 3600:
            return True, True, 0, 0.0  # declared maintenance, site dark: must not count
        if day in (10, 11):
            return False, False, 4, 0.02  # 20 % loss for two days: breaches the 1 % agreement
        if day == 25 and 6 * 3600 <= sec < 7 * 3600:
            return False, True, 0, 0.0  # one hour down: within a 99.5 % availability
        return False, False, 5, 0.02
    if day == 5 and 3600 <= sec < 2 * 3600:
        return False, False, 5, 0.04  # one slow hour (> 30 ms): within the latency share
    return False, False, 5, 0.02


def synthetic_month(sites: list[Site]) -> str:
    """OpenMetrics text of the exporter's series for October 2026; fills each site's expected figures."""
    lines: list[str] = []
    for s in sites:
        base = f'site="{s.site}",ministry="{s.ministry}",province="{s.province}"'
        tl = f'{base},target="gateway",kind="icmp"'
        c = dict.fromkeys(("cycles", "failed", "sent", "received", "slow", "rtt_sum", "rtt_count", "le_0.03",
                           "le_0.05"), 0.0)
        good = dict.fromkeys(("cycles", "failed", "sent", "received", "slow"), 0.0)
        rtt_sum = rtt_n = maint_s = 0.0
        series: dict[str, list[str]] = {}
        for ts in range(START, END + 1, STEP):
            maint, failed, replies, rtt = _condition(s.site, ts)
            if ts > START:
                slow = replies if rtt > s.latency_s else 0
                step = {"cycles": 1, "failed": int(failed), "sent": 5, "received": replies, "slow": slow}
                for k, v in step.items():
                    c[k] += v
                    if not maint:
                        good[k] += v
                c["rtt_sum"] += replies * rtt
                c["rtt_count"] += replies
                c["le_0.03"] += replies if rtt <= 0.03 else 0
                c["le_0.05"] += replies if rtt <= 0.05 else 0
                rtt_sum, rtt_n = rtt_sum + replies * rtt, rtt_n + replies
                maint_s += STEP if maint else 0
            values = {
                f"netkit_probe_cycles_total{{{tl}}}": c["cycles"],
                f"netkit_probe_cycles_failed_total{{{tl}}}": c["failed"],
                f"netkit_probe_packets_sent_total{{{tl}}}": c["sent"],
                f"netkit_probe_packets_received_total{{{tl}}}": c["received"],
                f"netkit_probe_packets_slow_total{{{tl}}}": c["slow"],
                f"netkit_probe_rtt_seconds_sum{{{tl}}}": c["rtt_sum"],
                f"netkit_probe_rtt_seconds_count{{{tl}}}": c["rtt_count"],
                f'netkit_probe_rtt_seconds_bucket{{{tl},le="0.03"}}': c["le_0.03"],
                f'netkit_probe_rtt_seconds_bucket{{{tl},le="0.05"}}': c["le_0.05"],
                f'netkit_probe_rtt_seconds_bucket{{{tl},le="+Inf"}}': c["rtt_count"],
                f"netkit_mou_availability_ratio{{{tl}}}": s.availability,
                f"netkit_mou_latency_seconds{{{tl}}}": s.latency_s,
                f"netkit_mou_loss_ratio{{{tl}}}": s.loss,
                f"netkit_site_maintenance{{{base}}}": float(maint),
                f'netkit_site_info{{{base},name="{s.name}",ministry_name="{s.ministry_name}"}}': 1.0,
            }
            for name, v in values.items():
                series.setdefault(name, []).append(f"{name} {v:g} {ts}")
        for samples in series.values():
            lines += samples
        s.expected = {
            "availability": 1 - good["failed"] / good["cycles"],
            "loss": 1 - good["received"] / good["sent"],
            "within_latency": 1 - good["slow"] / good["received"],
            "latency_mean_s": rtt_sum / rtt_n,
            "maintenance_s": maint_s,
            "probe_cycles": good["cycles"],
        }
    return "\n".join(lines) + "\n# EOF\n"


SITES = [
    Site("moj-battambang", "moj", "Battambang", "Battambang Provincial Court", "Ministry of Justice", 0.995, 0.06, 0.01),
    Site("mowa-hq", "mowa", "Phnom Penh", "Ministry of Women's Affairs Headquarters", "Ministry of Women's Affairs",
         0.995, 0.03, 0.01),
]


@pytest.fixture(scope="module")
def october(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prometheus on a free loopback port holding the synthetic month; stopped afterwards."""
    tmp = tmp_path_factory.mktemp("prom-october")
    om = tmp / "october.om"
    om.write_text(synthetic_month(SITES), encoding="utf-8")
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=768h",
                    str(om), str(tmp / "data")], check=True, capture_output=True)
    (tmp / "prometheus.yml").write_text("global: {scrape_interval: 1m}\n", encoding="utf-8")
    port = free_port()
    log = (tmp / "prometheus.log").open("wb")
    proc = subprocess.Popen(["prometheus", f"--config.file={tmp / 'prometheus.yml'}",
                             f"--storage.tsdb.path={tmp / 'data'}", "--storage.tsdb.retention.time=100y",
                             f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp / "prometheus.log").read_text()
            assert time.monotonic() < deadline, "Prometheus did not become ready"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_report_measures_each_site_against_its_agreement(october: str) -> None:
    report = build_sla_report(PrometheusClient(october), parse_period("2026-10", NOW), now=lambda: NOW)
    assert [m.code for m in report.ministries] == ["moj", "mowa"]
    assert not report.period.partial
    by_site = {s.site: s for m in report.ministries for s in m.sites}
    assert set(by_site) == {"moj-battambang", "mowa-hq"}
    for spec in SITES:
        row = by_site[spec.site]
        assert row.name == spec.name and row.ministry_name == spec.ministry_name
        for key in ("availability", "loss", "within_latency", "latency_mean_s"):
            assert getattr(row, key) == pytest.approx(spec.expected[key], abs=2e-4), (spec.site, key)
        assert row.maintenance_s == pytest.approx(spec.expected["maintenance_s"], rel=0.01)
        assert row.probe_cycles == pytest.approx(spec.expected["probe_cycles"], rel=0.01)
        assert row.availability_target == pytest.approx(spec.availability)
        assert len(row.daily) == 31
    battambang, mowa = by_site["moj-battambang"], by_site["mowa-hq"]
    # Battambang: 20 % loss for 2 days and one dark hour breach 1 %; its 4 dark maintenance hours do not count.
    hours = 31 * 24 - 4
    assert battambang.loss == pytest.approx((0.2 * 48 + 1) / hours, abs=2e-4)
    assert battambang.availability == pytest.approx(1 - 1 / hours, abs=2e-4)
    assert battambang.loss_met is False and battambang.availability_met is True and battambang.met is False
    assert battambang.maintenance_s == pytest.approx(4 * 3600, rel=0.01)
    assert battambang.daily[9].loss == pytest.approx(0.2, abs=1e-3) and battambang.daily[0].loss == pytest.approx(0, abs=1e-9)
    assert battambang.daily[24].availability == pytest.approx(1 - 1 / 24, abs=2e-3)
    assert mowa.met is True and mowa.latency_p95_s is not None and mowa.latency_p95_s <= 0.03


def test_ministry_filter_and_renderings(october: str) -> None:
    report = build_sla_report(PrometheusClient(october), parse_period("2026-10", NOW), "mowa", now=lambda: NOW)
    assert [m.code for m in report.ministries] == ["mowa"]
    csv_text = to_csv(report)
    header, row = csv_text.splitlines()
    assert header.startswith("period,ministry,ministry_name,site")
    assert row.startswith("2026-10,mowa,Ministry of Women's Affairs,mowa-hq,") and row.endswith(",yes")
    html = to_html(report)
    assert html.count("<svg") == 3 and "Ministry of Women&#x27;s Affairs" in html
    for loader in ("src=", "href=", "url(", "@import", "<script", "<link"):  # nothing is loaded from anywhere
        assert loader not in html


def test_cli_writes_the_report(october: str, tmp_path: Path) -> None:
    out = tmp_path / "sla.html"
    result = CliRunner().invoke(app, ["report", "sla", "--period", "2026-10", "--prometheus", october,
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 sites of 2 ministries" in result.output and "1 breached" in result.output
    assert "BREACHED" in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["report", "sla", "--period", "2026-10", "--prometheus", october,
                                      "--format", "csv", "--ministry", "moj"])
    assert result.exit_code == 0 and result.output.count("\n") == 2 and ",moj-battambang," in result.output


def test_a_month_without_data_reports_no_sites(october: str) -> None:
    report = build_sla_report(PrometheusClient(october), parse_period("2026-08", NOW), now=lambda: NOW)
    assert report.ministries == []
    assert "No data" in to_html(report)
