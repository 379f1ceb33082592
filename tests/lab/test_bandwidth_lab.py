"""Bandwidth measured end to end: the exporter runs its scheduled iperf3 tests from the NOC to the iperf3
server in each site router's namespace; Prometheus scrapes the results; the SLA report reads them. The
impaired Ratanakiri uplink (10 Mbit/s against 20 agreed) is a bandwidth miss; the other sites pass."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from labcopy import copy_inventory
from netkit.inventory import load_inventory
from netkit.monitor.as_code import stack
from netkit.monitor.as_code.rules_config import settings_for
from netkit.monitor.as_code.rules_windows import TEST
from netkit.monitor.sla_report.report import Period, build_sla_report
from netkit.monitor.sla_report.report_prometheus import PrometheusClient

if TYPE_CHECKING:
    from tests.lab.conftest import Lab

pytestmark = [pytest.mark.lab,
              pytest.mark.skipif(shutil.which("iperf3") is None, reason="iperf3 not installed (make deps)")]
LAB_MODE = "provisioned"
IMPAIRED = "moj-ratanakiri"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(what: str, check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(2)
    return result


def _always_off_peak(source: Path, out: Path) -> Path:
    """The lab inventory with the off-peak window open all day and short, frequent tests."""
    copy_inventory(source, out)
    path = out / "group_vars" / "all.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["netkit_network"]["bandwidth_tests"] = {"off_peak_at": "00:00", "off_peak_minutes": 1440, "seconds": 2,
                                                 "every_minutes": 1, "misses_in_a_row": 2}
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out


def _restore_inventory_impairment(lab: Lab) -> None:
    """An earlier module may have cleared the impaired uplink (`lab impair --clear` in the alerting test):
    put back what the inventory says of it."""
    for link in lab.plan.links:
        imp = link.impairment
        if link.site != IMPAIRED or imp is None:
            continue
        args = ["lab", "impair", link.name]
        args += ["--delay", f"{imp.delay_ms:g}ms"] if imp.delay_ms else []
        args += ["--jitter", f"{imp.jitter_ms:g}ms"] if imp.jitter_ms else []
        args += ["--loss", f"{imp.loss_pct:g}%"] if imp.loss_pct else []
        args += ["--rate", f"{imp.rate_mbit:g}mbit"] if imp.rate_mbit else []
        done = lab.netkit(*args, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def prometheus(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusClient]:
    tmp = tmp_path_factory.mktemp("bandwidth")
    inventory = _always_off_peak(lab.inventory.path, tmp / "inventory")
    settings = stack.StackSettings(
        prometheus_listen=f"127.0.0.1:{_free_port()}", alertmanager_listen=f"127.0.0.1:{_free_port()}",
        exporters=(f"127.0.0.1:{_free_port()}",), windows=TEST,
        alertmanager=settings_for(TEST, f"http://127.0.0.1:{_free_port()}/alerts"))
    pidfile = tmp / "exporter.pid"
    try:
        _restore_inventory_impairment(lab)
        lab.wait_converged()
        served = lab.netkit("monitor", "serve", "-i", str(inventory), "--listen", settings.exporters[0],
                            "--probe-interval", "2", "--snmp-interval", "10", "--background", "--pidfile", str(pidfile),
                            timeout=60)
        assert served.returncode == 0, served.stdout + served.stderr
        stack.up(load_inventory(inventory), settings, tmp / "stack")  # its rules: 2 misses in a row
        yield PrometheusClient(f"http://{settings.prometheus_listen}")
    finally:
        lab.netkit("monitor", "stop", "--pidfile", str(pidfile), timeout=30)
        stack.down(tmp / "stack")


def test_the_impaired_uplink_misses_its_bandwidth_and_the_others_meet_theirs(lab: Lab,
                                                                            prometheus: PrometheusClient) -> None:
    customer = {code for code, s in lab.inventory.sites.items() if s.kind == "customer"}
    _wait_for("a bandwidth result of every customer site in Prometheus", lambda: {
        s.labels["site"] for s in prometheus.query("netkit_bandwidth_test_bits_per_second")} >= customer, 150)
    measured = {s.labels["site"]: s.value for s in prometheus.query("netkit_bandwidth_test_bits_per_second")}
    agreed = {s.labels["site"]: s.value for s in prometheus.query("netkit_bandwidth_agreed_bits_per_second")}
    print("\n" + "\n".join(f"{site}: {measured[site] / 1e6:.1f} of {agreed[site] / 1e6:g} Mbit/s"
                           for site in sorted(customer)))
    assert measured[IMPAIRED] < agreed[IMPAIRED] and measured[IMPAIRED] < 11e6, measured
    for site in customer - {IMPAIRED}:
        assert measured[site] >= agreed[site], (site, measured[site], agreed[site])
    # The rule: two misses in a row (this test's inventory) fire the alert for the impaired site only.
    firing = _wait_for("NetkitBandwidthBelowAgreement firing", lambda: [
        a for a in prometheus.api("/api/v1/alerts")["alerts"]
        if a["labels"].get("alertname") == "NetkitBandwidthBelowAgreement" and a["state"] == "firing"], 180)
    assert {a["labels"]["site"] for a in firing} == {IMPAIRED}
    # The report's bandwidth column, read from the same Prometheus.
    end = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    period = Period(label="last hour", start=end - timedelta(hours=1), end=end, partial=True,
                    timezone=lab.inventory.network.timezone)
    report = build_sla_report(prometheus, period)
    rows = {s.site: s for m in report.ministries for s in m.sites}
    assert rows[IMPAIRED].bandwidth_met is False and rows[IMPAIRED].met is False
    assert all(rows[site].bandwidth_met is True for site in customer - {IMPAIRED}), {
        site: (rows[site].bandwidth_bps, rows[site].bandwidth_target_bps) for site in customer}
