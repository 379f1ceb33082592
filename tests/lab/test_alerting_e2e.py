"""End to end on the provisioned lab: the netkit exporter, Debian's Prometheus and Alertmanager (started by
`netkit.monitor.as_code.stack` with `--windows test` rules), and a webhook receiver in this test.

Impairing moj-ratanakiri's provincial uplink beyond its MoU loss (30 % each way against 2 %) makes the site's
burn-rate alert fire in Prometheus and arrive at the webhook through the moj page route; clearing the
impairment resolves it; with a maintenance window declared for the site the same impairment fires nothing.
Then every dashboard panel's query runs against this Prometheus. Everything started is stopped at the end.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from labcopy import copy_inventory
from netkit.monitor.as_code import stack
from netkit.monitor.as_code.dashboards import concrete, panel_queries
from netkit.monitor.as_code.dashboards_boards import all_dashboards
from netkit.monitor.as_code.rules_config import settings_for
from netkit.monitor.as_code.rules_windows import TEST
from netkit.monitor.sla_report.report_prometheus import PrometheusClient

if TYPE_CHECKING:
    from tests.lab.conftest import Lab

pytestmark = pytest.mark.lab
LAB_MODE = "provisioned"

SITE, ROUTER = "moj-ratanakiri", "moj-ratanakiri-r1"
BURN = "NetkitErrorBudgetBurn"
# Queries that may rightly be empty on a healthy lab: nothing fires, the FRR agents may not answer the
# routing MIBs through AgentX.
MAY_BE_EMPTY = {"Firing alerts A", "Every site against its agreement F", "Routing peers A", "Routing peers B",
                # the configuration drift board reads `netkit backup serve`, which this test does not run
                "Drifted devices A", "Drifted devices B", "Drifted devices C", "Features out of intent A",
                "Lines of drift A",
                # bandwidth tests run in the inventory's off-peak window (test_bandwidth_lab opens it all day)
                "Bandwidth tests A"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class Webhook:
    """Alertmanager's webhook receiver: keeps every notification with the path it was posted to."""

    received: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with hook.lock:
                    hook.received.append((time.monotonic(), self.path, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def alerts(self, since: float = 0.0) -> list[tuple[str, str, dict[str, Any]]]:
        """(path, receiver, alert) of every alert notified since `since`."""
        with self.lock:
            return [(path, body["receiver"], a) for t, path, body in self.received if t >= since
                    for a in body["alerts"]]


@dataclass
class Monitoring:
    lab: Lab
    tmp: Path
    exporter: str
    pidfile: Path
    prometheus: PrometheusClient
    settings: stack.StackSettings
    webhook: Webhook

    def serve_exporter(self, inventory: Path) -> None:
        result = self.lab.netkit("monitor", "serve", "-i", str(inventory), "--listen", self.exporter,
                                 "--probe-interval", "1", "--snmp-interval", "5", "--icmp-count", "5",
                                 "--background", "--pidfile", str(self.pidfile), timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr

    def stop_exporter(self) -> None:
        self.lab.netkit("monitor", "stop", "--pidfile", str(self.pidfile), timeout=30)

    def value(self, expr: str) -> float | None:
        samples = self.prometheus.query(expr)
        return samples[0].value if samples else None

    def burn_alerts(self, states: tuple[str, ...] = ("firing",)) -> list[dict[str, Any]]:
        alerts = self.prometheus.api("/api/v1/alerts")["alerts"]
        return [a for a in alerts if a["labels"].get("alertname") == BURN and a["state"] in states]

    def site_burns(self, site: str, states: tuple[str, ...] = ("pending", "firing")) -> list[dict[str, Any]]:
        return [a for a in self.burn_alerts(states) if a["labels"]["site"] == site]


def _blocking(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The burn alerts the first test waits for itself: any page, and the loss SLI at any severity."""
    return [a for a in alerts if a["labels"]["severity"] == "page" or a["labels"]["sli"] == "loss"]


def _with_maintenance(source: Path, out: Path, site: str) -> Path:
    """A copy of the inventory with a maintenance window open now for `site`."""
    copy_inventory(source, out)
    path = out / "group_vars" / f"site_{site.replace('-', '_')}.yml"
    data = yaml.safe_load(path.read_text())
    now = datetime.now(UTC).replace(microsecond=0)
    data["netkit_site"]["maintenance"] = [{"reason": "e2e test: planned work on the uplink",
                                           "start": (now - timedelta(hours=1)).isoformat(),
                                           "end": (now + timedelta(hours=2)).isoformat()}]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


@pytest.fixture(scope="module")
def monitoring(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Monitoring]:
    tmp = tmp_path_factory.mktemp("alerting-e2e")
    webhook = Webhook()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), webhook.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = stack.StackSettings(
        prometheus_listen=f"127.0.0.1:{free_port()}", alertmanager_listen=f"127.0.0.1:{free_port()}",
        exporters=(f"127.0.0.1:{free_port()}",), windows=TEST,
        alertmanager=settings_for(TEST, f"http://127.0.0.1:{server.server_address[1]}/alerts"))
    mon = Monitoring(lab, tmp, settings.exporters[0], tmp / "exporter.pid",
                     PrometheusClient(f"http://{settings.prometheus_listen}"), settings, webhook)
    try:
        lab.wait_converged()
        mon.serve_exporter(lab.inventory.path)
        stack.up(lab.inventory, settings, tmp / "stack")
        wait_for("the lab's probe counters in Prometheus", lambda: mon.value(
            f'sum(netkit_probe_cycles_total{{site="{SITE}"}})'), timeout=60)
        wait_for("burn rates recorded for every lab site", lambda: len({s.labels["site"] for s in mon.prometheus.query(
            'netkit_site:slo_burn_rate:ratio{window="10s"}')}) == len(lab.inventory.sites), timeout=60)
        # The site under test starts without a page and without a loss alert: the two things the first
        # test makes fire. A latency ticket may stand: in 60x-shortened windows, a few replies over the
        # 120 ms agreement while a loaded 2-core machine starts the stack (the site's link adds 40 ms of
        # its own) keep the 24 min ticket window above its threshold long after the 1 min rate is back
        # to zero. Other sites are not asserted on: nat-dc's 10 ms / 99.9 % agreement is stricter still.
        try:
            wait_for(f"no page and no loss alert for {SITE} on the healthy lab",
                     lambda: not _blocking(mon.site_burns(SITE)), timeout=120)
        except AssertionError as e:
            details = [f"{a['labels']} value={a['value']}" for a in _blocking(mon.site_burns(SITE))]
            burns = [f"{s.labels} {s.value:.2f}" for s in mon.prometheus.query(
                f'netkit_site:slo_burn_rate:ratio{{site="{SITE}", window="1m"}}')]
            raise AssertionError(f"{e}:\n" + "\n".join([*details, "1 min burn rates:", *burns])) from None
        others = [f"{a['labels']['site']} {a['labels']['sli']}" for a in mon.burn_alerts(("pending", "firing"))]
        print(f"\nburn-rate alerts of other sites before the test: {others or 'none'}")
        yield mon
    finally:
        lab.netkit("lab", "impair", ROUTER, "--clear", timeout=60)
        mon.stop_exporter()
        stack.down(tmp / "stack")
        server.shutdown()
        server.server_close()


def test_impaired_uplink_fires_the_burn_alert_and_clearing_resolves_it(monitoring: Monitoring) -> None:
    mon = monitoring
    started = time.monotonic()
    result = mon.lab.netkit("lab", "impair", ROUTER, "--loss", "30%", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr

    page = wait_for("the page in Prometheus", lambda: [
        a for a in mon.burn_alerts() if a["labels"]["site"] == SITE and a["labels"]["severity"] == "page"],
        timeout=120)
    fired_after = time.monotonic() - started
    # 30% each way loses about half the round trips: loss pages; availability may page too (a 5-echo cycle
    # with every reply lost, about 3% of cycles, already burns a 99% availability budget fast).
    assert "loss" in {a["labels"]["sli"] for a in page} <= {"loss", "availability"}
    assert float(page[0]["value"]) > 6  # the burn rate of the pair that fired: over 14.4 (1 m) or 6 (6 m)
    assert page[0]["annotations"]["runbook_url"] == "docs/alerting.md#netkiterrorbudgetburn"
    # only the impaired site burns its loss budget
    assert {a["labels"]["site"] for a in mon.burn_alerts(("pending", "firing")) if a["labels"]["sli"] == "loss"} \
        == {SITE}

    notified = wait_for("the page at the webhook", lambda: [
        (path, receiver, a) for path, receiver, a in mon.webhook.alerts(started)
        if a["labels"].get("alertname") == BURN and a["labels"].get("severity") == "page"
        and a["labels"].get("site") == SITE and a["status"] == "firing"], timeout=30, interval=0.5)
    path, receiver, alert = notified[0]
    assert (path, receiver) == ("/alerts/moj/page", "moj-page")
    assert alert["labels"]["site"] == SITE and alert["labels"]["sli"] == "loss"
    assert alert["annotations"]["dashboard"].endswith(f"var-site={SITE}")
    print(f"\npage fired {fired_after:.0f} s after the impairment")

    cleared = time.monotonic()
    result = mon.lab.netkit("lab", "impair", ROUTER, "--clear", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    wait_for("the resolved page at the webhook", lambda: [
        a for path, _, a in mon.webhook.alerts(cleared)
        if path == "/alerts/moj/page" and a["labels"].get("alertname") == BURN and a["labels"].get("site") == SITE
        and a["status"] == "resolved"],
        timeout=90, interval=0.5)
    print(f"resolved {time.monotonic() - cleared:.0f} s after clearing")


def test_a_declared_maintenance_window_suppresses_the_alert(monitoring: Monitoring) -> None:
    mon = monitoring
    inventory = _with_maintenance(mon.lab.inventory.path, mon.tmp / "inventory-maintenance", SITE)
    mon.stop_exporter()
    mon.serve_exporter(inventory)
    wait_for("the maintenance gauge", lambda: mon.value(f'netkit_site_maintenance{{site="{SITE}"}}') == 1,
             timeout=30)
    # whatever the first test left (a ticket winding down) goes once the site's events stop counting
    wait_for("no burn alert left for the site", lambda: not mon.site_burns(SITE), timeout=60)
    started = time.monotonic()
    result = mon.lab.netkit("lab", "impair", ROUTER, "--loss", "30%", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    wait_for("the loss to show in the probes", lambda: (mon.value(
        f'max(avg_over_time(netkit_probe_loss_ratio{{site="{SITE}"}}[10s]))') or 0) > 0.25, timeout=30)
    # Without maintenance the page fired within 10-20 s (first test): give it 45 s here.
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        assert not mon.site_burns(SITE)
        time.sleep(2)
    assert not [a for _, _, a in mon.webhook.alerts(started)
                if a["labels"].get("site") == SITE and a["labels"].get("alertname") == BURN
                and a["status"] == "firing"]
    assert mon.value(f'max(netkit_probe_loss_ratio{{site="{SITE}"}})') is not None  # still measured
    assert mon.prometheus.query(f'netkit_site:sli_bad_events:rate{{site="{SITE}"}}') == []  # excluded
    result = mon.lab.netkit("lab", "impair", ROUTER, "--clear", timeout=60)
    assert result.returncode == 0


def test_every_dashboard_query_runs_against_the_lab(monitoring: Monitoring) -> None:
    mon = monitoring
    mon.stop_exporter()
    mon.serve_exporter(mon.lab.inventory.path)
    wait_for("budget left for every site", lambda: len(mon.prometheus.query(
        "netkit_site:slo_error_budget_remaining:ratio")) >= 3 * len(mon.lab.inventory.sites), timeout=120)
    wait_for(f"{SITE}'s burn rates back after its maintenance", lambda: mon.prometheus.query(
        f'netkit_site:slo_burn_rate:ratio{{site="{SITE}", window="1m"}}'), timeout=60)
    values = {"ministry": ".*", "site": SITE, "device": ROUTER, "window": "1m"}
    empty = []
    for board in all_dashboards().values():
        for q in panel_queries(board):
            expr = concrete(q.expr, values, "30s")
            result = mon.prometheus.query(expr)  # raises on a query Prometheus refuses
            if not result and f"{q.panel} {q.ref}" not in MAY_BE_EMPTY:
                empty.append(f"{q.dashboard} / {q.panel} {q.ref}: {expr}")
    assert not empty, "panels without data on the lab:\n" + "\n".join(empty)
