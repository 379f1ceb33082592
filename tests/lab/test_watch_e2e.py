"""The configuration watcher end to end on the provisioned lab: `netkit backup serve` receiving the lab
routers' syslog, Debian's Prometheus and Alertmanager (`netkit.monitor.as_code.stack`, `--windows test` rules), and
a webhook receiver in this test.

An engineer changes moj-ratanakiri-r1 by hand over SSH (netmiko, as a user would): within 60 s the backup store
has a commit with the diff and the user, the drift metric is set, NetkitConfigDrift fires in Alertmanager and
reaches the engineering receiver (not a ministry's page), and `netkit compliance` gives the remediation.
`netkit provision site` restores the router and the alert resolves. The watcher restarts without losing its
counters. A router whose management link is down gives a backup failure and no drift.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import netmiko
import pytest
import yaml
from labcopy import copy_inventory
from netkit.lab.daemons import LAB_SYSLOG_PORT
from netkit.monitor.as_code import stack
from netkit.monitor.as_code.rules_config import settings_for
from netkit.monitor.as_code.rules_windows import TEST
from netkit.monitor.sla_report.report_prometheus import PrometheusClient
from netkit.paths import state_dir
from netkit.provision.backups import BackupStore
from test_alerting_e2e import Webhook, free_port, wait_for

if TYPE_CHECKING:
    from tests.lab.conftest import Lab

pytestmark = pytest.mark.lab
LAB_MODE = "provisioned"

SITE, ROUTER = "moj-ratanakiri", "moj-ratanakiri-r1"
DRIFT = "NetkitConfigDrift"
HAND_EDIT = "description hand edit by an engineer"


@dataclass
class Watch:
    lab: Lab
    tmp: Path
    inventory: Path
    listen: str
    prometheus: PrometheusClient
    settings: stack.StackSettings
    webhook: Webhook
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.tmp / "watch.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "netkit", "backup", "serve", "-i", str(self.inventory), "--listen", self.listen,
             "--syslog-listen", f"{self.lab.plan.host_mgmt_address.ip}:{LAB_SYSLOG_PORT}", "--interval", "1h",
             "--retry", "5", "--debounce", "2"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=os.environ.copy())
        wait_for("the watcher's metrics endpoint", self.ready, timeout=60)

    def ready(self) -> bool:
        assert self.proc is not None and self.proc.poll() is None, self.log()
        try:
            return httpx.get(f"http://{self.listen}/metrics", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self) -> str:
        return (self.tmp / "watch.log").read_text(errors="replace")[-4000:]

    def value(self, expr: str) -> float | None:
        samples = self.prometheus.query(expr)
        return samples[0].value if samples else None

    def alerts(self, name: str, device: str) -> list[dict[str, Any]]:
        """The alert in the lab's Alertmanager (its own API), active ones only."""
        url = f"http://{self.settings.alertmanager_listen}/api/v2/alerts"
        return [a for a in httpx.get(url, params={"active": "true"}, timeout=5).json()
                if a["labels"].get("alertname") == name and a["labels"].get("device") == device]


def _with_site_interval(source: Path, out: Path, site: str, interval: str) -> Path:
    """A copy of the inventory where one site group sets its own backup interval."""
    copy_inventory(source, out)
    path = out / "group_vars" / f"site_{site.replace('-', '_')}.yml"
    data = yaml.safe_load(path.read_text())
    data["netkit_backup"] = {"interval": interval}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


@pytest.fixture(scope="module")
def watch(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watch]:
    tmp = tmp_path_factory.mktemp("watch-e2e")
    webhook = Webhook()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), webhook.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    listen = f"127.0.0.1:{free_port()}"
    settings = stack.StackSettings(
        prometheus_listen=f"127.0.0.1:{free_port()}", alertmanager_listen=f"127.0.0.1:{free_port()}",
        exporters=(f"127.0.0.1:{free_port()}",), watchers=(listen,), windows=TEST,
        alertmanager=settings_for(TEST, f"http://127.0.0.1:{server.server_address[1]}/alerts"))
    w = Watch(lab, tmp, _with_site_interval(lab.inventory.path, tmp / "inventory", SITE, "15s"), listen,
              PrometheusClient(f"http://{settings.prometheus_listen}"), settings, webhook)
    try:
        w.start()
        stack.up(lab.inventory, settings, tmp / "stack")
        wait_for("a successful first backup of every lab router in Prometheus", lambda: len(w.prometheus.query(
            "netkit_config_backup_success == 1")) == len(lab.routers), timeout=120)
        assert w.value(f'netkit_config_drift_lines{{device="{ROUTER}"}}') == 0, \
            f"the provisioned {ROUTER} already drifts:\n" + lab.netkit("compliance", ROUTER).stdout
        yield w
    finally:
        with open(tmp / "watch.log", "rb") as f:
            print("\nwatcher log (tail):\n" + f.read().decode(errors="replace")[-3000:])
        w.stop()
        stack.down(tmp / "stack")
        server.shutdown()
        server.server_close()
        mgmt = lab.plan.device(ROUTER).mgmt_interface
        lab.exec(ROUTER, f"ip link set {mgmt} up", check=False)


def _hand_edit(lab: Lab) -> None:
    """What an engineer does: SSH to the router, configure terminal, change it, write memory."""
    conn = netmiko.ConnectHandler(**lab.netmiko_params(ROUTER))
    try:
        conn.send_config_set(["interface eth1", HAND_EDIT])
        conn.save_config()
    finally:
        conn.disconnect()


