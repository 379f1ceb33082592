"""One global view, for real: two regional Prometheus servers (Debian's, from `netkit monitor regions`),
each scraping its own netkit exporter shard, evaluating the rules and writing into one VictoriaMetrics; one
Alertmanager. A site's metrics, an alert, every dashboard query and `report sla` are checked against the
global store. The lab inventory's devices have no route here, so the exporters send nothing (they count
"no route" errors), which is what makes the device alerts fire."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.monitor.as_code.dashboards import concrete, panel_queries
from netkit.monitor.as_code.dashboards_boards import all_dashboards
from netkit.monitor.as_code.regions import RegionSettings, write_regions
from netkit.monitor.as_code.rules_config import alertmanager_config, check_alertmanager_text, settings_for
from netkit.monitor.as_code.rules_windows import TEST
from netkit.monitor.sla_report.report import Period, build_sla_report
from netkit.monitor.sla_report.report_prometheus import PrometheusClient
from ports import free_port
from processes import stop_all

pytestmark = pytest.mark.skipif(
    not all(shutil.which(b) for b in ("prometheus", "prometheus-alertmanager", "victoria-metrics", "promtool")),
    reason="needs Debian's prometheus, prometheus-alertmanager and victoria-metrics (make deps)")


def _wait(what: str, check: Callable[[], Any], timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if result := check():
                return result
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("global")
    inv = load_inventory(DEFAULT_INVENTORY)
    ports = {k: f"127.0.0.1:{free_port()}" for k in ("vm", "am", "p1", "p2", "e1", "e2")}
    write_regions(inv, RegionSettings(shards=2, regions=2, exporters=(ports["e1"], ports["e2"]),
                                      prometheus=(ports["p1"], ports["p2"]), global_store=ports["vm"],
                                      alertmanager=ports["am"], windows=TEST), tmp)
    am_text = alertmanager_config(inv, settings_for(TEST, f"http://127.0.0.1:{free_port()}/alerts"), ["test"])
    check_alertmanager_text(am_text)
    (tmp / "alertmanager.yml").write_text(am_text)
    commands = [
        ["victoria-metrics", f"-storageDataPath={tmp / 'vm'}", f"-httpListenAddr={ports['vm']}",
         "-search.latencyOffset=0s", "-retentionPeriod=1"],
        ["prometheus-alertmanager", f"--config.file={tmp / 'alertmanager.yml'}", f"--storage.path={tmp / 'am'}",
         f"--web.listen-address={ports['am']}", "--cluster.listen-address="],
        *([sys.executable, "-m", "netkit", "monitor", "serve", "--shard", f"{i}/2", "--listen", ports[f"e{i}"],
           "--snmp-interval", "2", "--probe-interval", "2", "--pidfile", str(tmp / f"e{i}.pid")] for i in (1, 2)),
        *(["prometheus", f"--config.file={tmp / f'region-{i}' / 'prometheus.yml'}",
           f"--storage.tsdb.path={tmp / f'region-{i}' / 'data'}", f"--web.listen-address={ports[f'p{i}']}"]
          for i in (1, 2)),
    ]
    procs = []
    try:
        for cmd in commands:
            procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          cwd=tmp / "region-1" if cmd[0] == "prometheus" and "region-1" in cmd[1]
                                          else tmp / "region-2" if cmd[0] == "prometheus" else tmp))
        yield ports
    finally:
        stop_all(procs)


def _vm(ports: dict[str, str], query: str) -> list[dict[str, Any]]:
    r = httpx.get(f"http://{ports['vm']}/api/v1/query", params={"query": query}, timeout=10, trust_env=False)
    assert r.status_code == 200, f"{query}: {r.text[:300]}"
    data: dict[str, Any] = r.json()
    assert data["status"] == "success", f"{query}: {data}"
    result: list[dict[str, Any]] = data["data"]["result"]
    return result


def test_each_region_s_sites_arrive_in_the_global_store(world: dict[str, str]) -> None:
    regions = _wait("netkit_site_info of both regions in VictoriaMetrics", lambda: {
        (r["metric"]["netkit_region"], r["metric"]["netkit_shard"]) for r in
        _vm(world, "count by (netkit_region, netkit_shard) (netkit_device_up)")} == {
        ("region-1", "1/2"), ("region-2", "2/2")})
    assert regions
    herat = _vm(world, 'netkit_site_info{site="moj-ratanakiri"}')
    assert len(herat) == 1 and herat[0]["metric"]["netkit_region"] in ("region-1", "region-2")


def test_an_alert_of_one_region_reaches_the_one_alertmanager(world: dict[str, str]) -> None:
    def regional_alerts() -> set[str]:
        alerts = httpx.get(f"http://{world['am']}/api/v2/alerts", timeout=10, trust_env=False).json()
        return {a["labels"]["netkit_region"] for a in alerts if "netkit_region" in a["labels"]}
    assert _wait("alerts from both regions in the Alertmanager", lambda: regional_alerts() == {"region-1", "region-2"},
                 timeout=180)


def test_every_dashboard_query_answers_from_the_global_store(world: dict[str, str]) -> None:
    _wait("data in VictoriaMetrics", lambda: _vm(world, "netkit_device_up"))
    values = {"ministry": ".*", "site": "moj-ratanakiri", "device": "moj-ratanakiri-r1", "window": "1h"}
    asked = 0
    for data in all_dashboards().values():
        for q in panel_queries(data):
            _vm(world, concrete(q.expr, values, "1m"))  # status success, or the assert names the query
            asked += 1
    assert asked > 20


def test_report_sla_answers_from_the_global_store(world: dict[str, str]) -> None:
    _wait("probe data in VictoriaMetrics", lambda: _vm(world, "netkit_probe_cycles_total"))
    now = datetime.now(UTC)
    # The last two hours, up to now (a calendar month's report ends at the last whole 5-minute step,
    # before this test's data began).
    period = Period(label="last 2 h", start=now - timedelta(hours=2), end=now, partial=True)
    with PrometheusClient(f"http://{world['vm']}") as client:
        report = build_sla_report(client, period, now=lambda: now)
    sites = {s.site: s for m in report.ministries for s in m.sites}
    # Every query of the report was answered (a refused one raises); the measured ratios need whole
    # 5-minute steps of data, the agreed targets are there at once.
    assert "moj-ratanakiri" in sites and sites["moj-ratanakiri"].availability_target is not None
    assert sites["moj-ratanakiri"].latency_target_s is not None and sites["moj-ratanakiri"].name == "Ratanakiri Provincial Court"
