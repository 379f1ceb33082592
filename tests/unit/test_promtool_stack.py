"""`netkit monitor stack` with Debian's real Prometheus and Alertmanager on free loopback ports: start,
reload, rules loaded, Alertmanager routing and inhibition on live alerts, stop leaving nothing behind."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from netkit.cli.app import app
from netkit.inventory import DEFAULT_INVENTORY, load_inventory
from netkit.monitor.as_code import stack
from netkit.monitor.as_code.rules_config import settings_for
from netkit.monitor.as_code.rules_windows import TEST
from ports import free_port
from typer.testing import CliRunner

pytestmark = pytest.mark.skipif(
    not (shutil.which("prometheus") and shutil.which("prometheus-alertmanager") and shutil.which("promtool")),
    reason="Debian's prometheus and prometheus-alertmanager are not installed")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, stack.StackSettings]]:
    directory = tmp_path_factory.mktemp("stack")
    settings = stack.StackSettings(
        prometheus_listen=f"127.0.0.1:{free_port()}", alertmanager_listen=f"127.0.0.1:{free_port()}",
        exporters=(f"127.0.0.1:{free_port()}",), windows=TEST,
        alertmanager=settings_for(TEST, f"http://127.0.0.1:{free_port()}/alerts"))
    try:
        stack.up(load_inventory(DEFAULT_INVENTORY), settings, directory)
        yield directory, settings
    finally:
        stack.down(directory)


def test_up_starts_both_with_the_generated_rules(running: tuple[Path, stack.StackSettings]) -> None:
    directory, settings = running
    state = stack.status(directory)
    assert state.running and all(p.ready for p in state.processes)
    groups = httpx.get(f"http://{settings.prometheus_listen}/api/v1/rules").json()["data"]["groups"]
    names = {g["name"] for g in groups}
    assert "netkit-devices" in names and "netkit-slo-moj-ratanakiri" in names and len(names) == 8
    assert all(g["interval"] == TEST.evaluation_interval_s for g in groups)
    deadline = time.monotonic() + 15  # Prometheus discovers its Alertmanagers in the background
    while True:
        ams = httpx.get(f"http://{settings.prometheus_listen}/api/v1/alertmanagers").json()["data"]
        if ams["activeAlertmanagers"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [a["url"] for a in ams["activeAlertmanagers"]] == [f"http://{settings.alertmanager_listen}/api/v2/alerts"]
    targets = httpx.get(f"http://{settings.prometheus_listen}/api/v1/targets").json()["data"]["activeTargets"]
    assert {t["labels"]["instance"] for t in targets if t["labels"]["job"] == "netkit"} == set(settings.exporters)


def _post_alerts(am: str, alerts: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC)
    body = [{"labels": a, "annotations": {"summary": "test"}, "startsAt": now.isoformat(),
             "endsAt": (now + timedelta(minutes=5)).isoformat()} for a in alerts]
    assert httpx.post(f"http://{am}/api/v2/alerts", json=body).status_code == 200


def test_a_site_down_inhibits_its_interface_alerts(running: tuple[Path, stack.StackSettings]) -> None:
    _, settings = running
    am = settings.alertmanager_listen
    site = {"site": "moj-ratanakiri", "ministry": "moj", "province": "Ratanakiri"}
    _post_alerts(am, [
        {"alertname": "NetkitSiteDown", "severity": "page", **site},
        {"alertname": "NetkitInterfaceDown", "severity": "ticket", "device": "moj-ratanakiri-r1", "interface": "eth1",
         **site},
        {"alertname": "NetkitInterfaceDown", "severity": "ticket", "device": "moj-battambang-r1", "interface": "eth1",
         "site": "moj-battambang", "ministry": "moj", "province": "Battambang"},
    ])
    deadline = time.monotonic() + 10
    while True:
        alerts = httpx.get(f"http://{am}/api/v2/alerts").json()
        state = {(a["labels"]["alertname"], a["labels"]["site"]): a["status"]["state"] for a in alerts}
        if len(state) == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert state == {("NetkitSiteDown", "moj-ratanakiri"): "active",
                     ("NetkitInterfaceDown", "moj-ratanakiri"): "suppressed",  # inhibited by its site being down
                     ("NetkitInterfaceDown", "moj-battambang"): "active"}
    groups = httpx.get(f"http://{am}/api/v2/alerts/groups").json()
    receivers = {(g["labels"].get("site"), g["receiver"]["name"]) for g in groups}
    assert ("moj-ratanakiri", "moj-ticket") in receivers and ("moj-battambang", "moj-ticket") in receivers


def _last_reloads(settings: stack.StackSettings) -> tuple[str, str]:
    prom = httpx.get(f"http://{settings.prometheus_listen}/api/v1/status/runtimeinfo").json()["data"]
    am = httpx.get(f"http://{settings.alertmanager_listen}/metrics").text
    return prom["lastConfigTime"], re.findall(r"^alertmanager_config_last_reload_success_timestamp_seconds (\S+)$",
                                              am, re.M)[0]


def test_up_again_reloads_in_place(running: tuple[Path, stack.StackSettings]) -> None:
    directory, settings = running
    before = [p.pid for p in stack.status(directory).processes]
    reloaded = _last_reloads(settings)
    time.sleep(1.1)  # Prometheus reports its reload time in whole seconds
    state = stack.up(load_inventory(DEFAULT_INVENTORY), settings, directory)
    assert [p.pid for p in state.processes] == before and state.running
    deadline = time.monotonic() + 10  # SIGHUP: both reload in the background
    while (now := _last_reloads(settings))[0] == reloaded[0] or now[1] == reloaded[1]:
        assert time.monotonic() < deadline, f"not reloaded: {now} == {reloaded}"
        time.sleep(0.2)


def test_cli_status_and_down_leave_nothing_running(tmp_path: Path) -> None:
    runner = CliRunner()
    prom, am = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["monitor", "stack", "up", "--dir", str(tmp_path), "--prometheus", prom,
                                 "--alertmanager", am, "--windows", "test", "--json"])
    assert result.exit_code == 0, result.output
    pids = [int((tmp_path / f"{n}.pid").read_text()) for n in ("prometheus", "alertmanager")]
    assert runner.invoke(app, ["monitor", "stack", "status", "--dir", str(tmp_path)]).exit_code == 0
    result = runner.invoke(app, ["monitor", "stack", "down", "--dir", str(tmp_path)])
    assert result.exit_code == 0 and "stopped: prometheus, alertmanager" in result.output
    for pid in pids:
        assert not stack._alive(pid)  # reaps it, then gone or a zombie
    assert runner.invoke(app, ["monitor", "stack", "status", "--dir", str(tmp_path)]).exit_code == 1
    assert runner.invoke(app, ["monitor", "stack", "down", "--dir", str(tmp_path)]).output.strip() == \
        "nothing was running"