def test_a_hand_edit_is_committed_alerted_and_restored(watch: Watch) -> None:
    w, lab = watch, watch.lab
    store = BackupStore(state_dir() / "backups")
    before = len(store.log(SITE, ROUTER, limit=100, with_diff=False))
    started = time.monotonic()
    _hand_edit(lab)

    entry = wait_for("the watcher's commit of the hand edit", lambda: next(
        (e for e in store.log(SITE, ROUTER, limit=5) if HAND_EDIT in e.diff and "(syslog)" in e.message), None),
        timeout=60, interval=0.5)
    committed = time.monotonic() - started
    assert f"+ {HAND_EDIT}" in entry.diff
    assert entry.author == lab.credentials.username  # who: the SSH user, from the router's sshd log
    full = subprocess.run(["git", "-C", str(store.root), "show", "-s", "--format=%B", entry.id],
                          capture_output=True, text=True, check=True).stdout
    assert f"by: {lab.credentials.username}" in full and HAND_EDIT in full
    assert lab.credentials.password not in full
    assert len(store.log(SITE, ROUTER, limit=100, with_diff=False)) == before + 1  # one edit, one commit

    wait_for("the drift metric", lambda: (w.value(f'netkit_config_drift_lines{{device="{ROUTER}"}}') or 0) > 0,
             timeout=60 - (time.monotonic() - started), interval=0.5)
    assert w.value(f'netkit_config_compliant{{device="{ROUTER}", feature="interfaces"}}') == 0
    assert w.value(f'netkit_config_compliant{{device="{ROUTER}", feature="routing"}}') == 1
    firing = wait_for("NetkitConfigDrift in Alertmanager", lambda: w.alerts(DRIFT, ROUTER),
                      timeout=max(5.0, 60 - (time.monotonic() - started)), interval=0.5)
    fired = time.monotonic() - started
    assert firing[0]["labels"]["team"] == "engineering" and firing[0]["labels"]["site"] == SITE
    assert fired < 60, f"the alert took {fired:.0f} s"
    notified = wait_for("the drift alert at the engineering receiver", lambda: [
        (path, receiver) for path, receiver, a in w.webhook.alerts()
        if a["labels"].get("alertname") == DRIFT and a["status"] == "firing"], timeout=30, interval=0.5)
    assert set(notified) == {("/alerts/engineering/all", "engineering")}  # no ministry page

    result = lab.netkit("compliance", ROUTER, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)[0]
    assert "description" in report["remediation"] and "interface eth1" in report["remediation"]
    assert any(HAND_EDIT in line for f in report["features"] for line in f["extra"])
    print(f"\ncommit {committed:.0f} s, alert firing {fired:.0f} s after the hand edit")

    restored = time.monotonic()
    result = lab.netkit("provision", "site", SITE, "--yes", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    wait_for("no drift after the restore", lambda: w.value(f'netkit_config_drift_lines{{device="{ROUTER}"}}') == 0,
             timeout=60, interval=0.5)
    wait_for("the resolved drift alert at the engineering receiver", lambda: [
        a for path, _, a in w.webhook.alerts() if path == "/alerts/engineering/all"
        and a["labels"].get("alertname") == DRIFT and a["status"] == "resolved"], timeout=90, interval=0.5)
    assert not w.alerts(DRIFT, ROUTER)
    print(f"resolved {time.monotonic() - restored:.0f} s after `netkit provision site` started")


def test_the_watcher_keeps_its_state_across_a_restart(watch: Watch) -> None:
    w = watch
    changes = w.value(f'netkit_config_changes_total{{device="{ROUTER}"}}')
    assert changes is not None and changes >= 1
    state = json.loads((state_dir() / "watch" / "state.json").read_text())
    herat, other = state["devices"][ROUTER], state["devices"]["moj-hq-r1"]
    assert herat["next_due"] - herat["last_attempt"] == pytest.approx(15, abs=1)  # its site group's interval
    assert other["next_due"] - other["last_attempt"] == pytest.approx(3600, abs=1)  # the default
    w.stop()
    w.start()
    time.sleep(3)
    metrics = httpx.get(f"http://{w.listen}/metrics", timeout=5).text
    line = next(ln for ln in metrics.splitlines()
                if ln.startswith("netkit_config_changes_total{") and f'device="{ROUTER}"' in ln)
    assert float(line.rsplit(" ", 1)[1]) == changes


def test_a_router_that_is_down_fails_its_backup_without_false_drift(watch: Watch) -> None:
    w, lab = watch, watch.lab
    mgmt = lab.plan.device(ROUTER).mgmt_interface
    lab.exec(ROUTER, f"ip link set {mgmt} down")
    try:
        wait_for("a failed backup of the unreachable router", lambda: w.value(
            f'netkit_config_backup_success{{device="{ROUTER}"}}') == 0, timeout=120, interval=1)
        assert w.value(f'netkit_config_drift_lines{{device="{ROUTER}"}}') == 0
        assert not w.alerts(DRIFT, ROUTER)
        state = json.loads((state_dir() / "watch" / "state.json").read_text())
        assert state["devices"][ROUTER]["error"]
        assert lab.credentials.password not in json.dumps(state)
    finally:
        lab.exec(ROUTER, f"ip link set {mgmt} up")
    wait_for("the router backed up again", lambda: w.value(
        f'netkit_config_backup_success{{device="{ROUTER}"}}') == 1, timeout=120, interval=1)
